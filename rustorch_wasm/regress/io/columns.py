"""Series as columns: one numpy array per field instead of one object per commit.

A history of 10,000 commits x 200 series is two million measurements; one
Python object each costs more than the whole analysis. :class:`~.model.series.SeriesColumns`
holds a series' points as parallel arrays (position, median, quartiles, asv
CI, whether the value comes from asv's stats) plus one tuple of samples per
point, and :func:`series_from_results` builds them straight from the row
groups of :class:`~.results.ResultSet`: a group's ``result`` column over all
its files becomes one ``(files, combinations)`` float matrix (null and NaN
become NaN), and each combination is a column of it. Points are made only
when someone asks for ``Series.points``.

Per point (as :class:`~.series.Point` defines it): with recorded samples,
median and quartiles are numpy's linear quantiles of the finite samples;
without, asv's ``result`` and its ``stats_q_25``/``stats_q_75`` (the median
where those are missing), ``from_stats`` set. A combination with neither a
finite result nor a finite sample at a commit (skipped or failed) is no point.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..model.series import Series, SeriesColumns, SeriesKey, paused_gc
from .results import ResultSet, RowBlock, finite_samples


def float_matrix(rows: list[list[Any] | None], width: int) -> np.ndarray:
    """Validated rows of numbers/null as a float matrix; absent rows are NaN."""
    if all(r is None for r in rows):
        return np.full((len(rows), width), np.nan)
    filler = [None] * width
    out = np.array([r if r is not None else filler for r in rows], dtype=float)
    out = out.reshape(len(rows), width)
    out[~np.isfinite(out)] = np.nan
    return out


def combination_columns(blocks: list[RowBlock], commits: list[str], positions: np.ndarray,
                        j: int, mats: dict[str, np.ndarray],
                        any_samples: bool) -> SeriesColumns | None:
    """Combination ``j`` of a group's blocks (already in history order);
    ``commits`` are the blocks' commits, shared by every combination that has
    a point at each of them."""
    values = mats["values"][:, j]
    if any_samples:
        samples = [finite_samples(b.samples[j]) if b.samples is not None else ()
                   for b in blocks]
        has_samples = np.fromiter((bool(s) for s in samples), dtype=bool, count=len(samples))
    else:
        samples = [()] * len(blocks)
        has_samples = np.zeros(len(blocks), dtype=bool)
    keep = np.flatnonzero(np.isfinite(values) | has_samples)
    if not keep.size:
        return None
    if keep.size == len(blocks):
        kept_commits = commits
    else:
        kept_commits = [commits[i] for i in keep]
    medians = values[keep].copy()
    q25 = mats["q25"][keep, j].copy()
    q75 = mats["q75"][keep, j].copy()
    stats = ~has_samples[keep]
    q25 = np.where(stats & np.isnan(q25), medians, q25)
    q75 = np.where(stats & np.isnan(q75), medians, q75)
    kept_samples = samples if keep.size == len(blocks) else [samples[i] for i in keep]
    sizes = np.fromiter(map(len, kept_samples), dtype=np.int64, count=len(kept_samples))
    sizes[stats] = 0
    for size in np.unique(sizes[sizes > 0]).tolist():
        rows = np.flatnonzero(sizes == size)
        block = np.array([kept_samples[r] for r in rows.tolist()], dtype=float)
        q25[rows], medians[rows], q75[rows] = np.quantile(block, [0.25, 0.5, 0.75], axis=1)
    return SeriesColumns(kept_commits, positions[keep], medians, q25, q75,
                         stats, mats["ci_a"][keep, j], mats["ci_b"][keep, j], kept_samples)


def concatenated(parts: list[SeriesColumns]) -> SeriesColumns:
    """Several parts of one key merged and ordered by position (stable)."""
    if len(parts) == 1:
        return parts[0]
    positions = np.concatenate([p.positions for p in parts])
    order = np.argsort(positions, kind="stable")
    commits = [c for p in parts for c in p.commits]
    samples = [s for p in parts for s in p.samples]

    def cat(name: str) -> np.ndarray:
        return np.concatenate([getattr(p, name) for p in parts])[order]

    return SeriesColumns([commits[i] for i in order], positions[order], cat("medians"),
                         cat("q25"), cat("q75"), cat("from_stats"), cat("ci_lo"), cat("ci_hi"),
                         [samples[i] for i in order])


def series_from_results(result_set: ResultSet, commit_order: list[str]) -> list[Series]:
    """One columnar series per (machine, env, benchmark, params), sorted by key;
    blocks of commits outside ``commit_order`` are left out."""
    position = {sha: i for i, sha in enumerate(commit_order)}
    parts: dict[SeriesKey, list[SeriesColumns]] = {}
    for group in result_set.groups.values():
        placed = [(position[b.commit], b) for b in group.blocks if b.commit in position]
        if not placed or not group.keys:
            continue
        placed.sort(key=lambda pb: pb[0])
        blocks = [b for _, b in placed]
        positions = np.fromiter((p for p, _ in placed), dtype=np.int64, count=len(placed))
        width = len(group.keys)
        commits = [b.commit for b in blocks]
        any_samples = any(b.samples is not None for b in blocks)
        mats = {name: float_matrix([getattr(b, name) for b in blocks], width)
                for name in ("values", "q25", "q75", "ci_a", "ci_b")}
        for j, key in enumerate(group.keys):
            cols = combination_columns(blocks, commits, positions, j, mats, any_samples)
            if cols is not None:
                parts.setdefault(key, []).append(cols)
    return [Series(key, result_set.unit_of(key.benchmark), columns=concatenated(parts[key]))
            for key in sorted(parts)]


def build_series(result_set: ResultSet, commit_order: list[str]) -> list[Series]:
    """One series per (machine, env, benchmark, params), in ``commit_order``.

    Measurements of commits outside ``commit_order`` (other branches) are left
    out; commits without a measurement leave a gap in ``position``."""
    with paused_gc():
        return series_from_results(result_set, commit_order)
