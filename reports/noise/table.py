"""The noise report's table and JSON: per benchmark the median, the worst and
median CV over the runs and the spread of the medians; per run the count of
benchmarks over the target, the wall time, other processes' CPU and steal.

The target is CV <= 3 % (``CV_TARGET``) for every time benchmark of 100 us
or more (``MIN_SECONDS``).
"""
from __future__ import annotations

import time
from typing import Any

import numpy as np

from reports.noise.samples import Row
from reports.noise.suite import RunCost

CV_TARGET = 0.03
MIN_SECONDS = 100e-6


def fmt_time(seconds: float) -> str:
    """Seconds with 3 significant digits in s, ms, us or ns."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds * 1e9:.3g} ns"


def overs_per_run(rows: list[Row], n_runs: int) -> list[int]:
    """For each run, how many benchmarks of at least MIN_SECONDS had a CV
    over CV_TARGET in it. Host bursts hit single runs; this tells a suite
    that is always noisy from runs that were hit."""
    counts = [0] * n_runs
    for r in rows:
        if np.median(r.medians) < MIN_SECONDS:
            continue
        for run, cv in zip(r.runs, r.cvs):
            counts[run] += cv > CV_TARGET
    return counts


def table(rows: list[Row], runs: list[RunCost]) -> str:
    """The Markdown table and the per-run lines under it."""
    lines = [
        "| benchmark | params | median | CV worst | CV median | medians spread | target |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        med = float(np.median(r.medians))
        spread = (max(r.medians) - min(r.medians)) / med if med else 0.0
        checked = med >= MIN_SECONDS
        verdict = ("ok" if max(r.cvs) <= CV_TARGET else "OVER") if checked else "(< 100 us)"
        lines.append(f"| {r.name} | {r.params} | {fmt_time(med)} | {max(r.cvs):.2%} | "
                     f"{np.median(r.cvs):.2%} | {spread:.2%} | {verdict} |")
    lines.append("")
    lines.append("Benchmarks of 100 us or more over the target in each run: "
                 + ", ".join(str(n) for n in overs_per_run(rows, len(runs))))
    lines.append("")
    lines.append("Wall time of each whole-suite run: " + ", ".join(f"{r.wall:.0f} s" for r in runs))
    if all(r.others_cpu is not None for r in runs):
        lines.append("")
        lines.append("CPU used by other processes during each run (/proc/stat busy time minus "
                     "the suite's own): " + ", ".join(
                         f"{r.others_cpu:.0f} s ({r.others_cpu / r.wall:.0%} of a core)" for r in runs))
    if all(r.steal is not None for r in runs):
        lines.append("")
        lines.append("Steal time during each run (the hypervisor running something else on the "
                     "vCPUs): " + ", ".join(f"{r.steal:.1f} s" for r in runs))
    return "\n".join(lines)


def cv_document(rows: list[Row], runs: list[RunCost]) -> dict[str, Any]:
    """The measured noise as plain data: per time benchmark and parameters,
    the median time and the worst within-run CV over the runs."""
    return {
        "command": "python scripts/noise_report.py --runs %d" % len(runs),
        "date": time.strftime("%Y-%m-%d"),
        "suite_wall_seconds": [round(r.wall, 1) for r in runs],
        "others_cpu_seconds": [None if r.others_cpu is None else round(r.others_cpu, 1) for r in runs],
        "steal_seconds": [None if r.steal is None else round(r.steal, 1) for r in runs],
        "series": [{"benchmark": r.name, "params": r.params,
                    "median_seconds": float(np.median(r.medians)), "cv": float(max(r.cvs))}
                   for r in rows],
    }
