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
* ``z = d / se`` and the two-sided p-value of Student's t with ``n_b - 1``
  degrees of freedom (:mod:`.student_t`: ``s`` is estimated from the old
  level's ``n_b`` commits, so a change resting on one commit of a short,
  quiet history gets no 1e-89), times the number of positions ``k``
  considered (Bonferroni for choosing ``k``).

Which ``k``: every commit of ``T`` must lie beyond half the size guard
(``|y_i - med(B)| >= log(1 + guard t) / 2`` on the side of ``d``) when
``j <= 2``, and the newest commit and ``med(T)`` must when ``j >= 3``, so that
a spike that came back (a high commit followed by ordinary ones) is never a
tail; among those, ``k`` minimises the two-level Cauchy cost of
:func:`~.changepoint.cauchy_cost` (each side around its median, scale
``s``), as :func:`~.changepoint.refine` places every other change point:
the newest commit that is still at the old level ends it. When that
commit is the first of the reach, the search goes on backwards while the
cost falls (a level that began before the reach, in a history too short or
too noisy for the segmentation to split): the change is placed on the
first commit of the new level, the noise ``s`` is then re-estimated on the
old level alone, and every position tried counts in the Bonferroni factor.

The interval of the ratio is ``exp(d +- t_{level, n_b - 1} se)``. A tail step
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
from .student_t import two_sided_p, two_sided_quantile

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
    df: int = 1       # degrees of freedom of the noise estimate (old-level commits - 1)

    def interval(self, level: float) -> tuple[float, float]:
        z = two_sided_quantile(level, self.df)
        return math.exp(self.d - z * self.se), math.exp(self.d + z * self.se)


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

    def cost_at(k: int) -> float | None:
        before, tail = y[lo_all:k], y[k:]       # one span for every k: comparable costs
        ref = median(before)
        d = median(tail) - ref
        side = 1.0 if d >= 0 else -1.0
        if tail.size <= 2:
            ok = bool(np.all(side * (tail - ref) >= half_guard))
        else:
            ok = side * d >= half_guard and side * (tail[-1] - ref) >= half_guard
        return cauchy_cost(before, scale) + cauchy_cost(tail, scale) if ok else None

    best: tuple[float, int] | None = None
    tried = 0
    for k in range(first, n):
        tried += 1
        cost = cost_at(k)
        if cost is not None and (best is None or cost < best[0] - 1e-9):
            best = (cost, k)
    if best is None:
        return None
    k = best[1]
    # A best split on the reach's first commit may be a level that began
    # earlier: the new level starts where the same cost is lowest, searched
    # back to ``min_segment`` commits after the last change point.
    earliest = max(last_cp, lo_all) + min_segment
    while k == first and k - 1 >= earliest:
        tried += 1
        cost = cost_at(k - 1)
        if cost is None or cost >= best[0] - 1e-9:
            break
        best = (cost, k - 1)
        k = first = k - 1
    if k < n - reach:                           # the old level's own noise, without the new one
        scale = max(tail_noise(y, lo_all, k), floor)
    lo = lo_all
    before, tail = y[lo:k], y[k:]
    d = median(tail) - median(before)
    se = scale * math.sqrt(_efficiency(tail.size) / tail.size
                           + _efficiency(before.size) / before.size)
    df = max(1, before.size - 1)
    p = min(1.0, two_sided_p(d / se, df) * tried)
    return TailStep(k, n - k, d, se, p, lo, tried, df)


def shifted(step: TailStep, shift: float) -> TailStep:
    """The tail step judged against a shared log shift ``shift``."""
    d = step.d - shift
    p = min(1.0, two_sided_p(d / step.se, step.df) * step.tried)
    return TailStep(step.k, step.j, d, step.se, p, step.lo, step.tried, step.df)
