"""Known regressions injected into real asv histories, by rewriting their result files.

Two kinds of injection, planned with a seeded :class:`numpy.random.Generator`
on the series read from a results directory:

* **single**: one benchmark (one parameter combination) of one machine slows
  down at a culprit commit in *every* environment of that machine: every
  sample and stat of every commit from the culprit on (in the history's
  order) is multiplied by one factor in [1.3, 2]. A quarter of them land in
  the last 3 measured commits of the series, the rest in its interior (at
  least :data:`MIN_BEFORE` commits of history before, 4 commits after).
* **cross**: at one commit, a third of the benchmarks measured in one
  environment of a machine step together by one factor (all their
  parameter combinations, from that commit on).

Injections keep away from each other: at most a quarter of the eligible
series (benchmark and parameters of a machine) get a single injection, one
injection per series, at most
:data:`MAX_PER_COMMIT` single injections at one commit of a machine (two
series moving together are no shared shift), none within :data:`GAP` commits
of a cross-cutting event on its machine, and no single injection on a
benchmark that a cross-cutting event on that machine moves.

The truth (:class:`Truth`) is per series: the first commit of that series
at or after the culprit, where it has at least 3 measured commits before.

:func:`write_injected` copies the results directory and rewrites the files
of the affected commits: format 2 rows (``result``, ``stats_ci_99_a/b``,
``stats_q_25/75``, ``samples``) and format 1 entries (``result``, the
``stats`` dicts' ``ci_99``, ``q_25``, ``q_75``, ``min``, ``max``, ``mean``,
``std``, ``samples``). Which file and row entry holds a series comes from the
reader's own row groups (``ResultSet.groups``: each block knows its source
file), so the injected directory is read back through the same path as
``rustorch-regress detect``.
"""
from __future__ import annotations

import json
import math
import shutil
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rustorch_wasm.regress.io.results import ResultSet
from rustorch_wasm.regress.model.series import Series, SeriesKey

FACTORS = (1.3, 2.0)          # injected slowdowns, uniform in this range
LATE_SHARE = 0.25             # share of single injections in the series' last 3 commits
SINGLE_SHARE = 0.25           # at most this share of the eligible series get a single injection
LATE_LAST = 3
MIN_BEFORE = 10               # measured commits of the series before an interior culprit
MIN_AFTER = 4                 # ... and from it on
MIN_TRUTH_BEFORE = 3          # a series with fewer commits before the culprit is no truth
MAX_PER_COMMIT = 2            # single injections at one commit of one machine
GAP = 5                       # machine commits between a cross event and any other injection
CROSS_SHARE = 1 / 3           # share of an environment's benchmarks a cross event moves
CROSS_MIN_BENCHMARKS = 6      # an environment with fewer benchmarks gets no cross event
LOWER_IS_BETTER = ("time_", "timeraw_", "mem_", "peakmem_")


@dataclass(frozen=True)
class Injection:
    """One planned change: ``members`` step by ``factor`` from ``culprit`` on."""

    ident: str                     # "single-3", "cross-0"
    kind: str                      # "single" | "cross"
    machine: str
    culprit: str                   # the commit the change lands at (history order)
    position: int                  # its index in the history's order
    factor: float
    late: bool
    members: tuple[SeriesKey, ...]


@dataclass(frozen=True)
class Truth:
    """What an injection did to one series: a step of ``factor`` at ``commit``."""

    key: SeriesKey
    commit: str
    factor: float
    event: str                     # Injection.ident
    late: bool                     # ``commit`` is among the series' last 3 commits
    before: int                    # the series' commits before ``commit``


@dataclass
class Plan:
    injections: list[Injection] = field(default_factory=list)
    truths: list[Truth] = field(default_factory=list)

    def truths_of(self, kind: str) -> list[Truth]:
        idents = {i.ident for i in self.injections if i.kind == kind}
        return [t for t in self.truths if t.event in idents]


def injectable(s: Series) -> bool:
    """A series whose values are "lower is better" by asv's own type, and positive."""
    method = s.key.benchmark.rsplit(".", 1)[-1]
    return method.startswith(LOWER_IS_BETTER) and len(s) > 0 and bool(np.all(s.medians > 0))


def truths_for(inj: Injection, by_key: dict[SeriesKey, Series]) -> list[Truth]:
    out = []
    for key in inj.members:
        s = by_key[key]
        pos = s.columns.positions
        at = int(np.searchsorted(pos, inj.position))
        if at >= len(s) or at < MIN_TRUTH_BEFORE:
            continue
        out.append(Truth(key, s.commits[at], inj.factor, inj.ident, at >= len(s) - LATE_LAST, at))
    return out


