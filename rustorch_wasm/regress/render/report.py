"""Markdown rendering of a :class:`~.findings.Report`: one section per alert
group (the findings at one commit), worst kind first; kinds, labels and
icons from :mod:`.kinds`; changes in the user's terms (:mod:`.direction`).
Each group's heading names its commit with its date and subject, and every
commit links to its page when there is a commit URL template; with
``plots``, each change links its series' PNG."""
from __future__ import annotations

import math
from typing import Mapping

from ..model.direction import change_text
from ..model.findings import Finding, Report
from ..model.kinds import KINDS, kind_info
from ..model.units import format_value
from ..io.repository import CommitInfo
from .markdown import cell, commit_md
from .plot_common import series_slug, wants_png


def status(f: Finding) -> str:
    """How sure a failing finding is, and what decided it (:attr:`Finding.status`)."""
    return f.status


def finding_row(f: Finding, commit_url: str | None = None, plots: str | None = None) -> str:
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
        if plots is not None and wants_png(f):
            what += f" ([plot]({plots}{series_slug(f.key)}.png))"
        values = f"{cell(format_value(f.before, f.unit))} → {cell(format_value(f.after, f.unit))}"
    cells = [f"{info.icon} {info.label}", what, cell(params),
             cell(f"{f.key.machine}/{f.key.env}"), commit_md(f.previous_commit, commit_url), values,
             change_text(f.ratio, f.better, f.unit), ci, p, cell(status(f)),
             cell("; ".join(f.evidence)) or "", f"`{f.id}`"]
    return "| " + " | ".join(cells) + " |"


def commit_heading(sha: str, commit_url: str | None,
                   info: Mapping[str, CommitInfo] | None) -> str:
    """The commit (linked), its date and subject, for a section's heading."""
    ci = (info or {}).get(sha)
    date = f" {cell(ci.date)}" if ci and ci.date else ""
    subject = ci.subject if ci else ""
    if len(subject) > 72:
        subject = subject[:71] + "…"
    return commit_md(sha, commit_url) + date + (f" {cell(subject)}" if subject else "")


def render_markdown(report: Report, title: str = "Performance regression report", *,
                    commit_url: str | None = None, commit_info: Mapping[str, CommitInfo] | None = None,
                    plots: str | None = None) -> str:
    """The report as a Markdown document, one section per alert group.
    ``commit_url``: the commit URL template (commits linked); ``commit_info``:
    dates and subjects; ``plots``: where the series' PNGs are (``plots/``),
    linked from each change (the site's ``png="findings"`` draws them)."""
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
        lines += [f"## {worst.icon} {commit_heading(group.commit, commit_url, commit_info)}: "
                  f"{n} finding(s)", "", head,
                  "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        lines += [finding_row(report.findings[i], commit_url, plots) for i in group.findings]
        lines.append("")
    return "\n".join(lines)
