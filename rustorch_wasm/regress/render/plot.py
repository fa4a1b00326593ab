"""Trend plots of benchmark series (matplotlib, Agg backend, PNG and SVG).

Two kinds of figure:

* :func:`plot_series`: one series along first-parent history. The line is
  the median per commit, the shaded band its inter-quartile range
  (q25..q75 of the recorded samples). A horizontal line marks the baseline
  level ``b`` and a lighter band the threshold zone ``b*(1-t) .. b*(1+t)``
  (t = 0.20 by default): a level that leaves the band by a significant step
  is what the detector flags. Change points (index ``i`` = first point of a
  new level) are drawn as vertical dashed lines half-way between point
  ``i-1`` and point ``i``. Regressions, improvements and drift are marked at
  their commit and labelled with the short sha.
* :func:`plot_heatmap`: ratio of each series' median to its baseline,
  series x the last N commits, coloured on a log2 scale so that x2 and x0.5
  are equally far from 1; missing measurements are grey.

The y axis is logarithmic when the plotted values span two decades or more
(``max/min >= 100``). Times in seconds are rescaled to a readable unit
(ns, µs, ms or s).
"""
from __future__ import annotations

import hashlib
import io
import math
import re
import textwrap
from pathlib import Path
from statistics import median
from typing import Iterable, Mapping, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402
from matplotlib.ticker import EngFormatter, FuncFormatter, MaxNLocator  # noqa: E402

from ..model.findings import Finding  # noqa: E402
from ..model.kinds import KINDS  # noqa: E402
from ..model.series import Series, SeriesKey  # noqa: E402
from ..model.units import display_scale  # noqa: E402
from ..io.atomic import write_bytes_atomic  # noqa: E402

FORMATS = ("png", "svg")
KIND_STYLE = {k.name: (k.marker, k.colour, -1 if k.name == "improvement" else 1)
              for k in KINDS.values()}   # marker, colour, vertical label direction
DECADES_FOR_LOG = 100.0
def series_slug(key: SeriesKey) -> str:
    """A file-name-safe, unique name for a series (readable part + hash)."""
    digest = hashlib.sha1(repr(key).encode()).hexdigest()[:10]
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", key.label).strip("_.")[:80] or "series"
    return f"{readable}-{digest}"


def first_segment_level(series: Series, change_points: Sequence[int]) -> float:
    """Median of the per-commit medians before the first change point."""
    end = min(change_points) if change_points else len(series.points)
    values = [p.median for p in series.points[: max(end, 1)] if math.isfinite(p.median)]
    return float(median(values)) if values else math.nan


def wants_log_scale(values: Iterable[float]) -> bool:
    """True when the positive values span two decades or more."""
    finite = [v for v in values if math.isfinite(v) and v > 0]
    return bool(finite) and max(finite) / min(finite) >= DECADES_FOR_LOG


def _save(fig: plt.Figure, out_base: Path) -> list[Path]:
    out_base.parent.mkdir(parents=True, exist_ok=True)
    paths = []
    for ext in FORMATS:
        path = out_base.with_name(f"{out_base.name}.{ext}")  # names contain dots
        buffer = io.BytesIO()
        fig.savefig(buffer, format=ext, dpi=110)
        write_bytes_atomic(path, buffer.getvalue())
        paths.append(path)
    plt.close(fig)
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


def _title(key: SeriesKey, unit_label: str) -> str:
    wrapped = textwrap.fill(f"{key.label} [{unit_label}]", width=70)
    return f"{wrapped}\n{key.machine} · {key.env}"


