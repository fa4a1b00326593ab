"""Screenshot a built trend site in headless Chromium (the README's and docs/ pictures).

    python scripts/site_screenshots.py SITE OUT.png [--page PATH] [--hover INDEX | --finding]
        [--size 1366x900]

The screenshots are taken by reports/site_screenshots.py.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reports import site_screenshots


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path, help="a site built by rustorch-regress site or run")
    parser.add_argument("out", type=Path, help="the PNG to write")
    parser.add_argument("--page", default="index.html", help="page of the site (default index.html)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--hover", type=int, default=None, metavar="INDEX",
                       help="hover point INDEX of the page's first plot (-1: the newest)")
    group.add_argument("--finding", action="store_true",
                       help="hover the first finding's point of the page's first plot")
    parser.add_argument("--size", default="1366x900", help="window size WIDTHxHEIGHT")
    args = parser.parse_args(argv)
    return site_screenshots.run(args.site, args.out, args.page, args.hover, args.finding, args.size)


if __name__ == "__main__":
    sys.exit(main())
