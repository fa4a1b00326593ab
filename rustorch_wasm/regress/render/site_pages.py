"""The pages of the trend site, as HTML text (see :mod:`.site` for the layout).

The dashboard opens on what changed: the verdict, then one row per alert
group (the findings at one commit) with its kinds and counts, where it
happened (machine and short environment label), its largest change and the
rest of its findings folded in a ``<details>``; a row filter (text, kind,
machine) sits above it. Each group has its own page (``commit/<sha>.html``)
with every finding in full and the plots of its series; every kind has a
page of all its findings (``findings/<kind>.html``); every series has its
page (``series/<slug>.html``). The dashboard embeds no plot; the others are
drawn in the browser when scrolled to (:mod:`.site_charts`).
"""
from __future__ import annotations

import math
from collections import defaultdict
from html import escape
from typing import Sequence

from ..model.direction import change_text
from ..model.findings import AlertGroup, Finding, Report
from ..model.kinds import KINDS, kind_info
from ..model.series import Series, SeriesKey
from .site_charts import chart_html, heatmap_table, series_href
from .site_base import (SiteData, benchmark_slug, colgroup, commit_html, commit_slug, data_attrs,
                        filter_form, fmt, label_html, name_html, page, params_html, status_html,
                        where_html)

#: Plots shown on a commit's page (the rest are a click away on the benchmark pages).
COMMIT_PAGE_PLOTS = 30


def _change(f: Finding) -> str:
    return escape(change_text(f.ratio, f.better, f.unit))


#: What one finding of a kind is called in counts ("3 regressions").
NOUNS = {"environment": "environment shift", "refuted": "refuted candidate"}


def _count(kind: str, n: int) -> str:
    noun = NOUNS.get(kind, KINDS[kind].label.lower() if kind in KINDS else kind)
    return escape(f"{n} {noun}{'s' if n != 1 else ''}")


def _kind_badge(kind: str, text: str = "") -> str:
    info = kind_info(kind)
    return f"<span class=\"kind-{escape(kind)}\">{info.icon} {text or escape(info.label)}</span>"


def _summary_of(f: Finding, data: SiteData, root: str, sep: str = " ") -> str:
    """What moved, where, by how much (``sep`` before where)."""
    if f.is_environment:
        what = f"{f.moved} series ({f.share:.0%}) moved together"
    else:
        what = (f"<a href=\"{root}bench/{benchmark_slug(f.key.benchmark)}.html\">"
                f"{label_html(f.key)}</a>")
    info = kind_info(f.kind)
    icon = f"<span class=\"kind-{escape(f.kind)}\" title=\"{escape(info.label)}\">{info.icon}</span>"
    return f"{icon} {what}{sep}{where_html(f.key, data)} <strong>{_change(f)}</strong>"


def _where(findings: Sequence[Finding], data: SiteData, shown: int = 3) -> str:
    places = sorted({(f.key.machine, f.key.env) for f in findings})
    cells = [f"<span title=\"{escape(env)}\">{escape(machine)} · {escape(data.env_label(env))}</span>"
             for machine, env in places[:shown]]
    more = f"<br><span class=\"muted\">+{len(places) - shown} more</span>" if len(places) > shown else ""
    return "<br>".join(cells) + more


