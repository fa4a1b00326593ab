"""Screenshot the gate's PR comment as GitHub renders it (docs/gate_and_site.md).

    python scripts/comment_screenshot.py GATE.md OUT.png [--open] [--size 1360x820]

The rendering and the screenshot are in reports/comment_screenshot.py.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reports import comment_screenshot


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path, help="a gate report (rustorch-regress gate --markdown)")
    parser.add_argument("out", type=Path, help="the PNG to write")
    parser.add_argument("--open", action="store_true", help="expand the collapsed sections")
    parser.add_argument("--size", default="1360x820", help="window size WIDTHxHEIGHT")
    args = parser.parse_args(argv)
    return comment_screenshot.run(args.report, args.out, args.open, args.size)


if __name__ == "__main__":
    sys.exit(main())