def plan_injections(series: list[Series], seed: int | list[int], singles: int = 24,
                    crosses: int = 2) -> Plan:
    """Up to ``singles`` single injections and ``crosses`` cross-cutting events."""
    rng = np.random.default_rng(seed)
    by_key = {s.key: s for s in series}
    machine_commits: dict[str, list[int]] = defaultdict(list)
    for s in series:
        machine_commits[s.key.machine].extend(s.columns.positions.tolist())
    index = {m: {p: i for i, p in enumerate(sorted(set(ps)))} for m, ps in machine_commits.items()}
    plan = Plan()
    moved: dict[str, set[str]] = defaultdict(set)          # machine -> cross-moved benchmarks
    cross_at: dict[str, list[int]] = defaultdict(list)     # machine -> machine index of events
    for inj in plan_crosses(series, rng, crosses, index):
        plan.injections.append(inj)
        plan.truths.extend(truths_for(inj, by_key))
        moved[inj.machine].update(k.benchmark for k in inj.members)
        cross_at[inj.machine].append(index[inj.machine][inj.position])
    units: dict[tuple[str, str, tuple], list[Series]] = defaultdict(list)
    for s in series:
        if injectable(s) and s.key.benchmark not in moved[s.key.machine]:
            units[(s.key.machine, s.key.benchmark, s.key.params)].append(s)
    eligible = [u for u in sorted(units)
                if max(len(s) for s in units[u]) >= MIN_BEFORE + MIN_AFTER]
    order = rng.permutation(len(eligible)).tolist()
    wanted = min(singles, math.ceil(len(eligible) * SINGLE_SHARE))
    late_wanted = round(wanted * LATE_SHARE)
    quota = {True: late_wanted, False: wanted - late_wanted}     # late -> injections wanted
    per_commit: dict[tuple[str, int], int] = defaultdict(int)
    for u in (eligible[i] for i in order):
        primary = max(units[u], key=lambda s: (len(s), s.key.env))
        n = len(primary)
        for late in (True, False):        # the late quarter first; a unit that fits no late
            if not quota[late]:           # commit may still take an interior one
                continue
            choices = (np.arange(n - LATE_LAST, n) if late
                       else np.arange(MIN_BEFORE, n - MIN_AFTER + 1))
            i = fitting(rng.permutation(choices).tolist(), primary, index[u[0]],
                        per_commit, cross_at[u[0]], u[0])
            if i is None:
                continue
            quota[late] -= 1
            inj = Injection(f"single-{len(plan.injections)}", "single", u[0],
                            primary.commits[i], int(primary.columns.positions[i]),
                            float(rng.uniform(*FACTORS)), late,
                            tuple(s.key for s in units[u]))
            plan.injections.append(inj)
            plan.truths.extend(truths_for(inj, by_key))
            break
        if not any(quota.values()):
            break
    return plan


def fitting(choices: list[int], primary: Series, index: dict[int, int],
            per_commit: dict[tuple[str, int], int], crosses: list[int], machine: str
            ) -> int | None:
    """The first of ``choices`` (indices into ``primary``) whose commit has room for
    one more single injection and lies at least GAP machine commits from every cross
    event; it is booked in ``per_commit``."""
    for i in choices:
        mi = index[int(primary.columns.positions[i])]
        if per_commit[(machine, mi)] >= MAX_PER_COMMIT or any(abs(mi - c) < GAP for c in crosses):
            continue
        per_commit[(machine, mi)] += 1
        return i
    return None