def groups_table(data: SiteData, groups: Sequence[AlertGroup]) -> str:
    """The dashboard's overview: one row (a ``<tbody>``) per alert group."""
    report = data.report
    if not groups:
        return "<p>No findings.</p>"
    bodies = []
    for g in groups:
        fs = [report.findings[i] for i in g.findings]
        counts = g.counts(report.findings)
        kinds = "<br>".join(_kind_badge(k, _count(k, n))
                            for k, n in sorted(counts.items(), key=lambda kv: KINDS[kv[0]].order))
        confirmed = sum(1 for f in fs if f.kind == "regression" and f.confirmed)
        if confirmed:
            kinds += f"<br><span class=\"muted\">{confirmed} confirmed</span>"
        top = fs[0]
        rest = ""
        if len(fs) > 1:
            items = "".join(f"<li>{_summary_of(f, data, '')}</li>" for f in fs[1:])
            rest = (f"<details><summary>{len(fs) - 1} more finding(s)</summary>"
                    f"<ul>{items}</ul></details>")
        link = f"<a href=\"commit/{commit_slug(g.commit)}.html\">details</a>"
        bodies.append(
            f"<tbody class=\"group\"{data_attrs(counts, {f.key.machine for f in fs})}><tr>"
            f"<td>{commit_html(g.commit, data, None if data.commit_url else '')}</td>"
            f"<td>{kinds}<br>{link}</td>"
            f"<td>{_where(fs, data)}</td><td>{_summary_of(top, data, '', '<br>')}{rest}</td></tr></tbody>")
    widths = (24, 16, 17, 43) if data.commit_info else (12, 17, 19, 52)   # subjects need room
    return ("<table class=\"groups\">" + colgroup(*widths) +
            "<thead><tr><th>commit</th><th>findings</th><th>where</th><th>largest change</th>"
            f"</tr></thead>{''.join(bodies)}</table>")


def findings_table(findings: Sequence[Finding], data: SiteData, root: str, with_bench: bool,
                   filterable: bool = False, here: str | None = None) -> str:
    """Every detail of each finding, one row each (``here``: the commit whose page this is)."""
    if not findings:
        return "<p>No findings.</p>"
    head = ("<tr><th>kind</th>" + ("<th>benchmark</th>" if with_bench else "")
            + "<th>commit</th><th>change</th><th>statistics</th><th>evidence</th></tr>")
    widths = (11, 31, 17, 15, 10, 16) if with_bench else (12, 22, 22, 14, 30)
    rows = []
    for f in findings:
        if f.is_environment:
            bench = (f"<td>{f.moved} series ({f.share:.0%}) together<br>"
                     f"{where_html(f.key, data)}</td>") if with_bench else ""
            values = ""
        else:
            bench = (f"<td><a href=\"{root}bench/{benchmark_slug(f.key.benchmark)}.html\">"
                     f"{label_html(f.key)}</a><br>{where_html(f.key, data)} · "
                     f"<a href=\"{series_href(f.key, root)}\">plot</a></td>") if with_bench else ""
            values = f"<br><span class=\"muted\">{fmt(f.before, f.unit)} → {fmt(f.after, f.unit)}</span>"
        ci = f"CI {f.ci[0]:.3f} – {f.ci[1]:.3f}" if all(map(math.isfinite, f.ci)) else "CI n/a"
        p = ("exact" if data.profile.is_exact(f.key) else
             f"p {f.p_value:.2g}" if math.isfinite(f.p_value) else "p n/a")
        evidence = "<br>".join(name_html(e) for e in f.evidence) or "—"
        attrs = data_attrs([f.kind], [f.key.machine]) if filterable else ""
        rows.append(
            f"<tr class=\"finding\"{attrs}><td class=\"kind-{escape(f.kind)}\">{kind_info(f.kind).icon} "
            f"{escape(kind_info(f.kind).label)}{status_html(f)}</td>{bench}"
            f"<td>{commit_html(f.commit, data, root, here=f.commit == here)}</td>"
            f"<td class=\"num\">{_change(f)}{values}</td><td class=\"num\">{ci}<br>{p}</td>"
            f"<td>{evidence}</td></tr>")
    return f"<table class=\"findings\">{colgroup(*widths)}{head}{''.join(rows)}</table>"


def _chart(key: SeriesKey, data: SiteData, root: str) -> str:
    return chart_html(key, data, root, data.report.threshold_of(key))


