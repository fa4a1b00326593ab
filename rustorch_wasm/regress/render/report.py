"""Markdown rendering of a :class:`~.findings.Report`: one section per alert
group (the findings at one commit), worst kind first; kinds, labels and
icons from :mod:`.kinds`; changes in the user's terms (:mod:`.direction`)."""
from __future__ import annotations

import math

from ..model.direction import change_text
from ..model.findings import Finding, Report
from ..model.kinds import KINDS, kind_info
from ..model.units import format_value
from .markdown import cell


def status(f: Finding) -> str:
    """How sure a failing finding is, and what decided it (:attr:`Finding.status`)."""
    return f.status


def finding_row(f: Finding) -> str:
    info = kind_info(f.kind)
    params = ", ".join(f"{k}={v}" for k, v in f.key.params) or "-"
    p = "exact" if f.p_value == 0.0 else ("n/a" if not math.isfinite(f.p_value)
                                          else f"{f.p_value:.2g}")
    ci = f"{f.ci[0]:.3f}–{f.ci[1]:.3f}" if all(map(math.isfinite, f.ci)) else "n/a"
    if f.is_environment:
        what, params = f"{f.moved} series ({f.share:.0%}) together", "-"
        values = "-"
    else:
        what = cell(f.key.benchmark)
        values = f"{cell(format_value(f.before, f.unit))} → {cell(format_value(f.after, f.unit))}"
    cells = [f"{info.icon} {info.label}", what, cell(params),
             cell(f"{f.key.machine}/{f.key.env}"), f"`{f.previous_commit[:10]}`", values,
             change_text(f.ratio, f.better, f.unit), ci, p, cell(status(f)),
             cell("; ".join(f.evidence)) or "", f"`{f.id}`"]
    return "| " + " | ".join(cells) + " |"


def render_markdown(report: Report, title: str = "Performance regression report") -> str:
    """The report as a Markdown document, one section per alert group."""
    counts = {k: sum(f.kind == k for f in report.findings) for k in KINDS}
    summary = ", ".join(f"{n} {KINDS[k].label.lower()}" + ("s" if n != 1 else "")
                        for k, n in counts.items())
    unconfirmed = sum(1 for f in report.failing if not f.confirmed and f.commits_after <= 2)
    triaged = sum(1 for f in report.findings if f.triage is not None)
    lines = [f"# {title}", "",
             f"{report.series_checked} series checked; threshold {report.threshold:.0%},"
             f" false discovery rate {report.alpha}.",
             f"**{summary}.**" + (f" {unconfirmed} of the regressions and drifts rest on"
                                  " the newest one or two commits only: unconfirmed until"
                                  " re-measured." if unconfirmed else "")
             + (f" {triaged} triaged (acknowledged or invalid: shown, failing nothing)."
                if triaged else ""), ""]
    if not report.findings:
        lines.append("No change of the threshold's size was found.")
        return "\n".join(lines) + "\n"
    head = ("| kind | benchmark | params | machine/env | previous | before → after | change |"
            " CI | p | status | evidence | id |")
    for group in report.alert_groups():
        worst = kind_info(report.findings[group.findings[0]].kind)
        n = len(group.findings)
        lines += [f"## {worst.icon} `{group.commit[:10]}`: {n} finding(s)", "", head,
                  "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        lines += [finding_row(report.findings[i]) for i in group.findings]
        lines.append("")
    return "\n".join(lines)
