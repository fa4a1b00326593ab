"""The confirmation policy: which findings are measured again, and what the
verdict does to them. One policy for every command that can measure
(``run`` and the PR ``gate``); the views draw the report it returns.

* **Suspects** (:func:`suspects`): every regression, improvement and
  ``inconclusive`` finding ("not enough evidence") that rests on timings:
  not an exact count, not already confirmed (by its companion exact count,
  :mod:`.exact_counts`); both directions are held to one rule. And every
  member of a ``shift``, a shared change of unknown cause. A suspect that
  its companion count backs is confirmed without measuring
  (:func:`.confirm.confirm`).
* **Verdicts** (:func:`apply_verdicts`): a *confirmed* suspect is a
  regression or an improvement (an inconclusive one by its direction),
  marked ``confirmed``, ``decided_by`` the re-measurement (or the exact
  counts), with it as evidence; a *refuted* one becomes a ``refuted``
  finding and an *inconclusive* one an ``inconclusive`` finding ("not
  confirmed"): both are listed, neither fails a run or the gate, and
  neither is shown as a change. A shift whose re-measured members mostly
  confirm was the code: its members become findings of their own and the
  shift is gone; otherwise it is an ``environment`` finding decided by the
  re-measurement.
* A suspect that could not be re-measured (``--no-confirm``, results
  without a repository asv can build) stays as found, unconfirmed; the
  listing says so (section ``unconfirmed``).

:func:`listing` orders the failing, shift and environment findings by
:data:`SECTIONS`, the user's order of concern, each with its evidence:
the re-measurement, whether the build key changed between its two
commits, and its alert group (the findings at one commit).
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping, Sequence

from ..model.config import DetectorConfig
from ..model.findings import Finding, Report
from ..model.series import Series, SeriesKey
from .confirm import Confirmation, Suspect

#: The kinds of finding re-measured before they count (a ``shift``: each of its members).
SUSPECT_KINDS = ("regression", "improvement", "inconclusive")
#: The listing's sections, in the user's order of concern.
SECTIONS = ("confirmed", "shift", "environment", "refuted", "inconclusive", "unconfirmed")

Counts = Callable[[Finding], "tuple[float, float] | None"]


def companion_counts(series: Sequence[Series], config: DetectorConfig) -> Counts:
    """The companion exact counts of a finding at (its previous commit, its
    commit), from the history's series (None without both)."""
    by_key = {s.key: dict(zip(s.commits, s.medians.tolist())) for s in series}

    def counts(f: Finding) -> tuple[float, float] | None:
        twin = config.profile.companion(f.key)
        at = by_key.get(twin) if twin is not None else None
        if at is None or f.previous_commit not in at or f.commit not in at:
            return None
        return float(at[f.previous_commit]), float(at[f.commit])

    return counts


def suspects(report: Report, counts: Counts, config: DetectorConfig,
             units: Mapping[SeriesKey, str] | None = None) -> list[Suspect]:
    """The findings of ``report`` that must be confirmed before they count:
    every one of :data:`SUSPECT_KINDS` that rests on timings (not an exact
    count, not confirmed already), and every member of a ``shift``
    (``units``: each series' unit, for the members)."""
    out = []
    for f in report.findings:
        if f.kind == "shift":
            for key, ratio in f.members:
                unit = (units or {}).get(key, "seconds")
                member = replace(f, key=key, unit=unit, better=config.better_for(key.benchmark, unit))
                out.append(Suspect(key, f.commit, f.previous_commit, unit, counts(member),
                                   member.better, ratio > 1.0))
        elif f.kind in SUSPECT_KINDS and not f.confirmed and not config.profile.is_exact(f.key):
            out.append(Suspect(f.key, f.commit, f.previous_commit, f.unit, counts(f), f.better,
                               f.badness > 1.0))
    return out


def _confirmed(f: Finding, c: Confirmation) -> Finding:
    kind = f.kind if f.kind in ("regression", "improvement") else c.suspect.kind
    return replace(f, kind=kind, confirmed=True,
                   decided_by="exact counts" if c.by_counts else "re-measurement",
                   evidence=f.evidence + ((c.evidence,) if c.evidence not in f.evidence else ()))


def _member(f: Finding, key: SeriesKey, c: Confirmation, levels: Mapping) -> Finding:
    """A confirmed member of a shared shift as a finding of its own."""
    before = levels.get((key, f.previous_commit), math.nan)
    after = levels.get((key, f.commit), math.nan)
    unit, better = c.suspect.unit, c.suspect.better
    member = Finding(c.suspect.kind, key, f.commit, f.previous_commit, before, after, c.ratio,
                     c.ci, c.p_value, unit, (f"moved with a shared shift of {f.moved} series "
                                             f"(x{f.ratio:.3f}) at this commit",),
                     better, 1)
    return _confirmed(member, c)


