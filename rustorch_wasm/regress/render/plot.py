"""Trend plots of benchmark series (matplotlib, Agg backend, PNG and SVG).

Two kinds of figure:

* :func:`plot_series`: one series along its own measured commits (one step
  each, in the history's order, so a series measured at 35 of 1,772
  commits spans the plot; ``order`` says what orders them). The line is
  the median per commit, the shaded band its inter-quartile range
  (q25..q75 of the recorded samples). A horizontal line marks the baseline
  level ``b`` and a lighter band the threshold zone ``b*(1-t) .. b*(1+t)``
  (t: the threshold the series was judged at): a level that leaves the band by a significant step
  is what the detector flags. Change points (index ``i`` = first point of a
  new level) are drawn as vertical dashed lines half-way between point
  ``i-1`` and point ``i``. Regressions, improvements and drift are marked at
  their commit and labelled with the short sha. A series of more than
  :data:`MAX_POINTS` commits is drawn in buckets of neighbouring commits
  (:func:`decimate`): the line is each bucket's median, the band the min
  to max of its per-commit medians; buckets stop at change points, and the
  points of findings and either side of each change point are drawn exactly.
* :func:`plot_heatmap`: ratio of each series' median to its baseline,
  series x the last N commits, coloured on a log2 scale so that x2 and x0.5
  are equally far from 1; missing measurements are grey.

The y axis is logarithmic when the plotted values span two decades or more
(``max/min >= 100``). Times in seconds are rescaled to a readable unit
(ns, µs, ms or s).
"""
from __future__ import annotations

import io
import math
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import EngFormatter, FuncFormatter, MaxNLocator  # noqa: E402

from ..model.findings import Finding  # noqa: E402
from ..model.kinds import KINDS  # noqa: E402
from ..model.series import Series, SeriesKey  # noqa: E402
from ..model.units import display_scale  # noqa: E402
from ..io.atomic import write_bytes_atomic  # noqa: E402
from .plot_common import (DECADES_FOR_LOG, first_segment_level, ratio_matrix,  # noqa: E402,F401
                          series_slug, wants_log_scale)

FORMATS = ("png", "svg")
DPI = 110
MAX_POINTS = 600      # a longer series is drawn in buckets (:func:`decimate`)
KIND_STYLE = {k.name: (k.marker, k.colour, -1 if k.name == "improvement" else 1)
              for k in KINDS.values()}   # marker, colour, vertical label direction


@dataclass(frozen=True)
class Drawn:
    """What a series plot draws: x, line, band; ``bucket`` commits per point
    (1: every point, band = IQR; more: band = min..max of the medians)."""

    positions: np.ndarray
    medians: np.ndarray
    low: np.ndarray
    high: np.ndarray
    bucket: int


def _save(fig: Figure, out_base: Path, formats: Sequence[str] = FORMATS) -> list[Path]:
    out_base.parent.mkdir(parents=True, exist_ok=True)
    paths = []
    for ext in formats:
        path = out_base.with_name(f"{out_base.name}.{ext}")  # names contain dots
        buffer = io.BytesIO()
        # zlib level 1: 10 % faster a plot than the default 6, files 8 % larger
        fig.savefig(buffer, format=ext, dpi=DPI,
                    **({"pil_kwargs": {"compress_level": 1}} if ext == "png" else {}))
        write_bytes_atomic(path, buffer.getvalue())
        paths.append(path)
    return paths


def _sha_formatter(positions: Sequence[int], commits: Sequence[str]) -> FuncFormatter:
    by_pos = dict(zip(positions, commits))

    def fmt(x: float, _pos: int) -> str:
        sha = by_pos.get(int(round(x))) if abs(x - round(x)) < 1e-6 else None
        return sha[:7] if sha else ""

    return FuncFormatter(fmt)


def _label_offsets(xs: Sequence[float], span: float) -> list[int]:
    """Staggered label levels (0, 1, 2, ...) so that nearby labels do not overlap."""
    levels: list[int] = []
    last_x_at_level: dict[int, float] = {}
    min_gap = max(span, 1.0) * 0.12
    for x in xs:
        level = 0
        while level in last_x_at_level and x - last_x_at_level[level] < min_gap:
            level += 1
        last_x_at_level[level] = x
        levels.append(level)
    return levels


def _title(key: SeriesKey, unit_label: str, env_label: str = "") -> str:
    """The label and unit, then where: the machine and the short environment label."""
    wrapped = textwrap.fill(f"{key.label} [{unit_label}]", width=70)
    return f"{wrapped}\n{key.machine} · {textwrap.shorten(env_label or key.env, 60, placeholder='…')}"


