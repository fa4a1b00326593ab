"""The static site: pages exist, links resolve, everything user-supplied is
escaped, commits link to their pages, each series' JSON is its plot's."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from _synthetic import PROJECT, fake_sha, make_series, regression_at
from rustorch_wasm.regress.model.findings import Report
from rustorch_wasm.regress.io.repository import CommitInfo, commit_infos
from rustorch_wasm.regress.model.kinds import KINDS
from rustorch_wasm.regress.model.series import SeriesKey
from rustorch_wasm.regress.render.plot import series_slug
from rustorch_wasm.regress.render.site import SiteData, baseline_levels, build_site, heatmap_series
from rustorch_wasm.regress.render.site_base import FILTER_SCRIPT

#: Scripts a page may load: the plotting library, the commits table, the plot code.
CHART_SCRIPTS = {"vendor/uplot/uPlot.iife.min.js", "data/commits.js", "series.js"}

EVIL = "<script>alert(1)</script>"


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.assets: list[str] = []          # what the page loads (src, stylesheets)
        self.scripts: list[dict] = []
        self.images: list[dict] = []
        self.charts: list[dict] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            self.scripts.append(a)
        if tag == "img":
            self.images.append(a)
        if tag == "div" and "chart" in (a.get("class") or "").split():
            self.charts.append(a)
        for name, value in attrs:
            if name in ("href", "src", "data-src") and value:
                self.refs.append(value)
            if name in ("src", "data-src") or (tag == "link" and name == "href"):
                self.assets.append(value)


def site_data() -> SiteData:
    slow = make_series("tensor_ops.Add.time_add", params=(("size", "100000"),), n=40,
                       level=3e-5, step_at=30, step=1.3)
    evil = make_series(EVIL, params=(("x", "<b>"),), n=40, level=1e-3, seed=3)
    ins = make_series("tensor_ops.Add.track_add_instructions", params=(("size", "100000"),),
                      n=40, level=1e5, step_at=30, step=1.3, noise=0, unit="instructions")
    findings = [regression_at(slow, 30, 1.31, p_value=2e-6),
                regression_at(evil, 10, 0.7, kind="improvement")]
    commits = [fake_sha(i) for i in range(40)]
    info = {c: CommitInfo(c, f"{EVIL} message {i}", "2026-11-25") for i, c in enumerate(commits)}
    return SiteData(series=[slow, evil, ins], report=Report(0.2, 0.01, 3, findings), commits=commits,
                    change_points={slow.key: [30], ins.key: [30]}, commit_info=info)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("s") / "site"
    index = build_site(site_data(), out)
    assert index == out / "index.html"
    return out


def test_every_local_link_resolves_and_only_our_scripts_run(site):
    pages = list(site.rglob("*.html"))
    # index, benchmarks, heat map, baseline, asv placeholder, one per benchmark,
    # one per series, one per alert group (commit), one per kind found
    assert len(pages) >= 14
    for page in pages:
        text = page.read_text()
        parser = Links()
        parser.feed(text)
        inline = [s for s in parser.scripts if not s]
        assert len(inline) == text.count("<script>") <= 1, page
        if inline:
            assert FILTER_SCRIPT in text, page
        root = page.parent.relative_to(site).as_posix().count("/") + (page.parent != site)
        loaded = {s["src"].removeprefix("../" * root) for s in parser.scripts if s}
        assert loaded in (set(), CHART_SCRIPTS), page     # the chart scripts, all or none
        assert bool(parser.charts) == bool(loaded), page
        for ref in parser.refs:
            url = urlparse(ref)
            if url.scheme == "data":
                continue
            assert not url.scheme and not url.netloc, f"external link {ref} in {page}"
            assert (page.parent / unquote(url.path)).resolve().is_file(), f"{ref} broken in {page}"
    # the vendored library ships with its licence
    assert "MIT License" in (site / "vendor" / "uplot" / "LICENSE").read_text()


def test_names_and_commit_messages_are_escaped(site):
    for page in site.rglob("*.html"):
        text = page.read_text()
        assert EVIL not in text, page
        assert "<b>" not in text, page
    index = (site / "index.html").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in index


def groups_of(index: str) -> list[str]:
    return re.findall(r'<tbody class="group".*?</tbody>', index, re.S)


def test_dashboard_opens_on_the_alert_groups_worst_first(site):
    index = (site / "index.html").read_text()
    assert "1 failing finding(s)" in index
    assert index.index("verdict") < index.index('id="changes"')
    first, second = groups_of(index)                     # one row per commit
    assert "tensor_ops.<wbr>Add.<wbr>time_add" in first and fake_sha(30)[:10] in first
    assert "+31.0%" in first and 'data-kinds="regression"' in first
    assert f'href="commit/{fake_sha(30)}.html"' in first   # the details, one click away
    assert 'data-kinds="improvement"' in second and "&lt;script&gt;" in second
    assert "<img" not in index                           # the dashboard only links
    # without scripts every row shows and no dead control: only the script un-hides the form
    assert '<form id="filter" class="filter" hidden>' in index
    assert re.findall(r"<[^>]* hidden[ >]", index) == ['<form id="filter" class="filter" hidden>']
    for kind in ("regression", "improvement"):
        assert f'href="findings/{kind}.html"' in index


def test_each_kind_and_each_commit_has_its_page_with_every_detail(site):
    regressions = (site / "findings" / "regression.html").read_text()
    rows = re.findall(r'<tr class="finding".*?</tr>', regressions, re.S)
    assert len(rows) == 1
    assert "tensor_ops.<wbr>Add.<wbr>time_add" in rows[0] and fake_sha(30)[:10] in rows[0]
    assert "+31.0%" in rows[0] and "2e-06" in rows[0] and "data-filter" in rows[0]
    commit = (site / "commit" / f"{fake_sha(30)}.html").read_text()
    assert "+31.0%" in commit and "&lt;script&gt;alert(1)&lt;/script&gt; message 30" in commit
    parser = Links()
    parser.feed(commit)
    slug = series_slug(site_data().series[0].key)
    assert parser.images == [] and [c["data-src"] for c in parser.charts] == [f"../data/{slug}.js"]
    assert not (site / "plots").exists()                  # no PNG unless asked for


def test_benchmark_pages_have_a_plot_per_series_and_short_labels(tmp_path):
    envs = [f"virtualenv-py3.10-RUSTORCH_WASM_ENGINE{e}" for e in ("node", "wasmer", "v8", "x")]
    series = [make_series("m.C.time_x", n=12, seed=i) for i in range(4)]
    for s, env in zip(series, envs):
        s.key = SeriesKey(s.key.machine, env, s.key.benchmark)
    out = tmp_path / "site"
    build_site(SiteData(series=series, report=Report(0.2, 0.01, 4), commits=[
        fake_sha(i) for i in range(12)], profile=PROJECT.profile), out)
    page = next((out / "bench").glob("*.html")).read_text()
    parser = Links()
    parser.feed(page)
    assert len(parser.charts) == 4 and parser.images == []   # drawn when scrolled to
    assert ">node<" in page and ">wasmer<" in page      # the profile's short labels


def test_the_heat_map_of_many_series_keeps_those_that_moved(tmp_path):
    flat = [make_series(f"m.C.time_{i:03d}", n=60, seed=i) for i in range(130)]
    moved = make_series("m.C.time_moved", n=60, step_at=55, step=1.5)
    report = Report(0.2, 0.01, 131, [regression_at(moved, 55, 1.5)])
    data = SiteData(series=[*flat, moved], report=report, commits=[fake_sha(i) for i in range(60)])
    data.change_points = {moved.key: [55]}
    rows = heatmap_series(data.series, data, baseline_levels(data), limit=20)
    assert len(rows) == 20 and rows[0] is moved


def test_findings_json_is_the_report(site):
    doc = json.loads((site / "findings.json").read_text())
    assert doc["schema"] == 2 and len(doc["findings"]) == 2
    assert doc["findings"][0]["commit"] == fake_sha(30)


def test_rebuild_replaces_the_old_site_and_keeps_what_it_did_not_write(site):
    """A site this code built (its marker lists every file) is replaced whole;
    a file someone added since makes the rebuild refuse, naming it, with
    nothing changed; nothing is left beside the site either way."""
    from rustorch_wasm.regress.io.ownership import SITE_MARKER, OutputError
    marker = json.loads((site / SITE_MARKER).read_text())
    assert "index.html" in marker["files"] and "findings.json" in marker["files"]
    assert all((site / f).is_file() for f in marker["files"])
    (site / "data" / "mine.js").write_text("keep me")
    before = sorted(p.relative_to(site) for p in site.rglob("*"))
    with pytest.raises(OutputError, match=r"data/mine\.js: not written by rustorch-regress"):
        build_site(site_data(), site)
    assert sorted(p.relative_to(site) for p in site.rglob("*")) == before
    (site / "data" / "mine.js").unlink()
    (site / "index.html").write_text("old")
    build_site(site_data(), site)
    assert (site / "index.html").read_text() != "old"
    assert [p.name for p in site.parent.iterdir()] == ["site"]


def test_commit_infos_reads_subjects_from_git(tmp_path):
    import subprocess
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t.invalid", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t.invalid", "PATH": "/usr/bin:/bin"}
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", EVIL], cwd=tmp_path, env=env, check=True)
    sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=tmp_path, capture_output=True, text=True,
                         check=True).stdout.strip()
    infos = commit_infos(tmp_path, [sha, "--all", "not-hex"])
    assert list(infos) == [sha] and infos[sha].subject == EVIL
    assert re.match(r"\d{4}-\d\d-\d\d$", infos[sha].date)


def test_the_plots_draw_the_change_points_of_the_report(tmp_path, monkeypatch):
    """One analysis shown everywhere: with no change points given, the site
    draws the detector's own (after merging and re-placement), the ones the
    JSON report lists, not a recomputation: in each series' JSON and its PNG."""
    from rustorch_wasm.regress.render import site as site_module
    from rustorch_wasm.regress.analysis.detect import detect
    slow = make_series("tensor_ops.Add.time_add", n=40, level=3e-5, step_at=30, step=1.5,
                       noise=0.01)
    flat = make_series("tensor_ops.Add.time_sub", n=40, level=3e-5, seed=5, noise=0.01)
    report = detect([slow, flat])
    drawn: dict[str, list[int]] = {}
    real = site_module.plot_series

    def spy(series, out_base, **kw):
        drawn[series.key.benchmark] = list(kw["change_points"])
        return real(series, out_base, **kw)

    monkeypatch.setattr(site_module, "plot_series", spy)
    out = tmp_path / "site"
    build_site(SiteData(series=[slow, flat], report=report,
                        commits=[fake_sha(i) for i in range(40)]), out, png="all")
    doc = json.loads((out / "findings.json").read_text())
    listed = {s["benchmark"]: s["change_points"] for s in doc["series"]}
    plotted = {s.key.benchmark: series_json(out, s.key)["change_points"] for s in (slow, flat)}
    assert drawn["tensor_ops.Add.time_add"] == plotted["tensor_ops.Add.time_add"] == [30]
    assert listed["tensor_ops.Add.time_add"] == [fake_sha(30)]
    assert drawn["tensor_ops.Add.time_sub"] == plotted["tensor_ops.Add.time_sub"] == []
    assert listed["tensor_ops.Add.time_sub"] == []
    assert {p.name for p in (out / "plots").glob("*.png")} == {
        f"{series_slug(s.key)}.png" for s in (slow, flat)}


