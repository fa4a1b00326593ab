"""The reference guide's neural-network reference cases, ready for benchmarks.

Each ``*_body(runtime)`` builder puts a model and its inputs in that
runtime's wasm memory and returns the zero-argument callable that does the
work with one wasm call (the contract of ``benchmarks/_harness.KernelCase``).
``CASES`` lists them with the reference guide's claimed Chrome-CPU time and, for the
training cases, its claimed memory. ``peak_bytes`` measures the kernel-heap
high-water mark a case needs (model, gradients, optimizer state,
activations, staged batch and kernel scratch).

``train_mlp``, ``train_cnn`` and ``train_rnn`` run the reference guide's training
scenarios end to end and report losses and accuracy:

* MLP 784→128→10 (ReLU), batch 32, SGD(0.01, momentum 0.9), cross-entropy,
  10 epochs over ``mnist_like(1000)``;
* CNN conv3×3(3→64)-ReLU-maxpool2, conv3×3(64→128)-ReLU-maxpool2, linear
  (128·8·8→10), padding 1, batch 16, SGD(0.01, 0.9), 20 steps on
  ``cifar_like``;
* simple RNN (1→32, tanh) + linear 32→1 per step, seq 50, batch 16, Adam
  (lr 0.01), MSE on next-step ``noisy_sine``.

The layer cases use batch 1 (the reference guide gives no batch): Linear 784→128 and
2048→512, Conv2d 3→64 3×3 padding 1 on 224×224, LSTM input 128, hidden 256,
seq 100. The image-classification case is a small ResNet-like CNN on
3×224×224 (stem conv stride 2 + pool, two residual blocks of two 3×3 convs,
a strided conv between them, pool, linear to 10 classes), on one image and on
a batch of 10.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ..runtime import Runtime, get_runtime
from . import datasets
from .model import Model
from .optim import SGD, Adam

Body = Callable[[], Any]


@dataclass
class TrainResult:
    """Outcome of one training scenario."""

    losses: list[float]
    accuracy: float | None
    seconds: float
    steps: int


@dataclass(frozen=True)
class CaseSpec:
    """A benchmark case: its builder and the reference guide's claims."""

    name: str
    size: str
    make: Callable[[Runtime], Body]
    guide_ms: float | None
    guide_mb: float | None = None


def _rng() -> np.random.Generator:
    return np.random.default_rng(20261124)


# -- models ------------------------------------------------------------------
def mlp(runtime: Runtime | None = None) -> Model:
    return (Model(runtime=runtime).add_layer("linear", 784, 128).add_layer("relu")
            .add_layer("linear", 128, 10))


def cnn(runtime: Runtime | None = None) -> Model:
    m = Model((3, 32, 32), runtime=runtime)
    m.add_layer("conv2d", 3, 64, 3, padding=1).add_layer("relu").add_layer("maxpool2d", 2)
    m.add_layer("conv2d", 64, 128, 3, padding=1).add_layer("relu").add_layer("maxpool2d", 2)
    return m.add_layer("flatten").add_layer("linear", 128 * 8 * 8, 10)


def rnn(runtime: Runtime | None = None, seq_len: int = 50, hidden: int = 32) -> Model:
    return Model((seq_len, 1), runtime=runtime).add_layer("rnn", 1, hidden).add_layer("linear", hidden, 1)


def resnet_like(runtime: Runtime | None = None) -> Model:
    m = Model((3, 224, 224), runtime=runtime)
    m.add_layer("conv2d", 3, 16, 3, stride=2, padding=1).add_layer("relu").add_layer("maxpool2d", 2)
    for channels in (16, 32):
        if channels == 32:
            m.add_layer("conv2d", 16, 32, 3, stride=2, padding=1).add_layer("relu")
        m.add_layer("residual_start")
        m.add_layer("conv2d", channels, channels, 3, padding=1).add_layer("relu")
        m.add_layer("conv2d", channels, channels, 3, padding=1)
        m.add_layer("residual_add").add_layer("relu")
    return m.add_layer("maxpool2d", 4).add_layer("flatten").add_layer("linear", 32 * 7 * 7, 10)


# -- benchmark bodies ----------------------------------------------------------
def mlp_train_body(rt: Runtime) -> Body:
    x, y = datasets.mnist_like(1000)
    return mlp(rt).bind_train_step(x[:32], y[:32], SGD(0.01, 0.9))


def cnn_train_body(rt: Runtime) -> Body:
    x, y = datasets.cifar_like(16)
    return cnn(rt).bind_train_step(x, y, SGD(0.01, 0.9))


