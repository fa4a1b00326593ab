"""Bad input to the nn API gives one clear Python exception, never a crash."""
from __future__ import annotations

import numpy as np
import pytest

from rustorch_wasm.nn import SGD, Adam, Loss, Model


def _mlp() -> Model:
    return Model().add_layer("linear", 6, 4).add_layer("relu").add_layer("linear", 4, 3)


X = np.random.default_rng(0).standard_normal((5, 6)).astype(np.float32)
Y = np.array([0, 1, 2, 1, 0])


def test_unknown_layer_name() -> None:
    with pytest.raises(ValueError, match="unknown layer 'dense'"):
        Model().add_layer("dense", 3, 4)


@pytest.mark.parametrize("spec, message", [
    (("linear", 6), "needs in_features, out_features"),
    (("linear", 6, 0), "out_features must be a positive integer"),
    (("linear", 6, 2.5), "out_features must be a positive integer"),
    (("linear", 6, 4, 9), "at most 2 sizes"),
    (("relu", 3), "at most 0 sizes"),
    (("conv2d", 3, 8), r"needs a \(C, H, W\) input"),
    (("rnn", 1, 8), r"needs \(seq_len, 1\) inputs"),
    (("residual_add",), "cannot be the first layer"),
])
def test_bad_layer_arguments(spec: tuple, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Model().add_layer(*spec)


def test_layer_shape_mismatch_at_add_time() -> None:
    with pytest.raises(ValueError, match="last dimension is 5"):
        Model().add_layer("linear", 6, 4).add_layer("linear", 5, 2)
    with pytest.raises(ValueError, match="add 'flatten'"):
        Model((3, 8, 8)).add_layer("conv2d", 3, 4).add_layer("linear", 144, 2)
    with pytest.raises(ValueError, match="expects 3 input channels"):
        Model((1, 8, 8)).add_layer("conv2d", 3, 4)
    with pytest.raises(ValueError, match="larger than"):
        Model((1, 2, 2)).add_layer("maxpool2d", 3)


def test_residual_mismatches() -> None:
    with pytest.raises(ValueError, match="without a matching residual_start"):
        Model((4,)).add_layer("linear", 4, 4).add_layer("residual_add")
    with pytest.raises(ValueError, match="shapes differ"):
        Model((4,)).add_layer("residual_start").add_layer("linear", 4, 3).add_layer("residual_add")
    m = Model((4,)).add_layer("residual_start").add_layer("linear", 4, 4)
    with pytest.raises(ValueError, match="without a matching residual_add"):
        m.forward_batch(np.zeros((1, 4), np.float32))


@pytest.mark.parametrize("x, exc, message", [
    (np.zeros((5, 7), np.float32), ValueError, r"expected shape \(batch, 6\)"),
    (np.zeros(6, np.float32), ValueError, r"expected shape \(batch, 6\)"),
    (np.zeros((0, 6), np.float32), ValueError, "empty batch"),
    (np.array([["a"] * 6]), TypeError, "numeric"),
    (np.full((2, 6), np.nan, np.float32), ValueError, "NaN or infinity"),
    (np.full((2, 6), np.inf), ValueError, "NaN or infinity"),
])
def test_bad_inputs_forward_and_train(x: np.ndarray, exc: type, message: str) -> None:
    model = _mlp()
    with pytest.raises(exc, match=message):
        model.forward_batch(x)
    with pytest.raises(exc, match=message):
        model.train_step(x, Y[:len(x)] if x.ndim == 2 else Y, SGD(0.1))


def test_label_errors() -> None:
    model, opt = _mlp(), SGD(0.1)
    with pytest.raises(ValueError, match="4 labels for a batch of 5"):
        model.train_step(X, Y[:4], opt)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\)"):
        model.train_step(X, np.array([0, 1, 2, 3, 0]), opt)
    with pytest.raises(TypeError, match="must be integers"):
        model.train_step(X, Y.astype(np.float32), opt)
    with pytest.raises(ValueError, match="targets of shape"):
        model.train_step(X, np.zeros((5, 2)), opt, "mse")
    with pytest.raises(ValueError, match="unknown loss"):
        model.train_step(X, Y, opt, "hinge")
    out = model.forward_batch(X)
    with pytest.raises(ValueError, match="4 labels for a batch of 5"):
        Loss("cross_entropy").compute(out, Y[:4])


def test_loss_needs_the_latest_model_output() -> None:
    model = _mlp()
    out = model.forward_batch(X)
    with pytest.raises(TypeError, match="returned by Model.forward_batch"):
        Loss().compute(np.array(out), Y)
    model.forward_batch(X)
    with pytest.raises(ValueError, match="most recent forward_batch"):
        Loss().compute(out, Y)


def test_backward_and_step_preconditions() -> None:
    model = _mlp()
    with pytest.raises(ValueError, match="needs a forward_batch first"):
        model.backward()
    model.forward_batch(X)
    with pytest.raises(ValueError, match="needs a loss"):
        model.backward()
    with pytest.raises(ValueError, match="grad_output has shape"):
        model.backward(np.zeros((5, 2), np.float32))
    with pytest.raises(ValueError, match="not bound to a model"):
        SGD(0.1).step()
    opt = SGD(0.1, model=model)
    with pytest.raises(ValueError, match="already bound to another model"):
        _mlp().train_step(X, Y, opt)


@pytest.mark.parametrize("make, message", [
    (lambda: SGD(-0.1), "lr must lie"),
    (lambda: SGD(0.0), "lr must be positive"),
    (lambda: SGD(0.1, momentum=1.5), "momentum must lie"),
    (lambda: Adam(betas=(0.9,)), "betas must be a pair"),
    (lambda: Adam(eps=float("nan")), "eps must lie"),
])
def test_bad_optimizer_settings(make, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()


def test_diverged_loss_raises_and_leaves_parameters() -> None:
    model = _mlp()
    model.set_parameter(2, "bias", np.array([3e38, -3e38, 0.0]))
    model.set_parameter(2, "weight", np.full((4, 3), 3e38))
    before = model.parameters()
    with pytest.raises(FloatingPointError, match="parameters left unchanged"):
        model.train_step(np.abs(X) + 1, Y, SGD(0.1))
    for b, a in zip(before, model.parameters()):
        for k in b:
            np.testing.assert_array_equal(a[k], b[k])


def test_set_parameter_checks() -> None:
    model = _mlp()
    with pytest.raises(ValueError, match="has no parameter"):
        model.set_parameter(1, "weight", np.zeros(1))
    with pytest.raises(ValueError, match="has shape"):
        model.set_parameter(0, "weight", np.zeros((4, 6)))


def test_bound_step_refuses_after_reallocation() -> None:
    model = _mlp()
    step = model.bind_train_step(X[:2], Y[:2], SGD(0.1))
    assert np.isfinite(step())
    model.forward_batch(np.zeros((9, 6), np.float32))  # larger batch: buffers re-allocated
    with pytest.raises(ValueError, match="stale"):
        step()


def test_no_layers_after_run() -> None:
    model = _mlp()
    model.forward_batch(X)
    with pytest.raises(ValueError, match="after the model has run"):
        model.add_layer("relu")
    with pytest.raises(ValueError, match="no layers"):
        Model().forward_batch(X)
