"""What every page of the trend site shares: its data, names, page shell,
style sheet, the row filter and the links to commits.

Every benchmark name, parameter, machine and environment name and commit
message goes through :func:`html.escape` here or in :mod:`.site_pages`.
A commit's short sha links to its page on the code host (the commit URL
template, :mod:`..cli.commit_links`), and to the site's page of the findings
at that commit where there is one and it is not the page itself.
"""
from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from functools import cached_property
from html import escape
from typing import Iterable

from ..model.findings import Finding, Report
from ..model.kinds import KINDS
from ..model.profile import Profile, commit_link, short_labels
from ..model.series import Series, SeriesKey
from ..model.units import format_value
from ..io.repository import CommitInfo
from .plot_common import first_segment_level

CSS = """
body { font-family: system-ui, sans-serif; margin: 1.5rem auto; max-width: 96rem; padding: 0 1rem; color: #1c2833; overflow-wrap: break-word; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #d5d8dc; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; font-size: 0.9rem; margin: 0.5rem 0 1rem; }
th, td { border-bottom: 1px solid #e5e8e8; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; overflow-wrap: break-word; }
th { background: #f4f6f6; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody.group > tr:first-child > td { border-top: 1px solid #d5d8dc; }
code, .sha { font-family: ui-monospace, monospace; font-size: 0.85rem; }
.verdict { padding: 0.6rem 1rem; border-radius: 6px; font-weight: bold; }
.bad { background: #fadbd8; color: #922b21; } .good { background: #d5f5e3; color: #1e8449; }
.pending { background: #f4ecf7; color: #6c3483; }
img.plot { max-width: 100%; height: auto; border: 1px solid #e5e8e8; }
nav a { margin-right: 1rem; } .muted { color: #7f8c8d; font-size: 0.85rem; }
.kinds a { margin-right: 1.2rem; white-space: nowrap; } details ul { margin: 0.3rem 0; padding-left: 1.2rem; }
summary { cursor: pointer; } .filter { margin: 0.5rem 0; display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; }
.filter input { flex: 1 1 16rem; max-width: 28rem; padding: 0.25rem; } .filter select { padding: 0.2rem; }
.chart { position: relative; min-height: 380px; border: 1px solid #e5e8e8; margin: 0.5rem 0; padding: 0.3rem; }
.rr-tools { display: flex; gap: 0.5rem; align-items: center; font-size: 0.8rem; margin-bottom: 0.2rem; }
.rr-tools button { font-size: 0.8rem; } .rr-help { color: #7f8c8d; }
.rr-tip { position: absolute; z-index: 10; pointer-events: none; background: #fff; border: 1px solid #aab7b8; border-radius: 4px; padding: 0.3rem 0.5rem; font-size: 0.8rem; max-width: 26rem; box-shadow: 0 1px 4px rgba(0,0,0,0.15); }
.rr-tip .rr-sha { font-family: ui-monospace, monospace; font-weight: bold; } .rr-tip .rr-hint { color: #7f8c8d; font-size: 0.75rem; }
.legend { font-size: 0.8rem; color: #566573; } .legend span { margin-right: 1rem; white-space: nowrap; }
.heat { overflow-x: auto; } table.heat { width: auto; table-layout: auto; border-collapse: separate; border-spacing: 1px; font-size: 0.75rem; }
table.heat td, table.heat th { padding: 0; border: 0; } table.heat td.h a { display: block; width: 14px; height: 14px; }
table.heat th.c { writing-mode: vertical-rl; transform: rotate(180deg); font-family: ui-monospace, monospace; font-weight: normal; padding: 2px 0; }
table.heat th.r { text-align: right; padding-right: 0.4rem; font-weight: normal; white-space: nowrap; max-width: 30rem; overflow: hidden; text-overflow: ellipsis; }
.scale span { display: inline-block; min-width: 2.6rem; text-align: center; font-size: 0.75rem; padding: 0.1rem 0.2rem; white-space: nowrap; }
"""
CSS += " ".join(f".kind-{k.name} {{ color: {k.colour}; font-weight: bold; }}"
                for k in KINDS.values()) + "\n"   # every kind's colour, from the registry

