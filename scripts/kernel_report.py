"""Kernel report: the reference guide's core rows, measured in Wasmer beside numpy.

    python scripts/kernel_report.py [--quick] [--markdown FILE] [--engine wasmer|wasmtime]

The report is reports/kernel.py; `make report` writes docs/benchmarks.md's section.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reports import kernel


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter timing budget per row")
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    parser.add_argument("--engine", choices=["wasmer", "wasmtime"], default=None)
    args = parser.parse_args(argv)
    return kernel.run(quick=args.quick, markdown=args.markdown, engine=args.engine)


if __name__ == "__main__":
    sys.exit(main())
