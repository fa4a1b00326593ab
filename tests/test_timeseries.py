"""Streaming anomaly detector against a plain numpy reference."""
from __future__ import annotations

import math

import numpy as np
import pytest

from rustorch_wasm.timeseries import TimeSeriesDetector


def reference(x: np.ndarray, window: int, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Flags and z-score margins by the module's definition, window by window.

    For t >= window: W = x[t-window:t], flag = |x_t - W.mean()| > threshold * W.std().
    ``margin`` is |x_t - m| - threshold * s (NaN during warm-up), so tests can
    leave out points that sit on the threshold within rounding.
    """
    n = x.size
    flags = np.zeros(n, dtype=bool)
    margin = np.full(n, np.nan)
    chunk = 20_000
    for start in range(window, n, chunk):
        stop = min(n, start + chunk)
        idx = np.arange(start, stop)
        wins = np.lib.stride_tricks.sliding_window_view(x[start - window:stop - 1], window)
        m = wins.mean(axis=1)
        s = wins.std(axis=1)
        d = np.abs(x[idx] - m)
        flags[idx] = d > threshold * s
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = (d - threshold * s) / s
        # s == 0: a constant window, decided exactly by x == mean.
        margin[idx] = np.where(s > 0, rel, np.where(d > 0, np.inf, -np.inf))
    return flags, margin


def assert_matches(got: np.ndarray, x: np.ndarray, window: int, threshold: float) -> None:
    want, margin = reference(x, window, threshold)
    decided = ~(np.abs(margin) < 1e-7)  # points on the threshold within rounding
    assert decided.mean() > 0.999
    np.testing.assert_array_equal(got[decided], want[decided])
    assert not got[:window].any()


def stream(n: int, offset: float = 0.0, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = offset + rng.normal(0, 1, n)
    spikes = rng.choice(n, n // 200, replace=False)
    x[spikes] += rng.choice([-6.0, 6.0], spikes.size)
    return x


@pytest.mark.parametrize("window,threshold", [(100, 2.0), (7, 1.5), (2, 0.5)])
def test_single_and_batch_match_numpy_on_random_stream(rt, window, threshold):
    x = stream(5_000, seed=window)
    with TimeSeriesDetector(window, threshold, runtime=rt) as det:
        single = np.array([det.detect_single(float(v)) for v in x])
    with TimeSeriesDetector(window, threshold, runtime=rt) as det:
        batch = det.detect(x)
    assert batch.dtype == bool and batch.shape == x.shape
    assert_matches(single, x, window, threshold)
    np.testing.assert_array_equal(single, batch)
    assert 0 < batch.sum() < x.size


def test_large_offset_long_stream_is_stable(rt):
    x = stream(200_000, offset=1e6, seed=3)
    with TimeSeriesDetector(100, 2.0, runtime=rt) as det:
        flags = det.detect(x)
        w = x[-100:]
        assert det.mean == pytest.approx(w.mean(), rel=0, abs=1e-9)
        assert det.std == pytest.approx(w.std(), rel=1e-9)
    assert_matches(flags, x, 100, 2.0)


def test_naive_sums_would_fail_where_the_detector_does_not(rt):
    # Sanity check that the offset case is hard: running sum / sum of squares
    # in float64 loses the variance entirely at a 1e8 offset.
    x = stream(20_000, offset=1e8, seed=4)
    naive_var = np.mean(x[:100] ** 2) - np.mean(x[:100]) ** 2
    assert abs(naive_var - x[:100].var()) > 0.5
    with TimeSeriesDetector(100, 2.0, runtime=rt) as det:
        assert_matches(det.detect(x), x, 100, 2.0)


def test_constant_stream_has_no_nan_and_flags_only_changes(rt):
    x = np.full(1_000, 0.1)
    x[500] = 0.2
    with TimeSeriesDetector(50, 2.0, runtime=rt) as det:
        flags = det.detect(x)
        assert det.std == 0.0 and det.mean == 0.1
    assert flags[500] and flags.sum() == 1  # after the spike the window is not constant
    assert_matches(flags, x, 50, 2.0)
    # Back to a constant window after the spike has left: a change is flagged again.
    with TimeSeriesDetector(50, 2.0, runtime=rt) as det:
        y = np.concatenate([np.full(200, 1e6 + 0.3), [5.0], np.full(200, 1e6 + 0.3), [1e6 + 0.4]])
        flags = det.detect(y)
        assert not math.isnan(det.std)
    assert flags[200] and flags[-1]
    assert_matches(flags, y, 50, 2.0)


def test_warm_up_and_window_definition(rt):
    with TimeSeriesDetector(3, 1.0, runtime=rt) as det:
        assert [det.detect_single(v) for v in (0.0, 100.0, -100.0)] == [False] * 3
        assert det.count == 3
        # window (0, 100, -100): mean 0, std 81.6; 80 is within one std...
        assert not det.detect_single(80.0)
        # ...window is now (100, -100, 80): mean 26.7, std 89.9; -70 is 96.7 away
        assert det.detect_single(-70.0)


def test_reset_restarts_warm_up(rt):
    with TimeSeriesDetector(4, 1.0, runtime=rt) as det:
        det.detect(np.array([1.0, 2.0, 1.0, 2.0]))
        assert det.detect_single(50.0)
        det.reset()
        assert det.count == 0 and math.isnan(det.mean)
        assert not det.detect(np.array([1.0, 2.0, 1.0, 50.0])).any()


def test_free_releases_memory(rt):
    before = rt.heap_stats().in_use
    det = TimeSeriesDetector(1000, 2.0, runtime=rt)
    assert rt.heap_stats().in_use >= before + 8 * 1000
    det.detect(np.zeros(10_000))
    det.free()
    det.free()
    assert rt.heap_stats().in_use == before
    with pytest.raises(ValueError, match="freed"):
        det.detect_single(1.0)


def test_bad_inputs(rt):
    with pytest.raises(ValueError, match="window"):
        TimeSeriesDetector(1)
    with pytest.raises(TypeError, match="window"):
        TimeSeriesDetector(10.5)
    with pytest.raises(ValueError, match="threshold"):
        TimeSeriesDetector(10, -1.0)
    with pytest.raises(ValueError, match="threshold"):
        TimeSeriesDetector(10, math.inf)
    with TimeSeriesDetector(3, 2.0, runtime=rt) as det:
        det.detect(np.array([1.0, 2.0, 3.0]))
        with pytest.raises(ValueError, match="not finite"):
            det.detect_single(math.nan)
        with pytest.raises(ValueError, match="index 1"):
            det.detect(np.array([1.0, math.inf, 2.0]))
        with pytest.raises(ValueError, match="1-D"):
            det.detect(np.zeros((2, 2)))
        with pytest.raises(TypeError):
            det.detect(np.array(["a", "b"]))
        with pytest.raises(TypeError):
            det.detect_single("1.0")
        assert det.count == 3  # rejected input left the state alone
        assert det.detect(np.array([], dtype=np.float64)).shape == (0,)
        assert det.detect([2.0, 2.5]).tolist() == [False, False]


def test_constant_runs_after_noise_are_exactly_constant_windows(rt):
    # Sliding updates leave rounding residue in the mean after noise leaves
    # the window; a window that is constant again must still give std 0 and
    # mean == the constant, or every repeat of the constant would be flagged.
    rng = np.random.default_rng(7)
    parts = []
    for k in range(20):
        parts.append(1e6 + rng.normal(0, 50, 137))
        parts.append(np.full(149, 1e6 + 0.1 * k))
    x = np.concatenate(parts)
    with TimeSeriesDetector(50, 2.0, runtime=rt) as det:
        flags = det.detect(x)
    assert_matches(flags, x, 50, 2.0)
    start = 0
    for k in range(20):
        start += 137
        assert not flags[start + 50:start + 149].any(), k  # constant window, same value
        start += 149
