"""f64 special functions against mpmath at 50 digits, on dense grids."""
from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest

from rustorch_wasm import special as sp

mp.mp.dps = 50


def ref(f, *cols: np.ndarray) -> np.ndarray:
    return np.array([float(f(*vals)) for vals in zip(*cols)])


def max_rel(got: np.ndarray, want: np.ndarray) -> float:
    return float(np.max(np.abs(got - want) / np.abs(want)))


def test_gamma_positive_axis():
    x = np.concatenate([np.linspace(1e-3, 170.9, 4001), [1e-8, 0.5, 1.0, 2.0, 23.0, 171.5]])
    assert max_rel(sp.gamma(x), ref(mp.gamma, x)) <= 1e-12


def test_gamma_negative_non_integers():
    x = -np.linspace(1.3e-3, 169.7, 3001)
    x = x[np.abs(x - np.round(x)) > 1e-6]
    x = np.concatenate([x, [-0.5, -1.5, -1e-7, -2.999999, -100.25]])
    assert max_rel(sp.gamma(x), ref(mp.gamma, x)) <= 1e-12


def test_gamma_poles_and_overflow():
    assert np.all(np.isnan(sp.gamma(np.array([0.0, -1.0, -2.0, -170.0]))))
    assert sp.gamma(172.0) == np.inf
    assert np.isnan(sp.gamma(float("nan")))
    assert sp.gamma(5) == 24.0


def test_lgamma():
    x = np.concatenate([np.linspace(0.01, 60, 3000), np.geomspace(60, 1e300, 200)])
    away = (np.abs(x - 1) > 0.05) & (np.abs(x - 2) > 0.05)
    got, want = sp.lgamma(x), ref(mp.loggamma, x)
    assert max_rel(got[away], want[away]) <= 1e-12
    assert np.max(np.abs(got[~away] - want[~away])) <= 1e-14
    neg = np.array([-0.5, -2.5, -10.3])
    assert max_rel(sp.lgamma(neg), ref(lambda v: mp.log(abs(mp.gamma(v))), neg)) <= 1e-12
    assert sp.lgamma(1.0) == 0.0 and sp.lgamma(-3.0) == np.inf


def test_erf_and_erfc():
    x = np.linspace(-6, 6, 6001)
    x = x[x != 0]
    assert max_rel(sp.erf(x), ref(mp.erf, x)) <= 1e-14
    assert max_rel(sp.erfc(x), ref(mp.erfc, x)) <= 1e-14
    far = np.linspace(6, 26, 2001)
    assert max_rel(sp.erfc(far), ref(mp.erfc, far)) <= 1e-14
    assert sp.erf(np.inf) == 1.0 and sp.erf(-np.inf) == -1.0 and sp.erfc(np.inf) == 0.0
    assert sp.erf(0.0) == 0.0 and sp.erfc(0.0) == 1.0


@pytest.fixture(scope="module")
def bessel_grid() -> np.ndarray:
    return np.linspace(0, 100, 1501)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 7, 12, 25, 40, 50])
def test_bessel_jn_absolute_error(n, bessel_grid):
    want = ref(lambda v: mp.besselj(n, v), bessel_grid)
    assert np.max(np.abs(sp.bessel_j(n, bessel_grid) - want)) <= 1e-10


def test_bessel_symmetries_and_named_orders(bessel_grid):
    x = bessel_grid[::10]
    np.testing.assert_array_equal(sp.bessel_j0(x), sp.bessel_j(0, x))
    np.testing.assert_array_equal(sp.bessel_j1(x), sp.bessel_j(1, x))
    np.testing.assert_allclose(sp.bessel_j(3, -x), -sp.bessel_j(3, x), rtol=0, atol=0)
    np.testing.assert_allclose(sp.bessel_j(-3, x), -sp.bessel_j(3, x), rtol=0, atol=0)
    np.testing.assert_allclose(sp.bessel_j(-4, x), sp.bessel_j(4, x), rtol=0, atol=0)
    assert sp.bessel_j(0, 0.0) == 1.0 and sp.bessel_j(5, 0.0) == 0.0


def test_beta():
    rng = np.random.default_rng(7)
    a, b = rng.uniform(0.05, 85, 3000), rng.uniform(0.05, 85, 3000)
    assert max_rel(sp.beta(a, b), ref(mp.beta, a, b)) <= 1e-12
    big_a, big_b = np.array([200.0, 500.0]), np.array([300.0, 0.5])
    assert max_rel(sp.beta(big_a, big_b), ref(mp.beta, big_a, big_b)) <= 1e-11
    assert sp.beta(2.0, 3.0) == pytest.approx(1 / 12, rel=1e-15)


def test_beta_broadcasts():
    got = sp.beta(np.array([[1.0], [2.0]]), np.array([1.0, 2.0, 3.0]))
    assert got.shape == (2, 3)
    assert got[1, 2] == pytest.approx(1 / 12, rel=1e-14)


def test_scalar_and_array_forms_agree():
    x = np.linspace(0.1, 30, 101)
    for f in (sp.gamma, sp.lgamma, sp.erf, sp.erfc, sp.bessel_j0):
        arr = f(x)
        assert arr.dtype == np.float64 and arr.shape == x.shape
        np.testing.assert_array_equal(arr, [f(float(v)) for v in x])
    np.testing.assert_array_equal(sp.gamma(x.reshape(101, 1)).ravel(), sp.gamma(x))
    assert sp.gamma(np.array([])).shape == (0,)


def test_bad_input_is_a_clear_error():
    with pytest.raises(TypeError, match="real numbers"):
        sp.gamma(["a", "b"])
    with pytest.raises(TypeError, match="complex"):
        sp.erf(np.array([1j]))
    with pytest.raises(TypeError, match="order n must be an integer"):
        sp.bessel_j(1.5, 2.0)
    with pytest.raises(ValueError, match="do not broadcast"):
        sp.beta(np.ones(3), np.ones(4))


def test_arrays_release_their_wasm_memory(rt):
    before = rt.heap_stats().in_use
    sp.beta(np.ones(10_000), np.ones(10_000))
    sp.gamma(np.ones(10_000))
    assert rt.heap_stats().in_use == before
