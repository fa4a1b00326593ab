"""Change points of one series: where a new level starts.

Timing series (binary segmentation on ranks)
    The input is ``y_i = log(level_i)`` (:func:`commit_levels`), one value
    per commit that has a measurement (failed or missing commits are simply
    absent, so they neither start nor end a level). Working on logs and on ranks makes the result
    invariant to the unit and to any scaling of the data, and ranks make one
    wild value count no more than any other high value.

    For a segment ``y[lo:hi]`` of length ``L`` with mid-ranks ``r`` (ranks
    within the segment), a split after ``t`` values has the Mann-Whitney
    statistic of the left part ``U_t = sum_{i<t} r_i - t(t+1)/2``, with mean
    ``t(L-t)/2`` and tie-corrected variance
    ``t(L-t)/12 * ((L+1) - sum(T^3-T)/(L(L-1)))``. Every admissible ``t``
    (``m <= t <= L-m`` with ``m`` the minimum segment length) is scored at once
    from the cumulative sum of ranks; the split goes where
    ``|z_t| = |U_t - E U_t| / sd(U_t)`` is largest, unless a split near
    either end (where the normal approximation behind ``z`` is poor) has a
    smaller exact p-value. The split is kept when the
    two-sided Mann-Whitney p-value of that split (exact for a short side), times
    the number of admissible splits (Bonferroni for having picked the best of
    them), is below ``split_alpha``; then both halves are segmented again.
    A short side needs very few values to be significant when it is cleanly
    separated (3 values after 97: p = 2/C(100,3)), which is what lets a step
    near the end of history be found early, while the minimum segment length
    ``m`` (3 by default) keeps a single-commit spike from ever forming a level.

    When no split of a whole segment is significant, the epidemic alternative
    is tried next (:func:`.splits.excursion_split`): a level that changes at ``a``
    and back at ``b``, ``m <= b - a <= excursion_max`` (64), tested by the Mann-Whitney
    statistic of the inside against the rest of the segment, every ``(a, b)``
    at once from the cumulative rank sum, Bonferroni over all of them. This
    finds a regression reverted a few commits later even at the end of
    history, where a single split leaves the old level on both sides.
    Failing that, windows of ``scan_widths`` (24 and then
    64) values at a stride of a quarter window are searched the same way
    (Bonferroni over every window and split): seeded binary segmentation
    (Kovacs et al. 2020) at two scales, which finds a short excursion, such as a regression reverted a few dozen
    commits later, that no single split of a long segment separates.

    One refinement pass then re-places each change point, within
    ``refine_reach`` (10) of where it was found and between its two neighbours, at the maximum-likelihood
    two-level fit under heavy-tailed (Cauchy) noise (see :func:`refine`): the
    standardised statistic finds *whether* there is a step well, but its
    variance weighting pulls the position towards the middle of the segment. Compare asv's
    ``step_detect`` (L1 Potts fit with an automatic penalty) and E-divisive
    (Matteson & James), as used by MongoDB and Apache Otava.

Instruction-count series
    Deterministic: a change point is every commit whose count differs from
    the previous measured commit's.
"""
from __future__ import annotations

import math

import numpy as np

from ..model.config import DetectorConfig
from ..model.series import SampleRows, Series
from .splits import best_split, excursion_split, ranked, seeded_split
from .stats import median

#: numpy sums an array of fewer values with eight running sums, a longer one
#: recursively in halves (:func:`part_costs` follows the first way only).
NUMPY_PAIRWISE_BLOCK = 128


def segment(y: np.ndarray, config: DetectorConfig) -> list[int]:
    """Indices into ``y`` where a new level starts (sorted, first excluded)."""
    return [k for k, _ in segment_with_p(y, config)]


def segment_with_p(y: np.ndarray, config: DetectorConfig) -> list[tuple[int, float]]:
    """(index, adjusted split p-value) of every change point, sorted by index.

    Settings from ``config``: ``min_segment``, ``split_alpha``, the window
    scan's ``scan_widths``, the longest excursion ``excursion_max``, and the
    refinement's ``refine_reach`` and ``window``."""
    min_segment, split_alpha = config.min_segment, config.split_alpha
    y = np.asarray(y, dtype=float)
    cps: list[tuple[int, float]] = []
    stack = [(0, y.size)]
    while stack:
        lo, hi = stack.pop()
        if hi - lo < 2 * min_segment:
            continue
        rk = ranked(y[lo:hi])                # ranked once for every kind of split
        k, p = best_split(rk, min_segment, split_alpha)
        if not (k and p < split_alpha):
            a, b, pe = excursion_split(rk, min_segment, config.excursion_max, split_alpha)
            if a and pe < split_alpha:
                cps.extend([(lo + a, pe), (lo + b, pe)])
                stack.extend([(lo, lo + a), (lo + a, lo + b), (lo + b, hi)])
                continue
        for width in config.scan_widths:
            if k and p < split_alpha:
                break
            k, p = seeded_split(rk, min_segment, width)
        if k and p < split_alpha:
            cps.append((lo + k, p))
            stack.append((lo, lo + k))
            stack.append((lo + k, hi))
    cps.sort()
    moved = refine(y, [k for k, _ in cps], min_segment, config.refine_reach, config.window)
    best: dict[int, float] = {}
    for k, (_, p) in zip(moved, cps):
        best[k] = min(p, best.get(k, 1.0))
    return sorted(best.items())


