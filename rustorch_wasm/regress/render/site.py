"""The published trend site: static HTML pages over the detector's output.

Layout of ``site/`` (every link relative, so it works opened from disk and
served by ``python -m http.server``; no external assets; one small inline
script, the row filter, without which every row is shown)::

    index.html          dashboard: the verdict, then what changed, one row per
                        alert group (the findings at one commit, worst kind
                        first: kinds and counts, machine and short environment
                        label, the largest change, the others folded), with a
                        filter by text, kind and machine; no images
    commit/<sha>.html   one alert group: every finding in full, its plots
    findings/<kind>.html  every finding of one kind (regression, drift, ...)
    benchmarks.html     the benchmarks, their series and findings
    bench/<slug>.html   one page per benchmark: each series' plot + findings
    heatmap.html        ratio to baseline per series over the last 50 commits
                        (beyond 120 series, the 120 that changed most there)
    baseline.html       the baseline in use, per series
    builds.html         commits not measured: same build as an earlier one
    plots/              a PNG per series, heatmap.png/.svg
    findings.json       the detector report (schema 2)
    style.css
    asv/                ``asv publish`` output, when given

Every benchmark name, parameter, machine and environment name and commit
message goes through :func:`html.escape`. The site is built in a sibling
temporary directory and swapped into place, so a failed build leaves the
old site. Plots are drawn in worker processes when there are many
(:mod:`.plot_jobs`).
"""
from __future__ import annotations

import shutil
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

from ..model.series import Series, SeriesKey
from ..io.atomic import staged_directory
from .plot import plot_heatmap, plot_series, ratio_matrix, series_slug
from .plot_jobs import PlotJob, plot_all
from .site_base import CSS, SiteData, baseline_levels, benchmark_slug, commit_slug
from .site_pages import (baseline_page, bench_page, benchmarks_page, builds_page, commit_page,
                         heatmap_page, index_page, kind_page, placeholder_asv_page)

__all__ = ["SiteData", "baseline_levels", "benchmark_slug", "build_site", "heatmap_series"]

#: The heat map's columns (the newest commits) and, beyond this many series, its rows.
HEATMAP_COMMITS = 50
HEATMAP_ROWS = 120


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _say(text: str) -> None:
    print(text, flush=True, file=sys.stderr)


def heatmap_series(plotted: list[Series], data: SiteData, levels: dict[SeriesKey, float],
                   limit: int = HEATMAP_ROWS) -> list[Series]:
    """The rows of the heat map: every series, or beyond ``limit`` the
    ``limit`` that changed most in its window: those with a finding or a
    change point there first, then by the largest ``|log2(median / baseline)|``."""
    if len(plotted) <= limit:
        return plotted
    window = data.commits[-HEATMAP_COMMITS:]
    inside = set(window)
    ratios = ratio_matrix(plotted, levels, window)
    with np.errstate(divide="ignore", invalid="ignore"):
        size = np.nan_to_num(np.abs(np.log2(ratios)), nan=0.0).max(axis=1, initial=0.0)
    scored = []
    for i, s in enumerate(plotted):
        commits = s.commits
        moved = any(f.commit in inside for f in data.findings_of.get(s.key, ())) or any(
            0 <= c < len(commits) and commits[c] in inside for c in data.change_points.get(s.key, ()))
        scored.append((not moved, -float(size[i]), s.key, s))
    return [s for *_, s in sorted(scored, key=lambda t: t[:3])[:limit]]


def _draw(job: PlotJob) -> None:
    """One plot in this process (through this module's ``plot_series``)."""
    plot_series(job.series, job.out_base, findings=job.findings,
                change_points=job.change_points, baseline=job.baseline,
                threshold=job.threshold, formats=job.formats)


def build_site(data: SiteData, out: Path, *, asv_html: Path | None = None,
               progress: bool = False, workers: int = 1) -> Path:
    """Write the whole site to ``out`` (replacing it); returns ``out/index.html``.
    ``progress``: lines on stderr while plotting; ``workers``: plotting
    processes (1: in this process; more are started with ``spawn``, which
    imports the calling script again: it needs ``if __name__ == "__main__"``)."""
    with staged_directory(out) as tmp:
        if not data.change_points:           # draw what the detector decided
            data.change_points = {k: a.change_points for k, a in data.report.analyses.items()}
        levels = baseline_levels(data)
        by_bench: dict[str, list[Series]] = defaultdict(list)
        for s in data.series:
            by_bench[s.key.benchmark].append(s)
        plotted = [s for s in data.series if len(s)]
        jobs = [PlotJob(s, tmp / "plots" / series_slug(s.key), data.report.threshold_of(s.key),
                        tuple(data.findings_of.get(s.key, ())),
                        tuple(data.change_points.get(s.key, [])), levels.get(s.key))
                for s in plotted]
        step = max(10, len(jobs) // 10)
        marks = set()

        def report(done: int, total: int) -> None:
            if progress and (done // step not in marks or done == total):
                marks.add(done // step)
                _say(f"  series plotted {done}/{total}")

        rows = heatmap_series(plotted, data, levels) if data.commits else []

        def heatmap() -> None:
            if rows:
                if progress:
                    _say(f"  heat map of {len(rows)} series")
                plot_heatmap(rows, levels, data.commits, tmp / "plots" / "heatmap",
                             last=HEATMAP_COMMITS, env_labels=data.env_labels)

        plot_all(jobs, workers, report, draw=_draw, meanwhile=heatmap)
        _write(tmp / "style.css", CSS.lstrip())
        _write(tmp / "findings.json", data.report.dumps() + "\n")
        _write(tmp / "index.html", index_page(data, by_bench))
        for group in data.report.alert_groups():
            _write(tmp / "commit" / f"{commit_slug(group.commit)}.html", commit_page(group, data))
        for kind in sorted({f.kind for f in data.report.findings} | {"regression"}):
            _write(tmp / "findings" / f"{kind}.html", kind_page(kind, data))
        _write(tmp / "benchmarks.html", benchmarks_page(data, by_bench))
        _write(tmp / "heatmap.html", heatmap_page(len(rows), len(plotted), HEATMAP_COMMITS))
        _write(tmp / "baseline.html", baseline_page(data, levels))
        if data.same_build:
            _write(tmp / "builds.html", builds_page(data))
        for bench, series in by_bench.items():
            _write(tmp / "bench" / f"{benchmark_slug(bench)}.html", bench_page(bench, series, data, levels))
        if asv_html is not None and (asv_html / "index.html").is_file():
            shutil.copytree(asv_html, tmp / "asv")
        else:
            _write(tmp / "asv" / "index.html", placeholder_asv_page())
    return Path(out).resolve() / "index.html"
