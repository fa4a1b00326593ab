"""Change points and the detection rule on in-memory series."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _synthetic import PROJECT
from rustorch_wasm.regress.analysis.changepoint import change_points, segment
from rustorch_wasm.regress.model.config import DetectorConfig
from rustorch_wasm.regress.analysis.detect import detect
from rustorch_wasm.regress.model.series import Point, Series, SeriesKey

DEFAULT = DetectorConfig()


def series_of(medians, name="m.C.time_x", samples=None, params=()) -> Series:
    pts = []
    for i, v in enumerate(medians):
        s = tuple(samples[i]) if samples is not None else (float(v),)
        pts.append(Point(f"{i:040x}", i, s, float(v), float(v), float(v),
                         from_stats=samples is None))
    return Series(SeriesKey("box", "env", name, params), "seconds", pts)


def noisy(n, step_at=None, factor=1.0, seed=0, sd=0.02, spikes=()):
    rng = np.random.default_rng(seed)
    y = 1e-3 * np.exp(rng.normal(0, sd, n))
    if step_at is not None:
        y[step_at:] *= factor
    for s in spikes:
        y[s] *= 2.0
    return y


def test_step_is_found_at_its_commit():
    s = series_of(noisy(120, 80, 1.3))
    report = detect([s])
    assert [(f.kind, f.commit) for f in report.findings] == [("regression", s.points[80].commit)]
    f = report.findings[0]
    assert f.previous_commit == s.points[79].commit
    assert 1.25 < f.ratio < 1.35 and f.ci[0] < f.ratio < f.ci[1] and f.p_value < 1e-6


def test_improvement_and_small_step():
    s = series_of(noisy(120, 60, 0.7, seed=1), name="m.C.time_fast")
    small = series_of(noisy(120, 60, 1.08, seed=2), name="m.C.time_small")
    report = detect([s, small])
    assert [(f.kind, f.key.benchmark, f.commit) for f in report.findings] == [
        ("improvement", "m.C.time_fast", s.points[60].commit)]


def test_spikes_and_gaps_do_not_flag():
    y = noisy(200, seed=3, spikes=(20, 90, 150, 199))
    pts = series_of(y).points
    s = Series(SeriesKey("box", "env", "m.C.time_x"), "seconds",
               [p for i, p in enumerate(pts) if i % 7 != 3])
    assert detect([s]).findings == []
    assert change_points(s, DEFAULT) == [] or all(
        abs(s.points[k].median / s.points[k - 1].median - 1) < 0.5 for k in change_points(s, DEFAULT))


def test_step_near_the_end_needs_only_a_few_commits():
    s = series_of(noisy(100, 96, 1.5, seed=4))
    assert [f.commit for f in detect([s]).findings] == [s.points[96].commit]


def test_drift_through_small_steps():
    y = noisy(160, seed=5, sd=0.01)
    for k in (40, 60, 80, 100, 120):
        y[k:] *= 1.06
    report = detect([series_of(y)])
    kinds = [f.kind for f in report.findings]
    assert "drift" in kinds and "regression" not in kinds
    drift = next(f for f in report.findings if f.kind == "drift")
    assert drift.ratio >= 1.2


def staircase(every: int, seed: int) -> np.ndarray:
    """Four levels x1.07 apart (x1.225 in all), a new one every ``every`` commits."""
    y = noisy(40 + 4 * every, seed=seed, sd=0.005)
    for k in range(3):
        y[40 + every * (k + 1):] *= 1.07
    return y


def test_a_creep_is_blamed_on_a_commit_only_within_the_drift_horizon():
    """The same x1.225 rise in x1.07 stairs: over 3 x 30 commits it is a drift;
    over 3 x 150 commits no segment within ``drift_horizon`` (100) commits of
    a later one lies 20 % below it, so no commit is blamed for the creep."""
    fast = detect([series_of(staircase(30, seed=8))]).findings
    slow = detect([series_of(staircase(150, seed=8))]).findings
    assert [f.kind for f in fast] == ["drift"]
    assert [f.kind for f in slow if f.kind in ("drift", "regression")] == []
    unbounded = DetectorConfig(drift_horizon=10 ** 6)
    assert [f.kind for f in detect([series_of(staircase(150, seed=8))], unbounded).findings] \
        == ["drift"]


def test_instruction_counts_are_exact_and_corroborate():
    n = 40
    counts = np.full(n, 1000.0)
    counts[25:] = 1300.0
    counts[10:] += 1.0                       # a tiny exact change: not flagged
    instr = series_of(counts, name="m.C.track_x_instructions")
    time = series_of(noisy(n, 25, 1.3, seed=6), name="m.C.time_x")
    report = detect([instr, time], PROJECT)
    by_kind = {(f.key.benchmark, f.kind): f for f in report.findings}
    f_instr = by_kind[("m.C.track_x_instructions", "regression")]
    assert f_instr.commit == instr.points[25].commit and f_instr.p_value == 0.0
    assert f_instr.ci == (f_instr.ratio, f_instr.ratio)
    f_time = by_kind[("m.C.time_x", "regression")]
    assert any("track_x_instructions x1.300" in e for e in f_time.evidence)
    assert any("time_x" in e for e in f_instr.evidence)
    assert len(report.findings) == 2


def test_threshold_override_by_regex():
    import re
    from rustorch_wasm.regress.model.config import Override
    s = series_of(noisy(120, 80, 1.3))
    config = DetectorConfig(overrides=(Override(re.compile(r"time_x$"), 0.5),))
    assert detect([s], config).findings == []


def test_segment_finds_two_steps():
    y = np.log(noisy(300, seed=8))
    y[100:] += 0.3
    y[200:] -= 0.5
    assert segment(y, DEFAULT) == [100, 200]


@settings(max_examples=40, deadline=None)
@given(value=st.floats(1e-9, 1e9), n=st.integers(1, 60))
def test_constant_series_never_flags(value, n):
    s = series_of([value] * n)
    assert change_points(s, DEFAULT) == []
    assert detect([s]).findings == []


def verdicts(report):
    return [(f.kind, f.commit, f.previous_commit) for f in report.findings]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), step=st.sampled_from([0.7, 1.0, 1.15, 1.25, 1.6]),
       at=st.integers(5, 55), power=st.integers(-30, 30), sd=st.sampled_from([0.01, 0.05, 0.2]))
def test_scaling_changes_no_verdict(seed, step, at, power, sd):
    y = noisy(60, at, step, seed=seed, sd=sd)
    scale = 2.0 ** power                      # exact in floating point
    base = detect([series_of(y)])
    scaled = detect([series_of(y * scale)])
    assert verdicts(base) == verdicts(scaled)
    for a, b in zip(base.findings, scaled.findings):
        # the tail test works on log levels: equal up to rounding of the log
        assert a.ratio == pytest.approx(b.ratio, rel=1e-12)
        assert a.p_value == pytest.approx(b.p_value, rel=1e-9, abs=1e-300)
        assert a.ci == pytest.approx(b.ci, rel=1e-12)


def test_window_scores_rank_paths_agree():
    from rustorch_wasm.regress.analysis.splits import window_scores
    rng = np.random.default_rng(9)
    windows = rng.normal(size=(7, 24))
    t1, z1, r1, ties1 = window_scores(windows, 3, tie_free=True)
    t2, z2, r2, ties2 = window_scores(windows, 3, tie_free=False)
    np.testing.assert_array_equal(t1, t2)
    np.testing.assert_allclose(z1, z2, rtol=1e-12)
    from rustorch_wasm.regress.analysis.stats import midranks, tie_term
    tied = np.round(windows, 0)
    _, _, r3, ties3 = window_scores(tied, 3, tie_free=False)
    for w, r in ((windows, r1), (windows, r2), (tied, r3)):       # the ranks of each window
        assert all((midranks(row) == ranks).all() for row, ranks in zip(w, r))
    assert list(ties1) == list(ties2) == [0.0] * 7
    assert list(ties3) == [tie_term(row) for row in tied]


def test_short_excursion_is_found_both_ways():
    y = noisy(300, seed=10, sd=0.01)
    y[150:162] *= 1.4                       # a regression reverted 12 commits later
    s = series_of(y)
    found = [(f.kind, f.commit) for f in detect([s]).findings]
    assert found == [("regression", s.points[150].commit), ("improvement", s.points[162].commit)]


def test_compare_samples_rule():
    from rustorch_wasm.regress.analysis.compare import compare_samples
    rng = np.random.default_rng(12)
    k_slow = SeriesKey("box", "env", "m.C.time_slow")
    k_same = SeriesKey("box", "env", "m.C.time_same")
    k_instr = SeriesKey("box", "env", "m.C.track_slow_instructions")
    k_stats = SeriesKey("box", "env", "m.C.time_stats")
    before = {k_slow: list(rng.lognormal(0, 0.02, 10)), k_same: list(rng.lognormal(0, 0.02, 10)),
              k_instr: [100.0], k_stats: [1.0]}
    after = {k_slow: list(rng.lognormal(np.log(1.3), 0.02, 10)),
             k_same: list(rng.lognormal(0, 0.02, 10)), k_instr: [125.0], k_stats: [1.5]}
    report = compare_samples(before, after, {}, "a" * 40, "b" * 40, PROJECT)
    got = {f.key.benchmark: f for f in report.findings}
    assert set(got) == {"m.C.time_slow", "m.C.track_slow_instructions", "m.C.time_stats"}
    assert got["m.C.track_slow_instructions"].p_value == 0.0
    assert got["m.C.time_stats"].evidence and np.isnan(got["m.C.time_stats"].p_value)
    assert 0 < got["m.C.time_slow"].p_value < 0.01 and report.series_checked == 4


def test_markdown_escapes_and_lists_findings():
    from rustorch_wasm.regress.render.report import render_markdown
    y = noisy(120, 80, 1.3)
    s = series_of(y, name="m.C.time_x", params=(("name", "<b>|x"),))
    text = render_markdown(detect([s]))
    assert "regression" in text and "&lt;b&gt;\\|x" in text and "<b>" not in text


def test_change_points_for_plots():
    y = noisy(150, 50, 1.5, seed=13)
    y[100:] /= 1.5
    assert change_points(series_of(y), DEFAULT) == [50, 100]


def test_commit_level_ignores_a_wild_sample():
    from rustorch_wasm.regress.analysis.detect import commit_levels
    samples = [[1.0, 1.01, 0.99, 1.02, 0.98, 1.0, 1.01, 0.99, 1.0, 50.0]] * 3
    s = series_of([1.0, 1.0, 1.0], samples=samples)
    levels = commit_levels(s, DEFAULT.level_trim)
    assert np.all(np.abs(levels - 1.0) < 0.01)
    np.testing.assert_allclose(levels, np.exp(np.mean(np.log(sorted(samples[0])[2:8]))))


def test_spike_beside_a_step_goes_to_the_nearer_level():
    from rustorch_wasm.regress.analysis.changepoint import refine
    rng = np.random.default_rng(14)
    up = rng.normal(0, 0.01, 120)
    up[60:] += np.log(1.2)
    up[60] = np.log(1.6)                  # spike on the culprit of an upward step
    down = rng.normal(0, 0.01, 120)
    down[60:] += np.log(0.8)
    down[59] = np.log(1.35)               # spike on the last commit before a downward step
    for y in (up, down):
        for start in (57, 58, 59, 60, 61, 62, 63):
            assert refine(y, [start], 3, DEFAULT.refine_reach, DEFAULT.window) == [60]


def test_excursion_split_finds_a_short_revert_near_the_end():
    from rustorch_wasm.regress.analysis.splits import best_split, excursion_split, ranked
    y = np.log(noisy(300, seed=15, sd=0.01))
    y[283:290] += np.log(2.0)               # 7 commits, reverted 10 commits before the end
    assert best_split(ranked(y), 3, 0.001)[1] > 0.001      # no single split separates it
    a, b, p = excursion_split(ranked(y), 3, DEFAULT.excursion_max, DEFAULT.split_alpha)
    assert (a, b) == (283, 290) and p < 1e-6
    s = series_of(np.exp(y))
    assert [(f.kind, f.commit) for f in detect([s]).findings] == [
        ("regression", s.points[283].commit), ("improvement", s.points[290].commit)]


def test_excursion_split_ignores_noise_and_two_spikes():
    from rustorch_wasm.regress.analysis.splits import excursion_split, ranked
    y = np.log(noisy(400, seed=16, sd=0.02, spikes=(100, 101, 250)))
    assert excursion_split(ranked(y), 3, DEFAULT.excursion_max, DEFAULT.split_alpha)[2] > 0.01


def test_columns_and_points_are_two_views_of_one_series():
    from rustorch_wasm.regress.model.series import SeriesColumns
    samples = [[1.0, 1.1, 0.9, 1.05]] * 2 + [None]
    pts = series_of([1.0, 1.0, 2.0]).points
    pts = [Point(p.commit, p.position * 3, tuple(samples[i]) if samples[i] else p.samples,
                 float(np.median(samples[i])) if samples[i] else p.median,
                 float(np.quantile(samples[i], 0.25)) if samples[i] else p.q25,
                 float(np.quantile(samples[i], 0.75)) if samples[i] else p.q75,
                 samples[i] is None, (0.5, 2.5) if i == 2 else None)
           for i, p in enumerate(pts)]
    cols = SeriesColumns.from_points(pts)
    assert cols.points() == pts
    s = Series(SeriesKey("box", "env", "m.C.time_x"), "seconds", columns=cols)
    assert len(s) == 3 and s.points == pts and list(s.medians) == [p.median for p in pts]
    assert s.commits == [p.commit for p in pts]
