"""Statistics the detector relies on, with numpy only (scipy is the test oracle).

Mann-Whitney U (two-sided)
    For samples ``a`` (size m) and ``b`` (size n), ``U = R_a - m(m+1)/2`` where
    ``R_a`` is the sum of the mid-ranks of ``a`` in the pooled sample. Under
    H0 (same distribution) ``E[U] = mn/2`` and, with tie groups of sizes
    ``t_k`` in the pooled sample of ``N = m+n`` values,
    ``Var[U] = mn/12 * ((N+1) - sum(t_k^3 - t_k) / (N(N-1)))``.

    * Exact p-value, used when the smaller sample has at most
      :data:`EXACT_MAX_SMALL` values. Without ties the number of arrangements giving
      each ``U`` is the coefficient of ``q^U`` in the Gaussian binomial
      ``[m+n choose m]_q = prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i)``, built one
      factor at a time (each partial product is itself a Gaussian binomial, so
      every intermediate polynomial has non-negative coefficients). The
      two-sided p is ``min(1, 2 * P(U' <= min(U, mn-U)))``, as scipy's.
      With ties it is the permutation distribution of the small sample's
      rank sum given the pooled mid-ranks: ``c[j][s]``, the number of ways
      to pick ``j`` of the pooled values with doubled-rank sum ``s``, is built
      one value at a time (a subset-sum count); the p-value is
      ``min(1, 2 * min(P(S <= s_obs), P(S >= s_obs)))``.
    * Otherwise the normal approximation with the tie-corrected variance and a
      continuity correction of 1/2: ``z = (|U - mn/2| - 1/2) / sqrt(Var)``,
      ``p = 2 * (1 - Phi(z)) = erfc(z / sqrt(2))``.

Benjamini-Hochberg
    Sort the m p-values ``p_(1) <= ... <= p_(m)``; with ``k`` the largest index
    such that ``p_(k) <= k * alpha / m``, reject the hypotheses of
    ``p_(1) .. p_(k)``. This controls the false discovery rate at ``alpha``
    for independent or positively dependent tests.

Bootstrap ratio of medians
    Resample ``before`` and ``after`` independently with replacement ``n``
    times, take ``median(after*) / median(before*)`` each time, and report the
    ``(1-level)/2`` and ``(1+level)/2`` percentiles (percentile interval).
"""
from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np

EXACT_MAX_SMALL = 10
EXACT_MAX_CELLS = 200_000
EXACT_MAX_TIED = 400


def median(values: np.ndarray) -> float:
    """``np.median`` of a 1-d array of finite floats, bit for bit (the sign of
    a zero included: numpy's mean adds to +0.0), without its overhead (the
    detector takes some hundred thousand medians of short arrays)."""
    n = values.size
    h = n // 2
    if n == 0:
        return math.nan
    if n % 2:
        return float(0.0 + np.partition(values, h)[h])
    part = np.partition(values, (h - 1, h))
    return float((0.0 + part[h - 1] + part[h]) / 2.0)


def row_medians(matrix: np.ndarray) -> np.ndarray:
    """``np.median(matrix, axis=1)`` of rows without NaN, bit for bit, from
    sorted rows (several times faster than its partition for short rows)."""
    half = matrix.shape[1] // 2
    ordered = np.sort(matrix, axis=1)
    if matrix.shape[1] % 2:
        return 0.0 + ordered[:, half]
    return (0.0 + ordered[:, half - 1] + ordered[:, half]) / 2.0


def midranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks with ties given the average of the ranks they span."""
    return ranks_and_ties(values)[0]


def ranks_and_ties(values: np.ndarray) -> tuple[np.ndarray, float]:
    """(:func:`midranks`, :func:`tie_term`) of ``values`` from one sort."""
    x = np.asarray(values, dtype=float)
    order = np.argsort(x, kind="mergesort")
    xs = x[order]
    n = xs.size
    if n == 0:
        return np.empty(0), 0.0
    new_group = np.empty(n, dtype=bool)
    new_group[0] = True
    np.not_equal(xs[1:], xs[:-1], out=new_group[1:])
    starts = np.flatnonzero(new_group)
    ranks = np.empty(n)
    if starts.size == n:                     # tie-free: rank i + 1, no tie term
        ranks[order] = np.arange(1.0, n + 1.0)
        return ranks, 0.0
    ends = np.append(starts[1:], n)
    avg = (starts + ends + 1) / 2.0          # mean of ranks start+1 .. end
    group_of = np.cumsum(new_group) - 1
    ranks[order] = avg[group_of]
    c = (ends - starts).astype(float)        # the tie groups in value order, as np.unique's
    return ranks, float(np.sum(c ** 3 - c))


def tie_term(values: np.ndarray) -> float:
    """``sum(t^3 - t)`` over the tie groups of ``values``."""
    return ranks_and_ties(values)[1]


def mann_whitney_u(a: Sequence[float], b: Sequence[float]) -> float:
    """The U statistic of ``a`` (number of pairs with a > b, ties count 1/2)."""
    x = np.asarray(a, dtype=float)
    y = np.asarray(b, dtype=float)
    ranks = midranks(np.concatenate([x, y]))
    m = x.size
    return float(ranks[:m].sum() - m * (m + 1) / 2.0)


def u_distribution(m: int, n: int) -> np.ndarray:
    """P(U = u) for u = 0..mn under H0 without ties (Gaussian binomial);
    symmetric in ``m`` and ``n``, so cached once per unordered pair."""
    return gaussian_binomial(m, n) if m <= n else gaussian_binomial(n, m)


@functools.lru_cache(maxsize=512)
def gaussian_binomial(small: int, large: int) -> np.ndarray:
    """:func:`u_distribution` for ``small <= large``."""
    size = small * large + 1
    coef = np.zeros(size)
    coef[0] = 1.0
    for i in range(1, small + 1):
        shift = large + i
        if shift < size:                        # multiply by (1 - q^(large+i))
            coef[shift:] -= coef[:size - shift].copy()
        pad = (-size) % i                       # divide by (1 - q^i): strided cumsum
        block = np.concatenate([coef, np.zeros(pad)]).reshape(-1, i)
        coef = np.cumsum(block, axis=0).reshape(-1)[:size]
        coef /= coef.max()                      # keep magnitudes bounded
    coef = np.clip(coef, 0.0, None)
    out = coef / coef.sum()
    out.flags.writeable = False          # cached: shared by every caller
    return out


def exact_tied_p(ranks: np.ndarray, small: int, *, first_is_small: bool) -> float:
    """Exact two-sided permutation p of the rank sum with ties (see module
    doc), from the pooled sample's mid-ranks."""
    doubled = np.rint(2.0 * ranks).astype(np.int64)
    total = ranks.size
    observed = doubled[:small].sum() if first_is_small else doubled[total - small:].sum()
    top = int(np.sort(doubled)[-small:].sum())
    counts = np.zeros((small + 1, top + 1))
    counts[0, 0] = 1.0
    for v in doubled:
        counts[1:, v:] += counts[:-1, :top + 1 - v]
    dist = counts[small] / counts[small].sum()
    lower = dist[:observed + 1].sum()
    upper = dist[observed:].sum()
    return float(min(1.0, 2.0 * min(lower, upper)))


def mann_whitney_p(a: Sequence[float], b: Sequence[float]) -> float:
    """Two-sided Mann-Whitney U p-value (exact when small and tie-free)."""
    x = np.asarray(a, dtype=float)
    y = np.asarray(b, dtype=float)
    m, n = x.size, y.size
    if m == 0 or n == 0:
        raise ValueError("mann_whitney_p needs two non-empty samples")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("mann_whitney_p needs finite values")
    pooled = np.concatenate([x, y])
    ranks, ties = ranks_and_ties(pooled)
    return ranked_p(ranks, ties, m)


