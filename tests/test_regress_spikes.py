"""Spike sizes learned over a run, and spikes on the boundary of a change point."""
from __future__ import annotations

import math

import numpy as np

from rustorch_wasm.regress.analysis.changepoint import noise_scale, refine
from rustorch_wasm.regress.model.config import DetectorConfig
from rustorch_wasm.regress.analysis.detect import detect
from rustorch_wasm.regress.model.series import Point, Series, SeriesKey
from rustorch_wasm.regress.analysis.spikes import (SpikeSample, SpikeSizes, boundary_spikes_placed,
                                                   spike_sample)
from rustorch_wasm.regress.model.config import DEFAULT_MIN_SPIKES as MIN_SPIKES
from rustorch_wasm.regress.model.config import DEFAULT_SPIKE_SDS as OUTLIER_SDS

DEFAULT = DetectorConfig()


def quiet(n: int, seed: int, sd: float = 0.01) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, sd, n)


def sizes_from(excess: list[float], limit: float = 0.05, commits: int = 1000) -> SpikeSizes:
    sizes = SpikeSizes.learn([SpikeSample(np.array(excess), limit, commits)], MIN_SPIKES)
    assert sizes is not None
    return sizes


def test_spike_sample_finds_spikes_and_skips_change_point_boundaries():
    y = quiet(200, 1)
    y[100:] -= 0.3                        # a step at 100
    y[[20, 150]] += 0.7                   # two spikes inside segments
    y[99] += 0.7                          # a spike on the boundary: left out
    s = spike_sample(y, [100], OUTLIER_SDS)
    np.testing.assert_allclose(np.sort(s.excess), [0.7, 0.7], atol=0.05)
    assert math.isclose(s.limit, OUTLIER_SDS * noise_scale(y))
    assert s.commits == 200 - 4


def test_learn_needs_enough_spikes_and_peaks_at_their_sizes():
    few = SpikeSample(np.full(MIN_SPIKES - 1, 0.5), 0.05, 1000)
    assert SpikeSizes.learn([few], MIN_SPIKES) is None
    sizes = sizes_from(list(np.linspace(0.6, 0.9, 200)))
    assert sizes.intensity(0.75) > 10 * sizes.intensity(0.3)
    assert sizes.intensity(-0.1) == 0.0
    # about the whole spike rate: 200 spikes over 1000 commits
    grid = np.linspace(0.01, 2.0, 2000)
    rate = sum(sizes.intensity(e) for e in grid) * (grid[1] - grid[0])
    assert abs(rate - 0.2) < 0.01


def test_learn_corrects_for_series_that_cannot_see_small_spikes():
    # a quiet series sees spikes of 0.2 and 0.8; a noisy one (limit 0.5), ten
    # times as many commits, only the 0.8 ones: per commit both sizes are as
    # frequent as in the quiet series
    quiet_series = SpikeSample(np.array([0.2] * 40 + [0.8] * 40), 0.05, 1000)
    noisy_series = SpikeSample(np.array([0.8] * 400), 0.5, 10000)
    sizes = SpikeSizes.learn([quiet_series, noisy_series], MIN_SPIKES)
    assert sizes is not None
    assert abs(sizes.intensity(0.2) / sizes.intensity(0.8) - 1.0) < 0.2


def down_step_with_spike_on_culprit(seed: int) -> np.ndarray:
    y = quiet(120, seed)
    y[60:] -= math.log(1.25)
    y[60] = 0.5                           # above both levels
    return y


def test_large_spikes_put_a_boundary_spike_on_the_new_level():
    y = down_step_with_spike_on_culprit(3)
    assert refine(y, [61], 3, DEFAULT.refine_reach, DEFAULT.window) == [61]     # the Cauchy fit: the nearer (old) level
    big = sizes_from(list(np.linspace(0.4, 1.0, 300)))   # spikes bigger than the step
    assert boundary_spikes_placed(y, [61], big, 3, DEFAULT.window) == [60]
    small = sizes_from(list(np.linspace(0.3, 0.55, 300)))  # 0.72 above the new level: rare
    assert boundary_spikes_placed(y, [61], small, 3, DEFAULT.window) == [61]


def test_commits_between_the_levels_are_left_to_the_fit():
    y = quiet(120, 4)
    y[60:] += 0.3
    y[60] = 0.12                          # between the levels: not a spike
    big = sizes_from(list(np.linspace(0.4, 1.0, 300)))
    assert boundary_spikes_placed(y, [61], big, 3, DEFAULT.window) == [61]
    assert boundary_spikes_placed(y, [60], big, 3, DEFAULT.window) == [60]


def test_a_spike_never_moves_a_change_point_into_a_short_segment():
    y = quiet(60, 5)
    y[30:] -= 0.3
    y[30] = 0.5
    big = sizes_from(list(np.linspace(0.4, 1.0, 300)))
    assert boundary_spikes_placed(y, [28, 31], big, 3, DEFAULT.window) == [28, 31]


def test_detect_learns_spike_sizes_across_the_run():
    """Forty quiet series with spikes of x1.8-2.2 teach the run that spikes
    are large; then a spike on the culprit of a -20 % step starts the new level."""
    rng = np.random.default_rng(6)
    series = []
    for i in range(41):
        y = rng.normal(0.0, 0.01, 150)
        spikes = rng.choice(np.arange(5, 145), 3, replace=False)
        y[spikes] += np.log(rng.uniform(1.8, 2.2, 3))
        if i == 40:
            y = rng.normal(0.0, 0.01, 150)
            y[80:] -= math.log(1.25)
            y[80] = math.log(1.6)
        pts = [Point(f"{j:040x}", j, (float(v),), float(v), float(v), float(v),
                     from_stats=True) for j, v in enumerate(1e-3 * np.exp(y))]
        series.append(Series(SeriesKey("box", "env", f"m.C.time_{i}"), "seconds", pts))
    report = detect(series, DetectorConfig())
    found = [f for f in report.findings if f.key.benchmark == "m.C.time_40"]
    assert [f.kind for f in found] == ["improvement"]
    assert found[0].commit == f"{80:040x}"
    alone = detect(series[40:], DetectorConfig())   # no spikes to learn from
    assert [f.commit for f in alone.findings] == [f"{81:040x}"]
