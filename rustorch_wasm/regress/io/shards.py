"""The backfill plan: which builds to make once, and which benchmarks each shard measures.

A backfill measures many builds on many machines. Two facts shape the plan:

* A timing is comparable only with timings of the same machine, so a
  benchmark's whole history (every build, every environment) is measured by
  one shard; shards split the *benchmarks*, never the commits. Every shard
  records the same fixed machine name (not its runner's host name), so the
  merged results read as one machine's history, each series from one job.
* A build is made once: the build stage turns every distinct build of the
  range not yet measured (:func:`.builds.plan`, the build key of ``run``)
  into a wheel, in batches (one batch a build job); every shard installs
  those wheels.

Shards are balanced by the time each benchmark took in earlier results (the
``duration`` column of asv's rows, summed over environments, averaged over
commits) when there are any, else by count: greedy longest-first onto the
least loaded shard, which leaves the shards within one benchmark's time of
each other. A benchmark without earlier durations counts as the mean of
those with. The plan is JSON (:meth:`BackfillPlan.dumps`): what the
workflow's matrices and ``backfill build|shard`` read.
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from .results import ResultsError, read_json

PLAN_VERSION = 1
#: A GitHub Actions matrix holds at most 256 jobs.
MAX_JOBS = 256
_SHA = re.compile(r"^[0-9a-f]{40}$")


class PlanError(ResultsError):
    """A plan that cannot be made or read; one-line message."""


@dataclass(frozen=True)
class Shard:
    """One measure job: these benchmarks, over every build, under ``machine``."""

    index: int
    machine: str
    benchmarks: tuple[str, ...]
    seconds_per_build: float     # the benchmarks' expected time for one build (count: 1 each)

    @property
    def bench_regexes(self) -> list[str]:
        """``asv run -b`` patterns selecting exactly these benchmarks (asv
        matches ``name(p1, p2)`` for a parameterized one)."""
        return [f"^{re.escape(name)}(\\(|$)" for name in self.benchmarks]


@dataclass(frozen=True)
class BackfillPlan:
    """A backfill of a range: the build stage's batches and the measure stage's shards."""

    range: str
    machine: str
    balanced_by: str                    # "durations" or "count"
    builds: tuple[str, ...]             # full shas, one per distinct build, oldest first
    build_keys: dict[str, str]          # build -> its build key (as ``run`` computes it)
    batches: tuple[tuple[str, ...], ...]  # the build stage: one tuple of builds per job
    shards: tuple[Shard, ...]

    def expected_seconds(self, shard: Shard) -> float:
        return shard.seconds_per_build * len(self.builds)

    @property
    def spread(self) -> float:
        """Largest shard's expected time over the smallest's (1.0: even)."""
        times = [s.seconds_per_build for s in self.shards if s.benchmarks]
        return max(times) / min(times) if times and min(times) > 0 else 1.0

    def matrix(self, stage: str) -> dict[str, list[int]]:
        """The GitHub Actions matrix of ``stage`` ("build" or "measure"):
        indices only (job outputs are small; the plan travels as an artifact)."""
        if stage == "build":
            return {"batch": list(range(len(self.batches)))}
        return {"shard": [s.index for s in self.shards]}

    def summary(self) -> str:
        unit = "s" if self.balanced_by == "durations" else " benchmark(s)"
        loads = ", ".join(f"{s.seconds_per_build:.4g}{unit}" for s in self.shards)
        return (f"{len(self.builds)} build(s) in {len(self.batches)} build job(s); "
                f"{sum(len(s.benchmarks) for s in self.shards)} benchmark(s) in "
                f"{len(self.shards)} shard(s) balanced by {self.balanced_by} "
                f"(per build: {loads}; spread x{self.spread:.3f}); machine {self.machine!r}")

    def dumps(self) -> str:
        data = asdict(self)
        data["version"] = PLAN_VERSION
        data["matrix"] = {"build": self.matrix("build"), "measure": self.matrix("measure")}
        data["shards"] = [dict(asdict(s), expected_seconds=self.expected_seconds(s),
                               bench_regexes=s.bench_regexes) for s in self.shards]
        return json.dumps(data, indent=1) + "\n"

    @classmethod
    def load(cls, path: Path) -> "BackfillPlan":
        data = read_json(Path(path))
        try:
            if data.get("version") != PLAN_VERSION:
                raise PlanError(f"{path}: not a backfill plan of version {PLAN_VERSION}")
            builds = tuple(data["builds"])
            if not all(isinstance(b, str) and _SHA.match(b) for b in builds):
                raise PlanError(f"{path}: builds must be full commit shas")
            batches = tuple(tuple(b) for b in data["batches"])
            if sorted(c for b in batches for c in b) != sorted(builds):
                raise PlanError(f"{path}: the build batches do not hold each build once")
            shards = tuple(Shard(int(s["index"]), str(s["machine"]), tuple(s["benchmarks"]),
                                 float(s["seconds_per_build"])) for s in data["shards"])
            return cls(str(data["range"]), str(data["machine"]), str(data["balanced_by"]),
                       builds, dict(data["build_keys"]), batches, shards)
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, PlanError):
                raise
            raise PlanError(f"{path}: malformed backfill plan ({type(exc).__name__}: {exc})") \
                from None

    def shard(self, index: int) -> Shard:
        for s in self.shards:
            if s.index == index:
                return s
        raise PlanError(f"no shard {index} in the plan (shards 0..{len(self.shards) - 1})")

    def batch(self, index: int) -> tuple[str, ...]:
        if not 0 <= index < len(self.batches):
            raise PlanError(f"no build batch {index} in the plan "
                            f"(batches 0..{len(self.batches) - 1})")
        return self.batches[index]


def balance(costs: Mapping[str, float], shards: int) -> list[list[str]]:
    """Longest first onto the least loaded shard (ties: lower index; equal
    costs in name order). Each name lands in exactly one shard."""
    if shards < 1:
        raise PlanError("need at least one shard")
    loads = [0.0] * shards
    out: list[list[str]] = [[] for _ in range(shards)]
    for name in sorted(costs, key=lambda n: (-costs[n], n)):
        i = min(range(shards), key=lambda k: (loads[k], k))
        out[i].append(name)
        loads[i] += costs[name]
    return [sorted(names) for names in out]


def batches_of(builds: Sequence[str], jobs: int) -> list[tuple[str, ...]]:
    """``builds`` in ``jobs`` contiguous batches of near-equal size (none empty)."""
    jobs = max(1, min(jobs, len(builds)))
    size, extra = divmod(len(builds), jobs)
    out, start = [], 0
    for i in range(jobs):
        end = start + size + (1 if i < extra else 0)
        out.append(tuple(builds[start:end]))
        start = end
    return [b for b in out if b]


def benchmark_names(results: Path) -> list[str] | None:
    """The benchmarks of ``results/benchmarks.json`` (asv's last discovery), if any."""
    path = Path(results) / "benchmarks.json"
    if not path.is_file():
        return None
    data = read_json(path)
    if not isinstance(data, dict):
        raise PlanError(f"{path}: not a JSON object")
    return sorted(k for k, v in data.items() if isinstance(v, dict))


def earlier_durations(results: Path, names: Iterable[str]) -> dict[str, float]:
    """Seconds a build of each benchmark took in earlier results: its rows'
    ``duration`` summed over a commit's environments, averaged over the
    commits that ran it. Benchmarks never run are left out."""
    wanted = set(names)
    per_commit: dict[tuple[str, str], float] = {}
    for path in sorted(Path(results).glob("*/*.json")):
        if path.name == "machine.json":
            continue
        data = read_json(path)
        if not isinstance(data, dict) or not isinstance(data.get("results"), dict):
            continue
        columns = data.get("result_columns")
        if not isinstance(columns, list) or "duration" not in columns:
            continue
        at = columns.index("duration")
        commit = f"{path.parent.name}/{data.get('commit_hash')}"
        for name, row in data["results"].items():
            if name in wanted and isinstance(row, list) and len(row) > at:
                seconds = row[at]
                if isinstance(seconds, (int, float)) and math.isfinite(seconds) and seconds >= 0:
                    per_commit[(name, commit)] = per_commit.get((name, commit), 0.0) + seconds
    totals: dict[str, list[float]] = {}
    for (name, _), seconds in per_commit.items():
        totals.setdefault(name, []).append(seconds)
    return {name: sum(v) / len(v) for name, v in totals.items()}


def plan_shards(names: Sequence[str], durations: Mapping[str, float], shards: int,
                machine: str) -> tuple[str, list[Shard]]:
    """Split ``names`` into ``shards`` by earlier ``durations`` (or by count
    without any); returns how they were balanced and the shards."""
    if not names:
        raise PlanError("no benchmarks to measure")
    known = {n: durations[n] for n in names if n in durations}
    if known and sum(known.values()) > 0:
        fill = sum(known.values()) / len(known)
        costs, how = {n: known.get(n, fill) for n in names}, "durations"
    else:
        costs, how = {n: 1.0 for n in names}, "count"
    groups = balance(costs, min(shards, len(names)))
    return how, [Shard(i, machine, tuple(g), sum(costs[n] for n in g))
                 for i, g in enumerate(groups)]


def make_plan(spec: str, builds: Sequence[str], keys: Mapping[str, str], names: Sequence[str],
              durations: Mapping[str, float], *, shards: int, build_jobs: int,
              machine: str) -> BackfillPlan:
    """The plan of ``builds`` (the range's builds not yet measured) and ``names``."""
    if not machine or any(c in machine for c in "/\\\0\n") or machine.startswith("."):
        raise PlanError(f"bad machine name {machine!r}")
    if not 1 <= shards <= MAX_JOBS:
        raise PlanError(f"--shards must be between 1 and {MAX_JOBS} (a matrix's jobs)")
    how, parts = plan_shards(names, durations, shards, machine)
    jobs = min(max(1, build_jobs), MAX_JOBS)
    return BackfillPlan(spec, machine, how, tuple(builds), {b: keys[b] for b in builds},
                        tuple(batches_of(builds, jobs)), tuple(parts))


def default_build_jobs(builds: int, per_job: int) -> int:
    """Enough build jobs for ``per_job`` builds each, within GitHub's matrix limit."""
    return max(1, min(MAX_JOBS, -(-builds // max(1, per_job))))


__all__ = ["BackfillPlan", "PlanError", "Shard", "balance", "batches_of", "benchmark_names",
           "default_build_jobs", "earlier_durations", "make_plan", "plan_shards"]