def apply_verdicts(report: Report, confirmations: Sequence[Confirmation],
                   series: Sequence[Series] = ()) -> Report:
    """The report with each verdict applied (see the module docstring);
    ``series``: the history's, for the levels of a shift's confirmed members."""
    by = {(c.suspect.key, c.suspect.commit): c for c in confirmations}
    levels = {(s.key, c): v for s in series for c, v in zip(s.commits, s.medians.tolist())}
    findings = []
    for f in report.findings:
        if f.kind == "shift":
            findings.extend(_shift_verdict(f, by, levels))
            continue
        c = by.get((f.key, f.commit))
        if c is None or f.kind not in SUSPECT_KINDS:
            findings.append(f)
        elif c.verdict == "confirmed":
            findings.append(_confirmed(f, c))
        else:
            evidence = f.evidence + ((c.evidence,) if c.evidence not in f.evidence else ())
            findings.append(replace(f, kind=c.verdict, evidence=evidence))
    return replace(report, findings=findings)


def _shift_verdict(f: Finding, by: Mapping, levels: Mapping) -> list[Finding]:
    """A shared shift re-measured: reproduced (most of its re-measured
    members confirmed), its members are findings of their own and the shift
    is gone; not reproduced, it is an environment shift decided by the
    re-measurement, and the few members that were confirmed are findings."""
    verdicts = [(key, by.get((key, f.commit))) for key, _ in f.members]
    measured = [(k, c) for k, c in verdicts if c is not None]
    if not measured:
        return [f]
    confirmed = [(k, c) for k, c in measured if c.verdict == "confirmed"]
    members = [_member(f, k, c, levels) for k, c in confirmed]
    if 2 * len(confirmed) > len(measured):
        return members
    note = (f"not reproduced by re-measurement: {len(confirmed)} of {len(measured)} members "
            "confirmed")
    return [replace(f, kind="environment", decided_by="re-measurement", confirmed=True,
                    evidence=f.evidence + (note,)), *members]


def section_of(f: Finding) -> str | None:
    """The listing section of a finding (None: not listed)."""
    if f.kind in ("environment", "shift"):
        return f.kind
    if f.kind in ("refuted", "inconclusive"):
        return f.kind
    if f.kind == "regression":
        return "confirmed" if f.confirmed else "unconfirmed"
    return None


@dataclass(frozen=True)
class Entry:
    """One listed finding, its section and its evidence."""

    section: str
    finding: Finding
    confirmation: Confirmation | None = None
    build_changed: bool | None = None   # build key of commit != previous commit's
    group_size: int = 1                 # findings at the same commit (alert group)

    @property
    def evidence(self) -> list[str]:
        out = list(self.finding.evidence)
        if self.confirmation is not None and self.confirmation.evidence not in out:
            out.append(self.confirmation.evidence)
        if self.build_changed is not None:
            out.append("build key changed" if self.build_changed else
                       f"same build as {self.finding.previous_commit[:10]} (build key unchanged)")
        out.append(f"alert group {self.finding.commit[:10]}: {self.group_size} finding(s)")
        return out

    def to_json(self) -> dict[str, Any]:
        doc = {"section": self.section, **self.finding.to_json(),
               "build_key_changed": self.build_changed, "alert_group": self.finding.commit,
               "group_size": self.group_size}
        doc["evidence"] = self.evidence
        doc["confirmation"] = self.confirmation.to_json() if self.confirmation else None
        return doc


def listing(report: Report, confirmations: Sequence[Confirmation],
            build_keys: Mapping[str, str] | None = None, order: Sequence[str] = ()) -> list[Entry]:
    """The listed findings of ``report`` (after :func:`apply_verdicts`) in
    :data:`SECTIONS` order; within a section by commit (its place in
    ``order``, oldest first, when given)."""
    verdict = {(c.suspect.key, c.suspect.commit): c for c in confirmations}
    groups = Counter(f.commit for f in report.findings)
    keys = build_keys or {}
    out = []
    for f in report.findings:
        section = section_of(f)
        if section is None:
            continue
        changed = (keys[f.commit] != keys[f.previous_commit]
                   if f.commit in keys and f.previous_commit in keys else None)
        out.append(Entry(section, f, verdict.get((f.key, f.commit)), changed, groups[f.commit]))
    rank = {s: i for i, s in enumerate(SECTIONS)}
    place = {c: i for i, c in enumerate(order)}
    return sorted(out, key=lambda e: (rank[e.section], place.get(e.finding.commit, len(place)),
                                      e.finding.commit, e.finding.key))


__all__ = ["Entry", "SECTIONS", "SUSPECT_KINDS", "apply_verdicts", "companion_counts",
           "listing", "section_of", "suspects"]