def verdict_html(report: Report) -> str:
    """The front page's verdict: what fails (regressions, drifts, shared shifts
    of unknown cause, fixed ones apart), what is not decided yet (not enough
    evidence), never "nothing" when something is pending."""
    failing = report.failing
    confirmed = sum(1 for f in failing if f.confirmed)
    fixed = sum(1 for f in report.findings if f.fixed_by is not None)
    pending = sum(1 for f in report.findings if f.kind == "inconclusive")
    parts = []
    if pending:
        parts.append(f"{pending} change(s) not confirmed: not enough evidence yet "
                     "(<a href=\"findings/inconclusive.html\">list</a>)")
    if fixed:
        parts.append(f"{fixed} regression(s) fixed since")
    extra = f" <span class=\"muted\">{'; '.join(parts)}.</span>" if parts else ""
    if failing:
        return (f"<p class=\"verdict bad\">{len(failing)} failing finding(s) ({confirmed} "
                f"confirmed, {len(failing) - confirmed} not re-measured){extra}</p>")
    if pending:
        return f"<p class=\"verdict pending\">No regression confirmed.{extra}</p>"
    return f"<p class=\"verdict good\">No regression found.{extra}</p>"


def index_page(data: SiteData, by_bench: dict[str, list[Series]]) -> str:
    report = data.report
    verdict = verdict_html(report)
    head = data.commits[-1] if data.commits else ""
    same = (f" {len(data.same_build)} more commit(s) have the build of an earlier one and were "
            f"not measured (<a href=\"builds.html\">same build as …</a>)." if data.same_build else "")
    machines = sorted({s.key.machine for s in data.series})
    summary = (f"<p class=\"muted\">{report.series_checked} series of {len(by_bench)} "
               f"<a href=\"benchmarks.html\">benchmark(s)</a> on {len(machines)} machine(s), "
               f"checked over {len(data.commits)} commit(s)"
               f"{' up to ' + commit_html(head, data, subject=False) if head else ''}; "
               f"threshold {report.threshold:.0%}, FDR level α = {report.alpha:g}.{same}</p>")
    by_kind: dict[str, list[Finding]] = defaultdict(list)
    for f in report.findings:
        by_kind[f.kind].append(f)
    links = []
    for k in sorted(KINDS.values(), key=lambda k: k.order):
        found = by_kind.get(k.name, [])
        if found or k.name == "regression":
            links.append(f"<a href=\"findings/{k.name}.html\">"
                         f"{_kind_badge(k.name, _count(k.name, len(found)))}</a>")
    groups = report.alert_groups()
    body = (f"<h1>{escape(data.profile.title)}</h1>{verdict}{summary}"
            f"<p class=\"kinds\">All findings by kind: {''.join(links)}</p>"
            f"<h2 id=\"changes\">What changed, by commit ({len(groups)})</h2>"
            "<p class=\"muted\">The findings at one commit form a group; worst kind first, "
            "then the newest. Open a row's details for every finding with its statistics "
            "and plots.</p>"
            + filter_form("commits, benchmarks, environments", {f.kind for f in report.findings},
                          {f.key.machine for f in report.findings})
            + groups_table(data, groups))
    return page(data.profile.title, body, "", script=bool(groups))


