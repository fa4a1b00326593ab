"""Kernel report: the reference guide's core rows, measured in Wasmer beside numpy.

    python scripts/kernel_report.py [--quick] [--markdown FILE] [--engine wasmer|wasmtime]
                                    [--special-only] [--special-engines wasmer,node,firefox,webkit]
                                    [--special-rounds N]

The report is reports/kernel.py (the special functions against scipy in every
engine: reports/special.py); `make report` writes docs/benchmarks.md's sections.
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
    parser.add_argument("--special-only", action="store_true",
                        help="measure only the special functions against scipy (ns per value, every engine)")
    parser.add_argument("--special-engines", default="wasmer,node,firefox,webkit",
                        help="engines of the special-function section (default: %(default)s)")
    parser.add_argument("--special-rounds", type=int, default=3, help="rounds of that section (default 3)")
    args = parser.parse_args(argv)
    engines = [e.strip() for e in args.special_engines.split(",") if e.strip()]
    return kernel.run(quick=args.quick, markdown=args.markdown, engine=args.engine,
                      special_only=args.special_only, special_engines=engines,
                      special_rounds=args.special_rounds)


if __name__ == "__main__":
    sys.exit(main())
