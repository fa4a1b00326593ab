"""One segment's most significant split, three ways (the rule is in
:mod:`.changepoint`'s docstring): a single split (:func:`best_split`), a
level away and back (:func:`excursion_split`), and a split inside short
windows (:func:`seeded_split`).

All three rank the segment; :func:`ranked` does it once per segment
(:class:`Ranked`: mid-ranks, their cumulative sum, the tie term) for all
of them. Exact p-values of a short side come from the Gaussian binomial
(:func:`.stats.u_distribution`), whose cost grows with the segment; a
candidate is computed exactly only when :func:`edge_p_floor`, a lower bound
of its p-value, says it could still beat the best one so far and bring the
adjusted p-value below ``alpha``, the level the caller acts on. That bound
skips work only: whenever the answer is below ``alpha``, it is the split and
p-value a full search gives, bit for bit; otherwise it is only known not to
be below ``alpha``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from math import lgamma

import numpy as np

from .stats import EXACT_MAX_SMALL, ranked_p, ranks_and_ties, u_distribution


@dataclass(frozen=True)
class Ranked:
    """A segment with its mid-ranks, their cumulative sum and tie term."""

    seg: np.ndarray
    ranks: np.ndarray
    cumsum: np.ndarray
    ties: float               # sum(T^3 - T) over tie groups; 0: tie-free

    @property
    def tie_free(self) -> bool:
        return self.ties == 0.0


def ranked(seg: np.ndarray) -> Ranked:
    seg = np.asarray(seg, dtype=float)
    ranks, ties = ranks_and_ties(seg)
    return Ranked(seg, ranks, np.cumsum(ranks), ties)


def split_scores(rk: Ranked, min_segment: int) -> tuple[np.ndarray, np.ndarray]:
    """(split sizes t, |z_t|) for every admissible split of the segment."""
    n = rk.seg.size
    t = np.arange(min_segment, n - min_segment + 1)
    if t.size == 0:
        return t, np.empty(0)
    u = rk.cumsum[t - 1] - t * (t + 1) / 2.0
    var = t * (n - t) / 12.0 * ((n + 1) - rk.ties / (n * (n - 1)))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(var > 0, np.abs(u - t * (n - t) / 2.0) / np.sqrt(np.maximum(var, 1e-300)), 0.0)
    return t, z


def edge_p(u: float, k: int, n: int) -> float:
    """Exact two-sided Mann-Whitney p of a tie-free split with ``k`` values left."""
    dist = u_distribution(k, n - k)
    cells = k * (n - k)
    return float(min(1.0, 2.0 * dist[:int(round(min(u, cells - u))) + 1].sum()))


def edge_p_floor(u: float, k: int, n: int) -> float:
    """A lower bound of :func:`edge_p`. With ``s`` the smaller side and
    ``u' = min(U, s(n - s) - U)``, of the ``C(n, s)`` equally likely
    arrangements at least ``C(c + s, s)``, ``c = min(u' // s, n - s)``, give
    a U of at most ``u'`` (those whose ``s`` values each exceed at most ``c``
    of the others). The ratio of binomials comes from ``lgamma`` (relative
    error below 1e-9 up to ten million values); less a relative 1e-6, far
    above that and the rounding of the floating-point distribution (1e-14),
    so ``edge_p >= edge_p_floor``."""
    s = min(k, n - k)
    low = int(round(min(u, k * (n - k) - u)))
    c = min(low // s, n - s)
    log_ratio = lgamma(c + s + 1) - lgamma(c + 1) - lgamma(n + 1) + lgamma(n - s + 1)
    return min(1.0, 2.0 * math.exp(log_ratio)) * (1.0 - 1e-6)


def best_split(rk: Ranked, min_segment: int, alpha: float) -> tuple[int, float]:
    """(left size, Bonferroni-adjusted p) of the best split; (0, 1.0) if none.

    Candidates are the split of largest ``|z|`` and, for tie-free data, every
    split leaving at most ``EXACT_MAX_SMALL`` values on one side, where the
    normal approximation behind ``z`` is poor and the exact p-value is used;
    the candidate of smallest p-value wins. The edge splits are skipped
    when the ``|z|`` split's adjusted p is already below ``alpha`` (its
    position is refined later anyway), and each is computed only when it
    could bring the adjusted p below ``alpha`` (see the module docstring)."""
    n = rk.seg.size
    t, z = split_scores(rk, min_segment)
    if t.size == 0 or not np.any(z > 0):
        return 0, 1.0
    best_k = int(t[int(np.argmax(z))])
    best_p = ranked_p(rk.ranks, rk.ties, best_k)
    if best_p * t.size >= alpha and rk.tie_free:
        cs = rk.cumsum
        needed = alpha / t.size
        for k in t[(t <= EXACT_MAX_SMALL) | (t >= n - EXACT_MAX_SMALL)].tolist():
            u = cs[k - 1] - k * (k + 1) / 2.0
            if edge_p_floor(u, k, n) >= min(best_p, needed):
                continue                          # not smaller, or not significant
            p = edge_p(u, k, n)
            if p < best_p:
                best_k, best_p = k, p
    return best_k, min(1.0, best_p * t.size)


def window_scores(windows: np.ndarray, min_segment: int, tie_free: bool = False
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(split sizes t, |z| per window and t, mid-ranks and tie term of each
    window) for many equal-length windows at once.

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
    return t, z, ranks, ties


def seeded_split(rk: Ranked, min_segment: int, width: int) -> tuple[int, float]:
    """Best split inside windows of ``width`` at a stride of ``width/4``.

    Catches a short excursion (a regression reverted a few commits later)
    that no split of the whole segment separates. The p-value is Bonferroni
    adjusted for every (window, split) pair looked at."""
    seg = rk.seg
    n = seg.size
    if n <= width:
        return 0, 1.0
    starts = sorted(set(range(0, n - width + 1, max(1, width // 4))) | {n - width})
    windows = np.stack([seg[s:s + width] for s in starts])
    t, z, ranks, ties = window_scores(windows, min_segment, tie_free=rk.tie_free)
    if t.size == 0 or not np.any(z > 0):
        return 0, 1.0
    row, col = np.unravel_index(int(np.argmax(z)), z.shape)
    s, k = starts[row], int(t[col])
    # mann_whitney_p(seg[s:s + k], seg[s + k:s + width]) from the window's own ranks
    p = ranked_p(ranks[row], float(ties[row]), k) * t.size * len(starts)
    return s + k, min(1.0, p)


def excursion_split(rk: Ranked, min_segment: int, max_len: int,
                    alpha: float) -> tuple[int, int, float]:
    """(start, end, Bonferroni-adjusted p) of the most significant excursion.

    The epidemic alternative (Levin & Kline 1985): the level changes at ``a``
    and changes back at ``b``, a regression reverted a few commits later.
    One split of the segment cannot separate it (both sides hold the old
    level), so for every inside length ``m = b - a`` (``min_segment`` to
    ``max_len``) and start ``a`` (``min_segment`` values outside on either
    side) the Mann-Whitney statistic of the inside against the rest is
    ``U = sum_{a<=i<b} r_i - m(m+1)/2``, from the cumulative rank sum, every
    ``(m, a)`` at once, standardised as in :func:`split_scores`. For each
    short length (exact p-values) and for the longer ones together the
    largest ``|z|`` is tested (the first of equal ones: shorter, then
    earlier); the best p-value is multiplied by the number of ``(a, m)``
    pairs. Exact when below ``alpha`` (see the module docstring)."""
    n = rk.seg.size
    longest = min(max_len, n - 2 * min_segment)
    if longest < min_segment:
        return 0, 0, 1.0
    ties = rk.ties
    m = np.arange(min_segment, longest + 1)[:, None]          # one row per inside length
    a = np.arange(min_segment, n - 2 * min_segment + 1)[None, :]
    last = n - min_segment - m                                 # each row's last start
    tried = int(np.sum(last - min_segment + 1))
    spread = (n + 1) - ties / (n * (n - 1))
    if not m[0, 0] * (n - m[0, 0]) / 12.0 * spread > 0:
        return 0, 0, 1.0                                       # every value equal
    cs0 = np.concatenate([[0.0], rk.cumsum])
    end = a + m
    beyond = end > n - min_segment                             # a > last: no such start
    np.minimum(end, n, out=end)
    u = cs0[end]
    u -= cs0[a]
    u -= m * (m + 1) / 2.0
    dev = u - m * (n - m) / 2.0                                # |U - E U|, exact: ranks
    np.abs(dev, out=dev)                                       # are half-integers, so
    dev[beyond] = -1.0                                         # one sd per row keeps the
    col = np.argmax(dev, axis=1)                               # order of |z| and its ties
    rows = np.arange(col.size)
    var = m * (n - m) / 12.0 * spread
    z_best = dev[rows, col] / np.sqrt(var[:, 0])
    u_best, a_best = u[rows, col], a[0, col]
    lengths = m[:, 0]
    exact = (lengths <= EXACT_MAX_SMALL) & (ties == 0.0)
    p_long, long_pick = math.inf, None
    if not exact.all():
        i = int(np.flatnonzero(~exact)[int(np.argmax(z_best[~exact]))])
        if z_best[i] > 0:
            mi = int(lengths[i])
            long_pick = (int(a_best[i]), mi)
            p_long = math.erfc(max(0.0, float(z_best[i]) - 0.5 / math.sqrt(
                mi * (n - mi) / 12.0 * ((n + 1) - ties / (n * (n - 1))))) / math.sqrt(2.0))
    best = (0, 0, 1.0)
    for i in np.flatnonzero(exact).tolist():                   # shorter lengths first
        if not z_best[i] > 0:
            continue
        mi, u0 = int(lengths[i]), float(u_best[i])
        floor = edge_p_floor(u0, mi, n)
        if floor >= best[2] or floor > p_long or floor * tried >= alpha:
            continue                              # not the first smallest, or not significant
        p = edge_p(u0, mi, n)                     # exact, as mann_whitney_p would
        if p < best[2]:
            best = (int(a_best[i]), int(a_best[i]) + mi, p)
    if long_pick is not None and p_long < best[2]:
        best = (long_pick[0], long_pick[0] + long_pick[1], p_long)
    a0, b0, p = best
    return a0, b0, min(1.0, p * max(tried, 1))
