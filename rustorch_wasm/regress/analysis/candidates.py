"""Candidate changes of one series: steps at its change points, a step in its
newest commits, drifts between them (the hypotheses ``detect`` tests).

Everything here is in *badness* terms (``direction``): ``y`` is the log of
each commit's level, negated when higher is better, and ``values`` the
levels as ``exp(y)``, so a ratio above 1 is always a change for the worse.
See :mod:`.detect` for the rule these candidates go through.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from ..model.config import DetectorConfig
from ..model.kinds import Kind
from ..model.series import Series
from .compare import guard_passed, step_kind
from .spikes import SpikeSizes, boundary_spikes_placed
from .stats import bootstrap_ratio_ci, mann_whitney_p, median, median_ratio
from .tail import TailStep, shifted, tail_step


@dataclass
class Candidate:
    """One tested change of one series (a step or a drift), badness terms."""

    series: Series
    kind: str                 # "step" or "drift"
    at: int                   # index into the series' points of the first changed commit
    prev: int                 # index into the series' points of the last commit before it
    before: np.ndarray        # per-commit levels before
    after: np.ndarray         # per-commit levels after
    ratio: float
    p_value: float
    commits_after: int = 0    # measured commits of evidence from ``at`` on
    tail: TailStep | None = None
    shift: float = 0.0        # shared log shift it is judged against (environment)
    before_at: np.ndarray | None = None   # commit positions of ``before`` (window steps)
    after_at: np.ndarray | None = None    # ... and of ``after``
    split_p: float = 0.0      # the segmentation's search-adjusted p of its change point

    def without(self, spans: list[tuple[int, int]]) -> "Candidate":
        """The window step tested without the commits inside ``spans`` (slow
        stretches of the environment: their levels are the host's, not the
        code's); itself when nothing is left out or too little would remain."""
        if self.tail is not None or self.before_at is None or self.after_at is None:
            return self

        def keep(at: np.ndarray) -> np.ndarray:
            out = np.ones(at.size, dtype=bool)
            for a, b in spans:
                out &= ~((at >= a) & (at < b))
            return out

        kb, ka = keep(self.before_at), keep(self.after_at)
        if kb.all() and ka.all():
            return self
        if kb.sum() < 3 or ka.sum() < 1 or not ka[0]:
            return self
        before, after = self.before[kb], self.after[ka]
        return replace(self, before=before, after=after, before_at=self.before_at[kb],
                       after_at=self.after_at[ka],
                       ratio=median_ratio(before, after),
                       p_value=max(mann_whitney_p(before, after), self.split_p))

    def against(self, shift: float) -> "Candidate":
        """The candidate judged against a shared log shift."""
        factor = math.exp(shift)
        if self.tail is not None:
            t = shifted(self.tail, shift)
            return replace(self, after=self.after / factor, ratio=math.exp(t.d),
                           p_value=t.p_value, tail=t, shift=shift)
        after = self.after / factor
        return replace(self, after=after, ratio=median_ratio(self.before, after),
                       p_value=max(mann_whitney_p(self.before, after), self.split_p), shift=shift)


def merged_change_points(y: np.ndarray, cps: list[int], min_log: float) -> list[int]:
    """Drop change points whose level difference is below ``min_log``."""
    out = list(cps)
    while out:
        bounds = [0, *out, y.size]
        levels = [median(y[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
        diffs = np.abs(np.diff(levels))
        i = int(np.argmin(diffs))
        if diffs[i] >= min_log:
            break
        del out[i]
    return out


def level_changes(y: np.ndarray, split: dict[int, float], t: float, config: DetectorConfig,
                  sizes: SpikeSizes | None) -> tuple[list[int], dict[int, float]]:
    """The change points the step tests use: merged, boundary spikes placed."""
    merged = merged_change_points(y, sorted(split), math.log1p(config.guard * t))
    big = merged
    if sizes is not None and merged:
        big = boundary_spikes_placed(y, merged, sizes, config.min_segment, config.window)
        split = {**split, **{k: split[m] for k, m in zip(big, merged)}}
    return big, split


def step_candidates(series: Series, idx: np.ndarray, y: np.ndarray, split: dict[int, float],
                    config: DetectorConfig, sizes: SpikeSizes | None = None,
                    values: np.ndarray | None = None) -> tuple[list[Candidate], list[int]]:
    """Step tests at the merged change points, a tail test after the last one,
    then drift scans between them; and the change points (indices into ``y``).

    ``split`` maps each change point to its segmentation p-value (adjusted
    for the search); a step's p-value is the larger of that and the window
    test's, since the window test alone ignores that the position was chosen
    to separate the two sides best. ``values`` are ``exp(y)`` computed
    without the round trip through the log where the caller has them."""
    t = config.threshold_for(series.key.benchmark)
    fine = sorted(split)
    big, split = level_changes(y, split, t, config, sizes)
    values = np.exp(y) if values is None else values
    out: list[Candidate] = []
    bounds = [0, *big, y.size]
    for j, k in enumerate(big):
        lo = max(bounds[j], k - config.window)
        hi = min(bounds[j + 2], k + config.window)
        before, after = values[lo:k], values[k:hi]
        ratio = median_ratio(before, after)
        pos = series.columns.positions[idx]
        out.append(Candidate(series, "step", int(idx[k]), int(idx[k - 1]), before, after, ratio,
                             max(mann_whitney_p(before, after), split[k]),
                             commits_after=bounds[j + 2] - k, before_at=pos[lo:k],
                             after_at=pos[k:hi], split_p=split[k]))
    # the newest commits: a change point the segmentation could only place
    # ``min_segment`` commits from the end is re-placed by the tail test
    late = bool(big) and big[-1] >= y.size - config.tail_reach
    start = (big[-2] if len(big) > 1 else 0) if late else (big[-1] if big else 0)
    tail = tail_step(y, start, min_segment=config.min_segment,
                     reach=config.tail_reach, window=config.window,
                     half_guard=0.5 * math.log1p(config.guard * t),
                     floor=config.tail_noise_floor)
    if tail is not None and late:
        out.pop()
        big = big[:-1]
    if tail is not None:
        out.append(Candidate(series, "step", int(idx[tail.k]), int(idx[tail.k - 1]),
                             values[tail.lo:tail.k], values[tail.k:], math.exp(tail.d),
                             tail.p_value, commits_after=tail.j, tail=tail))
    # drift scans run between the change points whose step is big enough to
    # be a finding (the threshold: a step below it is never reported, so a
    # creep made of such steps must stay one drift scan)
    guard = math.log1p(t)
    steps = [c for c in out if c.tail is None]
    resets = [0, *[k for k, c in zip(big, steps) if abs(math.log(c.ratio)) >= guard]]
    if tail is not None and abs(tail.d) >= guard:
        resets.append(tail.k)
    resets.append(y.size)
    out.extend(drift_candidates(series, idx, y, fine, resets, t, config, values))
    return out, big


def drift_candidates(series: Series, idx: np.ndarray, y: np.ndarray, fine: list[int],
                     resets: list[int], t: float, config: DetectorConfig,
                     values: np.ndarray) -> list[Candidate]:
    """Creeping levels: fine segments that rose by >= t over the lowest earlier
    one that ends at most ``drift_horizon`` commits before them."""
    out: list[Candidate] = []
    need = math.log1p(t)
    for a, b in zip(resets[:-1], resets[1:]):
        inner = [k for k in fine if a < k < b]
        seg_bounds = [a, *inner, b]
        segs = list(zip(seg_bounds[:-1], seg_bounds[1:]))
        if len(segs) < 2:
            continue
        levels = [median(y[s:e]) for s, e in segs]
        floor = 0
        for j in range(1, len(segs)):
            near = [i for i in range(floor, j) if segs[i][1] >= segs[j][0] - config.drift_horizon]
            if not near:
                continue
            base = min(near, key=lambda i: (levels[i], i))
            if levels[j] - levels[base] >= need:
                s0, e0 = segs[base]
                s1, e1 = segs[j]
                before = values[max(s0, e0 - config.window):e0]
                after = values[s1:min(e1, s1 + config.window)]
                ratio = median_ratio(before, after)
                out.append(Candidate(series, "drift", int(idx[s1]), int(idx[s1 - 1]), before, after,
                                     ratio, mann_whitney_p(before, after),
                                     commits_after=e1 - s1))
                floor = j
    return out


def sized(c: Candidate, config: DetectorConfig) -> bool:
    """Is the candidate's size one the verdict could accept?"""
    t = config.threshold_for(c.series.key.benchmark)
    if c.kind == "drift":
        return c.ratio >= 1.0 + t
    return guard_passed(c.ratio, t, config.guard)


def verdict(c: Candidate, config: DetectorConfig) -> tuple[Kind, tuple[float, float]] | None:
    """The finding kind and interval of a BH-rejected candidate, or None."""
    t = config.threshold_for(c.series.key.benchmark)
    if c.kind == "drift":
        if c.ratio < 1.0 + t:
            return None
        return "drift", ci_of(c, config)
    if not guard_passed(c.ratio, t, config.guard):
        return None
    ci = ci_of(c, config)
    kind = step_kind(c.ratio, ci, t, config.guard)
    return None if kind is None else (kind, ci)


def ci_of(c: Candidate, config: DetectorConfig) -> tuple[float, float]:
    """Interval of the ratio: bootstrap over commits; the noise model for a tail step."""
    if c.tail is not None:
        return c.tail.interval(config.ci_level)
    return bootstrap_ratio_ci(c.before, c.after, level=config.ci_level, n=config.bootstrap,
                              seed=config.seed)
