"""float64 numpy references for the nn layers and losses, and central
finite differences of any of them (used by tests/test_nn_*.py)."""
from __future__ import annotations

from typing import Callable

import numpy as np

Params = dict[str, np.ndarray]


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def linear(x: np.ndarray, p: Params) -> np.ndarray:
    return x @ p["weight"] + p["bias"]


def conv2d(x: np.ndarray, p: Params, stride: int = 1, padding: int = 0) -> np.ndarray:
    w, b = p["weight"], p["bias"]
    n, c, h, wd = x.shape
    co, _, k, _ = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    oh, ow = (h + 2 * padding - k) // stride + 1, (wd + 2 * padding - k) // stride + 1
    y = np.zeros((n, co, oh, ow))
    for ky in range(k):
        for kx in range(k):
            patch = xp[:, :, ky:ky + stride * oh:stride, kx:kx + stride * ow:stride]
            y += np.einsum("nchw,oc->nohw", patch, w[:, :, ky, kx])
    return y + b[None, :, None, None]


def maxpool2d(x: np.ndarray, k: int = 2, stride: int | None = None) -> np.ndarray:
    s = stride or k
    n, c, h, w = x.shape
    oh, ow = (h - k) // s + 1, (w - k) // s + 1
    y = np.full((n, c, oh, ow), -np.inf)
    for i in range(k):
        for j in range(k):
            y = np.maximum(y, x[:, :, i:i + s * oh:s, j:j + s * ow:s])
    return y


def rnn(x: np.ndarray, p: Params) -> np.ndarray:
    n, t_len, _ = x.shape
    hid = p["weight_hh"].shape[0]
    h = np.zeros((n, hid))
    out = np.zeros((n, t_len, hid))
    for t in range(t_len):
        h = np.tanh(x[:, t] @ p["weight_ih"] + h @ p["weight_hh"] + p["bias"])
        out[:, t] = h
    return out


def lstm(x: np.ndarray, p: Params) -> np.ndarray:
    n, t_len, _ = x.shape
    hid = p["weight_hh"].shape[0]
    h, c = np.zeros((n, hid)), np.zeros((n, hid))
    out = np.zeros((n, t_len, hid))
    for t in range(t_len):
        z = x[:, t] @ p["weight_ih"] + h @ p["weight_hh"] + p["bias"]
        i, f = sigmoid(z[:, :hid]), sigmoid(z[:, hid:2 * hid])
        g, o = np.tanh(z[:, 2 * hid:3 * hid]), sigmoid(z[:, 3 * hid:])
        c = f * c + i * g
        h = o * np.tanh(c)
        out[:, t] = h
    return out


def cross_entropy(logits: np.ndarray, labels: np.ndarray) -> float:
    m = logits.max(axis=1, keepdims=True)
    lse = m[:, 0] + np.log(np.exp(logits - m).sum(axis=1))
    return float(np.mean(lse - logits[np.arange(len(labels)), labels]))


def mse(out: np.ndarray, target: np.ndarray) -> float:
    return float(np.mean((out - target) ** 2))


def numeric_grad(f: Callable[[], float], arr: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central differences of scalar ``f()`` with respect to every entry of ``arr`` (modified in place, restored)."""
    g = np.zeros_like(arr)
    flat, gflat = arr.reshape(-1), g.reshape(-1)
    for i in range(flat.size):
        keep = flat[i]
        flat[i] = keep + h
        up = f()
        flat[i] = keep - h
        down = f()
        flat[i] = keep
        gflat[i] = (up - down) / (2 * h)
    return g
