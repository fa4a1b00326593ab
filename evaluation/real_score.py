"""Scoring one detector's findings on an injected real history against the truth.

A detector's output is a list of :class:`Flag` (kind, series key, commit);
flags of a whole machine/environment have an empty benchmark in their key.
Only *regression kinds* (:data:`REGRESSION_KINDS`) of single series count as
regressions.

Per injected series (:class:`~.injection.Truth`):

* **hit**: a regression flag on that series exactly at the truth commit;
* **placement error**: the nearest regression flag on that series within
  :data:`WINDOW` measured commits of the truth, as (flag's index - truth's
  index) in the series' own commits (positive: late), among flags that the
  un-injected run of the same data did not raise (or raised exactly at the
  truth commit); none within the window: missed;
* **new false regressions**: regression flags of the injected run that the
  un-injected run did not raise and that are not within the window of a
  change the injection made to their series (a series too young at the
  culprit to be a truth still changed there); ``false_on_injected`` counts
  those on a series the injection changed (further than the window from
  it: the injected step moved the series' other findings), the rest are on
  series it did not touch (the run-wide parts of the analysis moved).

Each cross-cutting event is classified by what the detector reported within
:data:`CROSS_REACH` commits of it in its machine/environment: an
``environment`` finding there (a shared shift dismissed as the machine's),
another machine-wide kind (a shared shift of unknown cause), else the share
of its member series with a regression exactly at the commit. A
machine-wide finding that names its member series counts only when it
holds at least half of the event's series: one that names others is a
shift of other series beside the event (a host's wobble at the same
commit), not the event's classification.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from rustorch_wasm.regress.model.series import Series, SeriesKey

from .injection import Plan, Truth

REGRESSION_KINDS = ("regression", "drift")
WINDOW = 10              # measured commits either side a flag may be from its truth
CROSS_REACH = 2          # machine/env commits either side a machine-wide flag may be
BUCKETS = ("0", "±1", "±2-3", "±4-10", "missed")


@dataclass(frozen=True)
class Flag:
    """One finding reduced to what is scored."""

    kind: str
    key: SeriesKey            # benchmark "" for a whole machine/environment
    commit: str
    members: frozenset[SeriesKey] = frozenset()   # a machine-wide flag's series, when named

    @property
    def machine_wide(self) -> bool:
        return not self.key.benchmark


def bucket(error: int | None) -> str:
    if error is None:
        return "missed"
    a = abs(error)
    return "0" if a == 0 else "±1" if a == 1 else "±2-3" if a <= 3 else "±4-10"


@dataclass
class Outcome:
    """One detector on one injected run."""

    truths: int = 0
    late: int = 0
    hits: int = 0
    late_hits: int = 0
    errors: list[int] = field(default_factory=list)          # placement errors of matched truths
    buckets: Counter = field(default_factory=Counter)
    false_new: int = 0
    false_on_injected: int = 0        # of false_new: on an injected series, beyond its window
    cross: list[str] = field(default_factory=list)            # one label per cross event
    cross_members: tuple[int, int] = (0, 0)                   # members hit at the commit, members

    def add(self, other: "Outcome") -> None:
        self.truths += other.truths
        self.late += other.late
        self.hits += other.hits
        self.late_hits += other.late_hits
        self.errors += other.errors
        self.buckets.update(other.buckets)
        self.false_new += other.false_new
        self.false_on_injected += other.false_on_injected
        self.cross += other.cross
        self.cross_members = (self.cross_members[0] + other.cross_members[0],
                              self.cross_members[1] + other.cross_members[1])

    @property
    def recall(self) -> float:
        return self.hits / self.truths if self.truths else float("nan")

    @property
    def late_recall(self) -> float:
        return self.late_hits / self.late if self.late else float("nan")

    @property
    def median_error(self) -> float:
        return float(np.median(self.errors)) if self.errors else float("nan")


def regression_set(flags: list[Flag]) -> set[tuple[SeriesKey, str]]:
    return {(f.key, f.commit) for f in flags if f.kind in REGRESSION_KINDS and not f.machine_wide}


def placement(truth: Truth, commits: list[str], flagged: set[tuple[SeriesKey, str]],
              clean: set[tuple[SeriesKey, str]]) -> int | None:
    """The signed error of the nearest new flag on the truth's series, or None."""
    index = {c: i for i, c in enumerate(commits)}
    at = index[truth.commit]
    best: int | None = None
    for key, commit in flagged:
        if key != truth.key or commit not in index:
            continue
        if (key, commit) in clean and commit != truth.commit:
            continue
        d = index[commit] - at
        if abs(d) <= WINDOW and (best is None or (abs(d), d < 0) < (abs(best), best < 0)):
            best = d
    return best


