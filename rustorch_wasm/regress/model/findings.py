"""What the detector reports: findings, per-series analyses and the JSON
document other tools read.

The JSON shape (schema 2; schema 1 readers keep working, every schema-1
field is still there with its meaning) is an interface; keep it stable::

    {"schema": 2, "threshold": 0.2, "alpha": 0.01, "series_checked": N,
     "findings": [{"id": "<12 hex digits>",
                   "kind": "regression"|"drift"|"shift"|"environment"|"inconclusive"
                           |"refuted"|"improvement",
                   "benchmark": "module.Class.time_x", "params": {"name": "value"},
                   "machine": "...", "env": "...",
                   "commit": "<full sha of first bad commit>",
                   "previous_commit": "<full sha of last good commit>",
                   "before": float, "after": float, "ratio": float,
                   "ci": [lo, hi], "p_value": float, "unit": "seconds",
                   "evidence": ["..."],
                   "better": "lower"|"higher", "commits_after": int,
                   "confirmed": bool, "group": "<commit sha>",
                   "shared_ratio": float|null,
                   "end_commit": "<sha>"|null, "moved": int, "share": float|null,
                   "decided_by": "history"|"two-sample"|"re-measurement"|"exact counts"
                                 |"metadata"|"build key",
                   "fixed_by": "<sha>"|null,
                   "members": [{"benchmark", "params", "ratio"}],
                   "triage": {"status": "acknowledged"|"invalid", "note": "..."}|null}],
     "alert_groups": [{"commit": "<sha>", "previous_commit": "<sha>",
                       "counts": {"regression": 1, ...}, "findings": [index, ...]}],
     "series": [{"benchmark", "params", "machine", "env", "better", "threshold",
                 "change_points": ["<sha>", ...]}]}

* ``id``: the finding's stable identity (:func:`finding_id`), the first 12
  hex digits of a SHA-256 over its benchmark, params, machine, env and
  commit: the same change gets the same id in every run, whatever its kind
  or statistics became; ``rustorch-regress triage`` records decisions by it.
* ``triage``: the decision recorded for the id in the project's
  ``regress-triage.json`` (docs/detector.md): an ``acknowledged`` or
  ``invalid`` finding is shown as such and fails neither ``detect`` nor the
  gate; ``null`` when there is none.
* ``before``/``after``/``ratio``/``ci`` are in the series' own unit
  (``after / before``): a throughput regression has a ratio below 1, and
  ``better`` says which way is better.
* ``commits_after``: how many measured commits of evidence the finding
  rests on (1 for a step seen at the newest commit only).
* ``confirmed``: ``true`` when an exact instruction-count change backs the
  finding (or it is one) or re-measurement confirmed it; ``false``
  otherwise. A regression seen at one or two commits is reported, marked
  unconfirmed.
* ``decided_by``: the evidence that decided it: ``history`` (the step
  against the series' own commit-to-commit noise), ``two-sample`` (the
  samples of a build against the previous build's, when the history is too
  short for its noise), ``re-measurement`` (interleaved runs of the
  commit and its parent), ``exact counts``; for an environment finding the evidence that
  the environment made it: ``metadata`` (asv's recorded machine, Python or
  requirements changed), ``build key`` (the commit changed no build input)
  or ``history`` (the level came back by itself); a ``shift`` has none of
  these (its cause is unknown).
* ``members``: for an ``environment`` or ``shift`` finding, the series that
  moved with it (benchmark, params) and the ratio each moved by, in the
  finding's terms (above 1: worse); empty otherwise.
* ``fixed_by``: for a regression whose old level came back later (a revert
  or a fix), the first commit back at that level; such a finding no longer
  fails ``detect``. ``null`` otherwise.
* ``shared_ratio``: for a series that moved at an environment finding's
  commit, the shared ratio it was judged against (its own ``ratio`` divided
  by ``shared_ratio`` is what the verdict used).
* An ``environment`` finding concerns a whole machine and environment
  (``benchmark`` is ``""``): ``commit`` is the first commit of the change,
  ``end_commit`` the first commit back at the old level for a slow stretch
  (``null`` for a lasting shift), ``moved`` the number of series that moved,
  ``share`` their share of the series measured there, ``ratio`` the shared
  ratio (median over the series that moved, in time terms) and ``ci`` the
  interquartile range of their ratios.
* ``alert_groups``: the findings at one commit form one group (as
  Perfherder's alert summaries), ordered by the worst kind in them.
* ``series``: what the detector decided per series: the commits where a new
  level starts, after merging and re-placement (the plots draw these), and
  the threshold it was judged at (the top-level ``threshold`` is the run's
  default; a per-benchmark override changes it).
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .kinds import Kind, kind_info, kind_order
from .series import SeriesKey

SCHEMA = 2
#: The evidence that can decide a finding.
DECIDED_BY = ("history", "two-sample", "re-measurement", "exact counts", "metadata", "build key")
#: The decisions ``rustorch-regress triage`` records (Perfherder's alert statuses).
TRIAGE_STATUSES = ("acknowledged", "invalid")
ID_LENGTH = 12


def finding_id(key: SeriesKey, commit: str) -> str:
    """The stable id of the change of ``key`` at ``commit``: 12 hex digits of
    a SHA-256 over (benchmark, params, machine, env, commit), so it does not
    depend on the finding's kind, statistics or the run that found it."""
    ident = json.dumps([key.benchmark, [list(p) for p in sorted(key.params)], key.machine,
                        key.env, commit], separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(ident.encode("utf-8")).hexdigest()[:ID_LENGTH]


@dataclass(frozen=True)
class Finding:
    """One flagged change of one series (or of a whole machine) at one commit."""

    kind: Kind
    key: SeriesKey
    commit: str
    previous_commit: str
    before: float
    after: float
    ratio: float
    ci: tuple[float, float]
    p_value: float
    unit: str
    evidence: tuple[str, ...] = ()
    better: str = "lower"
    commits_after: int = 0
    confirmed: bool = False
    shared_ratio: float | None = None
    end_commit: str | None = None
    moved: int = 0
    share: float = math.nan
    decided_by: str = "history"          # the evidence that decided it (DECIDED_BY)
    fixed_by: str | None = None          # the commit where the old level came back
    members: tuple[tuple[SeriesKey, float], ...] = ()  # shared shift: who moved, by how much
    triage: str | None = None            # the recorded decision (TRIAGE_STATUSES), if any
    triage_note: str = ""                # ... and its note

    @property
    def id(self) -> str:
        """The stable id (:func:`finding_id`)."""
        return finding_id(self.key, self.commit)

    @property
    def is_environment(self) -> bool:
        """A finding about a whole machine and environment (no one benchmark)."""
        return self.kind in ("environment", "shift")

    @property
    def fails(self) -> bool:
        """Does it fail ``detect``? A failing kind, not fixed since, not
        triaged (acknowledged or invalid), and for a shared shift of unknown
        cause only when it is for the worse."""
        return self._fails(kind_info(self.kind).fails_detect)

    @property
    def fails_gate(self) -> bool:
        return self._fails(kind_info(self.kind).fails_gate)

    def _fails(self, kind_fails: bool) -> bool:
        if not kind_fails or self.fixed_by is not None or self.triage is not None:
            return False
        return self.kind != "shift" or self.ratio > 1.0

    @property
    def status(self) -> str:
        """How sure a failing finding is, in words, and what decided it:
        ``confirmed by re-measurement``, ``unconfirmed: two-sample, 1 commit``,
        ``history, 12 commits``, ``fixed at <sha>``, ``acknowledged: <note>``
        (a triage decision, for any kind); blank for kinds that fail nothing."""
        if self.triage is not None:
            return f"{self.triage}: {self.triage_note}" if self.triage_note else self.triage
        n = f"{self.commits_after} commit{'s' if self.commits_after != 1 else ''}"
        if self.kind == "inconclusive":
            return f"not enough evidence: {self.decided_by}, {n}"
        if not kind_info(self.kind).fails_detect:
            return ""
        if self.fixed_by is not None:
            return f"fixed at {self.fixed_by[:10]}"
        if self.confirmed:
            return f"confirmed by {self.decided_by}" if self.decided_by != "history" else \
                f"confirmed ({n})"
        if self.commits_after <= 2:
            return f"unconfirmed: {self.decided_by}, {n}"
        return f"{self.decided_by}, {n}"

    @property
    def badness(self) -> float:
        """The ratio in "worse" terms: above 1 is worse, whatever the unit."""
        if not self.ratio > 0:
            return math.nan
        return self.ratio if self.better == "lower" else 1.0 / self.ratio

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "benchmark": self.key.benchmark,
            "params": self.key.params_dict,
            "machine": self.key.machine,
            "env": self.key.env,
            "commit": self.commit,
            "previous_commit": self.previous_commit,
            "before": _finite(self.before),
            "after": _finite(self.after),
            "ratio": _finite(self.ratio),
            "ci": [_finite(self.ci[0]), _finite(self.ci[1])],
            "p_value": _finite(self.p_value),
            "unit": self.unit,
            "evidence": list(self.evidence),
            "better": self.better,
            "commits_after": int(self.commits_after),
            "confirmed": bool(self.confirmed),
            "group": self.commit,
            "shared_ratio": None if self.shared_ratio is None else _finite(self.shared_ratio),
            "end_commit": self.end_commit,
            "moved": int(self.moved),
            "share": _finite(self.share),
            "decided_by": self.decided_by,
            "fixed_by": self.fixed_by,
            "members": [{"benchmark": k.benchmark, "params": k.params_dict, "ratio": _finite(r)}
                        for k, r in self.members],
            "triage": None if self.triage is None else {"status": self.triage,
                                                        "note": self.triage_note},
        }


