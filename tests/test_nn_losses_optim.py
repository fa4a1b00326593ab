"""Losses (value and gradient) against float64 numpy, optimizer updates
against their formulas, and the one-call train_step against the
seed's separate forward / loss / zero_grad / backward / step calls."""
from __future__ import annotations

import numpy as np
import pytest

import _nn_reference as ref
from rustorch_wasm.nn import SGD, Adam, CrossEntropyLoss, Loss, Model, MSELoss
from rustorch_wasm.runtime import Runtime


def _identity(n: int) -> Model:
    return Model((n,)).add_layer("flatten")


@pytest.mark.parametrize("scale", [1.0, 50.0, 1e3])
def test_cross_entropy_value_and_gradient(scale: float) -> None:
    rng = np.random.default_rng(0)
    logits = (rng.standard_normal((6, 10)) * scale).astype(np.float32)
    labels = rng.integers(0, 10, 6)
    model = _identity(10)
    loss = CrossEntropyLoss().compute(model.forward_batch(logits), labels)
    z = logits.astype(np.float64)
    want = ref.cross_entropy(z, labels)
    assert np.isfinite(loss.value)
    assert loss.value == pytest.approx(want, rel=1e-5, abs=1e-5 * scale)
    dz = model.backward(input_grad=True)
    np.testing.assert_allclose(dz, ref.numeric_grad(lambda: ref.cross_entropy(z, labels), z, 1e-6 * scale),
                               atol=2e-5 * max(1.0, scale / 50))


def test_mse_value_and_gradient() -> None:
    rng = np.random.default_rng(1)
    out, target = rng.standard_normal((4, 3)).astype(np.float32), rng.standard_normal((4, 3))
    model = _identity(3)
    loss = MSELoss()(model.forward_batch(out), target)
    o = out.astype(np.float64)
    t = target.astype(np.float32).astype(np.float64)
    assert loss.value == pytest.approx(ref.mse(o, t), rel=1e-6)
    np.testing.assert_allclose(model.backward(input_grad=True),
                               ref.numeric_grad(lambda: ref.mse(o, t), o), atol=1e-6)


def _mlp(seed: int = 0) -> Model:
    return Model(seed=seed).add_layer("linear", 8, 6).add_layer("tanh").add_layer("linear", 6, 3)


def _batch() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(2)
    return rng.standard_normal((5, 8)).astype(np.float32), rng.integers(0, 3, 5)


def _flat(arrays: list[dict[str, np.ndarray]]) -> np.ndarray:
    return np.concatenate([a.ravel() for d in arrays for a in d.values()]).astype(np.float64)


def test_sgd_momentum_updates() -> None:
    model, (x, y) = _mlp(), _batch()
    opt = SGD(0.05, 0.9)
    p0 = _flat(model.parameters())
    model.train_step(x, y, opt)
    g0 = _flat(model.gradients())
    p1 = _flat(model.parameters())
    np.testing.assert_allclose(p1, p0 - 0.05 * g0, rtol=1e-5, atol=1e-7)
    model.train_step(x, y, opt)
    g1 = _flat(model.gradients())
    np.testing.assert_allclose(_flat(model.parameters()), p1 - 0.05 * (0.9 * g0 + g1), rtol=1e-5, atol=1e-7)


def test_adam_updates() -> None:
    model, (x, y) = _mlp(), _batch()
    opt = Adam(0.01, betas=(0.8, 0.95), eps=1e-6)
    p = _flat(model.parameters())
    m = v = np.zeros_like(p)
    for t in range(1, 4):
        model.train_step(x, y, opt)
        g = _flat(model.gradients())
        m, v = 0.8 * m + 0.2 * g, 0.95 * v + 0.05 * g * g
        p = p - 0.01 * (m / (1 - 0.8**t)) / (np.sqrt(v / (1 - 0.95**t)) + 1e-6)
        np.testing.assert_allclose(_flat(model.parameters()), p, rtol=1e-4, atol=1e-6)
    assert opt.steps == 3


def test_train_step_equals_separate_calls() -> None:
    """One wasm call gives the same parameters as the seed's five-call loop."""
    x, y = _batch()
    fused, split = _mlp(3), _mlp(3)
    opt_f, opt_s = SGD(0.1, 0.9), SGD(0.1, 0.9, model=split)
    loss_fn = Loss("cross_entropy")
    for _ in range(3):
        lf = fused.train_step(x, y, opt_f)
        out = split.forward_batch(x)
        loss = loss_fn.compute(out, y)
        split.zero_grad()
        loss.backward()
        opt_s.step()
        assert lf == pytest.approx(loss.value, rel=1e-6)
    np.testing.assert_allclose(_flat(fused.parameters()), _flat(split.parameters()), rtol=1e-6, atol=1e-7)


def test_train_step_loss_matches_reference_loss() -> None:
    model, (x, y) = _mlp(), _batch()
    p = [{k: v.astype(np.float64) for k, v in d.items()} for d in model.parameters()]
    logits = ref.linear(np.tanh(ref.linear(x.astype(np.float64), p[0])), p[2])
    assert model.train_step(x, y, SGD(0.01)) == pytest.approx(ref.cross_entropy(logits, y), rel=1e-5)


def test_mse_training_on_sequence_output() -> None:
    """MSE through rnn + linear, output (batch, T, 1): loss decreases with Adam."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((4, 7, 1)).astype(np.float32)
    target = np.roll(x, -1, axis=1)
    model = Model((7, 1)).add_layer("rnn", 1, 8).add_layer("linear", 8, 1)
    opt = Adam(0.02)
    losses = [model.train_step(x, target, opt, "mse") for _ in range(60)]
    assert losses[-1] < 0.5 * losses[0]


@pytest.mark.parametrize("make_opt", [lambda: SGD(0.01, 0.9), lambda: Adam(0.01)], ids=["sgd", "adam"])
def test_optimizer_state_is_flushed_not_subnormal(make_opt) -> None:
    """The benchmark MLP's dead ReLU units have zero gradients, so their
    momentum decays as 0.9^k: past ~700 steps it would sink into float32's
    subnormals and stay (slow on x86). The kernel flushes it to zero."""
    from rustorch_wasm.nn import cases, datasets

    model = cases.mlp(Runtime())
    x, y = datasets.mnist_like(64)
    opt = make_opt()
    step = model.bind_train_step(x[:32], y[:32], opt)
    step()
    first = opt._state[0].numpy()  # velocity (SGD) or first moment (Adam)
    tiny = np.finfo(np.float32).tiny
    for _ in range(1000):
        step()
    state = opt._state[0].numpy()
    assert np.count_nonzero((state != 0) & (np.abs(state) < tiny)) == 0
    # entries that were live after the first step did decay all the way to zero
    assert np.count_nonzero((first != 0) & (state == 0)) > 1000
    assert np.isfinite(_flat(model.parameters())).all()
