"""What the plots share with the site's pages and data, without matplotlib.

Names of series files (:func:`series_slug`), the level a series starts at
(:func:`first_segment_level`), when an axis goes logarithmic
(:func:`wants_log_scale`) and the heat map's ratios (:func:`ratio_matrix`):
the site draws its plots in the browser and needs these without importing
matplotlib (:mod:`.plot` draws the PNGs).
"""
from __future__ import annotations

import hashlib
import math
import re
from statistics import median
from typing import Iterable, Sequence

import numpy as np

from ..model.findings import Finding
from ..model.kinds import kind_info
from ..model.series import Series, SeriesKey

DECADES_FOR_LOG = 100.0


def series_slug(key: SeriesKey) -> str:
    """A file-name-safe, unique name for a series (readable part + hash)."""
    digest = hashlib.sha1(repr(key).encode()).hexdigest()[:10]
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", key.label).strip("_.")[:80] or "series"
    return f"{readable}-{digest}"


def wants_png(f: Finding) -> bool:
    """Does the series of ``f`` get a PNG with ``png="findings"``: a change of
    one series (not a suspect that did not hold up, not a shared shift)?"""
    return kind_info(f.kind).change and not f.is_environment


def first_segment_level(series: Series, change_points: Sequence[int]) -> float:
    """Median of the per-commit medians before the first change point."""
    medians = series.columns.medians
    end = min(change_points) if change_points else len(medians)
    values = medians[: max(end, 1)]
    values = values[np.isfinite(values)]
    return float(median(values.tolist())) if values.size else math.nan


def wants_log_scale(values: Iterable[float]) -> bool:
    """True when the positive values span two decades or more."""
    finite = [v for v in values if math.isfinite(v) and v > 0]
    return bool(finite) and max(finite) / min(finite) >= DECADES_FOR_LOG


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
        c = s.columns
        where = np.fromiter((col.get(sha, -1) for sha in c.commits), dtype=np.int64, count=len(c))
        with np.errstate(invalid="ignore"):
            ok = (where >= 0) & np.isfinite(c.medians) & (c.medians > 0)
        out[i, where[ok]] = c.medians[ok] / base
    return out
