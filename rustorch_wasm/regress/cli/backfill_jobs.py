"""The jobs of a backfill, shared by ``backfill plan|build|shard`` and ``backfill run``.

:func:`make_backfill_plan` (the plan of :mod:`..io.shards` for a project
and range), :func:`build_batch` (one build job) and :func:`measure_shard`
(one measure job); see :mod:`.backfill_command` for what each does.
"""
from __future__ import annotations

import argparse
import platform
import re
import sys
import tempfile
from pathlib import Path

from ..model.config import DetectorConfig, config_path, load_config
from ..io.builds import measured_commits, plan
from ..io.repository import build_keys, range_commits
from ..io.shards import (BackfillPlan, PlanError, benchmark_names, default_build_jobs,
                         earlier_durations, make_plan)
from .asv_runner import AsvRunError, run_history
from .prebuilt import build_wheels, discover, seed_wheels, shard_config
from .run_command import Project

#: Builds per build job when --build-jobs is not given (about 10 s of build each here).
BUILDS_PER_JOB = 25


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def project_of(args: argparse.Namespace) -> tuple[Project, DetectorConfig]:
    root = Path(args.project).resolve()
    return (Project.at(root, getattr(args, "results", None), bench=False),
            load_config(config_path(args.config, root)))


def suite(project: Project, patterns: list[str]) -> list[str]:
    """The benchmarks to measure: the results' benchmarks.json, else discovered."""
    names = benchmark_names(project.results)
    if names is None:
        say(f"backfill: no {project.results / 'benchmarks.json'}; discovering the suite with asv")
        with tempfile.TemporaryDirectory(prefix="rustorch-backfill-") as tmp:
            config = shard_config(project.root, Path(tmp), results=Path(tmp) / "results",
                                  env_dir=None, builds=0, build=True)
            names = discover(config)
    try:
        regexes = [re.compile(p) for p in patterns]
    except re.error as exc:
        raise PlanError(f"bad --bench pattern: {exc}") from None
    chosen = [n for n in names if not regexes or any(r.search(n) for r in regexes)]
    if not chosen:
        raise PlanError(f"no benchmark matches {patterns}" if patterns else "no benchmarks found")
    return chosen


def make_backfill_plan(args: argparse.Namespace, build_jobs: int | None = None) -> BackfillPlan:
    project, config = project_of(args)
    assert project.repo is not None          # Project.at: with asv.conf.json or a repository
    if args.shards < 1:
        raise PlanError("--shards must be at least 1")
    machine = args.machine or platform.node()
    commits = range_commits(project.repo, args.range)
    paths = config.profile.build_paths
    work = plan(project.repo, commits, measured_commits(project.results, machine),
                paths=paths, every_commit=args.all_commits)
    say(f"backfill: {work.summary(args.range)}")
    builds = work.to_measure
    keys = build_keys(project.repo, builds, paths) if builds else {}
    names = suite(project, args.bench)
    jobs = build_jobs or args.build_jobs or default_build_jobs(len(builds), BUILDS_PER_JOB)
    made = make_plan(args.range, builds, keys, names, earlier_durations(project.results, names),
                     shards=args.shards, build_jobs=jobs, machine=machine)
    say(f"backfill: {made.summary()}")
    return made


def build_batch(project_root: Path, made: BackfillPlan, batch: int, wheels: Path,
                env_dir: Path | None) -> list[Path]:
    """The build stage's job ``batch``: its builds' wheels, each built once."""
    commits = made.batch(batch)
    with tempfile.TemporaryDirectory(prefix="rustorch-build-") as tmp:
        config = shard_config(project_root, Path(tmp), results=Path(tmp) / "results",
                              env_dir=env_dir, builds=len(commits), build=True)
        return build_wheels(config, commits, wheels)


def measure_shard(project_root: Path, made: BackfillPlan, index: int, wheels: Path,
                  results: Path, env_dir: Path | None, asv_args: list[str]) -> int:
    """The measure stage's job ``index``: its benchmarks over every build,
    from the prebuilt wheels, into ``results``; returns asv's exit status."""
    shard = made.shard(index)
    with tempfile.TemporaryDirectory(prefix="rustorch-shard-") as tmp:
        config = shard_config(project_root, Path(tmp), results=results, env_dir=env_dir,
                              builds=len(made.builds), build=False)
        placed = seed_wheels(config, made.builds, wheels)
        print(f"backfill shard {index}: {placed} prebuilt wheel(s) in asv's build cache; "
              f"{len(shard.benchmarks)} benchmark(s) x {len(made.builds)} build(s) "
              f"as machine {shard.machine!r}", flush=True)
        code = run_history(project_root, made.builds, benches=shard.bench_regexes,
                           machine=shard.machine, extra=["--config", str(config), *asv_args])
    if not any((Path(results) / shard.machine).glob("*-*.json")):
        raise AsvRunError(f"shard {index}: asv exited {code} and wrote no results")
    return code


__all__ = ["BUILDS_PER_JOB", "build_batch", "make_backfill_plan", "measure_shard", "project_of",
           "say"]
