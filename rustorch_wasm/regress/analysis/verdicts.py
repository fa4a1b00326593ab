"""What ``make run`` reports after confirmation: regressions by verdict, in order.

The order is the user's order of concern (:data:`SECTIONS`):

1. ``confirmed``: regressions backed by an instruction-count change (and
   instruction-count regressions themselves, which are exact), confirmed by
   re-measurement, or marked ``confirmed`` by the detector;
2. ``environment``: shifts that many series share (the detector's
   ``environment`` findings), one alert group per commit;
3. ``refuted``: timing regressions that re-measurement ruled out (noise),
   with the re-measured ratio and p-value;
4. ``inconclusive``: re-measured up to the bound without a decision;
5. ``unconfirmed``: timing-only regressions that were not re-measured
   (``--no-confirm``, or results of a repository asv cannot run here).

Each entry carries its evidence: the companion instruction count at the two
commits, whether the build key changed between them, the re-measurement
(ratio, p-value, rounds), and its alert group (the findings at one commit).
Improvements and drift are not listed here; the detector's report has them.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, replace
from html import escape
from typing import Any, Sequence

from ..model.config import DetectorConfig
from ..model.findings import Finding, Report
from ..model.profile import Profile
from ..model.series import Series
from .confirm import Candidate, Confirmation, Rule, instruction_backed

SECTIONS = ("confirmed", "environment", "refuted", "inconclusive", "unconfirmed")
TITLES = {"confirmed": "Confirmed regressions", "environment": "Environment shifts",
          "refuted": "Refuted by re-measurement (noise)",
          "inconclusive": "Inconclusive after re-measurement",
          "unconfirmed": "Timing-only regressions not re-measured"}


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


def _counts(series: Series | None, commits: tuple[str, str]) -> tuple[float, float] | None:
    if series is None:
        return None
    at = dict(zip(series.commits, series.medians))
    if commits[0] in at and commits[1] in at:
        return float(at[commits[0]]), float(at[commits[1]])
    return None


def candidates(report: Report, series: Sequence[Series], profile: Profile) -> list[Candidate]:
    """Every timing regression of ``report`` with its companion instruction counts."""
    by_key = {s.key: s for s in series}
    out = []
    for f in report.findings:
        if f.kind != "regression" or profile.is_exact(f.key):
            continue
        twin = profile.companion(f.key)
        counts = _counts(by_key.get(twin) if twin else None, (f.previous_commit, f.commit))
        out.append(Candidate(f.key, f.commit, f.previous_commit, f.unit, counts))
    return out


def to_confirm(cands: Sequence[Candidate], report: Report,
               config: DetectorConfig) -> list[Candidate]:
    """The candidates that need re-measurement: not instruction-backed, not confirmed yet."""
    done = {(f.key, f.commit) for f in report.findings if getattr(f, "confirmed", False)}
    return [c for c in cands if (c.key, c.commit) not in done
            and not instruction_backed(c, config)]


def listing(report: Report, cands: Sequence[Candidate], confirmations: Sequence[Confirmation],
            config: DetectorConfig, build_keys: dict[str, str] | None = None,
            order: Sequence[str] = ()) -> list[Entry]:
    """Regressions and environment findings in :data:`SECTIONS` order; within a
    section by commit (its place in ``order``, oldest first, when given)."""
    verdict = {(c.candidate.key, c.candidate.commit): c for c in confirmations}
    backed = {(c.key, c.commit) for c in cands if instruction_backed(c, config)}
    groups = Counter(f.commit for f in report.findings)
    keys = build_keys or {}
    out = []
    for f in report.findings:
        if f.kind not in ("regression", "environment"):
            continue
        c = verdict.get((f.key, f.commit))
        if f.kind == "environment":
            section = "environment"
        elif config.profile.is_exact(f.key) or getattr(f, "confirmed", False) \
                or (f.key, f.commit) in backed:
            section = "confirmed"
        else:
            section = c.verdict if c is not None else "unconfirmed"
        changed = (keys[f.commit] != keys[f.previous_commit]
                   if f.commit in keys and f.previous_commit in keys else None)
        out.append(Entry(section, f, c, changed, groups[f.commit]))
    rank = {s: i for i, s in enumerate(SECTIONS)}
    place = {c: i for i, c in enumerate(order)}
    return sorted(out, key=lambda e: (rank[e.section], place.get(e.finding.commit, len(place)),
                                      e.finding.commit, e.finding.key))


def _ratio(e: Entry) -> str:
    c = e.confirmation
    if c is not None and c.rounds and math.isfinite(c.ratio):
        return f"x{e.finding.ratio:.3f}, re-measured x{c.ratio:.3f} (p={c.p_value:.2g})"
    return f"x{e.finding.ratio:.3f} (p={e.finding.p_value:.2g})"


def text_lines(entries: Sequence[Entry]) -> list[str]:
    """The end of ``make run``: each section with its entries."""
    lines = []
    for section in SECTIONS:
        mine = [e for e in entries if e.section == section]
        if not mine:
            continue
        lines.append(f"{TITLES[section]} ({len(mine)}):")
        for e in mine:
            f = e.finding
            lines.append(f"  {f.key.label} at {f.commit[:10]} {_ratio(e)} [{f.key.machine}, "
                         f"{f.key.env}]")
            lines.extend(f"      {line}" for line in e.evidence)
    return lines or ["No regression and no environment shift."]


def _cell(text: str) -> str:
    return escape(text).replace("|", "\\|").replace("\n", " ")


def markdown(entries: Sequence[Entry]) -> str:
    """The same, as a Markdown section for ``findings.md``."""
    lines = ["## Regressions by verdict", ""]
    if not entries:
        return "\n".join([*lines, "No regression and no environment shift.", ""])
    for section in SECTIONS:
        mine = [e for e in entries if e.section == section]
        if not mine:
            continue
        lines += [f"### {TITLES[section]} ({len(mine)})", "",
                  "| benchmark | commit | change | evidence |", "|---|---|---|---|"]
        for e in mine:
            lines.append(f"| {_cell(e.finding.key.label)} | `{e.finding.commit[:10]}` | "
                         f"{_cell(_ratio(e))} | {_cell('; '.join(e.evidence))} |")
        lines.append("")
    return "\n".join(lines)


def document(entries: Sequence[Entry], confirmations: Sequence[Confirmation],
             config: DetectorConfig, rule: Rule, note: str = "") -> dict[str, Any]:
    """``site/confirmations.json``: the rule, every verdict, and the ordered listing."""
    return {"schema": 1,
            "rule": {"threshold": config.threshold, "guard": config.guard, "alpha": config.alpha,
                     "rounds_per_look": rule.rounds_per_look, "max_rounds": rule.max_rounds,
                     "looks": rule.looks, "alpha_per_look": config.alpha / rule.looks},
            "note": note,
            "confirmations": [c.to_json() for c in confirmations],
            "listing": [e.to_json() for e in entries]}


def confirmed_report(report: Report, entries: Sequence[Entry]) -> Report:
    """The report with the verdicts applied, so that every view shows them: a
    confirmed regression is ``confirmed`` with its evidence, a refuted one
    becomes a ``refuted`` finding (listed apart, failing nothing), an
    inconclusive one stays an unconfirmed regression with what was measured."""
    by = {(e.finding.key, e.finding.commit): e for e in entries}
    findings = []
    for f in report.findings:
        e = by.get((f.key, f.commit))
        if e is None or f.kind != "regression":
            findings.append(f)
            continue
        extra = tuple(x for x in e.evidence if x not in f.evidence)
        if e.section == "confirmed":
            f = replace(f, confirmed=True, evidence=f.evidence + extra)
        elif e.section == "refuted":
            f = replace(f, kind="refuted", evidence=f.evidence + extra)
        else:
            f = replace(f, evidence=f.evidence + extra)
        findings.append(f)
    return replace(report, findings=findings)
