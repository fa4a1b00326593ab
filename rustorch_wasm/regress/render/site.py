"""The published trend site: static HTML pages over the detector's output.

Layout of ``site/`` (every link relative, so it works opened from disk and
served by ``python -m http.server``; no scripts, no external assets)::

    index.html          dashboard: what changed, as alert groups (the findings
                        at one commit, worst kind first: regressions with
                        their confirmation status, environment findings),
                        then the findings by kind, the heat map and the
                        list of benchmarks
    bench/<slug>.html   one page per benchmark: each series' plot + findings
    baseline.html       the baseline in use, per series
    plots/              PNG + SVG per series, heatmap.png/.svg
    findings.json       the detector report (schema 2)
    style.css
    asv/                ``asv publish`` output, when given

Every benchmark name, parameter, machine name and commit message goes
through :func:`html.escape`. The site is built in a sibling temporary
directory and swapped into place, so a failed build leaves the old site.
"""
from __future__ import annotations

import hashlib
import math
import re
import shutil
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from html import escape
from pathlib import Path
from typing import Sequence

from ..model.direction import change_text
from ..model.findings import Finding, Report
from ..model.kinds import KINDS, kind_info, status_text
from ..model.profile import Profile, short_labels
from ..model.series import Series, SeriesKey
from ..model.units import format_value
from ..io.atomic import staged_directory
from ..io.history import CommitInfo
from .plot import first_segment_level, plot_heatmap, plot_series, series_slug

CSS = """
body { font-family: system-ui, sans-serif; margin: 1.5rem auto; max-width: 96rem; padding: 0 1rem; color: #1c2833; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #d5d8dc; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; margin: 0.5rem 0 1rem; }
th, td { border-bottom: 1px solid #e5e8e8; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f4f6f6; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
code, .sha { font-family: ui-monospace, monospace; font-size: 0.85rem; }
.verdict { padding: 0.6rem 1rem; border-radius: 6px; font-weight: bold; }
.bad { background: #fadbd8; color: #922b21; } .good { background: #d5f5e3; color: #1e8449; }
.kind-regression { color: #c0392b; font-weight: bold; } .kind-drift { color: #d68910; font-weight: bold; } .kind-environment { color: #5d6d7e; font-weight: bold; } .kind-improvement { color: #1e8449; font-weight: bold; } 
img.plot { max-width: 100%; height: auto; border: 1px solid #e5e8e8; }
nav a { margin-right: 1rem; } .muted { color: #7f8c8d; font-size: 0.85rem; }
.scroll { overflow-x: auto; } td { overflow-wrap: break-word; } td .muted { overflow-wrap: anywhere; }
.nowrap { white-space: nowrap; }
"""


@dataclass
class SiteData:
    """Everything the site shows; plain data, built by the pipeline or by tests."""

    series: list[Series]
    report: Report
    commits: list[str]                      # first-parent order, oldest first
    change_points: dict[SeriesKey, list[int]] = field(default_factory=dict)  # default: the report's
    baselines: dict[SeriesKey, float] = field(default_factory=dict)  # stored levels
    baseline_source: str = ""               # e.g. "baselines/box.json at 1a2b3c4"
    commit_info: dict[str, CommitInfo] = field(default_factory=dict)
    profile: Profile = field(default_factory=Profile)   # title, exact counts, env labels
    same_build: dict[str, str] = field(default_factory=dict)   # commit -> commit whose build it has

    @cached_property
    def env_labels(self) -> dict[str, str]:
        """Short environment labels (the profile's, else the words that differ)."""
        return short_labels({s.key.env for s in self.series} | {f.key.env for f in self.report.findings},
                            self.profile)

    def env_label(self, env: str) -> str:
        return self.env_labels.get(env, env)


def baseline_levels(data: SiteData) -> dict[SeriesKey, float]:
    """Stored baseline where there is one, else the level before the first change point."""
    levels = {}
    for s in data.series:
        stored = data.baselines.get(s.key)
        levels[s.key] = stored if stored is not None and math.isfinite(stored) else \
            first_segment_level(s, data.change_points.get(s.key, []))
    return levels


