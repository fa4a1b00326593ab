"""The detector's statistics against scipy on known inputs."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as ss

from rustorch_wasm.regress.analysis.stats import (benjamini_hochberg, bootstrap_ratio_ci,
                                                  mann_whitney_p, mann_whitney_u, median,
                                                  median_ratio, midranks, row_medians)


def permutation_p(a, b) -> float:
    stat = lambda x, y: ss.mannwhitneyu(x, y, method="asymptotic").statistic  # noqa: E731
    return ss.permutation_test((a, b), stat, permutation_type="independent",
                               n_resamples=np.inf, alternative="two-sided").pvalue


@pytest.mark.parametrize("m,n,shift", [(3, 97, 0.5), (5, 5, 1.0), (8, 30, 0.3), (10, 200, 0.8),
                                       (1, 5, 2.0), (4, 4, 0.0), (3, 500, 3.0)])
def test_exact_p_matches_scipy(m, n, shift):
    rng = np.random.default_rng(m * 1000 + n)
    a, b = rng.normal(size=m), rng.normal(size=n) + shift
    assert mann_whitney_p(a, b) == pytest.approx(ss.mannwhitneyu(a, b, method="exact").pvalue,
                                                 rel=1e-9, abs=1e-15)


@pytest.mark.parametrize("m,n", [(20, 30), (40, 25), (100, 100)])
def test_asymptotic_p_matches_scipy(m, n):
    rng = np.random.default_rng(m + n)
    a, b = rng.normal(size=m), rng.normal(size=n) + 0.4
    assert mann_whitney_p(a, b) == pytest.approx(
        ss.mannwhitneyu(a, b, method="asymptotic", use_continuity=True).pvalue, rel=1e-9)


def test_asymptotic_p_with_ties_matches_scipy():
    rng = np.random.default_rng(7)
    a, b = np.round(rng.normal(size=30)), np.round(rng.normal(size=40) + 0.5)
    assert mann_whitney_p(a, b) == pytest.approx(
        ss.mannwhitneyu(a, b, method="asymptotic").pvalue, rel=1e-9)


@pytest.mark.parametrize("a,b", [([0, 0, 0], [1] * 17), ([1, 2, 2, 3], [2, 3, 3, 4, 5, 5, 6]),
                                 ([2, 3, 3, 4, 5, 5, 6], [1, 2, 2, 3, 9])])
def test_exact_p_with_ties_is_the_permutation_p(a, b):
    assert mann_whitney_p(a, b) == pytest.approx(permutation_p(np.array(a, float),
                                                               np.array(b, float)), rel=1e-9)


def test_u_and_ranks_match_scipy():
    rng = np.random.default_rng(3)
    x = np.round(rng.normal(size=50), 1)
    np.testing.assert_allclose(midranks(x), ss.rankdata(x))
    a, b = x[:20], x[20:]
    assert mann_whitney_u(a, b) == ss.mannwhitneyu(a, b).statistic


def test_all_equal_is_no_evidence():
    assert mann_whitney_p([1.0] * 5, [1.0] * 8) == 1.0


def test_bad_input_raises_value_error():
    with pytest.raises(ValueError):
        mann_whitney_p([], [1.0])
    with pytest.raises(ValueError):
        mann_whitney_p([np.nan], [1.0])
    with pytest.raises(ValueError):
        benjamini_hochberg([0.1], 1.5)


@pytest.mark.parametrize("alpha", [0.01, 0.05, 0.2])
def test_benjamini_hochberg_matches_scipy(alpha):
    rng = np.random.default_rng(11)
    p = np.concatenate([rng.uniform(size=80), rng.uniform(0, 1e-3, size=20)])
    expected = ss.false_discovery_control(p, method="bh") <= alpha
    assert benjamini_hochberg(p, alpha) == expected.tolist()
    assert any(expected)


def test_benjamini_hochberg_step_up():
    # p_(3) = 0.03 <= 3 * 0.05 / 4 rejects p_(1..3) although p_(2) > 2*0.05/4
    assert benjamini_hochberg([0.001, 0.03, 0.026, 0.9], 0.05) == [True, True, True, False]


def test_bootstrap_ci_matches_scipy_percentile():
    rng = np.random.default_rng(5)
    before = rng.lognormal(0.0, 0.05, size=30)
    after = rng.lognormal(np.log(1.25), 0.05, size=30)
    lo, hi = bootstrap_ratio_ci(before, after, level=0.99, n=4000, seed=1)
    ref = ss.bootstrap((before, after), lambda x, y, axis=-1: np.median(y, axis=axis)
                       / np.median(x, axis=axis), method="percentile", confidence_level=0.99,
                       n_resamples=4000, vectorized=True, random_state=2).confidence_interval
    assert lo == pytest.approx(ref.low, abs=0.01)
    assert hi == pytest.approx(ref.high, abs=0.01)
    assert lo < np.median(after) / np.median(before) < hi


def test_median_ratio_is_nan_without_a_ratio():
    assert median_ratio([1.0, 2.0, 3.0], [4.0, 6.0]) == 2.5
    before, after = np.array([0.3, 0.1, 0.7]), np.array([0.9, 0.2])
    assert median_ratio(before, after) == float(np.median(after) / np.median(before))
    for b, a in [([0.0], [1.0]), ([1.0], [0.0]), ([0.0], [0.0]), ([np.nan], [1.0]),
                 ([1.0], [np.inf])]:
        assert np.isnan(median_ratio(b, a))


def test_fast_medians_are_numpys_bit_for_bit():
    rng = np.random.default_rng(4)
    for size in range(1, 40):
        m = rng.lognormal(0.0, rng.uniform(0.01, 2.0), (50, size))
        if size % 3 == 0:
            m = np.round(m, 1)                     # ties
        m[0] = -0.0                                # numpy's mean makes -0.0 + -0.0 a 0.0
        assert np.median(m, axis=1).tobytes() == row_medians(m).tobytes()
        for row in m[:5]:
            assert np.float64(np.median(row)).tobytes() == np.float64(median(row)).tobytes()


def test_student_t_tail_and_quantile_match_scipy():
    """The tail test's p-values: Student's t without scipy, scipy as the oracle,
    far tails included (relative error, never 0 or NaN)."""
    import math
    from scipy import stats as ss
    from rustorch_wasm.regress.analysis.student_t import two_sided_p, two_sided_quantile
    for df in (1, 2, 3, 5, 9, 29, 100, 1000):
        for t in (0.0, 0.1, 0.7, 1.5, 3.0, 8.0, 25.0, 200.0):
            want = 2 * ss.t.sf(t, df) if t else 1.0
            got = two_sided_p(t, df)
            if want > 1e-300:
                assert got == pytest.approx(want, rel=1e-10, abs=0)
            else:                                   # scipy underflows to 0: ours stays positive
                assert 0.0 < got < 1e-300
        for level in (0.5, 0.9, 0.99, 0.999):
            assert two_sided_quantile(level, df) == pytest.approx(ss.t.ppf((1 + level) / 2, df),
                                                                  rel=1e-9)
    assert 0.0 < two_sided_p(1e9, 29) < 1e-200 and not math.isnan(two_sided_p(math.inf, 3))
