"""The site's plots as HTML: the interactive chart of a series and the heat map.

A chart is a ``<div class="chart">`` that ``series.js`` fills from the
series' own ``data/<slug>.js`` (:mod:`.series_data`) when it comes near the
screen, with a static legend under it (the kinds it marks, in the registry's
colours). The heat map is an HTML table: every cell is a link to its
series' page, its colour the ratio to the baseline on a log2 scale, its
title the commit and the ratio; the colour scale sits above it.
"""
from __future__ import annotations

import math
from html import escape
from typing import Mapping, Sequence

import numpy as np

from ..model.series import Series, SeriesKey
from .plot_common import ratio_matrix, series_slug
from .series_data import chart_legend, heat_colour
from .site_base import SiteData, commit_slug

#: The heat map's colour scale, as ratios.
SCALE = (0.5, 0.71, 0.84, 1.0, 1.19, 1.41, 2.0)


def series_href(key: SeriesKey, root: str) -> str:
    return f"{root}series/{series_slug(key)}.html"


def chart_html(key: SeriesKey, data: SiteData, root: str, threshold: float) -> str:
    """The interactive plot of one series and its legend (a PNG link when drawn)."""
    slug = escape(series_slug(key))
    kinds = "".join(f"<span style=\"color:{colour}\">{icon} {escape(label)}</span>"
                    for icon, label, colour in chart_legend(data.findings_of.get(key, ())))
    png = (f"<a href=\"{root}plots/{slug}.png\">PNG</a>" if key in data.png else "")
    return (f"<div class=\"chart\" data-slug=\"{slug}\" data-src=\"{root}data/{slug}.js\" "
            f"data-root=\"{root}\"><p class=\"muted\">The interactive plot loads here "
            "(it needs JavaScript).</p></div>"
            "<p class=\"legend\"><span style=\"color:#1f4e79\">— median</span>"
            "<span style=\"color:#5dade2\">▒ q25–q75</span>"
            f"<span style=\"color:#1e8449\">— baseline, ±{threshold:.0%} band</span>"
            f"<span style=\"color:#7d3c98\">┆ change point</span>{kinds}{png}</p>")


def short_label(key: SeriesKey, width: int = 60) -> str:
    """The series label; long ones lose their middle, so the params stay visible."""
    label = key.label
    if len(label) <= width:
        return label
    tail = width * 3 // 5
    return label[: width - tail - 1] + "…" + label[-tail:]


def _commit_head(sha: str, data: SiteData, root: str) -> str:
    href = data.commit_link(sha) or (f"{root}commit/{commit_slug(sha)}.html"
                                     if sha in data.group_commits else None)
    text = escape(sha[:7])
    return (f"<th class=\"c\" title=\"{escape(sha)}\">"
            + (f"<a href=\"{escape(href)}\">{text}</a>" if href else text) + "</th>")


def heatmap_table(rows: Sequence[Series], data: SiteData, levels: Mapping[SeriesKey, float],
                  window: Sequence[str]) -> str:
    """Series (rows, by key) x commits of ``window``: a linked, coloured cell each."""
    rows = sorted(rows, key=lambda s: s.key)
    ratios = ratio_matrix(rows, dict(levels), window)
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log2(ratios)
    many = len({(s.key.machine, s.key.env) for s in rows}) > 1
    body = []
    shorts = [sha[:7] for sha in window]
    for s, line in zip(rows, logs.tolist()):
        href = series_href(s.key, "")
        where = f" @{s.key.machine}/{data.env_label(s.key.env)}" if many else ""
        full = escape(f"{s.key.label} @{s.key.machine}/{s.key.env}")
        cells = "".join(
            f"<td class=\"h\" style=\"background:{heat_colour(v)}\"><a href=\"{href}\" title=\""
            + (f"{sha} ×{2.0 ** v:.3f}" if math.isfinite(v) else f"{sha} not measured")
            + "\"></a></td>" for sha, v in zip(shorts, line))
        body.append(f"<tr><th class=\"r\" title=\"{full}\"><a href=\"{href}\">"
                    f"{escape(short_label(s.key) + where)}</a></th>{cells}</tr>")
    head = "".join(_commit_head(sha, data, "") for sha in window)
    scale = "".join(f"<span style=\"background:{heat_colour(math.log2(r))}\">×{r:g}</span>"
                    for r in SCALE)
    return (f"<p class=\"scale\">ratio to baseline: {scale} <span style=\"background:"
            f"{heat_colour(math.nan)}\">none</span></p><div class=\"heat\"><table class=\"heat\">"
            f"<tr><th></th>{head}</tr>{''.join(body)}</table></div>")


__all__ = ["chart_html", "heatmap_table", "series_href", "short_label"]