def benchmark_slug(benchmark: str) -> str:
    digest = hashlib.sha1(benchmark.encode()).hexdigest()[:10]
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", benchmark).strip("_.")[:80] or "benchmark"
    return f"{readable}-{digest}"


def _page(title: str, body: str, root: str) -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{escape(title)}</title><link rel=\"icon\" href=\"data:,\">"
        f"<link rel=\"stylesheet\" href=\"{root}style.css\"></head><body>\n"
        f"<nav><a href=\"{root}index.html\">Dashboard</a><a href=\"{root}baseline.html\">Baseline</a>"
        f"<a href=\"{root}asv/index.html\">asv pages</a><a href=\"{root}findings.json\">findings.json</a></nav>\n"
        f"{body}\n</body></html>\n"
    )


def _fmt(value: float, unit: str) -> str:
    return escape(format_value(value, unit))


def _name(benchmark: str) -> str:
    """Escaped benchmark name that may wrap after its dots."""
    return re.sub(r"\.(?=[A-Za-z_])", ".<wbr>", escape(benchmark))


def _params(key: SeriesKey) -> str:
    return escape(", ".join(f"{k}={v}" for k, v in key.params)) or "—"


def _commit_cell(sha: str, info: dict[str, CommitInfo]) -> str:
    ci = info.get(sha)
    subject = f"<br><span class=\"muted\">{escape(ci.subject)}</span>" if ci and ci.subject else ""
    return f"<span class=\"sha\" title=\"{escape(sha)}\">{escape(sha[:10])}</span>{subject}"


def _status(f: Finding) -> str:
    state = status_text(f.kind, f.confirmed, f.commits_after)
    return f"<br><span class=\"muted\">{escape(state)}</span>" if state else ""


def _findings_table(findings: Sequence[Finding], data: SiteData, root: str, with_bench: bool) -> str:
    if not findings:
        return "<p>No findings.</p>"
    head = ("<tr><th>kind</th>" + ("<th>benchmark</th>" if with_bench else "")
            + "<th>params</th><th>commit</th><th>before → after</th><th>change</th>"
              "<th>CI of ratio</th><th>p-value</th><th>evidence</th><th>plot</th></tr>")
    rows = []
    for f in findings:
        info = kind_info(f.kind)
        slug = series_slug(f.key)
        env = data.env_label(f.key.env)
        if f.is_environment:
            bench = (f"<td>{f.moved} series ({f.share:.0%}) together<br><span class=\"muted\">"
                     f"{escape(f.key.machine)} · {escape(env)}</span></td>") if with_bench else ""
            values, plot = "—", "—"
        else:
            bench = (f"<td><a href=\"{root}bench/{benchmark_slug(f.key.benchmark)}.html\">"
                     f"{_name(f.key.benchmark)}</a><br><span class=\"muted\">{escape(f.key.machine)}"
                     f" · {escape(env)}</span></td>") if with_bench else ""
            values = f"{_fmt(f.before, f.unit)} → {_fmt(f.after, f.unit)}"
            plot = f"<a href=\"{root}plots/{slug}.png\">plot</a>"
        change = escape(change_text(f.ratio, f.better, f.unit))
        ci = f"{f.ci[0]:.3f} – {f.ci[1]:.3f}" if all(map(math.isfinite, f.ci)) else "n/a"
        p = ("exact" if data.profile.is_exact(f.key) else
             f"{f.p_value:.2g}" if math.isfinite(f.p_value) else "n/a")
        evidence = "<br>".join(_name(e) for e in f.evidence) or "—"
        rows.append(
            f"<tr class=\"finding\"><td class=\"kind-{escape(f.kind)} nowrap\">{info.icon} "
            f"{escape(info.label)}{_status(f)}</td>{bench}"
            f"<td class=\"nowrap\">{_params(f.key)}</td><td>{_commit_cell(f.commit, data.commit_info)}</td>"
            f"<td class=\"num\">{values}</td>"
            f"<td class=\"num nowrap\">{change}</td><td class=\"num nowrap\">{ci}</td><td class=\"num\">{p}</td>"
            f"<td>{evidence}</td><td>{plot}</td></tr>")
    return f"<div class=\"scroll\"><table>{head}{''.join(rows)}</table></div>"