def plan_crosses(series: list[Series], rng: np.random.Generator, count: int,
                 index: dict[str, dict[int, int]]) -> list[Injection]:
    """``count`` cross-cutting events, on distinct machines, in an interior commit
    of the machine/env with the most benchmarks."""
    envs: dict[tuple[str, str], list[Series]] = defaultdict(list)
    for s in series:
        envs[(s.key.machine, s.key.env)].append(s)
    best: dict[str, tuple[str, str]] = {}
    for (m, e), group in sorted(envs.items()):
        size = len({s.key.benchmark for s in group})
        if size >= CROSS_MIN_BENCHMARKS and (m not in best or size > len(
                {s.key.benchmark for s in envs[best[m]]})):
            best[m] = (m, e)
    machines = sorted(best)
    out: list[Injection] = []
    for k in rng.permutation(len(machines)).tolist()[:count]:
        m, e = best[machines[k]]
        group = envs[(m, e)]
        commits = sorted({p for s in group for p in s.columns.positions.tolist()})
        if len(commits) < MIN_BEFORE + MIN_AFTER:
            continue
        # room after it for the late single injections (the last 3 commits, GAP away)
        last = max(MIN_BEFORE, len(commits) - max(MIN_AFTER, GAP + LATE_LAST))
        position = int(commits[int(rng.integers(MIN_BEFORE, last + 1))])
        present = sorted({s.key.benchmark for s in group
                          if position in set(s.columns.positions.tolist())})
        candidates = sorted({s.key.benchmark for s in group if injectable(s)} & set(present))
        take = min(len(candidates), max(1, round(len(present) * CROSS_SHARE)))
        if not take:
            continue
        chosen = set(rng.choice(candidates, size=take, replace=False).tolist())
        members = tuple(s.key for s in group if s.key.benchmark in chosen and injectable(s))
        commit = next(c for s in group for c, p in zip(s.commits, s.columns.positions.tolist())
                      if p == position)
        out.append(Injection(f"cross-{len(out)}", "cross", m, commit, position,
                             float(rng.uniform(*FACTORS)), False, members))
    return out


# ----------------------------------------------------------------- rewriting files
STAT_COLUMNS = ("result", "stats_ci_99_a", "stats_ci_99_b", "stats_q_25", "stats_q_75")
V1_STATS = ("ci_99", "q_25", "q_75", "min", "max", "mean", "std")

Edits = dict[Path, dict[str, dict[int, float]]]      # file -> benchmark -> combination -> factor


def edits_of(result_set: ResultSet, order: list[str], injections: Iterable[Injection]) -> Edits:
    """Which row entry of which file each injection multiplies, from the reader's row groups."""
    position = {c: i for i, c in enumerate(order)}
    where: dict[SeriesKey, list[tuple[str, int, Any]]] = defaultdict(list)
    for (_, _, name, _), group in result_set.groups.items():
        for j, key in enumerate(group.keys):
            where[key].append((name, j, group))
    edits: Edits = defaultdict(lambda: defaultdict(dict))
    for inj in injections:
        for key in inj.members:
            for name, j, group in where[key]:
                for block in group.blocks:
                    if position.get(block.commit, -1) >= inj.position:
                        row = edits[block.source][name]
                        row[j] = row.get(j, 1.0) * inj.factor
    return edits


def scaled(value: Any, factor: float) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value * factor
    return value


def scale_at(column: Any, j: int, factor: float) -> None:
    """Entry ``j`` of a per-combination column (a list of numbers, lists or dicts)."""
    if not isinstance(column, list) or j >= len(column):
        return
    v = column[j]
    column[j] = [scaled(x, factor) for x in v] if isinstance(v, list) else scaled(v, factor)


def scale_v1_stats(stats: Any, factor: float) -> None:
    if isinstance(stats, dict):
        for k in V1_STATS:
            if k in stats:
                v = stats[k]
                stats[k] = ([scaled(x, factor) for x in v] if isinstance(v, list)
                            else scaled(v, factor))


def scale_row(data: dict[str, Any], name: str, j: int, factor: float) -> None:
    """Multiply combination ``j`` of benchmark ``name`` in one parsed result file."""
    results = data["results"]
    columns = data.get("result_columns")
    if isinstance(columns, list):                                   # format 2
        row = results[name]
        for c, col in zip(columns, row):
            if c in STAT_COLUMNS or c == "samples":
                scale_at(col, j, factor)
        return
    value = results[name]                                           # format 1
    if not isinstance(value, dict):
        results[name] = scaled(value, factor) if j == 0 else value
        return
    if isinstance(value.get("result"), list):
        scale_at(value["result"], j, factor)
    elif j == 0:
        value["result"] = scaled(value.get("result"), factor)
    stats = value.get("stats")
    scale_v1_stats(stats[j] if isinstance(stats, list) and j < len(stats) else
                   stats if j == 0 else None, factor)
    scale_at(value.get("samples"), j, factor)


def write_injected(result_set: ResultSet, order: list[str], plan: Plan, dest: Path) -> Path:
    """A copy of ``result_set.root`` at ``dest`` with the plan's changes applied;
    returns ``dest``."""
    src = Path(result_set.root)
    shutil.copytree(src, dest)
    for path, rows in edits_of(result_set, order, plan.injections).items():
        target = dest / Path(path).relative_to(src)
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        for name, entries in rows.items():
            for j, factor in entries.items():
                scale_row(data, name, j, factor)
        target.write_text(json.dumps(data), encoding="utf-8")      # NaN stays NaN, as asv's
    return dest
