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
    is tried next (:func:`excursion_split`): a level that changes at ``a``
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
from ..model.series import Series
from .stats import EXACT_MAX_SMALL, mann_whitney_p, midranks, u_distribution


def split_scores(seg: np.ndarray, min_segment: int) -> tuple[np.ndarray, np.ndarray]:
    """(split sizes t, |z_t|) for every admissible split of ``seg``."""
    n = seg.size
    t = np.arange(min_segment, n - min_segment + 1)
    if t.size == 0:
        return t, np.empty(0)
    r = midranks(seg)
    cs = np.cumsum(r)
    u = cs[t - 1] - t * (t + 1) / 2.0
    _, counts = np.unique(seg, return_counts=True)
    c = counts.astype(float)
    ties = float(np.sum(c ** 3 - c))
    var = t * (n - t) / 12.0 * ((n + 1) - ties / (n * (n - 1)))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(var > 0, np.abs(u - t * (n - t) / 2.0) / np.sqrt(np.maximum(var, 1e-300)), 0.0)
    return t, z


def edge_p(u: float, k: int, n: int) -> float:
    """Exact two-sided Mann-Whitney p of a tie-free split with ``k`` values left."""
    dist = u_distribution(k, n - k)
    cells = k * (n - k)
    return float(min(1.0, 2.0 * dist[:int(round(min(u, cells - u))) + 1].sum()))


def best_split(seg: np.ndarray, min_segment: int, enough: float) -> tuple[int, float]:
    """(left size, Bonferroni-adjusted p) of the best split; (0, 1.0) if none.

    Candidates are the split of largest ``|z|`` and, for tie-free data, every
    split leaving at most ``EXACT_MAX_SMALL`` values on one side, where the
    normal approximation behind ``z`` is poor and the exact p-value is used;
    the candidate of smallest p-value wins. The edge splits are skipped
    when the ``|z|`` split's adjusted p is already below ``enough`` (its
    position is refined later anyway); ``enough = 0`` always tries them."""
    n = seg.size
    t, z = split_scores(seg, min_segment)
    if t.size == 0 or not np.any(z > 0):
        return 0, 1.0
    best_k = int(t[int(np.argmax(z))])
    best_p = mann_whitney_p(seg[:best_k], seg[best_k:])
    if best_p * t.size >= enough and np.unique(seg).size == n:
        cs = np.cumsum(midranks(seg))
        for k in t[(t <= EXACT_MAX_SMALL) | (t >= n - EXACT_MAX_SMALL)]:
            k = int(k)
            p = edge_p(cs[k - 1] - k * (k + 1) / 2.0, k, n)
            if p < best_p:
                best_k, best_p = k, p
    return best_k, min(1.0, best_p * t.size)