def cauchy_cost(part: np.ndarray, scale: float) -> float:
    """Negative log-likelihood (up to constants) of ``part`` around its median
    under Cauchy noise of ``scale``: ``sum log(1 + ((y - med) / scale)^2)``."""
    if not part.size:
        return 0.0
    r = (part - median(part)) / scale
    return float(np.log1p(r * r).sum())


def part_costs(y: np.ndarray, starts: np.ndarray, ends: np.ndarray,
               scale: float) -> np.ndarray:
    """``cauchy_cost(y[s:e], scale)`` of every part ``(s, e)`` (``0 <= s, e``) at once, bit
    for bit: the parts side by side in one matrix (medians from its sorted
    rows, as :func:`.stats.median` takes them), each row summed in the order
    numpy sums a short array (eight running sums over whole blocks of eight,
    combined pairwise, then the rest one by one; padding adds exact zeros).
    Parts of ``NUMPY_PAIRWISE_BLOCK`` values or more, which numpy sums
    recursively, go one at a time."""
    lengths = np.maximum(ends - starts, 0)
    width = int(lengths.max()) if lengths.size else 0
    if width == 0 or width >= NUMPY_PAIRWISE_BLOCK:
        return np.array([cauchy_cost(y[a:b], scale) for a, b in zip(starts.tolist(), ends.tolist())])
    rows = np.arange(lengths.size)
    inside = np.arange(width)[None, :] < lengths[:, None]
    values = y[np.where(inside, starts[:, None] + np.arange(width)[None, :], 0)]
    ordered = np.sort(np.where(inside, values, np.inf), axis=1)
    half = lengths // 2
    upper = ordered[rows, np.minimum(half, width - 1)]
    lower = ordered[rows, np.maximum(half - 1, 0)]
    med = np.where(lengths % 2 == 1, 0.0 + upper, (0.0 + lower + upper) / 2.0)
    med = np.where(lengths > 0, med, 0.0)[:, None]
    r = (np.where(inside, values, med) - med) / scale
    cell = np.log1p(r * r)                            # 0 outside each part
    full = lengths // 8 * 8                           # values in whole blocks of eight
    cols = np.arange(width + 8)
    padded = np.zeros((lengths.size, width + 8))      # the rest read past the end as 0
    padded[:, :width] = cell
    blocks = np.where(cols[None, :width] < full[:, None], cell, 0.0)
    sums = np.zeros((lengths.size, 8))
    for b in range(0, int(full.max()), 8):
        sums += blocks[:, b:b + 8]
    out = ((sums[:, 0] + sums[:, 1]) + (sums[:, 2] + sums[:, 3])) \
        + ((sums[:, 4] + sums[:, 5]) + (sums[:, 6] + sums[:, 7]))
    rest = padded[rows[:, None], full[:, None] + cols[None, :8]]   # at most seven, then 0
    for o in range(8):
        out = out + rest[:, o]
    return out


def noise_scale(y: np.ndarray) -> float:
    """Robust sd of commit-to-commit noise: MAD of first differences / (0.6745 sqrt 2)."""
    if y.size < 3:
        return 0.0
    return median(np.abs(np.diff(y))) / (0.6745 * math.sqrt(2.0))