#: The row filter: shows the ``[data-filter]`` rows whose text contains the
#: query and whose ``data-kinds`` / ``data-machines`` (``|``-separated) hold
#: the chosen kind and machine. The form is ``hidden`` in the HTML, so a
#: browser without scripts shows every row and no dead controls.
FILTER_SCRIPT = """<script>
(function () {
  var form = document.getElementById("filter");
  if (!form) return;
  form.hidden = false;
  var rows = document.querySelectorAll("[data-filter]");
  var shown = document.getElementById("shown");
  function has(list, value) { return !value || ("|" + list + "|").indexOf("|" + value + "|") >= 0; }
  function apply() {
    var q = form.elements.q.value.trim().toLowerCase();
    var kind = form.elements.kind ? form.elements.kind.value : "";
    var machine = form.elements.machine ? form.elements.machine.value : "";
    var n = 0;
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      var ok = (!q || r.textContent.toLowerCase().indexOf(q) >= 0)
        && has(r.getAttribute("data-kinds") || "", kind)
        && has(r.getAttribute("data-machines") || "", machine);
      r.hidden = !ok;
      if (ok) n++;
    }
    shown.textContent = n + " of " + rows.length + " shown";
  }
  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  apply();
})();
</script>"""


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
    commit_url: str | None = None           # commit URL template (None: commits not linked)
    order: str = "first-parent history"     # what orders the commits (else asv's dates)
    png: set[SeriesKey] = field(default_factory=set)   # series with a PNG in plots/ (build_site)

    def commit_link(self, sha: str) -> str | None:
        """The commit's page on its code host (None: no template, or not a sha)."""
        return commit_link(self.commit_url, sha)

    @cached_property
    def group_commits(self) -> set[str]:
        """The commits that have a page of their findings (``commit/<sha>.html``)."""
        return {g.commit for g in self.report.alert_groups()}

    @cached_property
    def env_labels(self) -> dict[str, str]:
        """Short environment labels (the profile's, else the words that differ)."""
        return short_labels({s.key.env for s in self.series} | {f.key.env for f in self.report.findings},
                            self.profile)

    def env_label(self, env: str) -> str:
        return self.env_labels.get(env, env)

    @cached_property
    def findings_of(self) -> dict[SeriesKey, list[Finding]]:
        out: dict[SeriesKey, list[Finding]] = {}
        for f in self.report.findings:
            out.setdefault(f.key, []).append(f)
        return out


def baseline_levels(data: SiteData) -> dict[SeriesKey, float]:
    """Stored baseline where there is one, else the level before the first change point."""
    levels = {}
    for s in data.series:
        stored = data.baselines.get(s.key)
        levels[s.key] = stored if stored is not None and math.isfinite(stored) else \
            first_segment_level(s, data.change_points.get(s.key, []))
    return levels


def _slug(text: str, width: int, fallback: str) -> str:
    digest = hashlib.sha1(text.encode()).hexdigest()[:10]
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_.")[:width] or fallback
    return f"{readable}-{digest}"


def benchmark_slug(benchmark: str) -> str:
    return _slug(benchmark, 80, "benchmark")


def commit_slug(sha: str) -> str:
    """File name of a commit's page: the sha itself when it is one."""
    return sha if re.fullmatch(r"[0-9a-f]{7,64}", sha) else _slug(sha, 40, "commit")


def chart_head(root: str) -> str:
    """What a page with interactive plots loads: uPlot, the commits, the plot code."""
    return (f"<link rel=\"stylesheet\" href=\"{root}vendor/uplot/uPlot.min.css\">"
            f"<script src=\"{root}vendor/uplot/uPlot.iife.min.js\"></script>"
            f"<script src=\"{root}data/commits.js\"></script>"
            f"<script src=\"{root}series.js\"></script>")


def page(title: str, body: str, root: str, *, script: bool = False, charts: bool = False) -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{escape(title)}</title><link rel=\"icon\" href=\"data:,\">"
        f"<link rel=\"stylesheet\" href=\"{root}style.css\">"
        f"{chart_head(root) if charts else ''}</head><body>\n"
        f"<nav><a href=\"{root}index.html\">Dashboard</a><a href=\"{root}benchmarks.html\">Benchmarks</a>"
        f"<a href=\"{root}heatmap.html\">Heat map</a><a href=\"{root}baseline.html\">Baseline</a>"
        f"<a href=\"{root}asv/index.html\">asv pages</a><a href=\"{root}findings.json\">findings.json</a></nav>\n"
        f"{body}\n{FILTER_SCRIPT if script else ''}</body></html>\n"
    )


