"""The published trend site: static HTML pages over the detector's output.

Layout of ``site/`` (every link relative, so it works opened from disk and
served by ``python -m http.server``; no external assets, no CDN: the
plotting library is vendored)::

    index.html          dashboard: the verdict, then what changed, one row per
                        alert group (the findings at one commit, worst kind
                        first: kinds and counts, machine and short environment
                        label, the largest change, the others folded), with a
                        filter by text, kind and machine; no plots
    commit/<sha>.html   one alert group: every finding in full, its plots
    findings/<kind>.html  every finding of one kind (regression, drift, ...)
    benchmarks.html     the benchmarks, their series and findings
    bench/<slug>.html   one page per benchmark: each series' plot + findings
    series/<slug>.html  one page per series: its plot and findings
    heatmap.html        ratio to baseline per series over the last 50 commits
                        (beyond 120 series, the 120 that changed most there),
                        an HTML table whose cells link to their series' pages
    baseline.html       the baseline in use, per series
    builds.html         commits not measured: same build as an earlier one
    data/<slug>.js      each series' own JSON for its interactive plot, and
    data/commits.js     the subjects and dates of the commits (:mod:`.series_data`)
    series.js           the interactive plot (uPlot, drawn in the browser)
    vendor/uplot/       uPlot, vendored from npm with its LICENSE
    plots/<slug>.png    PNGs (matplotlib), only when asked: ``png="findings"``
                        for the series with a finding shown as a change (what
                        the Markdown report links), ``"all"`` for every one
    findings.json       the detector report (schema 2)
    style.css
    asv/                ``asv publish`` output, when given

Every commit's short sha links to its page on the code host when there is a
commit URL template (:attr:`SiteData.commit_url`). Every benchmark name,
parameter, machine and environment name and commit message goes through
:func:`html.escape`, every JSON text through
:func:`.series_data.script_json`. The site is built in a sibling temporary
directory and swapped into place, so a failed build leaves the old site.
PNGs are drawn in worker processes when there are many (:mod:`.plot_jobs`).
"""
from __future__ import annotations

import shutil
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

from ..model.series import Series, SeriesKey
from ..io.atomic import staged_directory
from .plot_common import ratio_matrix, series_slug, wants_png
from .series_data import write_series_data
from .site_base import CSS, SiteData, baseline_levels, benchmark_slug, commit_slug
from .site_pages import (baseline_page, bench_page, benchmarks_page, builds_page, commit_page,
                         heatmap_page, index_page, kind_page, placeholder_asv_page, series_page)

#: The heat map's columns (the newest commits) and, beyond this many series, its rows.
HEATMAP_COMMITS = 50
HEATMAP_ROWS = 120
#: Which series get a PNG: none, those with a finding shown as a change, all.
PNG_CHOICES = ("none", "findings", "all")


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


def png_series(plotted: list[Series], data: SiteData, png: str) -> list[Series]:
    """The series that get a PNG (see :data:`PNG_CHOICES`)."""
    if png not in PNG_CHOICES:
        raise ValueError(f"png must be one of {PNG_CHOICES}, not {png!r}")
    if png == "all":
        return plotted
    if png == "none":
        return []
    return [s for s in plotted if any(map(wants_png, data.findings_of.get(s.key, ())))]


def _draw(job) -> None:
    """One plot in this process (through this module's ``plot_series``)."""
    plot_series(job.series, job.out_base, findings=job.findings,
                change_points=job.change_points, baseline=job.baseline,
                threshold=job.threshold, formats=job.formats, env_label=job.env_label,
                order=job.order)


def plot_series(*args, **kwargs):
    """:func:`.plot.plot_series`, imported when a PNG is drawn (matplotlib)."""
    from .plot import plot_series as draw
    return draw(*args, **kwargs)