def _groups_table(data: SiteData) -> str:
    """The overview: one row per alert group (the findings at one commit)."""
    report = data.report
    groups = report.alert_groups()
    if not groups:
        return "<p>No findings.</p>"
    rows = []
    for g in groups:
        counts = g.counts(report.findings)
        kinds = " · ".join(f"<span class=\"kind-{escape(k)}\">{KINDS[k].icon} {n} "
                           f"{escape(KINDS[k].label.lower())}</span>"
                           for k, n in sorted(counts.items(), key=lambda kv: KINDS[kv[0]].order))
        top = report.findings[g.findings[0]]
        what = (f"{top.moved} series ({top.share:.0%}) of {escape(top.key.machine)} moved together"
                if top.is_environment else escape(top.key.label))
        rows.append(f"<tr><td>{_commit_cell(g.commit, data.commit_info)}</td><td>{kinds}</td>"
                    f"<td>{what}</td><td class=\"num nowrap\">"
                    f"{escape(change_text(top.ratio, top.better, top.unit))}</td></tr>")
    return ("<table><tr><th>commit</th><th>findings</th><th>largest</th><th>change</th></tr>"
            f"{''.join(rows)}</table>")


def _index(data: SiteData, by_bench: dict[str, list[Series]]) -> str:
    regs = data.report.regressions
    confirmed = sum(1 for f in regs if f.confirmed)
    verdict = (f"<p class=\"verdict bad\">{len(regs)} regression(s) found ({confirmed} confirmed, "
               f"{len(regs) - confirmed} timing only or unconfirmed)</p>" if regs
               else "<p class=\"verdict good\">No regression found</p>")
    head = data.commits[-1] if data.commits else ""
    same = (f" {len(data.same_build)} more commit(s) have the build of an earlier one and were "
            f"not measured (<a href=\"builds.html\">same build as …</a>)." if data.same_build else "")
    summary = (f"<p class=\"muted\">{data.report.series_checked} series checked over "
               f"{len(data.commits)} commit(s){' up to ' + _commit_cell(head, data.commit_info) if head else ''}; "
               f"threshold {data.report.threshold:.0%}, FDR level α = {data.report.alpha:g}.{same}</p>")
    bench_rows = "".join(
        f"<tr><td><a href=\"bench/{benchmark_slug(b)}.html\">{escape(b)}</a></td>"
        f"<td class=\"num\">{len(ss)}</td><td class=\"num\">"
        f"{sum(1 for f in regs if f.key.benchmark == b)}</td></tr>" for b, ss in sorted(by_bench.items()))
    sections = []
    for k in sorted(KINDS.values(), key=lambda k: k.order):
        found = sorted((f for f in data.report.findings if f.kind == k.name),
                       key=lambda f: not f.confirmed)          # confirmed first
        if found or k.name == "regression":
            sections.append(f"<h2 id=\"{escape(k.name)}s\">{escape(k.label)}s</h2>"
                            f"{_findings_table(found, data, '', True)}")
    body = (f"<h1>{escape(data.profile.title)}</h1>{verdict}{summary}"
            f"<h2 id=\"changes\">What changed, by commit</h2>{_groups_table(data)}"
            + "".join(sections) +
            "<h2 id=\"heatmap\">Ratio to baseline, last 50 commits</h2>"
            "<p><a href=\"plots/heatmap.svg\"><img class=\"plot\" src=\"plots/heatmap.png\" "
            "alt=\"heat map of ratio to baseline\"></a></p>"
            "<h2 id=\"benchmarks\">Benchmarks</h2><table><tr><th>benchmark</th><th>series</th>"
            f"<th>regressions</th></tr>{bench_rows}</table>")
    return _page(data.profile.title, body, "")