def filter_form(what: str, kinds: Iterable[str] = (), machines: Iterable[str] = ()) -> str:
    """The filter controls (hidden until the script shows them)."""
    def select(name: str, label: str, values: list[str], text) -> str:
        if len(values) < 2:
            return ""
        options = "".join(f"<option value=\"{escape(v)}\">{escape(text(v))}</option>" for v in values)
        return (f"<label>{label} <select name=\"{name}\"><option value=\"\">all</option>"
                f"{options}</select></label>")

    kinds = sorted(set(kinds), key=lambda k: KINDS[k].order if k in KINDS else 99)
    return (f"<form id=\"filter\" class=\"filter\" hidden><input name=\"q\" type=\"search\" "
            f"placeholder=\"filter {escape(what)} by text\" aria-label=\"filter by text\">"
            + select("kind", "kind", kinds, lambda k: KINDS[k].label if k in KINDS else k)
            + select("machine", "machine", sorted(set(machines)), str)
            + "<span id=\"shown\" class=\"muted\"></span></form>")


def data_attrs(kinds: Iterable[str], machines: Iterable[str]) -> str:
    return (f" data-filter data-kinds=\"{escape('|'.join(sorted(set(kinds))))}\""
            f" data-machines=\"{escape('|'.join(sorted(set(machines))))}\"")


def fmt(value: float, unit: str) -> str:
    return escape(format_value(value, unit))


def name_html(benchmark: str) -> str:
    """Escaped benchmark name that may wrap after its dots."""
    return re.sub(r"\.(?=[A-Za-z_])", ".<wbr>", escape(benchmark))


def label_html(key: SeriesKey) -> str:
    """``benchmark(params)``, escaped, wrapping after dots."""
    params = ", ".join(f"{k}={v}" for k, v in key.params)
    return name_html(key.benchmark) + (f"<span class=\"muted\">({escape(params)})</span>"
                                       if params else "")


def params_html(key: SeriesKey) -> str:
    return escape(", ".join(f"{k}={v}" for k, v in key.params)) or "—"


def where_html(key: SeriesKey, data: SiteData) -> str:
    """``machine · env label``, the full environment name as its tooltip."""
    return (f"<span class=\"muted\" title=\"{escape(key.env)}\">{escape(key.machine)} · "
            f"{escape(data.env_label(key.env))}</span>")


def commit_html(sha: str, data: SiteData, root: str | None = None, subject: bool = True,
                here: bool = False) -> str:
    """Short sha, date and subject. The sha links to the commit on its code host
    (the commit URL template); the site's page of the findings at that commit
    (under ``root`` when given, never from the page itself: ``here``) is linked
    from the sha when there is no template, else by a "findings" link after it."""
    ci = data.commit_info.get(sha)
    short = f"<span class=\"sha\" title=\"{escape(sha)}\">{escape(sha[:10])}</span>"
    external = data.commit_link(sha)
    own = (f"{root}commit/{commit_slug(sha)}.html"
           if root is not None and not here and sha in data.group_commits else None)
    if external:
        short = (f"<a class=\"ext\" href=\"{escape(external)}\" rel=\"noopener\" "
                 f"title=\"{escape(sha)} on its code host\">{short}</a>")
        if own:
            short += f" <a class=\"muted\" href=\"{own}\">findings</a>"
    elif own:
        short = f"<a href=\"{own}\">{short}</a>"
    date = f" <span class=\"muted\">{escape(ci.date)}</span>" if ci and ci.date else ""
    text = f"<br><span class=\"muted\">{escape(ci.subject)}</span>" if subject and ci and ci.subject else ""
    return f"{short}{date}{text}"


def status_html(f: Finding) -> str:
    state = f.status
    return f"<br><span class=\"muted\">{escape(state)}</span>" if state else ""


def colgroup(*widths: int) -> str:
    return "<colgroup>" + "".join(f"<col style=\"width:{w}%\">" for w in widths) + "</colgroup>"
