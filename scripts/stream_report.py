"""Streaming report: fused vs op-by-op chains, anomaly-detector throughput,
memory-pool reuse and profiler overhead, measured in Wasmer.

    python scripts/stream_report.py [--quick] [--markdown FILE] [--engine wasmer|wasmtime]

The report is reports/stream.py.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reports import stream


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter timing budget per row")
    parser.add_argument("--markdown", type=Path, help="also write the tables to this file")
    parser.add_argument("--engine", choices=["wasmer", "wasmtime"], default=None)
    args = parser.parse_args(argv)
    return stream.run(quick=args.quick, markdown=args.markdown, engine=args.engine)


if __name__ == "__main__":
    sys.exit(main())