def refine(y: np.ndarray, cps: list[int], min_segment: int, reach: int,
           window: int) -> list[int]:
    """Re-place each change point at the maximum-likelihood two-level fit nearby.

    Between its neighbours, within ``reach`` of where segmentation put it, the
    change point moves to the split ``t`` minimising
    ``sum rho(y - med(left)) + sum rho(y - med(right))`` over ``window``
    values each side, with ``rho(r) = log(1 + (r / s)^2)`` the Cauchy negative
    log-likelihood and ``s`` the robust commit-to-commit noise
    (:func:`noise_scale`); ties go to the split nearest the segmentation's.

    Why this loss: commit levels are Gaussian-like near their level but
    heavy-tailed (a busy machine makes a whole run slow), so the fit must
    neither let one spike move a level (a squared loss would) nor forget which
    level a far value is nearer to. ``rho`` grows only logarithmically, so a
    spike pulls no more than a few ordinary values, yet strictly, so a value
    is always attributed to the nearer of the two levels: a spike on the
    culprit of an upward step lies nearer the new level and starts it, a
    spike just before a downward step lies nearer the old level and ends it.
    A cost capped at a few sigma (a trimmed loss) gives both placements the
    same cost there and leaves the choice to noise in the medians, one commit
    off. The rank statistic of :func:`.splits.best_split` finds *whether* there is a
    step well, but its variance weighting pulls the position towards the
    middle of the segment; this fit is unbiased for a clean step."""
    scale = max(noise_scale(y), 1e-9)
    out = list(cps)
    for i, k in enumerate(out):
        lo = out[i - 1] if i > 0 else 0
        hi = out[i + 1] if i + 1 < len(out) else y.size
        first, last = max(lo + min_segment, k - reach), min(hi - min_segment, k + reach)
        best, best_cost = k, math.inf
        ts = np.arange(first, last + 1)
        left, right = np.full(ts.size, max(lo, k - window)), np.full(ts.size, min(hi, k + window))
        both = part_costs(y, np.concatenate([left, ts]), np.concatenate([ts, right]), scale)
        costs = both[:ts.size] + both[ts.size:]      # y[left:t] and y[t:right] for each t
        for t, cost in zip(ts.tolist(), costs.tolist()):
            if cost < best_cost - 1e-9 or (abs(cost - best_cost) <= 1e-9
                                           and abs(t - k) < abs(best - k)):
                best, best_cost = t, cost
        out[i] = nearest_level_start(y, best, lo + min_segment, hi - min_segment, min_segment)
    return out


def nearest_level_start(y: np.ndarray, k: int, first: int, last: int, width: int) -> int:
    """``k`` moved so that each boundary commit belongs to the nearer of its
    two local levels (the medians of ``width`` commits on either side of
    it, itself left out): the new level starts at its first commit. The
    Cauchy fit does that for a level that is flat; within a segment whose
    level creeps (a second step too small to split), the fit can instead
    trade a boundary commit for a better median, one commit off."""
    def nearer_new(j: int) -> bool:
        old = y[max(0, j - width):j]
        new = y[j + 1:j + 1 + width]
        if not (old.size and new.size):
            return False
        return abs(y[j] - median(new)) < abs(y[j] - median(old))

    while k - 1 >= first and nearer_new(k - 1):
        k -= 1
    while k + 1 <= last and not nearer_new(k) and k < y.size:
        k += 1
    return k


def segment_levels(y: np.ndarray, cps: list[int]) -> np.ndarray:
    """Each point's level: the median of its segment between change points."""
    level = np.empty_like(np.asarray(y, dtype=float))
    bounds = [0, *sorted(cps), len(y)]
    for a, b in zip(bounds[:-1], bounds[1:]):
        level[a:b] = median(y[a:b])
    return level


def exact_changes(values: np.ndarray) -> list[int]:
    """Indices where a deterministic series differs from its predecessor."""
    v = np.asarray(values, dtype=float)
    if v.size < 2:
        return []
    return [int(i) + 1 for i in np.flatnonzero(v[1:] != v[:-1])]


def log_levels(series: Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(indices of usable points, log of their medians): positive finite medians only."""
    med = np.asarray(series.medians if isinstance(series, Series) else series, dtype=float)
    ok = np.flatnonzero(np.isfinite(med) & (med > 0))
    return ok, np.log(med[ok])


def commit_levels(series: Series, trim: float) -> np.ndarray:
    """One level per commit: the exp of the ``trim``-trimmed mean of the log
    samples when samples were recorded (more efficient than their median for
    log-normal noise, as robust to a few wild samples), else asv's median."""
    cols = series.columns
    out = np.array(cols.medians, dtype=float)
    samples = cols.samples
    flat = samples if isinstance(samples, SampleRows) else None     # read from results
    sizes = flat.counts.copy() if flat is not None else \
        np.fromiter(map(len, samples), dtype=np.int64, count=len(samples))
    sizes[cols.from_stats] = 0
    for size in np.unique(sizes).tolist():
        if size < 3:
            continue
        rows = np.flatnonzero(sizes == size)
        block = flat.block(rows, size) if flat is not None else \
            np.array([samples[i] for i in rows.tolist()], dtype=float)
        if not np.all(block > 0):
            continue
        logs = np.sort(np.log(block), axis=1)
        cut = int(trim * size)
        out[rows] = np.exp(logs[:, cut:size - cut].mean(axis=1))
    return out


def change_points(series: Series, config: DetectorConfig, *, exact: bool = False) -> list[int]:
    """Indices into ``series.points`` where a new level starts (for plots);
    ``exact``: the series counts exactly (every change is one)."""
    if exact:
        return exact_changes(np.asarray(series.medians, dtype=float))
    idx, y = log_levels(commit_levels(series, config.level_trim))
    return [int(idx[k]) for k in segment(y, config)]
