"""Watch one benchmark body over time: is the noise ours or the machine's?

    python scripts/noise_probe.py [--case linear_2048_512] [--seconds 8] [--calls 100]

The probe is reports/noise/probe.py.
"""
from __future__ import annotations

import argparse
import sys

from reports.noise import probe


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", default="linear_2048_512", choices=probe.cases())
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--calls", type=int, default=100)
    args = parser.parse_args(argv)
    return probe.run(case=args.case, seconds=args.seconds, calls=args.calls)


if __name__ == "__main__":
    sys.exit(main())