def rnn_train_body(rt: Runtime) -> Body:
    x, y = datasets.noisy_sine(16, 50)
    return rnn(rt).bind_train_step(x, y, Adam(0.01), "mse")


def linear_forward_body(rt: Runtime, nin: int, nout: int, batch: int = 1) -> Body:
    m = Model(runtime=rt).add_layer("linear", nin, nout)
    return m.bind_forward(_rng().standard_normal((batch, nin)).astype(np.float32))


def conv2d_forward_body(rt: Runtime, batch: int = 1) -> Body:
    m = Model((3, 224, 224), runtime=rt).add_layer("conv2d", 3, 64, 3, padding=1)
    return m.bind_forward(_rng().standard_normal((batch, 3, 224, 224)).astype(np.float32))


def lstm_forward_body(rt: Runtime, seq_len: int = 100, hidden: int = 256, inputs: int = 128) -> Body:
    m = Model((seq_len, inputs), runtime=rt).add_layer("lstm", inputs, hidden)
    return m.bind_forward(_rng().standard_normal((1, seq_len, inputs)).astype(np.float32))


def resnet_forward_body(rt: Runtime, batch: int = 1) -> Body:
    x = _rng().uniform(0, 1, (batch, 3, 224, 224)).astype(np.float32)
    return resnet_like(rt).bind_forward(x)


CASES = [
    CaseSpec("Linear forward", "784→128", lambda rt: linear_forward_body(rt, 784, 128), 0.15),
    CaseSpec("Linear forward", "2048→512", lambda rt: linear_forward_body(rt, 2048, 512), 0.80),
    CaseSpec("Conv2d forward", "224x224x3→64", conv2d_forward_body, 8.50),
    CaseSpec("LSTM forward", "seq=100, hidden=256", lstm_forward_body, 5.20),
    CaseSpec("MLP train step", "784→128→10, batch 32", mlp_train_body, 2.5, 12.0),
    CaseSpec("CNN train step", "3→64→128→10, batch 16", cnn_train_body, 15.0, 45.0),
    CaseSpec("Simple RNN train step", "seq=50, batch 16", rnn_train_body, 8.0, 25.0),
    CaseSpec("ResNet-like inference", "224x224x3, 1 image", lambda rt: resnet_forward_body(rt, 1), None),
    CaseSpec("ResNet-like inference", "224x224x3, batch 10", lambda rt: resnet_forward_body(rt, 10), None),
]


def peak_bytes(rt: Runtime, make: Callable[[Runtime], Body]) -> tuple[Body, int]:
    """The case's body and the kernel-heap bytes it needed at most (building
    it and running it once), above what was in use before."""
    rt.reset_peak()
    base = rt.heap_stats().in_use
    body = make(rt)
    body()
    return body, rt.heap_stats().peak - base


# -- training scenarios --------------------------------------------------------
def train_mlp(epochs: int = 10, runtime: Runtime | None = None) -> TrainResult:
    x, y = datasets.mnist_like(1000)
    model, opt = mlp(runtime or get_runtime()), SGD(0.01, 0.9)
    losses = []
    start = time.perf_counter()
    for _ in range(epochs):
        for i in range(0, len(x), 32):
            losses.append(model.train_step(x[i:i + 32], y[i:i + 32], opt))
    seconds = time.perf_counter() - start
    accuracy = float(np.mean(np.argmax(model.forward_batch(x), axis=1) == y))
    model.free()
    return TrainResult(losses, accuracy, seconds, len(losses))


def train_cnn(steps: int = 20, runtime: Runtime | None = None) -> TrainResult:
    x, y = datasets.cifar_like(16 * steps)
    model, opt = cnn(runtime or get_runtime()), SGD(0.01, 0.9)
    start = time.perf_counter()
    losses = [model.train_step(x[16 * i:16 * i + 16], y[16 * i:16 * i + 16], opt) for i in range(steps)]
    seconds = time.perf_counter() - start
    model.free()
    return TrainResult(losses, None, seconds, steps)


def train_rnn(steps: int = 150, runtime: Runtime | None = None) -> TrainResult:
    x, y = datasets.noisy_sine(16, 50)
    model, opt = rnn(runtime or get_runtime()), Adam(0.01)
    start = time.perf_counter()
    losses = [model.train_step(x, y, opt, "mse") for _ in range(steps)]
    seconds = time.perf_counter() - start
    model.free()
    return TrainResult(losses, None, seconds, steps)