@dataclass
class SeriesAnalysis:
    """What the detector decided for one series (every view draws this)."""

    key: SeriesKey
    better: str
    levels: np.ndarray              # one level per point of the series (NaN: unusable)
    change_points: list[int]        # indices into the series' points: a new level starts
    threshold: float                # the relative change that matters for this series
    findings: list[int] = field(default_factory=list)   # indices into Report.findings

    def change_point_commits(self, commits: list[str]) -> list[str]:
        return [commits[i] for i in self.change_points if 0 <= i < len(commits)]


@dataclass(frozen=True)
class AlertGroup:
    """The findings at one commit."""

    commit: str
    previous_commit: str
    findings: tuple[int, ...]

    def counts(self, findings: list[Finding]) -> dict[str, int]:
        out: dict[str, int] = {}
        for i in self.findings:
            out[findings[i].kind] = out.get(findings[i].kind, 0) + 1
        return out


@dataclass
class Report:
    """The outcome of one detector run."""

    threshold: float
    alpha: float
    series_checked: int
    findings: list[Finding] = field(default_factory=list)
    analyses: dict[SeriesKey, SeriesAnalysis] = field(default_factory=dict)
    commits: dict[SeriesKey, list[str]] = field(default_factory=dict)  # per series, its points' shas
    positions: dict[str, int] = field(default_factory=dict)   # commit -> first-parent position

    def threshold_of(self, key: SeriesKey) -> float:
        """The threshold ``key`` was judged at (the run's when it was not analysed)."""
        a = self.analyses.get(key)
        return a.threshold if a is not None else self.threshold

    @property
    def regressions(self) -> list[Finding]:
        return [f for f in self.findings if f.kind == "regression"]

    @property
    def environment(self) -> list[Finding]:
        return [f for f in self.findings if f.kind == "environment"]

    @property
    def failing(self) -> list[Finding]:
        """The findings that fail ``detect`` (:attr:`Finding.fails`)."""
        return [f for f in self.findings if f.fails]

    def alert_groups(self) -> list[AlertGroup]:
        """Findings grouped by commit: the group with the worst kind first,
        then the newest."""
        by_commit: dict[str, list[int]] = {}
        for i, f in enumerate(self.findings):
            by_commit.setdefault(f.commit, []).append(i)
        groups = [AlertGroup(c, self.findings[ix[0]].previous_commit,
                             tuple(sorted(ix, key=lambda i: finding_order(self.findings[i]))))
                  for c, ix in by_commit.items()]
        groups.sort(key=lambda g: (min(kind_order(self.findings[i].kind) for i in g.findings),
                                   -self.positions.get(g.commit, -1), g.commit))
        return groups

    def to_json(self) -> dict[str, Any]:
        series = []
        for key, a in sorted(self.analyses.items()):
            commits = self.commits.get(key, [])
            series.append({"benchmark": key.benchmark, "params": key.params_dict,
                           "machine": key.machine, "env": key.env, "better": a.better,
                           "threshold": a.threshold,
                           "change_points": a.change_point_commits(commits)})
        return {
            "schema": SCHEMA,
            "threshold": self.threshold,
            "alpha": self.alpha,
            "series_checked": self.series_checked,
            "findings": [f.to_json() for f in self.findings],
            "alert_groups": [{"commit": g.commit, "previous_commit": g.previous_commit,
                              "counts": g.counts(self.findings), "findings": list(g.findings)}
                             for g in self.alert_groups()],
            "series": series,
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, allow_nan=False)


def finding_order(f: Finding) -> tuple[int, float]:
    """Worst kind first, then the largest change."""
    size = abs(math.log(f.ratio)) if f.ratio > 0 and math.isfinite(f.ratio) else 0.0
    return kind_order(f.kind), -size


def _finite(x: float) -> float | None:
    """Strict JSON has no NaN/Infinity: those become null."""
    return float(x) if math.isfinite(x) else None