def series_json(site: Path, key: SeriesKey) -> dict:
    """The JSON document of a series' data file (``rrSeries(<json>);``)."""
    text = (site / "data" / f"{series_slug(key)}.js").read_text()
    assert text.startswith("rrSeries(") and text.endswith(");\n")
    return json.loads(text[len("rrSeries("):-3])


URL = "https://github.com/o/r/commit/{commit}"


@pytest.fixture(scope="module")
def linked(tmp_path_factory) -> Path:
    """The site with a commit URL template."""
    out = tmp_path_factory.mktemp("linked") / "site"
    data = site_data()
    data.commit_url = URL
    build_site(data, out)
    return out


def test_every_commit_links_to_its_page_on_the_code_host(linked):
    sha = fake_sha(30)
    external = URL.format(commit=sha)
    commit = (linked / "commit" / f"{sha}.html").read_text()
    parser = Links()
    parser.feed(commit)
    # the commit page links its commit out, never to itself
    assert external in parser.refs and f"{sha}.html" not in " ".join(parser.refs)
    for page in ("index.html", "findings/regression.html"):
        text = (linked / page).read_text()
        assert f'href="{external}"' in text, page
    regressions = (linked / "findings" / "regression.html").read_text()
    assert f'href="../commit/{sha}.html">findings</a>' in regressions   # the group's page too
    heat = (linked / "heatmap.html").read_text()
    assert heat.count('href="https://github.com/o/r/commit/') == 40       # every column
    assert series_json(linked, site_data().series[0].key)["commit_url"] == URL


