"""The reference guide's claimed figures (ms), keyed by the peer report's row ids.

Transcribed from the reference guide (RusTorch's *WASM Performance
Benchmarking Guide*: "Core Operations Benchmark", "Special Functions
Performance", "Neural Network Performance"). Browser columns are ``webgpu``
(Chrome WebGPU), ``chrome``, ``firefox`` and ``safari`` (CPU); the
special-function table names no browser (``any``), the training table only
Chrome. Layer rows are keyed by the guide's sizes without a batch: the
reports show the guide's figure beside batch 1 and batch 32 alike.
"""
from __future__ import annotations

BROWSERS = ("webgpu", "chrome", "firefox", "safari")


def _row(*values: float) -> dict[str, float]:
    return dict(zip(BROWSERS, values))


def _layer(chrome: float, firefox: float, safari: float) -> dict[str, float]:
    return {"chrome": chrome, "firefox": firefox, "safari": safari}


def _special(single: float, k1: float, k10: float) -> dict[str, dict[str, float]]:
    return {"single": {"any": single}, "1000": {"any": k1}, "10000": {"any": k10}}


CLAIMS: dict[str, dict[str, float]] = {
    "add_100": _row(0.05, 0.08, 0.12, 0.10), "add_1000": _row(0.08, 0.15, 0.25, 0.20),
    "add_10000": _row(0.15, 0.80, 1.20, 1.00), "add_100000": _row(1.20, 8.50, 12.00, 10.50),
    "matmul_64": _row(0.80, 1.20, 1.80, 1.50), "matmul_256": _row(2.00, 20.00, 30.00, 25.00),
    "matmul_512": _row(8.00, 80.00, 120.00, 100.00), "matmul_1024": _row(30.00, 350.00, 500.00, 420.00),
    "relu_1000": _row(0.02, 0.05, 0.08, 0.06), "relu_10000": _row(0.10, 0.30, 0.45, 0.38),
    "sigmoid_1000": _row(0.05, 0.12, 0.18, 0.15), "sigmoid_10000": _row(0.25, 1.20, 1.80, 1.50),
    "linear_784_128": _layer(0.15, 0.25, 0.20), "linear_2048_512": _layer(0.80, 1.20, 1.00),
    "conv2d_224": _layer(8.50, 12.00, 10.50), "lstm_100_256": _layer(5.20, 8.00, 6.80),
    "train_mlp": {"chrome": 2.5}, "train_cnn": {"chrome": 15.0}, "train_rnn": {"chrome": 8.0},
}
for _name, (_s, _k1, _k10) in {"gamma": (0.001, 0.8, 8), "bessel_j": (0.002, 1.2, 12),
                               "erf": (0.001, 0.6, 6), "beta": (0.002, 1.5, 15)}.items():
    for _size, _claim in _special(_s, _k1, _k10).items():
        CLAIMS[f"{_name}_{_size}"] = _claim


def guide_claim(row_id: str, browser: str) -> float | None:
    """The reference guide's figure for a row in a browser column (``any``
    answers every browser), or None; a layer row id with a batch suffix
    (``_b32``) is looked up without it."""
    base = row_id.rsplit("_b", 1)[0] if row_id.startswith("linear_") else row_id
    claims = CLAIMS.get(base, {})
    return claims.get(browser, claims.get("any"))
