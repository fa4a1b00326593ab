"""Every nn layer's forward against a float64 numpy reference, and its
backward (input and parameter gradients) against central finite
differences of that reference."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest

import _nn_reference as ref
from rustorch_wasm.nn import Model

Ref = Callable[[np.ndarray, list[dict[str, np.ndarray]]], np.ndarray]


@dataclass
class Case:
    name: str
    input_shape: tuple[int, ...]
    layers: list[tuple]
    reference: Ref
    batch: int = 2
    low: float = -1.0


def _act(fn: Callable[[np.ndarray], np.ndarray]) -> Ref:
    return lambda x, p: fn(x)


CASES = [
    Case("linear", (7,), [("linear", 7, 5)], lambda x, p: ref.linear(x, p[0]), batch=3),
    # batch >= 8 rows: the blocked product instead of the row-streaming one
    Case("linear_batch16", (9,), [("linear", 9, 12)], lambda x, p: ref.linear(x, p[0]), batch=16),
    Case("conv2d_cout9", (2, 5, 6), [("conv2d", 2, 9, 3, 1, 1)], lambda x, p: ref.conv2d(x, p[0], 1, 1)),
    Case("linear_on_sequence", (4, 6), [("linear", 6, 3)], lambda x, p: ref.linear(x, p[0])),
    Case("relu", (11,), [("relu",)], _act(lambda x: np.maximum(x, 0)), batch=3),
    Case("sigmoid", (11,), [("sigmoid",)], _act(ref.sigmoid), batch=3),
    Case("tanh", (11,), [("tanh",)], _act(np.tanh), batch=3),
    Case("flatten", (2, 3, 4), [("flatten",)], _act(lambda x: x.reshape(len(x), -1))),
    Case("conv2d_pad1", (3, 6, 7), [("conv2d", 3, 4, 3, 1, 1)], lambda x, p: ref.conv2d(x, p[0], 1, 1)),
    # stride 1 runs the direct kernel for K = 1, 3, 5 (partial and full 16-pixel tiles)
    Case("conv2d_k1", (3, 4, 5), [("conv2d", 3, 2, 1)], lambda x, p: ref.conv2d(x, p[0], 1, 0)),
    Case("conv2d_k5_pad2_wide", (2, 6, 21), [("conv2d", 2, 3, 5, 1, 2)], lambda x, p: ref.conv2d(x, p[0], 1, 2)),
    Case("conv2d_k2_im2col", (2, 5, 6), [("conv2d", 2, 3, 2)], lambda x, p: ref.conv2d(x, p[0], 1, 0)),
    Case("conv2d_stride2", (2, 7, 8), [("conv2d", 2, 3, 3, 2, 0)], lambda x, p: ref.conv2d(x, p[0], 2, 0)),
    Case("conv2d_k2_stride2_pad1", (2, 5, 5), [("conv2d", 2, 3, 2, 2, 1)], lambda x, p: ref.conv2d(x, p[0], 2, 1)),
    Case("maxpool2d", (3, 6, 6), [("maxpool2d", 2)], _act(lambda x: ref.maxpool2d(x, 2))),
    Case("maxpool2d_overlap", (2, 7, 7), [("maxpool2d", 3, 2)], _act(lambda x: ref.maxpool2d(x, 3, 2))),
    Case("rnn", (5, 3), [("rnn", 3, 4)], lambda x, p: ref.rnn(x, p[0])),
    Case("lstm", (4, 3), [("lstm", 3, 5)], lambda x, p: ref.lstm(x, p[0])),
    Case("residual_from_input", (4,), [("residual_start",), ("linear", 4, 4), ("tanh",), ("residual_add",)],
         lambda x, p: x + np.tanh(ref.linear(x, p[0]))),
    Case("residual_block", (4,),
         [("linear", 4, 4), ("residual_start",), ("linear", 4, 4), ("sigmoid",), ("residual_add",),
          ("linear", 4, 2)],
         lambda x, p: ref.linear(ref.linear(x, p[0]) + ref.sigmoid(ref.linear(ref.linear(x, p[0]), p[1])),
                                 p[4])),
    Case("cnn_stack", (2, 6, 6),
         [("conv2d", 2, 3, 3, 1, 1), ("relu",), ("maxpool2d", 2), ("flatten",), ("linear", 27, 4)],
         lambda x, p: ref.linear(ref.maxpool2d(np.maximum(ref.conv2d(x, p[0], 1, 1), 0), 2).reshape(len(x), -1),
                                 p[4])),
    Case("rnn_then_linear", (6, 2), [("rnn", 2, 3), ("linear", 3, 1)],
         lambda x, p: ref.linear(ref.rnn(x, p[0]), p[1])),
]


def _params_of(model: Model) -> list[dict[str, np.ndarray]]:
    """Parameters as float64; residual_start adds no layer, so the list has one entry per layer."""
    return [{k: v.astype(np.float64) for k, v in d.items()} for d in model.parameters()]


def _build(case: Case, seed: int = 1) -> tuple[Model, np.ndarray]:
    model = Model(case.input_shape, seed=seed)
    for spec in case.layers:
        model.add_layer(*spec)
    rng = np.random.default_rng(seed)
    x = rng.uniform(case.low, 1.0, (case.batch,) + case.input_shape).astype(np.float32)
    return model, x


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_forward_matches_numpy(case: Case) -> None:
    model, x = _build(case)
    out = model.forward_batch(x)
    expected = case.reference(x.astype(np.float64), _params_of(model))
    assert out.shape == expected.shape
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_backward_matches_finite_differences(case: Case) -> None:
    model, x = _build(case)
    params = _params_of(model)
    out = model.forward_batch(x)
    g = np.random.default_rng(7).standard_normal(out.shape)
    model.zero_grad()
    dx = model.backward(g.astype(np.float32), input_grad=True)
    grads = model.gradients()

    x64 = x.astype(np.float64)

    def loss() -> float:
        return float(np.sum(g * case.reference(x64, params)))

    def close(got: np.ndarray, want: np.ndarray) -> None:
        scale = max(1.0, float(np.abs(want).max()))
        np.testing.assert_allclose(got, want, rtol=2e-3, atol=2e-4 * scale)

    close(dx, ref.numeric_grad(loss, x64))
    for layer_params, layer_grads in zip(params, grads):
        for name, value in layer_params.items():
            close(layer_grads[name], ref.numeric_grad(loss, value))


def test_gradients_accumulate_until_zero_grad() -> None:
    model, x = _build(CASES[0])
    g = np.ones((3, 5), np.float32)
    model.forward_batch(x)
    model.zero_grad()
    model.backward(g)
    once = model.gradients()[0]["weight"]
    model.backward(g)
    np.testing.assert_allclose(model.gradients()[0]["weight"], 2 * once, rtol=1e-6)
    model.zero_grad()
    assert not model.gradients()[0]["weight"].any()


def test_conv2d_seed_geometry_matches_numpy() -> None:
    """The seed's Conv2d case shape (3→64, 3×3, padding 1) on a smaller image."""
    model = Model((3, 20, 24)).add_layer("conv2d", 3, 64, 3, padding=1)
    x = np.random.default_rng(3).standard_normal((1, 3, 20, 24)).astype(np.float32)
    out = model.forward_batch(x)
    np.testing.assert_allclose(out, ref.conv2d(x.astype(np.float64), _params_of(model)[0], 1, 1),
                               rtol=1e-4, atol=1e-5)


