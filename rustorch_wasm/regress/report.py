"""Markdown rendering of a :class:`~.findings.Report`."""
from __future__ import annotations

import math

from .findings import Finding, Report

SCALES = {"seconds": [(1.0, "s"), (1e-3, "ms"), (1e-6, "us"), (1e-9, "ns")]}


def format_value(value: float, unit: str) -> str:
    """A value with a readable scale (seconds -> ms/us/ns)."""
    if not math.isfinite(value):
        return "n/a"
    for factor, name in SCALES.get(unit, []):
        if abs(value) >= factor:
            return f"{value / factor:.3g} {name}"
    if unit in SCALES:
        return f"{value / 1e-9:.3g} ns"
    return f"{value:.4g} {unit}"


def md_escape(text: str) -> str:
    """Keep table cells intact: escape pipes, backticks and angle brackets."""
    return (text.replace("\\", "\\\\").replace("|", "\\|").replace("`", "\\`")
            .replace("<", "&lt;").replace(">", "&gt;"))


def finding_row(f: Finding) -> str:
    params = ", ".join(f"{k}={v}" for k, v in f.key.params) or "-"
    p = "exact" if f.p_value == 0.0 else ("n/a" if not math.isfinite(f.p_value)
                                          else f"{f.p_value:.2g}")
    ci = f"{f.ci[0]:.3f}–{f.ci[1]:.3f}" if all(map(math.isfinite, f.ci)) else "n/a"
    cells = [f.kind, md_escape(f.key.benchmark), md_escape(params),
             md_escape(f"{f.key.machine}/{f.key.env}"), f"`{f.commit[:10]}`",
             f"`{f.previous_commit[:10]}`", format_value(f.before, f.unit),
             format_value(f.after, f.unit), f"{f.ratio:.3f}", ci, p,
             md_escape("; ".join(f.evidence)) or ""]
    return "| " + " | ".join(cells) + " |"


def render_markdown(report: Report, title: str = "Performance regression report") -> str:
    """The report as a Markdown document."""
    n_reg = sum(f.kind == "regression" for f in report.findings)
    n_drift = sum(f.kind == "drift" for f in report.findings)
    n_imp = sum(f.kind == "improvement" for f in report.findings)
    lines = [f"# {title}", "",
             f"{report.series_checked} series checked; threshold {report.threshold:.0%},"
             f" false discovery rate {report.alpha}.",
             f"**{n_reg} regression(s), {n_drift} drift(s), {n_imp} improvement(s).**", ""]
    if report.findings:
        lines += ["| kind | benchmark | params | machine/env | commit | previous | before |"
                  " after | ratio | CI | p | evidence |",
                  "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        order = {"regression": 0, "drift": 1, "improvement": 2}
        for f in sorted(report.findings, key=lambda f: (order[f.kind], -abs(math.log(f.ratio))
                                                        if f.ratio > 0 else 0.0)):
            lines.append(finding_row(f))
    else:
        lines.append("No change of the threshold's size was found.")
    return "\n".join(lines) + "\n"