def test_without_a_template_commits_link_only_within_the_site(site):
    index = (site / "index.html").read_text()
    assert "github.com" not in index
    assert f'href="commit/{fake_sha(30)}.html"><span class="sha"' in index
    commit = (site / "commit" / f"{fake_sha(30)}.html").read_text()
    assert f'href="{fake_sha(30)}.html"' not in commit and 'href="../commit/' not in commit


def test_each_series_json_is_its_plot_and_safe_in_a_script(site):
    data = site_data()
    evil = series_json(site, data.series[1].key)
    assert evil["label"] == f"{EVIL}(x=<b>)" and evil["env"] == "virtualenv-py3.10"
    for path in (site / "data").glob("*.js"):
        text = path.read_text()
        assert "<" not in text and ">" not in text and "\u2028" not in text, path
    commits = (site / "data" / "commits.js").read_text()
    assert commits.startswith("window.RR_COMMITS = ") and "\\u003cscript\\u003e" in commits
    table = json.loads(commits[len("window.RR_COMMITS = "):-2])
    assert table[fake_sha(3)] == ["2026-11-25", f"{EVIL} message 3"]
    slow = series_json(site, data.series[0].key)
    assert len(slow["commits"]) == len(slow["median"]) == len(slow["q25"]) == 40
    assert slow["display_unit"] == "µs" and slow["median"][0] == pytest.approx(30, rel=0.1)
    assert slow["q25"][0] <= slow["median"][0] <= slow["q75"][0]
    (mark,) = slow["findings"]
    assert (mark["index"], mark["kind"], mark["commit"]) == (30, "regression", fake_sha(30))
    assert mark["colour"] == KINDS["regression"].colour and mark["change"].startswith("+31.0%")
    assert mark["page"] == f"commit/{fake_sha(30)}.html"
    assert slow["change_points"] == [30] and slow["baseline"] == pytest.approx(30, rel=0.1)


