"""The confirmation policy: which findings are measured again, and what the
verdict does to them. One policy for every command that can measure
(``run`` and the PR ``gate``); the views draw the report it returns.

* **Suspects** (:func:`suspects`): every finding of a kind in
  :data:`SUSPECT_KINDS` that rests on timings alone: not an exact count,
  not already confirmed (by its companion exact count, :mod:`.exact_counts`).
  A suspect that its companion count backs is confirmed without measuring
  (:func:`.confirm.confirm`).
* **Verdicts** (:func:`apply_verdicts`): a *confirmed* suspect stays what it
  was, marked ``confirmed``, with the re-measurement as evidence; a
  *refuted* one becomes a ``refuted`` finding and an *inconclusive* one an
  ``inconclusive`` finding ("not confirmed"): both are listed, neither
  fails a run or the gate, and neither is shown as a change.
* A suspect that could not be re-measured (``--no-confirm``, results of a
  repository asv cannot run) stays as found, unconfirmed; the listing says
  so (section ``unconfirmed``).

:func:`listing` orders the failing and environment findings by
:data:`SECTIONS`, the user's order of concern, each with its evidence:
the re-measurement, whether the build key changed between its two
commits, and its alert group (the findings at one commit).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping, Sequence

from ..model.config import DetectorConfig
from ..model.findings import Finding, Report
from ..model.series import Series
from .confirm import Confirmation, Suspect

#: The kinds of finding re-measured before they count.
SUSPECT_KINDS = ("regression",)
#: The listing's sections, in the user's order of concern.
SECTIONS = ("confirmed", "environment", "refuted", "inconclusive", "unconfirmed")
#: What each verdict makes of a finding's kind.
KIND_OF_VERDICT = {"refuted": "refuted", "inconclusive": "inconclusive"}

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


def suspects(report: Report, counts: Counts, config: DetectorConfig) -> list[Suspect]:
    """The findings of ``report`` that must be confirmed before they count."""
    return [Suspect(f.key, f.commit, f.previous_commit, f.unit, counts(f), f.better,
                    f.kind == "regression")
            for f in report.findings
            if f.kind in SUSPECT_KINDS and not f.confirmed and not config.profile.is_exact(f.key)]


def apply_verdicts(report: Report, confirmations: Sequence[Confirmation]) -> Report:
    """The report with each verdict applied (see the module docstring)."""
    by = {(c.suspect.key, c.suspect.commit): c for c in confirmations}
    findings = []
    for f in report.findings:
        c = by.get((f.key, f.commit))
        if c is None or f.kind not in SUSPECT_KINDS:
            findings.append(f)
            continue
        evidence = f.evidence + ((c.evidence,) if c.evidence not in f.evidence else ())
        if c.verdict == "confirmed":
            findings.append(replace(f, confirmed=True, evidence=evidence))
        else:
            findings.append(replace(f, kind=KIND_OF_VERDICT[c.verdict], evidence=evidence))
    return replace(report, findings=findings)


def section_of(f: Finding) -> str | None:
    """The listing section of a finding (None: not listed)."""
    if f.kind == "environment":
        return "environment"
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
