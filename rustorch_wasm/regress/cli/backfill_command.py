"""``rustorch-regress backfill``: measure a long history on many machines.

    rustorch-regress backfill plan --range A..B --shards N [--out PLAN] [--machine NAME]
        [--bench REGEX] [--build-jobs B] [--results DIR]
    rustorch-regress backfill build --plan PLAN --batch I --wheels DIR [--env-dir DIR]
    rustorch-regress backfill shard --plan PLAN --shard I --wheels DIR --results OUT
        [--env-dir DIR] [--asv-arg ARG]
    rustorch-regress backfill run --range A..B --shards N --jobs K [--results DIR] [--work DIR]

``plan`` (:mod:`..io.shards`) picks the builds of the range not yet measured
on ``--machine`` (the build key of ``run``, :mod:`..io.builds`), splits
them into build batches, and splits the benchmarks (those of the results'
``benchmarks.json``, else asv's discovery in this interpreter; ``--bench``
narrows them) into shards balanced by earlier durations, else by count.
``build`` makes one batch's wheels with asv (:mod:`.prebuilt`), once each.
``shard`` installs every prebuilt wheel into asv's build cache and runs its
benchmarks over every build (:func:`.asv_runner.run_history`, with a build
command that fails: a shard never builds), into an asv results directory
and nothing else. ``merge`` then makes one results directory of the shards.
``run`` (:mod:`.backfill_local`) does it all on this machine with K processes.

Exit status 0 when done, 2 on bad input (one line ``error: ...``).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..io.atomic import write_atomic
from ..io.shards import BackfillPlan
from .backfill_jobs import BUILDS_PER_JOB, build_batch, make_backfill_plan, measure_shard, say


def run_plan(args: argparse.Namespace) -> int:
    made = make_backfill_plan(args)
    text = made.dumps()
    if args.out is None or str(args.out) == "-":
        sys.stdout.write(text)
    else:
        write_atomic(args.out, text)
    return 0


def run_build(args: argparse.Namespace) -> int:
    made = BackfillPlan.load(args.plan)
    wheels = build_batch(Path(args.project).resolve(), made, args.batch, args.wheels, args.env_dir)
    print(f"backfill build: batch {args.batch}: {len(wheels)} wheel(s) in {args.wheels}")
    return 0


def run_shard(args: argparse.Namespace) -> int:
    made = BackfillPlan.load(args.plan)
    code = measure_shard(Path(args.project).resolve(), made, args.shard, args.wheels,
                         args.results, args.env_dir, args.asv_arg)
    if code != 0:
        say(f"warning: asv exited with status {code} (some benchmarks failed); "
            f"the results that exist are in {args.results}")
    return 0


def run_local(args: argparse.Namespace) -> int:
    from .backfill_local import run_local as local   # the process pool, only when asked for

    return local(args)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--project", type=Path, default=Path("."),
                   help="the asv project (its asv.conf.json; default: the working directory)")


def _planning(p: argparse.ArgumentParser) -> None:
    p.add_argument("--range", required=True, help="git range to backfill, A..B")
    p.add_argument("--shards", type=int, required=True, help="measure jobs")
    p.add_argument("--machine", help="the asv machine name of every shard (default: host name)")
    p.add_argument("--bench", "-b", action="append", default=[], metavar="REGEX",
                   help="only benchmarks whose name matches (repeatable; default: all)")
    p.add_argument("--build-jobs", type=int, default=None,
                   help=f"build jobs (default: one per {BUILDS_PER_JOB} builds, at most 256)")
    p.add_argument("--results", type=Path, default=None,
                   help="earlier asv results: measured builds, durations, benchmarks.json "
                        "(default: asv.conf.json's results_dir)")
    p.add_argument("--all-commits", action="store_true",
                   help="every commit, also those with their parent's build")
    p.add_argument("--config", type=Path, default=None,
                   help="detector config (its profile's build_paths; default: regress.json)")


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("backfill", help="plan, build, measure and merge a long history in shards",
                       description=__doc__.split("\n\n")[0].split(": ", 1)[1])
    steps = p.add_subparsers(dest="step", metavar="STEP")
    steps.required = True
    s = steps.add_parser("plan", help="the build and measure matrices as JSON")
    _common(s)
    _planning(s)
    s.add_argument("--out", type=Path, default=None, help="write the plan here (default stdout)")
    s.set_defaults(func=run_plan)
    s = steps.add_parser("build", help="build one batch of the plan's wheels, once each")
    _common(s)
    s.add_argument("--plan", type=Path, required=True)
    s.add_argument("--batch", type=int, required=True)
    s.add_argument("--wheels", type=Path, required=True, help="where the wheels go")
    s.add_argument("--env-dir", type=Path, default=None, help="asv env_dir (default: project's)")
    s.set_defaults(func=run_build)
    s = steps.add_parser("shard", help="measure one shard from prebuilt wheels")
    _common(s)
    s.add_argument("--plan", type=Path, required=True)
    s.add_argument("--shard", type=int, required=True)
    s.add_argument("--wheels", type=Path, required=True, help="the build stage's wheels")
    s.add_argument("--results", type=Path, required=True, help="the shard's asv results directory")
    s.add_argument("--env-dir", type=Path, default=None, help="asv env_dir (default: project's)")
    s.add_argument("--asv-arg", action="append", default=[], metavar="ARG",
                   help="extra argument for asv run, e.g. --asv-arg=--quick")
    s.set_defaults(func=run_shard)
    s = steps.add_parser("run", help="plan, build, measure and merge here with K processes")
    _common(s)
    _planning(s)
    s.add_argument("--jobs", type=int, default=1, help="local processes (default 1)")
    s.add_argument("--work", type=Path, default=None,
                   help="plan, wheels, environments, shards and logs (default .asv/backfill)")
    s.add_argument("--asv-arg", action="append", default=[], metavar="ARG",
                   help="extra argument for asv run, e.g. --asv-arg=--quick")
    s.set_defaults(func=run_local)
    return p


__all__ = ["add_parser"]
