"""Measure where the WebGPU path starts beating the wasm CPU path, per op, on this adapter.

    python scripts/webgpu_crossover.py [--quick] [--repeat N] [--out rustorch_wasm/webgpu_crossover.json]

The measurement is reports/webgpu_crossover.py.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reports import webgpu_crossover
from rustorch_wasm.webgpu import CROSSOVER_PATH


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two sizes per op")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=CROSSOVER_PATH)
    raw = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(raw)
    return webgpu_crossover.run(quick=args.quick, repeat=args.repeat, out=args.out, argv=raw)


if __name__ == "__main__":
    sys.exit(main())
