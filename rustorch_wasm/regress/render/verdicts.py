"""The verdicts of a run in words: the end of ``run``'s console output, the
listing at the top of ``findings.md`` and ``confirmations.json``.

The listing (:func:`..analysis.policy.listing`) is in the user's order of
concern: confirmed regressions, environment shifts, refuted and
inconclusive suspects, then regressions that were not re-measured; every
entry with its evidence. Improvements and drift are in the detector's
report, not here.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

from ..model.config import DetectorConfig
from ..analysis.confirm import Confirmation, looks
from ..analysis.policy import SECTIONS, Entry
from ..model.units import format_p
from .markdown import cell

TITLES = {"confirmed": "Confirmed regressions",
          "shift": "Shared shifts of unknown cause (not re-measured)",
          "environment": "Environment shifts",
          "refuted": "Refuted by re-measurement (noise)",
          "inconclusive": "Not confirmed: not enough evidence",
          "unconfirmed": "Timing-only regressions not re-measured"}
NOTHING = "No regression and no environment shift."


def ratio_text(e: Entry) -> str:
    c, f = e.confirmation, e.finding
    if c is not None and c.rounds and math.isfinite(c.ratio):
        return f"x{f.ratio:.3f}, re-measured x{c.ratio:.3f} (p={format_p(c.p_value)})"
    if f.is_environment:
        return f"{f.moved} series moved x{f.ratio:.3f} together"
    return f"x{f.ratio:.3f} (p={format_p(f.p_value)}, {f.decided_by}, {f.commits_after} commit(s))"


def evidence_of(e: Entry) -> list[str]:
    """The entry's evidence, and its triage decision (``acknowledged: <note>``) last."""
    return [*e.evidence, *([e.finding.status] if e.finding.triage is not None else [])]


def summary(entries: Sequence[Entry]) -> str:
    """``2 confirmed, 1 refuted``: the sections that have entries."""
    by = {s: sum(1 for e in entries if e.section == s) for s in SECTIONS}
    return ", ".join(f"{n} {s}" for s, n in by.items() if n)


def text_lines(entries: Sequence[Entry]) -> list[str]:
    """Each section with its entries, for the console."""
    lines = []
    for section in SECTIONS:
        mine = [e for e in entries if e.section == section]
        if not mine:
            continue
        lines.append(f"{TITLES[section]} ({len(mine)}):")
        for e in mine:
            f = e.finding
            lines.append(f"  {f.key.label} at {f.commit[:10]} {ratio_text(e)} [{f.key.machine}, "
                         f"{f.key.env}]")
            lines.extend(f"      {line}" for line in evidence_of(e))
    return lines or [NOTHING]


def markdown(entries: Sequence[Entry]) -> str:
    """The same, as a Markdown section for ``findings.md``."""
    lines = ["## Regressions by verdict", ""]
    if not entries:
        return "\n".join([*lines, NOTHING, ""])
    for section in SECTIONS:
        mine = [e for e in entries if e.section == section]
        if not mine:
            continue
        lines += [f"### {TITLES[section]} ({len(mine)})", "",
                  "| benchmark | commit | change | evidence |", "|---|---|---|---|"]
        for e in mine:
            lines.append(f"| {cell(e.finding.key.label)} | `{e.finding.commit[:10]}` | "
                         f"{cell(ratio_text(e))} | {cell('; '.join(evidence_of(e)))} |")
        lines.append("")
    return "\n".join(lines)


def document(entries: Sequence[Entry], confirmations: Sequence[Confirmation],
             config: DetectorConfig, note: str = "") -> dict[str, Any]:
    """``confirmations.json``: the rule, every verdict, and the ordered listing
    (each entry with the threshold its series was judged at)."""
    return {"schema": 2,
            "rule": {"threshold": config.threshold, "guard": config.guard, "alpha": config.alpha,
                     "rounds_per_look": config.confirm_rounds_per_look,
                     "max_rounds": config.confirm_max_rounds, "looks": looks(config),
                     "alpha_per_look": config.alpha / looks(config)},
            "note": note,
            "confirmations": [{**c.to_json(),
                               "threshold": config.threshold_for(c.suspect.key.benchmark)}
                              for c in confirmations],
            "listing": [{**e.to_json(),
                         "threshold": config.threshold_for(e.finding.key.benchmark)}
                        for e in entries]}


__all__ = ["TITLES", "document", "evidence_of", "markdown", "ratio_text", "summary", "text_lines"]