def _draw_pngs(chosen: list[Series], data: SiteData, levels: dict[SeriesKey, float], tmp: Path,
               progress: bool, workers: int) -> None:
    from .plot_jobs import PlotJob, plot_all   # matplotlib: only when PNGs are drawn

    jobs = [PlotJob(s, tmp / "plots" / series_slug(s.key), data.report.threshold_of(s.key),
                    tuple(data.findings_of.get(s.key, ())),
                    tuple(data.change_points.get(s.key, [])), levels.get(s.key),
                    env_label=data.env_label(s.key.env), order=data.order)
            for s in chosen]
    step = max(10, len(jobs) // 10)
    marks = set()

    def report(done: int, total: int) -> None:
        if progress and (done // step not in marks or done == total):
            marks.add(done // step)
            _say(f"  PNGs drawn {done}/{total}")

    plot_all(jobs, workers, report, draw=_draw)


def build_site(data: SiteData, out: Path, *, asv_html: Path | None = None,
               progress: bool = False, workers: int = 1, png: str = "none") -> Path:
    """Write the whole site to ``out`` (replacing it); returns ``out/index.html``.
    ``png``: which series also get a PNG (:data:`PNG_CHOICES`); ``progress``:
    lines on stderr while drawing them; ``workers``: plotting processes (1: in
    this process; more are started with ``spawn``, which imports the calling
    script again: it needs ``if __name__ == "__main__"``)."""
    with staged_directory(out) as tmp:
        if not data.change_points:           # draw what the detector decided
            data.change_points = {k: a.change_points for k, a in data.report.analyses.items()}
        levels = baseline_levels(data)
        by_bench: dict[str, list[Series]] = defaultdict(list)
        for s in data.series:
            by_bench[s.key.benchmark].append(s)
        plotted = [s for s in data.series if len(s)]
        chosen = png_series(plotted, data, png)
        data.png = {s.key for s in chosen}
        groups = data.report.alert_groups()
        write_series_data(tmp, plotted, thresholds={s.key: data.report.threshold_of(s.key)
                                                    for s in plotted},
                          findings_of=data.findings_of, change_points=data.change_points,
                          levels=levels, commit_info=data.commit_info, commit_url=data.commit_url,
                          env_labels=data.env_labels, commits=data.commits,
                          pages={g.commit: f"commit/{commit_slug(g.commit)}.html" for g in groups})
        if chosen:
            _draw_pngs(chosen, data, levels, tmp, progress, workers)
        rows = heatmap_series(plotted, data, levels) if data.commits else []
        _write(tmp / "style.css", CSS.lstrip())
        _write(tmp / "findings.json", data.report.dumps() + "\n")
        _write(tmp / "index.html", index_page(data, by_bench))
        for group in groups:
            _write(tmp / "commit" / f"{commit_slug(group.commit)}.html", commit_page(group, data))
        for kind in sorted({f.kind for f in data.report.findings} | {"regression"}):
            _write(tmp / "findings" / f"{kind}.html", kind_page(kind, data))
        _write(tmp / "benchmarks.html", benchmarks_page(data, by_bench))
        _write(tmp / "heatmap.html", heatmap_page(rows, len(plotted), data, levels,
                                                  HEATMAP_COMMITS))
        _write(tmp / "baseline.html", baseline_page(data, levels))
        if data.same_build:
            _write(tmp / "builds.html", builds_page(data))
        for bench, series in by_bench.items():
            _write(tmp / "bench" / f"{benchmark_slug(bench)}.html", bench_page(bench, series, data, levels))
        for s in plotted:
            _write(tmp / "series" / f"{series_slug(s.key)}.html", series_page(s, data, levels))
        if asv_html is not None and (asv_html / "index.html").is_file():
            shutil.copytree(asv_html, tmp / "asv")
        else:
            _write(tmp / "asv" / "index.html", placeholder_asv_page())
    return Path(out).resolve() / "index.html"


__all__ = ["PNG_CHOICES", "SiteData", "baseline_levels", "benchmark_slug", "build_site", "heatmap_series",
           "png_series"]
