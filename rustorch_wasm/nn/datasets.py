"""Generated data sets for the reference guide's neural-network cases (fixed seeds, numpy).

* ``mnist_like(n)``: n×784 float32 in [0, 1] and labels 0..9. Each class has
  a prototype 28×28 image (a few Gaussian blobs); a sample is its class
  prototype times a random contrast in [0.7, 1.3], plus N(0, 0.25²) pixel
  noise, clipped to [0, 1]. Classes are separable but not trivially
  (neighbouring prototypes overlap).
* ``cifar_like(n)``: n×3×32×32 float32 and labels 0..9. Class c is a colour
  grating with its own orientation, frequency and RGB weights, with a random
  phase per sample and N(0, 0.5²) noise.
* ``noisy_sine(n, seq_len)``: inputs (n, seq_len, 1) and next-step targets
  (n, seq_len, 1) from sin(0.3·t + φ) with a random phase φ per sequence and
  N(0, 0.05²) noise on every value (so the best achievable MSE is ≈ 0.0025
  against a starting MSE near the signal variance 0.5).
"""
from __future__ import annotations

import numpy as np


def mnist_like(n: int = 1000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:28, 0:28]
    protos = np.zeros((10, 28, 28))
    for c in range(10):
        for _ in range(4):
            cy, cx = rng.uniform(4, 24, 2)
            s = rng.uniform(2.0, 4.0)
            protos[c] += np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * s * s))
        protos[c] /= protos[c].max()
    labels = np.arange(n) % 10
    rng.shuffle(labels)
    contrast = rng.uniform(0.7, 1.3, (n, 1))
    x = protos.reshape(10, -1)[labels] * contrast + rng.normal(0, 0.25, (n, 784))
    return np.clip(x, 0, 1).astype(np.float32), labels.astype(np.int64)


def cifar_like(n: int = 320, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:32, 0:32] / 32.0
    labels = np.arange(n) % 10
    rng.shuffle(labels)
    angle = np.linspace(0, np.pi, 10, endpoint=False)
    freq = 2.0 + (np.arange(10) % 3) * 1.5
    colour = rng.uniform(0.2, 1.0, (10, 3))
    phase = rng.uniform(0, 2 * np.pi, n)
    a, f = angle[labels][:, None, None], freq[labels][:, None, None]
    wave = np.sin(2 * np.pi * f * (np.cos(a) * xx + np.sin(a) * yy) + phase[:, None, None])
    x = colour[labels][:, :, None, None] * wave[:, None] + rng.normal(0, 0.5, (n, 3, 32, 32))
    return x.astype(np.float32), labels.astype(np.int64)


def noisy_sine(n: int = 16, seq_len: int = 50, seed: int = 2) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    t = np.arange(seq_len + 1)
    phase = rng.uniform(0, 2 * np.pi, (n, 1))
    s = np.sin(0.3 * t + phase) + rng.normal(0, 0.05, (n, seq_len + 1))
    return s[:, :-1, None].astype(np.float32), s[:, 1:, None].astype(np.float32)
