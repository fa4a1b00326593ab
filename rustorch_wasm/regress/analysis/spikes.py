"""Single-commit spikes next to a change point: which level they belong to.

The problem
    A spike is one commit whose whole run was slowed (a busy machine): its
    level ``y_j`` (log scale, see ``changepoint``) lies above the level of
    its segment by the spike's size ``e > 0``; the within-run samples are
    all shifted together, so the commit's own samples look ordinary. When the
    spike falls on the commit just before a change point or on its culprit,
    ``y_j`` lies above *both* levels, ``L_old`` and ``L_new``, and the
    likelihood of the commit under level ``L`` is the spike-size density
    ``f(y_j - L)``, not a noise density: its ordinary noise (sd ``s``) is
    negligible against either distance. The two placements of the change
    point (``j`` starts the new level, or ``j`` ends the old one) have equal
    prior probability, so the Bayes choice is the level of larger
    ``f(y_j - L)``. The Cauchy fit of :func:`~.changepoint.refine` always
    attributes the spike to the *nearer* (higher) level, which is that
    choice only when ``f`` decreases; when spikes are rarely smaller than a
    step, it attributes them to the wrong level half the time (every spike on
    the culprit of a downward step and every spike just before an upward
    one).

Learning ``f`` from the run
    ``f`` is a property of the machine, not of one series, and one series
    holds too few spikes to estimate it, so it is learned from every timing
    series of the run (empirical Bayes). In each series, after segmentation,
    a commit is a spike when its excess over its segment's median exceeds
    ``c s`` (``c`` = ``DetectorConfig.spike_sds`` = 5, ``s`` the robust commit-to-commit noise
    of :func:`~.changepoint.noise_scale`; ordinary noise passes that with
    probability ~ 6e-7); the two commits on each side of a change point are
    left out (their level is what is in question). A spike of size ``e`` can
    only be seen in a series whose detection limit ``c s`` is below ``e``,
    so noisy series see only large spikes; the intensity per commit is the
    truncation-corrected kernel estimate

        ``lambda(e) = sum_i K_h(e - e_i) / N(e_i)``,

    ``N(e)`` the number of commits (of every series) whose limit is below
    ``e``, ``K_h`` a Gaussian kernel of Silverman's bandwidth in ``log``
    excess. With fewer than ``DetectorConfig.min_spikes`` (30) spikes in the run nothing is
    learned and the nearer-level rule stands.

Placing a boundary spike
    For each change point ``k`` (new level starts at ``k``), the levels are
    the medians of up to ``window`` commits each side, the two boundary
    commits ``k-1`` and ``k`` left out. When exactly one of them lies more
    than ``c s`` above both levels, it goes to the level of larger
    ``lambda(y_j - L)`` (``k`` becomes ``j`` or ``j + 1``), keeping
    ``min_segment`` commits between neighbouring change points. Where the
    learned ``lambda`` decreases, this is the nearer-level rule; where
    spikes are mostly larger than steps, it is not.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .changepoint import noise_scale, segment_levels
from .stats import median

@dataclass(frozen=True)
class SpikeSample:
    """What one series shows of the spike sizes."""

    excess: np.ndarray      # log excess of each spike over its segment's median
    limit: float            # the series' detection limit c * s
    commits: int            # commits that could have shown a spike


def spike_sample(y: np.ndarray, cps: list[int], outlier_sds: float) -> SpikeSample:
    """The spikes (more than ``outlier_sds`` noise sds above the level) of one
    series of log levels ``y`` segmented at ``cps``."""
    y = np.asarray(y, dtype=float)
    limit = outlier_sds * noise_scale(y)
    if y.size < 3 or limit <= 0:
        return SpikeSample(np.empty(0), math.inf, 0)
    level = segment_levels(y, cps)
    usable = np.ones(y.size, dtype=bool)
    for k in cps:
        usable[max(0, k - 2):k + 2] = False
    excess = (y - level)[usable]
    return SpikeSample(excess[excess > limit], limit, int(usable.sum()))


@dataclass(frozen=True)
class SpikeSizes:
    """Spike intensity per commit by log excess, learned over one run."""

    excess: np.ndarray      # every spike's log excess
    weight: np.ndarray      # 1 / N(excess): truncation correction
    bandwidth: float

    @classmethod
    def learn(cls, samples: list[SpikeSample], min_spikes: int) -> SpikeSizes | None:
        """The run's size model, or None with fewer than ``min_spikes`` spikes."""
        excess = np.concatenate([s.excess for s in samples] or [np.empty(0)])
        if excess.size < min_spikes:
            return None
        limits = np.array([s.limit for s in samples])
        order = np.argsort(limits)
        exposed = np.cumsum(np.array([s.commits for s in samples], dtype=float)[order])
        seen = np.searchsorted(limits[order], excess, side="left")   # series with limit < e
        weight = 1.0 / exposed[np.maximum(seen - 1, 0)]
        spread = min(float(np.std(excess)),
                     float(np.subtract(*np.percentile(excess, [75, 25]))) / 1.349)
        bandwidth = 0.9 * max(spread, 1e-3) * excess.size ** -0.2
        return cls(excess, weight, bandwidth)

    def intensity(self, e: float) -> float:
        """``lambda(e)``: spikes of log excess near ``e`` per commit and unit ``e``."""
        if not e > 0:
            return 0.0
        z = (e - self.excess) / self.bandwidth
        return float(np.sum(self.weight * np.exp(-0.5 * z * z))
                     / (self.bandwidth * math.sqrt(2.0 * math.pi)))


def commit_likelihood(r: float, scale: float, sizes: SpikeSizes) -> float:
    """Density of a commit ``r`` above a level: ordinary noise or a spike,
    ``phi(r / s) / s + lambda(r)``."""
    return math.exp(-0.5 * (r / scale) ** 2) / (scale * math.sqrt(2.0 * math.pi)) + sizes.intensity(r)


def boundary_spikes_placed(y: np.ndarray, cps: list[int], sizes: SpikeSizes,
                           min_segment: int, window: int) -> list[int]:
    """``cps`` with a boundary commit above both levels given to the level of
    larger likelihood (:func:`commit_likelihood`)."""
    y = np.asarray(y, dtype=float)
    scale = noise_scale(y)
    out = sorted(cps)
    if scale <= 0:
        return out
    for i, k in enumerate(out):
        lo = out[i - 1] if i > 0 else 0
        hi = out[i + 1] if i + 1 < len(out) else y.size
        old, new = y[max(lo, k - window):k - 1], y[k + 1:min(hi, k + window)]
        if not (old.size and new.size):
            continue
        levels = (median(old), median(new))
        above = [j for j in (k - 1, k) if y[j] > max(levels)]
        if len(above) != 1:
            continue
        j = above[0]
        as_old = commit_likelihood(float(y[j]) - levels[0], scale, sizes)
        as_new = commit_likelihood(float(y[j]) - levels[1], scale, sizes)
        if as_new == as_old:
            continue
        moved = j if as_new > as_old else j + 1
        if lo + min_segment <= moved <= hi - min_segment:
            out[i] = moved
    return out
