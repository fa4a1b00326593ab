"""Series as columns: one numpy array per field instead of one object per commit.

A history of 10,000 commits x 200 series is two million measurements; one
Python object each costs more than the whole analysis. :class:`~.model.series.SeriesColumns`
holds a series' points as parallel arrays (position, median, quartiles, asv
CI, whether the value comes from asv's stats) plus every point's samples in
one flat array (:class:`~.model.series.SampleRows`), and
:func:`series_from_results` builds them straight from the row groups of
:class:`~.results.ResultSet`: rows of files read in bulk are gathered from
its store's float columns (:class:`~.result_rows.BulkStore`), other rows'
``result`` column over all their files becomes one ``(files,
combinations)`` float matrix (null and NaN become NaN), and each
combination is a column of it. Points are made only when someone asks for
``Series.points``.

Per point (as :class:`~.series.Point` defines it): with recorded samples,
median and quartiles are numpy's linear quantiles of the finite samples;
without, asv's ``result`` and its ``stats_q_25``/``stats_q_75`` (the median
where those are missing), ``from_stats`` set. A combination with neither a
finite result nor a finite sample at a commit (skipped or failed) is no point.
"""
from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import Any

import numpy as np

from ..model.series import SampleRows, Series, SeriesColumns, SeriesKey, paused_gc
from .result_rows import FIELDS, BulkRow, BulkStore, RowBlock, sample_rows
from .results import ResultSet, RowGroup


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


def combination_columns(samples: SampleRows, commits: list[str], positions: np.ndarray,
                        j: int, mats: dict[str, np.ndarray]) -> SeriesColumns | None:
    """Combination ``j`` of a group's blocks (already in history order), from
    its samples and the float matrices of the blocks' other columns;
    ``commits`` are the blocks' commits, shared by every combination that has
    a point at each of them."""
    values = mats["values"][:, j]
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


class BulkColumns:
    """Where each file read in bulk lies in history, and its commit."""

    def __init__(self, store: BulkStore, position: dict[str, int]) -> None:
        self.store = store
        self.position = np.array([position.get(f.commit, -1) for f in store.files],
                                 dtype=np.int64)
        self.commit = np.array([f.commit for f in store.files] or [""], dtype=object)


def block_columns(blocks: Sequence[RowBlock], width: int
                  ) -> tuple[dict[str, np.ndarray], list[SampleRows]]:
    """The float matrices of row-by-row blocks, and each combination's samples."""
    _, _, values, samples, q25, q75, ci_a, ci_b = zip(*blocks)
    mats = {name: float_matrix(rows, width)
            for name, rows in zip(FIELDS, (values, q25, q75, ci_a, ci_b))}
    if any(s is not None for s in samples):
        combos = [sample_rows([s[j] if s is not None else None for s in samples])
                  for j in range(width)]
    else:
        combos = [SampleRows.empty(len(blocks))] * width
    return mats, combos


def group_columns(group: RowGroup, position: dict[str, int], bulk: BulkColumns
                  ) -> tuple[np.ndarray, dict[str, np.ndarray], list[SampleRows], np.ndarray]:
    """(positions, float matrices, each combination's samples, commits) of a
    group's blocks in reading order; rows read in bulk gathered from ``bulk``."""
    blocks, width = group.blocks, len(group.keys)
    if group.row_by_row == len(blocks):
        mats, combos = block_columns(blocks, width)
        commits = [b.commit for b in blocks]
        at = np.array([position.get(c, -1) for c in commits], dtype=np.int64)
        return at, mats, combos, np.array(commits, dtype=object)
    if group.row_by_row:                           # a file of this group read row by row
        is_bulk = np.fromiter((type(b) is BulkRow for b in blocks), dtype=bool,
                              count=len(blocks))
        where = np.flatnonzero(is_bulk)
        bulk_rows = [blocks[i] for i in where.tolist()]
    else:
        is_bulk = np.ones(len(blocks), dtype=bool)
        where, bulk_rows = np.arange(len(blocks)), blocks
    take = np.fromiter(map(itemgetter(1), bulk_rows), dtype=np.int64, count=where.size)
    fid = bulk.store.row_file[take]                # width 1: no parameters
    at = np.empty(len(blocks), dtype=np.int64)
    at[where] = bulk.position[fid]
    commits = np.empty(len(blocks), dtype=object)
    commits[where] = bulk.commit[fid]
    mats = {name: np.full((len(blocks), 1), np.nan) for name in FIELDS}
    for name in FIELDS:
        mats[name][where, 0] = bulk.store.arrays[name][take]
    samples = bulk.store.samples.take(take)
    if not is_bulk.all():                          # a file of this group read row by row
        slow = np.flatnonzero(~is_bulk)
        one = [blocks[i] for i in slow.tolist()]
        slow_mats, slow_samples = block_columns(one, 1)
        for name in FIELDS:
            mats[name][slow] = slow_mats[name]
        commits[slow] = [b.commit for b in one]
        at[slow] = [position.get(b.commit, -1) for b in one]
        samples = SampleRows.joined([samples, slow_samples[0]]).take(
            np.argsort(np.concatenate([where, slow]), kind="stable"))
    return at, mats, [samples], commits


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
    bulk = BulkColumns(result_set.bulk, position)
    parts: dict[SeriesKey, list[SeriesColumns]] = {}
    for group in result_set.groups.values():
        if not group.blocks or not group.keys:
            continue
        at, mats, combos, commits = group_columns(group, position, bulk)
        order = np.argsort(at, kind="stable")          # history order, reading order in ties
        order = order[at[order] >= 0]                  # commits outside the order left out
        if not order.size:
            continue
        in_order = commits[order].tolist()
        mats = {name: m[order] for name, m in mats.items()}
        for j, key in enumerate(group.keys):
            cols = combination_columns(combos[j].take(order), in_order, at[order], j, mats)
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
