"""Series as columns: one numpy array per field instead of one object per commit.

A history of 10,000 commits x 200 series is two million measurements; one
Python object each costs more than the whole analysis. :class:`~.model.series.SeriesColumns`
holds a series' points as parallel arrays (position, median, quartiles, asv
CI, whether the value comes from asv's stats) plus every point's samples in
one NaN-padded matrix (:class:`~.model.series.SampleRows`, converted once per
sample count, not per point), and :func:`series_from_results` builds them straight from the row
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

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..model.series import SampleRows, Series, SeriesColumns, SeriesKey, paused_gc
from .results import ResultSet


def float_matrix(rows: Sequence[list[Any] | None], width: int) -> np.ndarray:
    """Validated rows of numbers/null as a float matrix; absent rows are NaN."""
    if all(r is None for r in rows):
        return np.full((len(rows), width), np.nan)
    if width == 1:                       # one combination: one flat conversion
        out = np.array([r[0] if r is not None else None for r in rows], dtype=float)
    else:
        filler = [None] * width
        out = np.array([r if r is not None else filler for r in rows], dtype=float)
    out = out.reshape(len(rows), width)
    out[~np.isfinite(out)] = np.nan
    return out


def sample_rows(raws: list[list[Any] | None]) -> SampleRows:
    """The finite samples of each validated entry (null or empty: none), in
    recorded order: one conversion per sample count instead of a tuple per
    entry."""
    n = len(raws)
    lengths = np.array([len(r) if r else 0 for r in raws], dtype=np.int64)
    counts = np.zeros(n, dtype=np.int64)
    sizes = np.unique(lengths).tolist()
    if len(sizes) == 1 and sizes[0] > 0:           # the usual history: one count throughout
        block = np.array(raws, dtype=float).reshape(n, sizes[0])
        if np.isfinite(block).all():
            return SampleRows(block, np.full(n, sizes[0], dtype=np.int64))
    matrix = np.full((n, int(lengths.max()) if n else 0), np.nan)
    for size in (z for z in sizes if z > 0):
        rows = np.flatnonzero(lengths == size)
        block = np.array([raws[i] for i in rows.tolist()], dtype=float).reshape(rows.size, size)
        finite = np.isfinite(block)                    # null, NaN and +-Infinity are dropped
        whole = finite.all(axis=1)
        matrix[rows[whole], :size] = block[whole]
        counts[rows[whole]] = size
        for r in np.flatnonzero(~whole).tolist():
            kept = block[r][finite[r]]
            matrix[rows[r], :kept.size] = kept
            counts[rows[r]] = kept.size
    return SampleRows(matrix, counts)


def combination_columns(sample_column: Sequence[list[Any] | None], commits: list[str],
                        positions: np.ndarray, j: int, mats: dict[str, np.ndarray],
                        any_samples: bool) -> SeriesColumns | None:
    """Combination ``j`` of a group's blocks (already in history order), from
    their ``samples`` cells and the float matrices of their other columns;
    ``commits`` are the blocks' commits, shared by every combination that has
    a point at each of them."""
    values = mats["values"][:, j]
    if any_samples:
        samples = sample_rows([s[j] if s is not None else None for s in sample_column])
    else:
        samples = SampleRows.empty(len(sample_column))
    has_samples = samples.counts > 0
    keep = np.flatnonzero(np.isfinite(values) | has_samples)
    if not keep.size:
        return None
    if keep.size == len(commits):
        kept_commits = commits
    else:
        kept_commits = [commits[i] for i in keep]
        samples = samples.take(keep)
    medians = values[keep].copy()
    q25 = mats["q25"][keep, j].copy()
    q75 = mats["q75"][keep, j].copy()
    stats = ~has_samples[keep]
    q25 = np.where(stats & np.isnan(q25), medians, q25)
    q75 = np.where(stats & np.isnan(q75), medians, q75)
    sizes = samples.counts.copy()
    sizes[stats] = 0
    for size in np.unique(sizes[sizes > 0]).tolist():
        rows = np.flatnonzero(sizes == size)
        block = samples.block(rows, size)
        q25[rows], medians[rows], q75[rows] = np.quantile(block, [0.25, 0.5, 0.75], axis=1)
    return SeriesColumns(kept_commits, positions[keep], medians, q25, q75,
                         stats, mats["ci_a"][keep, j], mats["ci_b"][keep, j], samples)


def concatenated(parts: list[SeriesColumns]) -> SeriesColumns:
    """Several parts of one key merged and ordered by position (stable)."""
    if len(parts) == 1:
        return parts[0]
    positions = np.concatenate([p.positions for p in parts])
    order = np.argsort(positions, kind="stable")
    commits = [c for p in parts for c in p.commits]
    if all(isinstance(p.samples, SampleRows) for p in parts):
        samples: Any = SampleRows.joined([p.samples for p in parts]).take(order)
    else:
        every = [s for p in parts for s in p.samples]
        samples = [every[i] for i in order]

    def cat(name: str) -> np.ndarray:
        return np.concatenate([getattr(p, name) for p in parts])[order]

    return SeriesColumns([commits[i] for i in order], positions[order], cat("medians"),
                         cat("q25"), cat("q75"), cat("from_stats"), cat("ci_lo"), cat("ci_hi"),
                         samples)


def series_from_results(result_set: ResultSet, commit_order: list[str]) -> list[Series]:
    """One columnar series per (machine, env, benchmark, params), sorted by key;
    blocks of commits outside ``commit_order`` are left out."""
    position = {sha: i for i, sha in enumerate(commit_order)}
    parts: dict[SeriesKey, list[SeriesColumns]] = {}
    for group in result_set.groups.values():
        if not group.blocks or not group.keys:
            continue
        at = np.array([position.get(b.commit, -1) for b in group.blocks], dtype=np.int64)
        order = np.argsort(at, kind="stable")
        order = order[at[order] >= 0]                  # commits outside the order left out
        if not order.size:
            continue
        positions = at[order]
        # the blocks' columns (RowBlock's fields), in history order
        commits, _, values, samples, q25, q75, ci_a, ci_b = \
            zip(*map(group.blocks.__getitem__, order.tolist()))
        width = len(group.keys)
        any_samples = any(s is not None for s in samples)
        mats = {"values": float_matrix(values, width), "q25": float_matrix(q25, width),
                "q75": float_matrix(q75, width), "ci_a": float_matrix(ci_a, width),
                "ci_b": float_matrix(ci_b, width)}
        for j, key in enumerate(group.keys):
            cols = combination_columns(samples, list(commits), positions, j, mats, any_samples)
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
