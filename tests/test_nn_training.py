"""The seed's three training scenarios reach their outcomes (seconds each),
and the benchmark-case builders run and report their wasm memory."""
from __future__ import annotations

import numpy as np
import pytest

from rustorch_wasm.nn import cases, datasets


def test_mlp_reaches_95_percent_in_10_epochs() -> None:
    result = cases.train_mlp(epochs=10)
    assert result.steps == 10 * 32  # 1000 samples in batches of 32 (the last one 8)
    assert result.accuracy is not None and result.accuracy >= 0.95
    assert np.mean(result.losses[-32:]) < 0.1 * np.mean(result.losses[:5])


def test_cnn_loss_falls_over_20_steps() -> None:
    result = cases.train_cnn(steps=20)
    first, last = np.mean(result.losses[:5]), np.mean(result.losses[-5:])
    assert all(np.isfinite(result.losses))
    assert last < first - 0.1, (first, last)


def test_rnn_mse_falls_tenfold() -> None:
    result = cases.train_rnn(steps=150)
    assert result.losses[-1] * 10 <= result.losses[0], (result.losses[0], result.losses[-1])
    # and it beats predicting "same as now" (a naive forecaster) on this data
    x, y = datasets.noisy_sine(16, 50)
    assert result.losses[-1] < float(np.mean((x - y) ** 2))


def test_datasets_are_deterministic_and_shaped() -> None:
    x, y = datasets.mnist_like(1000)
    assert x.shape == (1000, 784) and x.dtype == np.float32 and 0 <= x.min() and x.max() <= 1
    assert sorted(np.bincount(y)) == [100] * 10
    x2, _ = datasets.mnist_like(1000)
    np.testing.assert_array_equal(x, x2)
    c, cy = datasets.cifar_like(20)
    assert c.shape == (20, 3, 32, 32) and set(cy) == set(range(10))


@pytest.mark.parametrize("spec", [s for s in cases.CASES if "batch 10" not in s.size and "CNN" not in s.name],
                         ids=lambda s: f"{s.name} {s.size}")
def test_case_bodies_run_and_report_memory(rt, spec: cases.CaseSpec) -> None:
    body, peak = cases.peak_bytes(rt, spec.make)
    result = body()
    if "train" in spec.name:
        assert np.isfinite(result) and result > 0  # the loss
    else:
        assert result == 0  # forward status: ok
    assert peak > 0
    if spec.guide_mb is not None:  # heap sizes are deterministic: stay within the seed's memory figure
        assert peak <= spec.guide_mb * 1e6, peak


def test_cnn_step_memory_within_seed_figure(rt) -> None:
    spec = next(s for s in cases.CASES if s.name == "CNN train step")
    _, peak = cases.peak_bytes(rt, spec.make)
    assert 0 < peak <= 45e6, peak


def test_resnet_like_matches_between_single_and_batch(rt) -> None:
    """Batched inference gives each image the same logits as inferring it alone."""
    model = cases.resnet_like(rt)
    x = np.random.default_rng(0).uniform(0, 1, (2, 3, 224, 224)).astype(np.float32)
    both = model.forward_batch(x)
    assert both.shape == (2, 10) and np.isfinite(both).all()
    np.testing.assert_allclose(model.forward_batch(x[1:]), both[1:], rtol=1e-5, atol=1e-6)