def commit_page(group: AlertGroup, data: SiteData) -> str:
    report = data.report
    fs = [report.findings[i] for i in group.findings]
    ci = data.commit_info.get(group.commit)
    counts = ", ".join(_count(k, n) for k, n in
                       sorted(group.counts(report.findings).items(), key=lambda kv: KINDS[kv[0]].order))
    keys = list(dict.fromkeys(f.key for f in fs if not f.is_environment))
    plots = "".join(f"<h3><a href=\"{series_href(k, '../')}\">{label_html(k)}</a> "
                    f"{where_html(k, data)}</h3>" + _chart(k, data, "../")
                    for k in keys[:COMMIT_PAGE_PLOTS])
    if len(keys) > COMMIT_PAGE_PLOTS:
        plots += (f"<p class=\"muted\">{len(keys) - COMMIT_PAGE_PLOTS} more series: see their "
                  "benchmark pages (linked in the table above).</p>")
    url = data.commit_link(group.commit)
    sha = escape(group.commit[:10])
    body = ("<h1>Commit <span class=\"sha\">"
            + (f"<a href=\"{escape(url)}\" rel=\"noopener\">{sha}</a>" if url else sha)
            + "</span></h1>" + (f"<p>{escape(ci.subject)}</p>" if ci and ci.subject else "") +
            f"<p class=\"muted\">{escape(group.commit)}{' · ' + escape(ci.date) if ci and ci.date else ''}"
            f" · previous measured commit {commit_html(group.previous_commit, data, '../', False)}"
            f" · {counts}</p>{findings_table(fs, data, '../', True, here=group.commit)}"
            + (f"<h2>Plots</h2>{plots}" if plots else ""))
    return page(f"Commit {group.commit[:10]}", body, "../", charts=bool(plots))


def kind_page(kind: str, data: SiteData) -> str:
    info = KINDS[kind]
    found = sorted((f for f in data.report.findings if f.kind == kind),
                   key=lambda f: not f.confirmed)          # confirmed first
    body = (f"<h1 id=\"{escape(kind)}s\">{escape(info.label)}s ({len(found)})</h1>"
            + (filter_form("findings", (), {f.key.machine for f in found}) if found else "")
            + findings_table(found, data, "../", True, filterable=True))
    return page(f"{info.label}s", body, "../", script=bool(found))


def benchmarks_page(data: SiteData, by_bench: dict[str, list[Series]]) -> str:
    kinds_of: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for f in data.report.findings:
        if not f.is_environment:
            kinds_of[f.key.benchmark][f.kind] += 1
    rows = []
    for b, ss in sorted(by_bench.items()):
        counts = kinds_of.get(b, {})
        found = " ".join(_kind_badge(k, str(n)) for k, n in
                         sorted(counts.items(), key=lambda kv: KINDS[kv[0]].order)) or "—"
        machines = sorted({s.key.machine for s in ss})
        rows.append(f"<tr{data_attrs(counts, machines)}><td><a href=\"bench/{benchmark_slug(b)}.html\">"
                    f"{name_html(b)}</a></td><td class=\"num\">{len(ss)}</td><td>{found}</td>"
                    f"<td>{escape(', '.join(machines))}</td></tr>")
    kinds = {k for c in kinds_of.values() for k in c}
    machines = {s.key.machine for s in data.series}
    body = (f"<h1 id=\"benchmarks\">Benchmarks ({len(by_bench)})</h1>"
            + filter_form("benchmarks", kinds, machines)
            + "<table class=\"benchmarks\">" + colgroup(58, 8, 16, 18)
            + f"<tr><th>benchmark</th><th>series</th><th>findings</th><th>machines</th></tr>"
            f"{''.join(rows)}</table>")
    return page("Benchmarks", body, "", script=True)


def heatmap_page(rows: list[Series], total: int, data: SiteData,
                 levels: dict[SeriesKey, float], commits: int) -> str:
    which = (f"all {total} series" if len(rows) == total else
             f"{len(rows)} of {total} series: those with a finding or a change point in these "
             "commits first, then those that moved most; every series has its own page, "
             "linked from its <a href=\"benchmarks.html\">benchmark's page</a>")
    window = data.commits[-commits:]
    body = (f"<h1 id=\"heatmap\">Ratio to baseline, last {len(window)} commits</h1>"
            f"<p class=\"muted\">{which}. Red: above the baseline (slower, for times), blue: "
            "below; grey: not measured. A cell opens its series' page; a column head its "
            f"commit.</p>{heatmap_table(rows, data, levels, window)}" if rows else
            "<h1 id=\"heatmap\">Ratio to baseline</h1><p>Nothing measured.</p>")
    return page("Heat map", body, "")


