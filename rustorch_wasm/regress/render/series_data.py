"""The interactive plots' data and code: what the site's browser side reads.

For each series, ``data/<slug>.js`` holds one JSON document (its own: every
point's commit, time, median and q25/q75, its baseline, threshold, change
points and findings with their kind's colour and marker from
:mod:`..model.kinds`, the commit URL template), wrapped as
``rrSeries(<json>);`` so that a ``<script>`` element loads it also from
``file://``, where browsers refuse to ``fetch`` files. ``data/commits.js``
sets ``RR_COMMITS``: the subject and date of every measured commit, shared by
all plots. ``series.js`` (:data:`ASSETS`) draws them with uPlot, vendored in
``vendor/uplot/`` with its licence (no CDN: the site works offline).

Every JSON text goes through :func:`script_json`: ``<``, ``>``, ``&`` and
the JavaScript line separators are escaped, so no name or commit subject
can end a ``<script>`` element or break the script it is in.
"""
from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np

from ..model.direction import change_text
from ..model.findings import Finding
from ..model.kinds import KINDS, kind_info
from ..model.series import Series, SeriesKey
from ..model.units import display_scale
from ..io.repository import CommitInfo
from .plot_common import DECADES_FOR_LOG, series_slug

#: The package's browser assets: ours and the vendored library (with its licence).
ASSETS = Path(__file__).resolve().parent / "assets"
#: Where they go in the site: {file in ASSETS: path in the site}.
SITE_ASSETS = {"series.js": "series.js", "uplot/uPlot.iife.min.js": "vendor/uplot/uPlot.iife.min.js",
               "uplot/uPlot.min.css": "vendor/uplot/uPlot.min.css",
               "uplot/LICENSE": "vendor/uplot/LICENSE"}
_UNSAFE = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
           ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))


def script_json(doc: object) -> str:
    """``doc`` as JSON text safe inside a ``<script>`` element or a ``.js`` file."""
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for raw, escaped in _UNSAFE:      # only inside strings: JSON's syntax has none of them
        if raw in text:
            text = text.replace(raw, escaped)
    return text


def _numbers(values: np.ndarray, digits: int = 6) -> list[float | None]:
    """Finite values rounded to about ``digits`` significant digits of the
    smallest magnitude among them (None elsewhere): short JSON, same plot."""
    finite = np.isfinite(values)
    if not finite.any():
        return [None] * len(values)
    magnitude = np.abs(values[finite & (values != 0)])
    smallest = float(magnitude.min()) if magnitude.size else 1.0
    decimals = int(min(max(digits - 1 - math.floor(math.log10(smallest)), 0), 15))
    rounded = np.round(values, decimals)
    return [float(v) if ok else None for v, ok in zip(rounded.tolist(), finite.tolist())]


def finding_mark(f: Finding, index: int, page: str | None) -> dict:
    """A finding as the plot marks it: where, its kind's look, the change in words."""
    info = kind_info(f.kind)
    return {"index": int(index), "commit": f.commit, "kind": f.kind, "label": info.label,
            "icon": info.icon, "colour": info.colour, "marker": info.marker,
            "change": change_text(f.ratio, f.better, f.unit), "page": page}


def series_document(series: Series, *, threshold: float, findings: Sequence[Finding] = (),
                    change_points: Sequence[int] = (), baseline: float | None = None,
                    commit_info: Mapping[str, CommitInfo] | None = None,
                    commit_url: str | None = None, env_label: str = "",
                    pages: Mapping[str, str] | None = None) -> dict:
    """The JSON document of one series (see the module docstring). ``pages``:
    commit -> its page in the site (relative to the site's root)."""
    c = series.columns
    values = np.concatenate([c.medians, c.q25, c.q75])
    with np.errstate(invalid="ignore"):
        values = values[np.isfinite(values) & (values > 0)]
    # the scale of all the values: that of their median (what display_scale reads)
    scale = display_scale(series.unit, [float(np.median(values))] if values.size else [])
    f = scale.factor
    info = commit_info or {}
    times = [info[s].time if s in info and info[s].time else None for s in c.commits]
    index = {sha: i for i, sha in enumerate(c.commits)}
    marks = [finding_mark(fd, index[fd.commit], (pages or {}).get(fd.commit))
             for fd in findings if fd.key == series.key and fd.commit in index]
    level = baseline if baseline is not None and math.isfinite(baseline) else None
    key = series.key
    return {
        "schema": 1, "slug": series_slug(key), "label": key.label, "benchmark": key.benchmark,
        "params": [list(p) for p in key.params], "machine": key.machine, "env": key.env,
        "env_label": env_label or key.env, "unit": series.unit, "display_unit": scale.unit,
        "factor": float(f), "log": bool(values.size and values.max() / values.min() >= DECADES_FOR_LOG),
        "commits": list(c.commits), "time": times,
        "median": _numbers(c.medians * f), "q25": _numbers(c.q25 * f), "q75": _numbers(c.q75 * f),
        "baseline": float(level * f) if level is not None else None, "threshold": float(threshold),
        "change_points": sorted(int(i) for i in set(change_points) if 0 < i < len(c)),
        "findings": sorted(marks, key=lambda m: m["index"]), "commit_url": commit_url,
    }


