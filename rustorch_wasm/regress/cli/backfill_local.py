"""``rustorch-regress backfill run``: the workflow's plan on this machine, K processes.

The same plan, build stage, shards and merge as ``.github/workflows/backfill.yml``,
with a process pool of ``--jobs`` workers standing in for the matrix jobs.
Each worker holds one *slot* for its life: the asv environments of
``<work>/env-<slot>``, so two processes never install into one environment;
a slot's environments serve the builds and then the shards it runs. The
shards start one at a time (each once its asv has written its
``machine.json``): asv rewrites ``~/.asv-machine.json`` as it starts, and
two asv processes starting together could read each other's half-written
file. Each job's output goes to ``<work>/logs/``.

Layout of ``--work`` (default ``.asv/backfill`` of the project)::

    plan.json  wheels/<env dir>/<sha>/*.whl  env-<slot>/  shards/shard-<i>/  logs/
"""
from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import shutil
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..io.atomic import write_atomic
from ..io.shards import BackfillPlan
from .asv_runner import AsvRunError, clock_text
from .backfill_jobs import build_batch, make_backfill_plan, measure_shard, project_of, say
from .merge_command import merge

_SLOT: list[int] = []


def _claim_slot(slots: Any) -> None:
    """Pool initializer: this worker's slot for its life."""
    _SLOT.append(slots.get())


@dataclass(frozen=True)
class Work:
    """Where a local backfill keeps its files."""

    root: Path

    @property
    def plan(self) -> Path:
        return self.root / "plan.json"

    @property
    def wheels(self) -> Path:
        return self.root / "wheels"

    def env(self, slot: int) -> Path:
        return self.root / f"env-{slot}"

    def shard(self, index: int) -> Path:
        return self.root / "shards" / f"shard-{index}"

    def log(self, name: str) -> Path:
        return self.root / "logs" / f"{name}.log"


def _logged(log: Path, job: Callable[[], Any]) -> Any:
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "a", encoding="utf-8") as out, contextlib.redirect_stdout(out), \
            contextlib.redirect_stderr(out):
        return job()


def build_job(root: str, work: str, batch: int) -> int:
    """Pool task: one build batch in this worker's slot; returns the wheels made."""
    w, made = Work(Path(work)), BackfillPlan.load(Path(work) / "plan.json")
    return len(_logged(w.log(f"build-{batch}"), lambda: build_batch(
        Path(root), made, batch, w.wheels, w.env(_SLOT[0]))))


def shard_job(root: str, work: str, index: int, asv_args: list[str]) -> int:
    """Pool task: one shard in this worker's slot; returns asv's exit status."""
    w, made = Work(Path(work)), BackfillPlan.load(Path(work) / "plan.json")
    return _logged(w.log(f"shard-{index}"), lambda: measure_shard(
        Path(root), made, index, w.wheels, w.shard(index), w.env(_SLOT[0]), asv_args))


def _wait_started(future: Future, marker: Path) -> None:
    """Until the shard's asv wrote ``marker`` (its machine.json), or the shard ended."""
    while not future.done() and not marker.is_file():
        time.sleep(0.2)


def _collect(futures: dict[Future, str], started: float) -> list[str]:
    """Wait for every job; report each as it ends; the failures' messages."""
    failed, pending = [], set(futures)
    while pending:
        done, pending = wait(pending, return_when=FIRST_COMPLETED)
        for f in done:
            name = futures[f]
            exc = f.exception()
            if exc is not None:
                failed.append(f"{name}: {exc}")
                say(f"backfill: {name} failed after {clock_text(time.monotonic() - started)}")
            else:
                say(f"backfill: {name} done at {clock_text(time.monotonic() - started)} "
                    f"({f.result()})")
    return failed


def run_local(args: argparse.Namespace) -> int:
    if args.jobs < 1:
        raise AsvRunError("--jobs must be at least 1")
    project, _ = project_of(args)
    work = Work((args.work or project.root / ".asv" / "backfill").resolve())
    t0 = time.monotonic()
    made = make_backfill_plan(args, build_jobs=args.build_jobs or args.jobs)
    write_atomic(work.plan, made.dumps())
    if not made.builds:
        print("backfill: every build of the range is measured already")
        return 0
    for index in range(len(made.shards)):
        shutil.rmtree(work.shard(index), ignore_errors=True)   # a shard's results are its own
    shutil.rmtree(work.root / "logs", ignore_errors=True)      # the logs are this run's
    times: dict[str, float] = {"plan": time.monotonic() - t0}
    ctx = multiprocessing.get_context("spawn")
    slots = ctx.Queue()
    for slot in range(args.jobs):
        slots.put(slot)
    root = str(project.root)
    with ProcessPoolExecutor(args.jobs, mp_context=ctx, initializer=_claim_slot,
                             initargs=(slots,)) as pool:
        t = time.monotonic()
        say(f"backfill: building {len(made.builds)} build(s) in {len(made.batches)} batch(es), "
            f"{args.jobs} process(es); logs in {work.root / 'logs'}")
        builds = {pool.submit(build_job, root, str(work.root), i): f"build batch {i}"
                  for i in range(len(made.batches))}
        failed = _collect(builds, t)
        if failed:
            raise AsvRunError(f"the build stage failed: {failed[0]}")
        times["build"] = time.monotonic() - t
        t = time.monotonic()
        say(f"backfill: measuring {len(made.shards)} shard(s)")
        shards: dict[Future, str] = {}
        for shard in made.shards:
            future = pool.submit(shard_job, root, str(work.root), shard.index, args.asv_arg)
            shards[future] = f"shard {shard.index}"
            _wait_started(future, work.shard(shard.index) / shard.machine / "machine.json")
        failed = _collect(shards, t)
        if failed:
            raise AsvRunError(f"the measure stage failed: {failed[0]}")
        times["measure"] = time.monotonic() - t
    t = time.monotonic()
    summary = merge([work.shard(s.index) for s in made.shards], project.results, args.config)
    times["merge"] = time.monotonic() - t
    print(f"backfill: {summary.text()} -> {project.results}")
    print("backfill: wall time " + ", ".join(f"{k} {v:.1f}s" for k, v in times.items())
          + f"; total {time.monotonic() - t0:.1f}s")
    return 0


__all__ = ["Work", "run_local"]