def _series_facts(s: Series, data: SiteData, levels: dict[SeriesKey, float]) -> str:
    return (f"<p class=\"muted\">{escape(s.key.machine)} · "
            f"<span title=\"{escape(s.key.env)}\">{escape(data.env_label(s.key.env))}</span> · "
            f"unit {escape(s.unit)} · {len(s)} of {len(data.commits)} commit(s) measured "
            f"({escape(data.order)}) · baseline {fmt(levels.get(s.key, math.nan), s.unit)}</p>")


def bench_page(benchmark: str, series: list[Series], data: SiteData,
               levels: dict[SeriesKey, float]) -> str:
    parts = [f"<h1>{name_html(benchmark)}</h1>"]
    for s in sorted(series, key=lambda x: x.key):
        own = data.findings_of.get(s.key, [])
        plot = _chart(s.key, data, "../") if len(s) else "<p>No measurement.</p>"
        parts.append(
            f"<h2><a href=\"{series_href(s.key, '../')}\">{label_html(s.key)}</a></h2>"
            f"{_series_facts(s, data, levels)}"
            f"{plot}{findings_table(own, data, '../', False) if own else ''}")
    return page(benchmark, "".join(parts), "../", charts=any(len(s) for s in series))


def series_page(s: Series, data: SiteData, levels: dict[SeriesKey, float]) -> str:
    """One series: its interactive plot and its findings."""
    own = data.findings_of.get(s.key, [])
    body = (f"<h1>{label_html(s.key)}</h1>{_series_facts(s, data, levels)}"
            f"<p><a href=\"../bench/{benchmark_slug(s.key.benchmark)}.html\">every series of "
            f"{name_html(s.key.benchmark)}</a></p>{_chart(s.key, data, '../')}"
            f"<h2>Findings ({len(own)})</h2>{findings_table(own, data, '../', False)}")
    return page(s.key.label, body, "../", charts=True)


def baseline_page(data: SiteData, levels: dict[SeriesKey, float]) -> str:
    source = escape(data.baseline_source) if data.baseline_source else \
        "no stored baseline: each series' level before its first change point"
    rows = "".join(
        f"<tr><td>{name_html(s.key.benchmark)}</td><td>{params_html(s.key)}</td>"
        f"<td>{escape(s.key.machine)}</td><td title=\"{escape(s.key.env)}\">"
        f"{escape(data.env_label(s.key.env))}</td>"
        f"<td class=\"num\">{fmt(levels.get(s.key, math.nan), s.unit)}</td>"
        f"<td>{'stored' if s.key in data.baselines else 'first segment'}</td></tr>"
        for s in sorted(data.series, key=lambda x: x.key))
    body = (f"<h1>Baseline in use</h1><p>Source: {source}</p><table>{colgroup(40, 14, 14, 12, 10, 10)}"
            "<tr><th>benchmark</th><th>params</th><th>machine</th><th>environment</th>"
            f"<th>baseline level</th><th>from</th></tr>{rows}</table>")
    return page("Baseline", body, "")


def builds_page(data: SiteData) -> str:
    """Commits that share an earlier commit's build: not measured, not gaps."""
    rows = "".join(f"<tr><td>{commit_html(c, data)}</td><td>same build as "
                   f"{commit_html(r, data)}</td></tr>"
                   for c, r in sorted(data.same_build.items()))
    body = ("<h1>Same build</h1><p>These commits change none of the build's inputs (the "
            "build key of their paths equals their parent's), so they cannot change a "
            "measurement: they are not benchmarked, and no change point is placed on them."
            f"</p><table><tr><th>commit</th><th>build</th></tr>{rows}</table>")
    return page("Same build", body, "")


def placeholder_asv_page() -> str:
    return page("asv", "<h1>asv pages</h1><p>Not published in this build (run "
                "<code>asv publish</code>).</p>", "../")