def window_scores(windows: np.ndarray, min_segment: int,
                  tie_free: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(split sizes t, |z| per window and t) for many equal-length windows at once.

    Mid-ranks inside each window come from pairwise comparisons
    (``r_i = #{x_j < x_i} + (#{x_j = x_i} + 1) / 2``), ties from the equal counts
    (``sum_groups (T^3 - T) = sum_i (c_i^2 - 1)``)."""
    k, w = windows.shape
    t = np.arange(min_segment, w - min_segment + 1)
    if tie_free:                                   # plain ranks, O(w log w) per window
        ranks = np.argsort(np.argsort(windows, axis=1), axis=1) + 1.0
        ties = np.zeros(k)
    else:
        less = (windows[:, None, :] < windows[:, :, None]).sum(axis=2)
        equal = (windows[:, None, :] == windows[:, :, None]).sum(axis=2)
        ranks = less + (equal + 1) / 2.0
        ties = (equal.astype(float) ** 2 - 1.0).sum(axis=1)
    u = np.cumsum(ranks, axis=1)[:, t - 1] - t * (t + 1) / 2.0
    var = t * (w - t) / 12.0 * ((w + 1) - ties[:, None] / (w * (w - 1)))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(var > 0, np.abs(u - t * (w - t) / 2.0) / np.sqrt(np.maximum(var, 1e-300)),
                     0.0)
    return t, z


def seeded_split(seg: np.ndarray, min_segment: int, width: int) -> tuple[int, float]:
    """Best split inside windows of ``width`` at a stride of ``width/4``.

    Catches a short excursion (a regression reverted a few commits later)
    that no split of the whole segment separates. The p-value is Bonferroni
    adjusted for every (window, split) pair looked at."""
    n = seg.size
    if n <= width:
        return 0, 1.0
    starts = sorted(set(range(0, n - width + 1, max(1, width // 4))) | {n - width})
    windows = np.stack([seg[s:s + width] for s in starts])
    t, z = window_scores(windows, min_segment, tie_free=np.unique(seg).size == n)
    if t.size == 0 or not np.any(z > 0):
        return 0, 1.0
    row, col = np.unravel_index(int(np.argmax(z)), z.shape)
    s, k = starts[row], int(t[col])
    p = mann_whitney_p(seg[s:s + k], seg[s + k:s + width]) * t.size * len(starts)
    return s + k, min(1.0, p)


def excursion_split(seg: np.ndarray, min_segment: int,
                    max_len: int) -> tuple[int, int, float]:
    """(start, end, Bonferroni-adjusted p) of the most significant excursion.

    The epidemic alternative (Levin & Kline 1985): the level changes at ``a``
    and changes back at ``b``, a regression reverted a few commits later.
    One split of the segment cannot separate it (both sides hold the old
    level), so for every inside length ``m = b - a`` (``min_segment`` to
    ``max_len``) and start ``a`` (``min_segment`` values outside on either
    side) the Mann-Whitney statistic of the inside against the rest is
    ``U = sum_{a<=i<b} r_i - m(m+1)/2``, from the cumulative rank sum at once,
    standardised as in :func:`split_scores`. For each short length (exact
    p-values) and for the longer ones together the largest ``|z|`` is tested;
    the best p-value is multiplied by the number of ``(a, m)`` pairs."""
    n = seg.size
    longest = min(max_len, n - 2 * min_segment)
    if longest < min_segment:
        return 0, 0, 1.0
    r = midranks(seg)
    cs0 = np.concatenate([[0.0], np.cumsum(r)])
    _, counts = np.unique(seg, return_counts=True)
    c = counts.astype(float)
    ties = float(np.sum(c ** 3 - c))
    tried = 0
    picks: list[tuple[float, int, int, float]] = []       # (|z|, a, m, U)
    best_long: tuple[float, int, int, float] = (0.0, 0, 0, 0.0)
    for m in range(min_segment, longest + 1):
        a = np.arange(min_segment, n - min_segment - m + 1)
        tried += a.size
        u = cs0[a + m] - cs0[a] - m * (m + 1) / 2.0
        var = m * (n - m) / 12.0 * ((n + 1) - ties / (n * (n - 1)))
        if var <= 0:
            continue
        z = np.abs(u - m * (n - m) / 2.0) / math.sqrt(var)
        i = int(np.argmax(z))
        pick = (float(z[i]), int(a[i]), m, float(u[i]))
        if m <= EXACT_MAX_SMALL and ties == 0.0:
            picks.append(pick)
        elif pick[0] > best_long[0]:
            best_long = pick
    if best_long[2]:
        picks.append(best_long)
    best = (0, 0, 1.0)
    for z_abs, a0, m, u0 in picks:
        if z_abs <= 0:
            continue
        if m <= EXACT_MAX_SMALL and ties == 0.0:
            p = edge_p(u0, m, n)                  # exact, as mann_whitney_p would
        else:                                     # its normal approximation
            p = math.erfc(max(0.0, z_abs - 0.5 / math.sqrt(
                m * (n - m) / 12.0 * ((n + 1) - ties / (n * (n - 1))))) / math.sqrt(2.0))
        if p < best[2]:
            best = (a0, a0 + m, p)
    a0, b0, p = best
    return a0, b0, min(1.0, p * max(tried, 1))


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
        k, p = best_split(y[lo:hi], min_segment, split_alpha)
        if not (k and p < split_alpha):
            a, b, pe = excursion_split(y[lo:hi], min_segment, config.excursion_max)
            if a and pe < split_alpha:
                cps.extend([(lo + a, pe), (lo + b, pe)])
                stack.extend([(lo, lo + a), (lo + a, lo + b), (lo + b, hi)])
                continue
        for width in config.scan_widths:
            if k and p < split_alpha:
                break
            k, p = seeded_split(y[lo:hi], min_segment, width)
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
    r = (part - np.median(part)) / scale
    return float(np.log1p(r * r).sum())


def noise_scale(y: np.ndarray) -> float:
    """Robust sd of commit-to-commit noise: MAD of first differences / (0.6745 sqrt 2)."""
    if y.size < 3:
        return 0.0
    return float(np.median(np.abs(np.diff(y))) / (0.6745 * math.sqrt(2.0)))


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
    off. The rank statistic of :func:`best_split` finds *whether* there is a
    step well, but its variance weighting pulls the position towards the
    middle of the segment; this fit is unbiased for a clean step."""
    scale = max(noise_scale(y), 1e-9)
    out = list(cps)
    for i, k in enumerate(out):
        lo = out[i - 1] if i > 0 else 0
        hi = out[i + 1] if i + 1 < len(out) else y.size
        first, last = max(lo + min_segment, k - reach), min(hi - min_segment, k + reach)
        best, best_cost = k, math.inf
        for t in range(first, last + 1):
            cost = (cauchy_cost(y[max(lo, k - window):t], scale)
                    + cauchy_cost(y[t:min(hi, k + window)], scale))
            if cost < best_cost - 1e-9 or (abs(cost - best_cost) <= 1e-9
                                           and abs(t - k) < abs(best - k)):
                best, best_cost = t, cost
        out[i] = best
    return out


def segment_levels(y: np.ndarray, cps: list[int]) -> np.ndarray:
    """Each point's level: the median of its segment between change points."""
    level = np.empty_like(np.asarray(y, dtype=float))
    bounds = [0, *sorted(cps), len(y)]
    for a, b in zip(bounds[:-1], bounds[1:]):
        level[a:b] = np.median(y[a:b])
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
    sizes = np.fromiter(map(len, cols.samples), dtype=np.int64, count=len(cols.samples))
    sizes[cols.from_stats] = 0
    for size in np.unique(sizes).tolist():
        if size < 3:
            continue
        rows = np.flatnonzero(sizes == size)
        block = np.array([cols.samples[i] for i in rows.tolist()], dtype=float)
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
