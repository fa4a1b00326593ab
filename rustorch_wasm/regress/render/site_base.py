"""What every page of the trend site shares: its data, names, page shell,
style sheet and the row filter.

Every benchmark name, parameter, machine and environment name and commit
message goes through :func:`html.escape` here or in :mod:`.site_pages`.
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
from ..model.profile import Profile, short_labels
from ..model.series import Series, SeriesKey
from ..model.units import format_value
from ..io.repository import CommitInfo
from .plot import first_segment_level

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


def page(title: str, body: str, root: str, *, script: bool = False) -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{escape(title)}</title><link rel=\"icon\" href=\"data:,\">"
        f"<link rel=\"stylesheet\" href=\"{root}style.css\"></head><body>\n"
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


def commit_html(sha: str, info: dict[str, CommitInfo], root: str | None = None,
                subject: bool = True) -> str:
    """Short sha (linked to its page under ``root`` when given), date and subject."""
    ci = info.get(sha)
    short = f"<span class=\"sha\" title=\"{escape(sha)}\">{escape(sha[:10])}</span>"
    if root is not None:
        short = f"<a href=\"{root}commit/{commit_slug(sha)}.html\">{short}</a>"
    date = f" <span class=\"muted\">{escape(ci.date)}</span>" if ci and ci.date else ""
    text = f"<br><span class=\"muted\">{escape(ci.subject)}</span>" if subject and ci and ci.subject else ""
    return f"{short}{date}{text}"


def status_html(f: Finding) -> str:
    state = f.status
    return f"<br><span class=\"muted\">{escape(state)}</span>" if state else ""


def colgroup(*widths: int) -> str:
    return "<colgroup>" + "".join(f"<col style=\"width:{w}%\">" for w in widths) + "</colgroup>"
