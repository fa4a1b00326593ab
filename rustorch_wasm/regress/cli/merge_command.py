"""``rustorch-regress merge``: combine results directories (a backfill's shards) into one.

    rustorch-regress merge SHARD_DIR... --out RESULTS [--config F]

Result files of the same machine, commit and environment are merged entry by
entry (:mod:`..io.merge`: ``result_columns`` checked, ``durations`` merged);
a benchmark found in two inputs is an error naming both, unless it is an
exact count of the profile (``--config``, else ``./regress.json``) with
equal values. An existing ``--out`` is merged into, not overwritten; the
result is what ``asv publish``, ``detect`` and ``site`` read.

Exit status 0 when merged, 2 on bad input or a conflict (one line ``error: ...``).
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from ..model.config import config_path, load_config
from ..model.profile import Profile
from ..io.merge import MergeSummary, merge_dirs


def exact_test(profile: Profile) -> Callable[[str], bool]:
    """Is a benchmark name an exact count of ``profile``?"""
    counts = profile.exact_counts
    return lambda name: counts is not None and counts.matches(name.rpartition(".")[2])


def merge(inputs: list[Path], out: Path, config: Path | None) -> MergeSummary:
    profile = load_config(config_path(config, Path.cwd())).profile
    return merge_dirs(inputs, out, is_exact=exact_test(profile))


def run(args: argparse.Namespace) -> int:
    summary = merge(args.shards, args.out, args.config)
    for note in summary.notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"{summary.text()} -> {args.out}")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("merge", help="merge asv results directories (backfill shards) into one",
                       description=__doc__.split("\n\n")[0].split(": ", 1)[1],
                       epilog="Exit status 0 when merged, 2 on bad input or a conflict.")
    p.add_argument("shards", nargs="+", type=Path, metavar="SHARD_DIR",
                   help="asv results directories to merge")
    p.add_argument("--out", type=Path, required=True,
                   help="the merged results directory (merged into when it exists)")
    p.add_argument("--config", type=Path, default=None,
                   help="detector config whose profile names the exact counts "
                        "(default: ./regress.json when present)")
    p.set_defaults(func=run)
    return p


__all__ = ["add_parser", "exact_test", "merge", "run"]
