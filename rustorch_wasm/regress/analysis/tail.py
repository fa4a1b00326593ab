"""A step in the newest commits: the test that reports it at once.

Binary segmentation needs ``min_segment`` commits on each side of a change
point and a search-adjusted p-value below ``split_alpha``, so a step in the
last one to three commits of a history cannot be a change point yet. This
module tests that tail directly, with the evidence the history gives.

Let ``y_0 .. y_{n-1}`` be the series' commit levels in badness terms (``log``
of the value, negated when higher is better; see ``direction``), ``c`` the
start of its last level (the last change point the segmentation kept, 0 if
none), ``J`` the tail reach and ``W`` the test window. For each possible
first changed commit ``k`` with ``max(c + m, n - J) <= k <= n - 1`` (``m`` =
``min_segment`` commits of the old level at least):

* ``B = y[max(c, n - J - W) : k]`` (the old level, ``n_b`` commits; one
  span for every ``k``, so that their costs below compare) and
  ``T = y[k : n]`` (the ``j = n - k`` newest commits);
* ``d = med(T) - med(B)``, the log ratio of the new level to the old;
* the commit-to-commit noise of the series itself,
  ``s = max(MAD(diff y) / (0.6745 sqrt 2), 1.4826 MAD(B))`` over the old
  level's history: run-level noise, which holds the host's minute-to-minute
  changes and not only the within-run spread of one commit's samples;
* ``se = s sqrt(e_j / j + e_b / n_b)`` with ``e = 1`` for one or two values
  and ``pi/2`` (the variance of a median) for more;
* ``z = d / se`` and the two-sided p-value ``erfc(|z| / sqrt 2)``, times the
  number of positions ``k`` considered (Bonferroni for choosing ``k``).

Which ``k``: every commit of ``T`` must lie beyond half the size guard
(``|y_i - med(B)| >= log(1 + guard t) / 2`` on the side of ``d``) when
``j <= 2``, and the newest commit and ``med(T)`` must when ``j >= 3``, so that
a spike that came back (a high commit followed by ordinary ones) is never a
tail; among those, ``k`` minimises the two-level Cauchy cost of
:func:`~.changepoint.cauchy_cost` (each side around its median, scale
``s``), as :func:`~.changepoint.refine` places every other change point:
the newest commit that is still at the old level ends it.

The interval of the ratio is ``exp(d +- z_{(1+level)/2} se)``. A tail step
rests on ``j`` commits (``commits_after``); at ``j = 1`` it is
indistinguishable from a one-commit spike of the host, which is why such a
finding is reported *unconfirmed* until re-measured.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .changepoint import cauchy_cost, noise_scale
from .stats import median, robust_spread

MEDIAN_EFFICIENCY = math.pi / 2.0


@dataclass(frozen=True)
class TailStep:
    """The best tail split of one series, in index terms of its levels."""

    k: int            # first changed level
    j: int            # levels after it (commits of evidence)
    d: float          # log ratio, badness terms
    se: float         # its standard error
    p_value: float    # Bonferroni-adjusted over the positions tried
    lo: int           # first index of the old level used
    tried: int = 1    # positions considered

    def interval(self, level: float) -> tuple[float, float]:
        z = normal_quantile((1.0 + level) / 2.0)
        return math.exp(self.d - z * self.se), math.exp(self.d + z * self.se)


def normal_quantile(q: float) -> float:
    """Inverse of the standard normal CDF (Acklam's rational approximation,
    relative error < 1.2e-9, refined by one Newton step)."""
    if not 0.0 < q < 1.0:
        raise ValueError("quantile needs 0 < q < 1")
    a = (-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
         1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00)
    b = (-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
         6.680131188771972e+01, -1.328068155288572e+01)
    c = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
         -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00)
    e = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
         3.754408661907416e+00)
    if q < 0.02425:
        r = math.sqrt(-2.0 * math.log(q))
        x = (((((c[0] * r + c[1]) * r + c[2]) * r + c[3]) * r + c[4]) * r + c[5]) / \
            ((((e[0] * r + e[1]) * r + e[2]) * r + e[3]) * r + 1.0)
    elif q > 1.0 - 0.02425:
        return -normal_quantile(1.0 - q)
    else:
        r = (q - 0.5) ** 2
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * (q - 0.5) / \
            (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0)
    err = 0.5 * math.erfc(-x / math.sqrt(2.0)) - q
    return x - err * math.sqrt(2.0 * math.pi) * math.exp(x * x / 2.0)


def _efficiency(size: int) -> float:
    return 1.0 if size <= 2 else MEDIAN_EFFICIENCY


def tail_noise(y: np.ndarray, start: int, end: int) -> float:
    """Commit-to-commit noise of ``y[start:end]`` (see the module docstring)."""
    part = y[start:end]
    if part.size < 3:
        return 0.0
    return max(noise_scale(part), robust_spread(part))


def tail_step(y: np.ndarray, last_cp: int, *, min_segment: int, reach: int, window: int,
              half_guard: float, floor: float) -> TailStep | None:
    """The tail split of ``y`` after its last change point ``last_cp``, or None."""
    y = np.asarray(y, dtype=float)
    n = y.size
    first = max(last_cp + min_segment, n - reach)
    if first > n - 1:
        return None
    lo_all = max(last_cp, first - window)
    scale = max(tail_noise(y, lo_all, first), floor)
    best: tuple[float, int] | None = None
    tried = 0
    for k in range(first, n):
        tried += 1
        before, tail = y[lo_all:k], y[k:]       # one span for every k: comparable costs
        ref = median(before)
        d = median(tail) - ref
        side = 1.0 if d >= 0 else -1.0
        if tail.size <= 2:
            ok = bool(np.all(side * (tail - ref) >= half_guard))
        else:
            ok = side * d >= half_guard and side * (tail[-1] - ref) >= half_guard
        if not ok:
            continue
        cost = cauchy_cost(before, scale) + cauchy_cost(tail, scale)
        if best is None or cost < best[0] - 1e-9:
            best = (cost, k)
    if best is None:
        return None
    k = best[1]
    lo = lo_all
    before, tail = y[lo:k], y[k:]
    d = median(tail) - median(before)
    se = scale * math.sqrt(_efficiency(tail.size) / tail.size
                           + _efficiency(before.size) / before.size)
    p = min(1.0, math.erfc(abs(d) / se / math.sqrt(2.0)) * tried)
    return TailStep(k, n - k, d, se, p, lo, tried)


def shifted(step: TailStep, shift: float) -> TailStep:
    """The tail step judged against a shared log shift ``shift``."""
    d = step.d - shift
    p = min(1.0, math.erfc(abs(d) / step.se / math.sqrt(2.0)) * step.tried)
    return TailStep(step.k, step.j, d, step.se, p, step.lo, step.tried)