def plot_series(
    series: Series,
    out_base: Path,
    *,
    findings: Sequence[Finding] = (),
    change_points: Sequence[int] = (),
    baseline: float | None = None,
    threshold: float = 0.20,
) -> list[Path]:
    """Draw one series; writes ``out_base.png`` and ``out_base.svg``, returns their paths."""
    points = series.points
    if not points:
        raise ValueError(f"series {series.key.label} has no points to plot")
    level = baseline if baseline is not None and math.isfinite(baseline) else first_segment_level(series, change_points)
    values = [p.median for p in points] + [p.q25 for p in points] + [p.q75 for p in points]
    scale = display_scale(series.unit, values)
    f = scale.factor
    pos = np.array([p.position for p in points], dtype=float)
    med = np.array([p.median for p in points]) * f
    q25 = np.array([p.q25 for p in points]) * f
    q75 = np.array([p.q75 for p in points]) * f

    fig, ax = plt.subplots(figsize=(10, 4.8))
    ax.fill_between(pos, q25, q75, color="#5dade2", alpha=0.35, linewidth=0, label="IQR (q25–q75)")
    ax.plot(pos, med, "-o", color="#1f4e79", markersize=3, linewidth=1.2, label="median")
    shown = list(med) + list(q25) + list(q75)
    if math.isfinite(level):
        lo, hi = level * (1 - threshold) * f, level * (1 + threshold) * f
        ax.axhspan(lo, hi, color="#82e0aa", alpha=0.18, linewidth=0,
                   label=f"baseline ±{threshold:.0%}")
        ax.axhline(level * f, color="#1e8449", linewidth=1, linestyle="-", label="baseline")
        shown += [lo, hi]
    for i, cp in enumerate(sorted(c for c in change_points if 0 < c < len(points))):
        x = (points[cp - 1].position + points[cp].position) / 2
        ax.axvline(x, color="#7d3c98", linestyle="--", linewidth=1,
                   label="change point" if i == 0 else None)

    by_commit = {p.commit: p for p in points}
    marked = sorted((fd for fd in findings if fd.key == series.key and fd.commit in by_commit),
                    key=lambda fd: by_commit[fd.commit].position)
    span = float(pos.max() - pos.min()) if len(pos) > 1 else 1.0
    seen_kinds: set[str] = set()
    for fd, lvl in zip(marked, _label_offsets([by_commit[fd.commit].position for fd in marked], span)):
        marker, colour, direction = KIND_STYLE.get(fd.kind, ("o", "black", 1))
        p = by_commit[fd.commit]
        ax.plot([p.position], [p.median * f], marker=marker, color=colour, markersize=10,
                linestyle="none", label=fd.kind if fd.kind not in seen_kinds else None, zorder=5)
        seen_kinds.add(fd.kind)
        ax.annotate(f"{fd.commit[:7]} ×{fd.ratio:.2f}", (p.position, p.median * f),
                    xytext=(6, direction * (14 + 13 * lvl)), textcoords="offset points",
                    fontsize=8, color=colour, fontweight="bold",
                    arrowprops={"arrowstyle": "-", "color": colour, "linewidth": 0.6})

    if wants_log_scale(shown):
        ax.set_yscale("log")
    else:
        top = max(v for v in shown if math.isfinite(v))
        ax.set_ylim(bottom=0, top=top * 1.25 if top > 0 else 1)
        if series.unit != "seconds":
            ax.yaxis.set_major_formatter(EngFormatter(sep=""))
    ax.xaxis.set_major_locator(MaxNLocator(nbins=12, integer=True))
    ax.xaxis.set_major_formatter(_sha_formatter([p.position for p in points], series.commits))
    ax.tick_params(axis="x", labelrotation=45, labelsize=7)
    if len(pos) > 1:
        ax.set_xlim(pos.min() - 0.5, pos.max() + 0.5)
    ax.set_xlabel("commit (first-parent history, oldest → newest)")
    ax.set_ylabel(f"time per call ({scale.unit})" if series.unit == "seconds" else scale.unit)
    ax.set_title(_title(series.key, scale.unit), fontsize=10)
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    fig.tight_layout()
    return _save(fig, out_base)


def ratio_matrix(
    series_list: Sequence[Series], baselines: dict[SeriesKey, float], commits: Sequence[str]
) -> np.ndarray:
    """``median / baseline`` for each series (row) at each commit (column); NaN where unknown."""
    col = {sha: j for j, sha in enumerate(commits)}
    out = np.full((len(series_list), len(commits)), np.nan)
    for i, s in enumerate(series_list):
        base = baselines.get(s.key, math.nan)
        if not (math.isfinite(base) and base > 0):
            continue
        for p in s.points:
            j = col.get(p.commit)
            if j is not None and math.isfinite(p.median) and p.median > 0:
                out[i, j] = p.median / base
    return out


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
    cmap = ListedColormap(plt.get_cmap("RdBu_r")(np.linspace(0, 1, 256)))
    cmap.set_bad("#d5d8dc")
    many_hosts = len({(s.key.machine, s.key.env) for s in rows}) > 1
    height = max(3.2, 1.8 + 0.22 * len(rows))
    width = 4.5 + 0.17 * len(cols)
    fig, ax = plt.subplots(figsize=(max(width, 8), height))
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