def ranked_p(ranks: np.ndarray, ties: float, m: int) -> float:
    """:func:`mann_whitney_p` of the first ``m`` pooled values against the
    rest (finite values), from their pooled mid-ranks and tie term
    (:func:`ranks_and_ties`)."""
    n = ranks.size - m
    u = float(ranks[:m].sum() - m * (m + 1) / 2.0)
    if min(m, n) <= EXACT_MAX_SMALL and m * n <= EXACT_MAX_CELLS:
        if ties == 0.0:
            dist = u_distribution(m, n)
            k = int(round(min(u, m * n - u)))
            return float(min(1.0, 2.0 * dist[:k + 1].sum()))
        if m + n <= EXACT_MAX_TIED:
            return exact_tied_p(ranks, m if m <= n else n, first_is_small=m <= n)
    total = m + n
    var = m * n / 12.0 * ((total + 1) - ties / (total * (total - 1)))
    if var <= 0.0:
        return 1.0                               # every value equal: no evidence
    z = (abs(u - m * n / 2.0) - 0.5) / math.sqrt(var)
    if z <= 0.0:
        return 1.0
    return float(min(1.0, math.erfc(z / math.sqrt(2.0))))


def benjamini_hochberg(pvalues: Sequence[float], alpha: float) -> list[bool]:
    """Which hypotheses BH rejects at false discovery rate ``alpha``.

    NaN p-values are never rejected (they count in ``m``)."""
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    p = np.asarray(pvalues, dtype=float)
    m = p.size
    if m == 0:
        return []
    filled = np.where(np.isnan(p), np.inf, p)
    order = np.argsort(filled, kind="mergesort")
    crit = alpha * np.arange(1, m + 1) / m
    below = np.flatnonzero(filled[order] <= crit)
    reject = np.zeros(m, dtype=bool)
    if below.size:
        reject[order[:below[-1] + 1]] = True
    return reject.tolist()


def bootstrap_ratio_ci(before: Sequence[float], after: Sequence[float], *,
                       level: float, n: int, seed: int) -> tuple[float, float]:
    """Percentile bootstrap interval of ``median(after) / median(before)``."""
    x = np.asarray(before, dtype=float)
    y = np.asarray(after, dtype=float)
    if x.size == 0 or y.size == 0:
        raise ValueError("bootstrap_ratio_ci needs two non-empty samples")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level}")
    rng = np.random.default_rng(seed)
    medians = row_medians if not (np.isnan(x).any() or np.isnan(y).any()) else \
        (lambda m: np.median(m, axis=1))             # NaN: np.median's NaN rows
    mx = medians(x[rng.integers(0, x.size, size=(n, x.size))])
    my = medians(y[rng.integers(0, y.size, size=(n, y.size))])
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = my / mx
    lo, hi = np.quantile(ratios, [(1.0 - level) / 2.0, (1.0 + level) / 2.0])
    return float(lo), float(hi)


def robust_spread(values: np.ndarray) -> float:
    """Normalised MAD, ``1.4826 med |x - med x|``: the sd of normal data, robust
    to a minority of wild values; 0 for no values."""
    x = np.asarray(values, dtype=float)
    if not x.size or np.isnan(x).any():
        return 1.4826 * float(np.median(np.abs(x - np.median(x)))) if x.size else 0.0
    return 1.4826 * median(np.abs(x - median(x)))


def median_ratio(before: Sequence[float], after: Sequence[float]) -> float:
    """``median(after) / median(before)``, the size of a change; NaN (no
    ratio, never a ZeroDivisionError or an infinity) when either median is
    zero or not finite: a NaN ratio passes no size test."""
    x, y = np.asarray(before, dtype=float), np.asarray(after, dtype=float)
    if np.isnan(x).any() or np.isnan(y).any():
        return math.nan                          # np.median's NaN
    b, a = median(x), median(y)
    if not (math.isfinite(a) and math.isfinite(b)) or a == 0.0 or b == 0.0:
        return math.nan
    return a / b
