"""How noisy is the suite? Run it several times at HEAD and report, per benchmark, the within-run spread of its samples.

    python scripts/noise_report.py [--runs 3] [--bench REGEX] [-a NAME=VALUE]
                                   [--markdown FILE] [--keep DIR] [--json FILE]

Each run is ``asv run --python=same --record-samples`` against the installed
package; the target is CV = IQR / median <= 3 % for every time benchmark of
100 us or more (exit 1 when one is over). The report is reports/noise/.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reports.noise import report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--bench", "-b", action="append", default=[])
    parser.add_argument("--attribute", "-a", action="append", default=[], metavar="NAME=VALUE",
                        help="override a harness setting for these runs (asv run -a), "
                        "e.g. -a rounds=4 -a 'repeat=(5,8,2.0)'")
    parser.add_argument("--markdown", type=Path,
                        help="also write the table as the noise-report section of this file")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="keep each run's asv results in DIR/run-N (default: thrown away)")
    parser.add_argument("--json", type=Path, help="also write the measured CVs here (read by "
                        "evaluation/corpus.py as the noise model)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return report.run(runs=args.runs, bench=args.bench, attribute=args.attribute,
                      markdown=args.markdown, keep=args.keep, json_path=args.json)


if __name__ == "__main__":
    sys.exit(main())