def _bench_page(benchmark: str, series: list[Series], data: SiteData, levels: dict[SeriesKey, float]) -> str:
    parts = [f"<h1>{escape(benchmark)}</h1>"]
    for s in sorted(series, key=lambda x: x.key):
        slug = series_slug(s.key)
        own = [f for f in data.report.findings if f.key == s.key]
        parts.append(
            f"<h2>{escape(s.key.label)}</h2><p class=\"muted\">{escape(s.key.machine)} · {escape(s.key.env)} · "
            f"unit {escape(s.unit)} · {len(s.points)} commit(s) measured · baseline "
            f"{_fmt(levels.get(s.key, math.nan), s.unit)}</p>"
            f"<p><a href=\"../plots/{slug}.svg\"><img class=\"plot\" src=\"../plots/{slug}.png\" "
            f"alt=\"trend of {escape(s.key.label)}\"></a></p>{_findings_table(own, data, '../', False)}")
    return _page(benchmark, "".join(parts), "../")


def _baseline_page(data: SiteData, levels: dict[SeriesKey, float]) -> str:
    source = escape(data.baseline_source) if data.baseline_source else \
        "no stored baseline: each series' level before its first change point"
    rows = "".join(
        f"<tr><td>{escape(s.key.benchmark)}</td><td>{_params(s.key)}</td><td>{escape(s.key.machine)}</td>"
        f"<td class=\"num\">{_fmt(levels.get(s.key, math.nan), s.unit)}</td>"
        f"<td>{'stored' if s.key in data.baselines else 'first segment'}</td></tr>"
        for s in sorted(data.series, key=lambda x: x.key))
    body = (f"<h1>Baseline in use</h1><p>Source: {source}</p><table><tr><th>benchmark</th>"
            f"<th>params</th><th>machine</th><th>baseline level</th><th>from</th></tr>{rows}</table>")
    return _page("Baseline", body, "")


def _builds_page(data: SiteData) -> str:
    """Commits that share an earlier commit's build: not measured, not gaps."""
    rows = "".join(f"<tr><td>{_commit_cell(c, data.commit_info)}</td><td>same build as "
                   f"{_commit_cell(r, data.commit_info)}</td></tr>"
                   for c, r in sorted(data.same_build.items()))
    body = ("<h1>Same build</h1><p>These commits change none of the build's inputs (the "
            "build key of their paths equals their parent's), so they cannot change a "
            "measurement: they are not benchmarked, and no change point is placed on them."
            f"</p><table><tr><th>commit</th><th>build</th></tr>{rows}</table>")
    return _page("Same build", body, "")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def build_site(data: SiteData, out: Path, *, asv_html: Path | None = None,
               progress: bool = False) -> Path:
    """Write the whole site to ``out`` (replacing it); returns ``out/index.html``."""
    with staged_directory(out) as tmp:
        if not data.change_points:           # draw what the detector decided
            data.change_points = {k: a.change_points for k, a in data.report.analyses.items()}
        levels = baseline_levels(data)
        by_bench: dict[str, list[Series]] = defaultdict(list)
        for s in data.series:
            by_bench[s.key.benchmark].append(s)
        plotted = [s for s in data.series if s.points]
        for i, s in enumerate(plotted, 1):
            if progress and (i % 10 == 0 or i == len(plotted)):
                print(f"  plots {i}/{len(plotted)}", flush=True, file=sys.stderr)
            plot_series(s, tmp / "plots" / series_slug(s.key),
                        findings=[f for f in data.report.findings if f.key == s.key],
                        change_points=data.change_points.get(s.key, []), baseline=levels.get(s.key),
                        threshold=data.report.threshold)
        if plotted and data.commits:
            plot_heatmap(plotted, levels, data.commits, tmp / "plots" / "heatmap",
                         env_labels=data.env_labels)
        _write(tmp / "style.css", CSS.lstrip())
        _write(tmp / "findings.json", data.report.dumps() + "\n")
        _write(tmp / "index.html", _index(data, by_bench))
        _write(tmp / "baseline.html", _baseline_page(data, levels))
        if data.same_build:
            _write(tmp / "builds.html", _builds_page(data))
        for bench, series in by_bench.items():
            _write(tmp / "bench" / f"{benchmark_slug(bench)}.html", _bench_page(bench, series, data, levels))
        if asv_html is not None and (asv_html / "index.html").is_file():
            shutil.copytree(asv_html, tmp / "asv")
        else:
            _write(tmp / "asv" / "index.html", _page("asv", "<h1>asv pages</h1><p>Not published in this "
                                                        "build (run <code>asv publish</code>).</p>", "../"))
    return Path(out).resolve() / "index.html"