def test_a_sparse_series_has_its_own_commits_only(tmp_path):
    """35 of 1,772 commits: the series' JSON holds its 35, the axis is theirs."""
    commits = [fake_sha(i) for i in range(1772)]
    sparse = make_series("m.C.time_sparse", n=35, seed=4)
    sparse.columns.commits[:] = commits[-35:]
    dense = make_series("m.C.time_dense", n=1772, seed=5)
    out = tmp_path / "site"
    build_site(SiteData(series=[sparse, dense], report=Report(0.2, 0.01, 2), commits=commits), out)
    doc = series_json(out, sparse.key)
    assert doc["commits"] == commits[-35:] and len(doc["median"]) == 35
    assert (out / "series" / f"{series_slug(sparse.key)}.html").is_file()


def test_heat_map_cells_link_to_their_series_pages(site):
    heat = (site / "heatmap.html").read_text()
    cells = re.findall(r'<td class="h" style="background:#[0-9a-f]{6}"><a href="([^"]+)"', heat)
    assert len(cells) == 3 * 40                         # 3 series x the last 40 commits
    assert {c for c in cells} == {f"series/{series_slug(s.key)}.html" for s in site_data().series}
    assert "<img" not in heat and "ratio to baseline:" in heat
    assert heat.index('class="scale"') < heat.index('<table class="heat"')   # the scale on top
