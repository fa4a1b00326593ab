"""f32 kernels against numpy (float64 references), through the public API."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rustorch_wasm as rw
from rustorch_wasm import Tensor
from rustorch_wasm.runtime import get_runtime

SIZES = [1, 3, 4, 15, 16, 17, 1023, 4099]
# exp/log/sigmoid/tanh are SIMD polynomials: max relative error ~2-4 ulp (see simd.rs).
ULP4 = 4 * 2.0**-23


def t(a: np.ndarray) -> Tensor:
    return Tensor.from_numpy(np.ascontiguousarray(a, dtype=np.float32))


def data(n: int, lo: float = -5.0, hi: float = 5.0, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed + n).uniform(lo, hi, n).astype(np.float32)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("op, ref", [("add", np.add), ("sub", np.subtract),
                                     ("mul", np.multiply), ("div", np.divide)])
def test_binary_matches_numpy_exactly(n, op, ref):
    a, b = data(n), data(n, 0.5, 3.0, seed=1)
    got = getattr(rw, op)(t(a), t(b)).numpy()
    np.testing.assert_array_equal(got, ref(a, b))


@pytest.mark.parametrize("n", SIZES)
def test_scalar_forms_and_reversed_forms(n):
    a = data(n, 0.5, 3.0)
    x = t(a)
    np.testing.assert_array_equal((x + 2.5).numpy(), a + np.float32(2.5))
    np.testing.assert_array_equal((x - 2.5).numpy(), a - np.float32(2.5))
    np.testing.assert_array_equal((2.5 - x).numpy(), np.float32(2.5) - a)
    np.testing.assert_array_equal((x * 2.5).numpy(), a * np.float32(2.5))
    np.testing.assert_array_equal((x / 2.5).numpy(), a / np.float32(2.5))
    np.testing.assert_array_equal((2.5 / x).numpy(), np.float32(2.5) / a)


def test_in_place_aliasing_both_sides():
    a, b = data(1000), data(1000, seed=9)
    x, y = t(a), t(b)
    rw.sub(x, y, out=x)
    np.testing.assert_array_equal(x.numpy(), a - b)
    x2 = t(a)
    rw.sub(x2, y, out=y)  # out is the right operand
    np.testing.assert_array_equal(y.numpy(), a - b)
    z = t(a)
    rw.mul(z, z, out=z)
    np.testing.assert_array_equal(z.numpy(), a * a)
    w = t(a)
    rw.sigmoid(w, out=w)
    np.testing.assert_allclose(w.numpy(), 1 / (1 + np.exp(-a.astype(np.float64))), rtol=ULP4)


@pytest.mark.parametrize("n", SIZES)
def test_unary_functions_within_a_few_ulp(n):
    a = data(n, -20, 20)
    x = a.astype(np.float64)
    np.testing.assert_array_equal(rw.relu(t(a)).numpy(), np.maximum(a, 0))
    np.testing.assert_allclose(rw.exp(t(a)).numpy(), np.exp(x), rtol=ULP4)
    np.testing.assert_allclose(rw.sigmoid(t(a)).numpy(), 1 / (1 + np.exp(-x)), rtol=ULP4, atol=1e-37)
    np.testing.assert_allclose(rw.tanh(t(a)).numpy(), np.tanh(x), rtol=ULP4, atol=1e-37)
    pos = np.abs(a) + np.float32(1e-3)
    np.testing.assert_allclose(rw.log(t(pos)).numpy(), np.log(pos.astype(np.float64)),
                               rtol=ULP4, atol=2e-7)


def test_tanh_keeps_relative_accuracy_near_zero():
    a = np.array([1e-8, -3e-5, 1e-3, 0.3, 0.39, 0.41, -0.7], dtype=np.float32)
    np.testing.assert_allclose(rw.tanh(t(a)).numpy(), np.tanh(a.astype(np.float64)), rtol=ULP4)


def test_special_values_follow_ieee_like_numpy():
    a = np.array([0.0, -0.0, -1.0, np.inf, -np.inf, np.nan, 1e-40, 100.0, -100.0], dtype=np.float32)
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(rw.log(t(a)).numpy()[:6], np.log(a[:6]))
        assert np.isclose(rw.log(t(a)).numpy()[6], np.log(1e-40), rtol=1e-5)  # subnormal input
        e = rw.exp(t(a)).numpy()
        assert e[3] == np.inf and e[4] == 0 or e[4] < 1e-37
        assert np.isnan(e[5]) and e[7] == np.inf
        s = rw.sigmoid(t(a)).numpy()
        assert s[7] == 1.0 and 0 <= s[8] < 1e-37 and np.isnan(s[5])
        assert np.isnan(rw.relu(t(a)).numpy()[5])


@pytest.mark.parametrize("n", SIZES + [1_000_000])
def test_reductions(n):
    a = data(n)
    x = t(a)
    exact = a.astype(np.float64).sum()
    assert abs(rw.sum(x) - exact) <= 1e-6 * np.abs(a).astype(np.float64).sum() + 1e-6
    assert rw.mean(x) == pytest.approx(exact / n, rel=1e-5, abs=1e-6)
    assert rw.max(x) == a.max()


def test_max_propagates_nan_and_empty_reductions():
    a = data(100)
    a[37] = np.nan
    assert np.isnan(rw.max(t(a)))
    empty = Tensor.zeros(0)
    assert rw.sum(empty) == 0.0
    with pytest.raises(ValueError, match="empty"):
        rw.max(empty)


@pytest.mark.parametrize("shape", [(1, 1), (3, 17), (64, 1000), (2, 3, 5)])
def test_softmax_last_axis(shape):
    a = np.random.default_rng(3).normal(0, 30, shape).astype(np.float32)  # large: needs the max shift
    x = a.astype(np.float64)
    ref = np.exp(x - x.max(-1, keepdims=True))
    ref /= ref.sum(-1, keepdims=True)
    got = rw.softmax(t(a)).numpy()
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-7)
    assert np.all(np.isfinite(got))


@pytest.mark.parametrize("shape", [(1, 1), (1, 7), (17, 3), (33, 65), (256, 1000)])
def test_transpose(shape):
    a = data(int(np.prod(shape))).reshape(shape)
    np.testing.assert_array_equal(rw.transpose(t(a)).numpy(), a.T)


@pytest.mark.parametrize("m, k, n", [(1, 1, 1), (3, 5, 7), (17, 33, 9), (64, 64, 64), (5, 1023, 3),
                                     (130, 257, 67), (33, 300, 1030), (1, 600, 1), (2, 0, 3)])
def test_matmul_awkward_shapes(m, k, n):
    rng = np.random.default_rng(m * 7 + k * 3 + n)
    a = rng.standard_normal((m, k)).astype(np.float32)
    b = rng.standard_normal((k, n)).astype(np.float32)
    ref = a.astype(np.float64) @ b.astype(np.float64)
    got = rw.matmul(t(a), t(b)).numpy()
    bound = 4 * 2.0**-24 * (np.abs(a).astype(np.float64) @ np.abs(b).astype(np.float64)) * max(k, 1) ** 0.5
    assert np.all(np.abs(got - ref) <= bound + 1e-30)


@pytest.mark.parametrize("m, k, n", [(4, 1, 8), (9, 3, 17), (70, 257, 33), (65, 511, 1030), (5, 256, 8),
                                     (63, 200, 45)])
def test_matmul_micro_kernels_agree_bit_for_bit(m, k, n):
    """The two-step micro-kernel (Wasmer's) and the module default (V8's:
    the one-step kernel, or A broadcast unpacked when m <= 64 and k <= 256)
    add the same products in the same order: equal results, odd depths,
    ragged edges and depths past one KC slab included."""
    rt = get_runtime()
    rng = np.random.default_rng(m + k + n)
    a = rng.standard_normal((m, k)).astype(np.float32)
    b = rng.standard_normal((k, n)).astype(np.float32)
    switch = rt.fn("matmul_set_two_step")
    try:
        switch(0)
        one = rw.matmul(t(a), t(b)).numpy()
        switch(1)
        two = rw.matmul(t(a), t(b)).numpy()
    finally:
        switch(1 if rt.engine == "wasmer" else 0)
    np.testing.assert_array_equal(one, two)
    np.testing.assert_allclose(two, a.astype(np.float64) @ b, rtol=1e-4, atol=1e-4 * k**0.5)


def test_instruction_counts_follow_the_default_engines_matmul():
    """The fuel-metered runtime runs the micro-kernel Wasmer runs (two-step),
    so ``track_matmul_instructions`` counts the code ``time_matmul`` times."""
    from rustorch_wasm.runtime import fueled_runtime

    rt = fueled_runtime()
    a = rw.Tensor.from_numpy(np.ones((64, 64), np.float32), runtime=rt)
    switch = rt.fn("matmul_set_two_step")

    def count() -> int:
        rw.matmul(a, a).free()  # warm, as the benchmarks do: first calls may grow the heap
        return rt.instructions(lambda: rw.matmul(a, a).free())

    default = count()
    try:
        switch(0)
        one_step = count()
        switch(1)
        two_step = count()
    finally:
        switch(1)
    assert default == two_step != one_step


@settings(max_examples=40, deadline=None)
@given(m=st.integers(1, 40), k=st.integers(1, 300), n=st.integers(1, 40))
def test_matmul_property_over_shapes(m, k, n):
    rng = np.random.default_rng(m + 100 * k + 10_000 * n)
    a = rng.uniform(-1, 1, (m, k)).astype(np.float32)
    b = rng.uniform(-1, 1, (k, n)).astype(np.float32)
    np.testing.assert_allclose(rw.matmul(t(a), t(b)).numpy(), a.astype(np.float64) @ b,
                               rtol=1e-4, atol=1e-4 * k**0.5)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 3000), s=st.floats(-100, 100, allow_nan=False, width=32))
def test_elementwise_property_over_lengths(n, s):
    a = data(n) if n else np.zeros(0, np.float32)
    np.testing.assert_array_equal(rw.add(t(a), s).numpy(), a + np.float32(s))
    np.testing.assert_array_equal(rw.relu(t(a)).numpy(), np.maximum(a, 0))


def test_chained_ops_stay_in_wasm_memory():
    a, b = data(500), data(500, seed=2)
    x, y = t(a), t(b)
    z = rw.relu(x * y + 1.0)
    assert isinstance(z, Tensor) and z.shape == (500,)
    np.testing.assert_array_equal(z.numpy(), np.maximum(a * b + np.float32(1.0), 0))


class TestBadInput:
    def test_shape_mismatch(self):
        with pytest.raises(ValueError, match="shape mismatch"):
            rw.add(t(data(3)), t(data(4)))
        with pytest.raises(ValueError, match="inner dimensions"):
            rw.matmul(t(data(6).reshape(2, 3)), t(data(6).reshape(2, 3)))
        with pytest.raises(ValueError, match="2-D"):
            rw.matmul(t(data(6)), t(data(6)))
        with pytest.raises(ValueError, match="out has shape"):
            rw.add(t(data(3)), 1.0, out=t(data(4)))

    def test_wrong_dtype_and_layout(self):
        with pytest.raises(TypeError, match="float32"):
            Tensor.from_numpy(np.zeros(3))
        with pytest.raises(TypeError, match="numpy.ndarray"):
            Tensor.from_numpy([1.0, 2.0])
        with pytest.raises(ValueError, match="C-contiguous"):
            Tensor.from_numpy(np.zeros((4, 4), np.float32).T)
        with pytest.raises(TypeError, match="Tensor or a real scalar"):
            rw.add(t(data(3)), "x")
        with pytest.raises(TypeError, match="Tensor"):
            rw.relu(np.zeros(3, np.float32))

    def test_too_big_for_wasm32(self):
        with pytest.raises(MemoryError, match="4 GiB"):
            Tensor((1 << 16, 1 << 15))
        with pytest.raises(ValueError, match="negative"):
            Tensor((-1, 3))

    def test_freed_tensor(self):
        x = t(data(10))
        x.free()
        x.free()  # idempotent
        with pytest.raises(ValueError, match="freed"):
            rw.relu(x)
        with pytest.raises(ValueError, match="freed"):
            x.numpy()

    def test_context_manager_and_finalizer_release_memory(self, rt):
        before = rt.heap_stats().in_use
        with Tensor.zeros((100, 100)) as z:
            assert rt.heap_stats().in_use > before
        assert z.freed and rt.heap_stats().in_use == before
        y = Tensor.zeros((100, 100))
        del y
        import gc

        gc.collect()
        assert rt.heap_stats().in_use == before