def decimate(series: Series, keep: Iterable[int] = (), cuts: Iterable[int] = (),
             max_points: int = MAX_POINTS) -> Drawn:
    """What to draw of ``series``: every point when there are at most
    ``max_points``, else about ``max_points / 2`` buckets of neighbouring
    commits, each drawn at its median commit with the median, min and max of
    its per-commit medians. Buckets never straddle a change point (``cuts``:
    indices where a new level starts); the points either side of each change
    point and every index in ``keep`` (the points of findings) are buckets of
    their own, drawn exactly."""
    c = series.columns
    pos = c.positions.astype(float)
    n = len(pos)
    if n <= max_points:
        return Drawn(pos, c.medians, c.q25, c.q75, 1)
    size = math.ceil(n / max(max_points // 2, 1))
    breaks = {0, n}
    cuts = [i for i in cuts if 0 < i < n]
    for k in [*keep, *cuts, *(i - 1 for i in cuts)]:
        if 0 <= k < n:
            breaks.update((k, k + 1))
    edges = sorted(breaks)
    starts: list[int] = []
    for a, b in zip(edges, edges[1:]):
        starts.extend(range(a, b, size))
    bounds = np.array(starts + [n])
    med = c.medians
    xs, ys, lo, hi = [], [], [], []
    for a, b in zip(bounds[:-1], bounds[1:]):
        chunk = med[a:b]
        finite = chunk[np.isfinite(chunk)]
        xs.append(float(np.median(pos[a:b])))
        if finite.size:
            ys.append(float(np.median(finite)))
            lo.append(float(finite.min()))
            hi.append(float(finite.max()))
        else:
            ys.append(math.nan)
            lo.append(math.nan)
            hi.append(math.nan)
    return Drawn(np.array(xs), np.array(ys), np.array(lo), np.array(hi), size)


def _layout(fig: Figure, title_lines: int) -> None:
    """Fixed margins (a tight layout costs a second rendering pass): room for
    the title's lines above, the rotated shas below and the legend right."""
    height = fig.get_figheight()
    top = 1 - (0.12 + 0.17 * title_lines) / height
    fig.subplots_adjust(left=0.085, right=0.82, bottom=0.2, top=top)


def series_figure(
    series: Series,
    *,
    threshold: float,
    findings: Sequence[Finding] = (),
    change_points: Sequence[int] = (),
    baseline: float | None = None,
    max_points: int = MAX_POINTS,
    env_label: str = "",
    order: str = "first-parent history",
) -> Figure:
    """The trend figure of one series (see the module docstring)."""
    points = series.points
    if not points:
        raise ValueError(f"series {series.key.label} has no points to plot")
    level = baseline if baseline is not None and math.isfinite(baseline) else first_segment_level(series, change_points)
    cols = series.columns
    scale = display_scale(series.unit, [*cols.medians, *cols.q25, *cols.q75])
    f = scale.factor
    by_commit = {p.commit: i for i, p in enumerate(points)}
    marked = sorted((fd for fd in findings if fd.key == series.key and fd.commit in by_commit),
                    key=lambda fd: by_commit[fd.commit])
    cps = sorted(c for c in change_points if 0 < c < len(points))
    drawn = decimate(series, {by_commit[fd.commit] for fd in marked}, cps, max_points)
    own = np.arange(len(points), dtype=float)          # x: the series' own commits
    pos = np.interp(drawn.positions, cols.positions.astype(float), own)

    fig = Figure(figsize=(10, 4.8))
    ax = fig.add_subplot()
    if drawn.bucket > 1:
        ax.fill_between(pos, drawn.low * f, drawn.high * f, color="#5dade2", alpha=0.35,
                        linewidth=0, label="min–max of medians")
        ax.plot(pos, drawn.medians * f, "-", color="#1f4e79", linewidth=1.2,
                label=f"median, ~{drawn.bucket} commits")
    else:
        ax.fill_between(pos, drawn.low * f, drawn.high * f, color="#5dade2", alpha=0.35,
                        linewidth=0, label="IQR (q25–q75)")
        ax.plot(pos, drawn.medians * f, "-o", color="#1f4e79", markersize=3, linewidth=1.2,
                label="median")
    shown = [*(drawn.medians * f), *(drawn.low * f), *(drawn.high * f)]
    if math.isfinite(level):
        lo, hi = level * (1 - threshold) * f, level * (1 + threshold) * f
        ax.axhspan(lo, hi, color="#82e0aa", alpha=0.18, linewidth=0,
                   label=f"baseline ±{threshold:.0%}")
        ax.axhline(level * f, color="#1e8449", linewidth=1, linestyle="-", label="baseline")
        shown += [lo, hi]
    for i, cp in enumerate(cps):
        x = cp - 0.5
        ax.axvline(x, color="#7d3c98", linestyle="--", linewidth=1,
                   label="change point" if i == 0 else None)

    span = float(len(points) - 1) if len(points) > 1 else 1.0
    seen_kinds: set[str] = set()
    for fd, lvl in zip(marked, _label_offsets([by_commit[fd.commit] for fd in marked], span)):
        marker, colour, direction = KIND_STYLE.get(fd.kind, ("o", "black", 1))
        x, p = by_commit[fd.commit], points[by_commit[fd.commit]]
        ax.plot([x], [p.median * f], marker=marker, color=colour, markersize=10,
                linestyle="none", label=fd.kind if fd.kind not in seen_kinds else None, zorder=5)
        seen_kinds.add(fd.kind)
        ax.annotate(f"{fd.commit[:7]} ×{fd.ratio:.2f}", (x, p.median * f),
                    xytext=(6, direction * (14 + 13 * lvl)), textcoords="offset points",
                    fontsize=8, color=colour, fontweight="bold",
                    arrowprops={"arrowstyle": "-", "color": colour, "linewidth": 0.6})

    if wants_log_scale(shown):
        ax.set_yscale("log")
    else:
        top = max((v for v in shown if math.isfinite(v)), default=1.0)
        ax.set_ylim(bottom=0, top=top * 1.25 if top > 0 else 1)
        if series.unit != "seconds":
            ax.yaxis.set_major_formatter(EngFormatter(sep=""))
    ax.xaxis.set_major_locator(MaxNLocator(nbins=12, integer=True))
    ax.xaxis.set_major_formatter(_sha_formatter(list(range(len(points))), series.commits))
    ax.tick_params(axis="x", labelrotation=45, labelsize=7)
    ax.set_xlim(-0.5, len(points) - 0.5)
    ax.set_xlabel(f"measured commit, {len(points)} ({order}, oldest → newest)")
    ax.set_ylabel(f"time per call ({scale.unit})" if series.unit == "seconds" else scale.unit)
    title = _title(series.key, scale.unit, env_label)
    ax.set_title(title, fontsize=10, y=1.0, pad=6)  # fixed: no search for overlapping ticks
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    _layout(fig, title.count("\n") + 1)
    return fig


def plot_series(
    series: Series,
    out_base: Path,
    *,
    threshold: float,
    findings: Sequence[Finding] = (),
    change_points: Sequence[int] = (),
    baseline: float | None = None,
    formats: Sequence[str] = FORMATS,
    max_points: int = MAX_POINTS,
    env_label: str = "",
    order: str = "first-parent history",
) -> list[Path]:
    """Draw one series; writes ``out_base.<format>`` for each of ``formats``
    (PNG and SVG by default), returns their paths. ``env_label``: the short
    environment label for the title; ``order``: what orders the commits."""
    fig = series_figure(series, findings=findings, change_points=change_points,
                        baseline=baseline, threshold=threshold, max_points=max_points,
                        env_label=env_label, order=order)
    return _save(fig, out_base, formats)


def _row_label(key: SeriesKey, many_hosts: bool, env_labels: Mapping[str, str],
               width: int = 64) -> str:
    """The series label; long ones lose their middle, so the params stay visible."""
    label = key.label
    if len(label) > width:
        tail = width * 3 // 5
        label = label[: width - tail - 1] + "…" + label[-tail:]
    return f"{label} @{key.machine}/{env_labels.get(key.env, key.env)}" if many_hosts else label


def plot_heatmap(
    series_list: Sequence[Series],
    baselines: dict[SeriesKey, float],
    commits: Sequence[str],
    out_base: Path,
    *,
    last: int = 50,
    env_labels: Mapping[str, str] | None = None,
) -> list[Path]:
    """Heat map of ratio to baseline, series x the last ``last`` commits; PNG and SVG.
    Rows of several hosts are labelled ``@machine/<env label>`` (``env_labels``)."""
    cols = list(commits)[-last:]
    rows = sorted(series_list, key=lambda s: s.key)
    if not rows or not cols:
        raise ValueError("heat map needs at least one series and one commit")
    ratios = ratio_matrix(rows, baselines, cols)
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log2(ratios)
    cmap = ListedColormap(matplotlib.colormaps["RdBu_r"](np.linspace(0, 1, 256)))
    cmap.set_bad("#d5d8dc")
    many_hosts = len({(s.key.machine, s.key.env) for s in rows}) > 1
    height = max(3.2, 1.8 + 0.22 * len(rows))
    width = 4.5 + 0.17 * len(cols)
    fig = Figure(figsize=(max(width, 8), height))
    ax = fig.add_subplot()
    image = ax.imshow(np.ma.masked_invalid(logs), aspect="auto", cmap=cmap, vmin=-1, vmax=1,
                      interpolation="nearest")
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([_row_label(s.key, many_hosts, env_labels or {}) for s in rows], fontsize=7)
    ax.set_xticks(range(len(cols)))
    ax.set_xticklabels([c[:7] for c in cols], rotation=90, fontsize=7, family="monospace")
    ax.set_xlabel("commit (oldest → newest)")
    ax.set_title(f"Median / baseline over the last {len(cols)} commits\n"
                 "(log2 colour scale; grey = not measured)", fontsize=10)
    bar = fig.colorbar(image, ax=ax, fraction=0.05, pad=0.02, aspect=25,
                       shrink=min(1.0, 5.0 / max(height - 1.8, 1.0)))
    if len(rows) >= 8:
        bar.set_ticks([-1, -math.log2(1.2), 0, math.log2(1.2), 1])
        bar.set_ticklabels(["×0.5", "×0.83", "×1", "×1.2", "×2"])
    else:
        bar.set_ticks([-1, 0, 1])
        bar.set_ticklabels(["×0.5", "×1", "×2"])
    bar.set_label("ratio to baseline (×)")
    fig.tight_layout()
    return _save(fig, out_base)
