"""Make a demo history with a known regression, for screenshots and trying `make run`.

    python scripts/demo_history.py DEST [--before 8] [--after 8]

The history is made by reports/demo_history.py.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reports import demo_history


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path)
    parser.add_argument("--before", type=int, default=8, help="commits before the regression")
    parser.add_argument("--after", type=int, default=8, help="commits from the regression on")
    args = parser.parse_args(argv)
    return demo_history.run(args.dest, before=args.before, after=args.after)


if __name__ == "__main__":
    sys.exit(main())