def test_lstm_larger_matches_numpy() -> None:
    model = Model((12, 9)).add_layer("lstm", 9, 20)
    x = np.random.default_rng(4).standard_normal((3, 12, 9)).astype(np.float32)
    np.testing.assert_allclose(model.forward_batch(x), ref.lstm(x.astype(np.float64), _params_of(model)[0]),
                               rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("case", [c for c in CASES if c.name in
                                  ("linear", "conv2d_pad1", "rnn", "lstm", "residual_block")],
                         ids=lambda c: c.name)
def test_backward_matches_finite_differences_of_wasm_forward(case: Case) -> None:
    """Central differences of the wasm forward itself (f32, so a coarse step
    and a loose tolerance) agree with the wasm backward on sampled entries.
    Smooth layers only: a finite step through a ReLU/max-pool stack can cross
    a switch (those are covered by the float64 test above)."""
    model, x = _build(case)
    out = model.forward_batch(x)
    g = np.random.default_rng(8).standard_normal(out.shape).astype(np.float32)
    model.zero_grad()
    dx = model.backward(g, input_grad=True)
    grads = model.gradients()
    rng = np.random.default_rng(9)
    h = 1e-3

    def loss(xv: np.ndarray) -> float:
        return float(np.sum(g.astype(np.float64) * model.forward_batch(xv)))

    for idx in rng.choice(x.size, 4, replace=False):
        xp, xm = x.copy(), x.copy()
        xp.flat[idx] += h
        xm.flat[idx] -= h
        assert dx.flat[idx] == pytest.approx((loss(xp) - loss(xm)) / (2 * h), rel=2e-2, abs=2e-3)
    layer = next(i for i, d in enumerate(grads) if d)
    name, value = next(iter(model.parameters()[layer].items()))
    for idx in rng.choice(value.size, 4, replace=False):
        est = []
        for sign in (1, -1):
            v = value.copy()
            v.flat[idx] += sign * h
            model.set_parameter(layer, name, v)
            est.append(loss(x))
        model.set_parameter(layer, name, value)
        assert grads[layer][name].flat[idx] == pytest.approx((est[0] - est[1]) / (2 * h), rel=2e-2, abs=2e-3)