def commits_script(commits: Iterable[str], info: Mapping[str, CommitInfo]) -> str:
    """``data/commits.js``: ``RR_COMMITS = {sha: [date, subject], ...}``."""
    table = {sha: [info[sha].date, info[sha].subject] for sha in commits if sha in info}
    return f"window.RR_COMMITS = {script_json(table)};\n"


def series_script(doc: dict) -> str:
    """``data/<slug>.js``: the document handed to the page's ``rrSeries``."""
    return f"rrSeries({script_json(doc)});\n"


def copy_assets(site: Path) -> None:
    """``series.js`` and the vendored uPlot (with its LICENSE) into ``site``."""
    for name, where in SITE_ASSETS.items():
        target = site / where
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ASSETS / name, target)


def heat_colour(log2_ratio: float) -> str:
    """The heat map's colour of ``log2(ratio)``: blue (x0.5 or less) through
    near-white (x1) to red (x2 or more); grey when not measured."""
    if not math.isfinite(log2_ratio):
        return "#d5d8dc"
    t = max(-1.0, min(1.0, log2_ratio))
    ends = (0xb2, 0x18, 0x2b) if t > 0 else (0x21, 0x66, 0xac)
    mid = (0xf7, 0xf7, 0xf7)
    r, g, b = (round(m + (e - m) * abs(t)) for m, e in zip(mid, ends))
    return f"#{r:02x}{g:02x}{b:02x}"


def chart_legend(series_findings: Iterable[Finding]) -> list[tuple[str, str, str]]:
    """(icon, label, colour) of each kind a plot marks, in the registry's order."""
    kinds = sorted({f.kind for f in series_findings}, key=lambda k: KINDS[k].order)
    return [(KINDS[k].icon, KINDS[k].label, KINDS[k].colour) for k in kinds]


def write_series_data(site: Path, series: Sequence[Series], *, thresholds: Mapping[SeriesKey, float],
                      findings_of: Mapping[SeriesKey, Sequence[Finding]],
                      change_points: Mapping[SeriesKey, Sequence[int]],
                      levels: Mapping[SeriesKey, float], commit_info: Mapping[str, CommitInfo],
                      commit_url: str | None, env_labels: Mapping[str, str],
                      pages: Mapping[str, str], commits: Sequence[str]) -> int:
    """Every series' ``data/<slug>.js``, ``data/commits.js`` and the assets;
    returns the number of series written."""
    out = site / "data"
    out.mkdir(parents=True, exist_ok=True)
    for s in series:
        doc = series_document(s, threshold=thresholds[s.key], findings=findings_of.get(s.key, ()),
                              change_points=change_points.get(s.key, ()),
                              baseline=levels.get(s.key), commit_info=commit_info,
                              commit_url=commit_url, env_label=env_labels.get(s.key.env, ""),
                              pages=pages)
        (out / f"{doc['slug']}.js").write_text(series_script(doc), encoding="utf-8")
    (out / "commits.js").write_text(commits_script(commits, commit_info), encoding="utf-8")
    copy_assets(site)
    return len(series)


__all__ = ["ASSETS", "SITE_ASSETS", "chart_legend", "commits_script", "copy_assets",
           "finding_mark", "heat_colour", "script_json", "series_document", "series_script",
           "write_series_data"]
