"""The reference guide's benchmark tables in its own layout, its figure and ours side by side in every cell.

    python scripts/seed_tables.py [--peers docs/peers.json] [--measure] [--out docs/seed_tables.md]

The tables are reports/guide_tables.py; `make seed-tables`.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reports import guide_tables


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peers", type=Path, default=guide_tables.DEFAULT_PEERS,
                        help="the peer report's JSON (default docs/peers.json, from `make peers`)")
    parser.add_argument("--measure", action="store_true", help="run scripts/peer_report.py first (minutes)")
    parser.add_argument("--out", type=Path, default=guide_tables.DEFAULT_OUT)
    args = parser.parse_args(argv)
    return guide_tables.run(peers=args.peers, measure=args.measure, out=args.out)


if __name__ == "__main__":
    sys.exit(main())