def onsets(plan: Plan, series: dict[SeriesKey, Series]) -> dict[SeriesKey, int]:
    """Every series an injection changed (truth or not: too little history before
    it) -> the index of its first changed commit."""
    out = {}
    for inj in plan.injections:
        for key in inj.members:
            at = int(np.searchsorted(series[key].columns.positions, inj.position))
            if at < len(series[key]):
                out[key] = at
    return out


def explained(flag: tuple[SeriesKey, str], onset: dict[SeriesKey, int],
              commits_of: dict[SeriesKey, list[str]]) -> bool:
    """A flag within the window of an injected change of its series."""
    key, commit = flag
    if key not in onset or commit not in commits_of[key]:
        return False
    return abs(commits_of[key].index(commit) - onset[key]) <= WINDOW


def classify_cross(plan: Plan, event: str, flags: list[Flag], clean: list[Flag],
                   series: dict[SeriesKey, Series], hit_keys: set[SeriesKey]) -> str:
    """How the detector reported one cross-cutting event (see the module doc)."""
    inj = next(i for i in plan.injections if i.ident == event)
    members = [t for t in plan.truths if t.event == event]
    env = members[0].key.env if members else inj.members[0].env
    commits = sorted({(int(p), c) for s in series.values()
                      if s.key.machine == inj.machine and s.key.env == env
                      for p, c in zip(s.columns.positions.tolist(), s.commits)})
    index = {c: i for i, (_, c) in enumerate(commits)}
    at = index.get(inj.culprit)
    before = {(f.kind, f.key, f.commit) for f in clean}
    mine = {t.key for t in members}
    near = [f for f in flags if f.machine_wide and f.key.machine == inj.machine
            and f.key.env == env and (f.kind, f.key, f.commit) not in before
            and at is not None and f.commit in index and abs(index[f.commit] - at) <= CROSS_REACH
            and (not f.members or 2 * len(mine & f.members) >= len(mine))]
    k = sum(t.key in hit_keys for t in members)
    share = f"{k}/{len(members)}"
    if any(f.kind == "environment" for f in near):
        return f"environment ({share} regressions)"
    if near:
        return f"shared shift: {near[0].kind} ({share} regressions)"
    if members and 2 * k >= len(members):
        return f"regressions ({share})"
    return f"partly regressions ({share})" if k else f"missed (0/{len(members)})"


def score(plan: Plan, series: list[Series], flags: list[Flag], clean: list[Flag]) -> Outcome:
    """One detector's outcome on the injected run (``flags``) given the un-injected
    run of the same data (``clean``); ``series``: the injected run's series."""
    by_key = {s.key: s for s in series}
    commits_of = {k: s.commits for k, s in by_key.items()}
    flagged, before = regression_set(flags), regression_set(clean)
    out = Outcome()
    singles = plan.truths_of("single")
    for t in singles:
        error = placement(t, commits_of[t.key], flagged, before)
        out.truths += 1
        out.late += t.late
        out.hits += error == 0
        out.late_hits += t.late and error == 0
        out.buckets[bucket(error)] += 1
        if error is not None:
            out.errors.append(error)
    onset = onsets(plan, by_key)
    false = [f for f in flagged - before if not explained(f, onset, commits_of)]
    out.false_new = len(false)
    out.false_on_injected = sum(1 for key, _ in false if key in onset)
    hit_keys = {t.key for t in plan.truths if (t.key, t.commit) in flagged}
    crosses = [i.ident for i in plan.injections if i.kind == "cross"]
    out.cross = [classify_cross(plan, e, flags, clean, by_key, hit_keys) for e in crosses]
    members = plan.truths_of("cross")
    out.cross_members = (sum(t.key in hit_keys for t in members), len(members))
    return out
