"""The peer report's rows: the reference guide's operations at its sizes, their
inputs, numpy's (or scipy's) answer and the call that runs them on our kernels.

Sections follow the guide's tables: "tensor" (Add, MatMul), "activation"
(ReLU, Sigmoid), "special" (Gamma, Bessel J, Erf, Beta at a single value and
on 1K and 10K f64 arrays) and "layer" (Linear, Conv2d). Linear is
x[batch, in] @ W[in, out] + b at batch 1 and batch 32; Conv2d is 3x3,
stride 1, 'same' padding, batch 1, NHWC, with bias. The guide's LSTM row and
its training table ("training": MLP, CNN, RNN one-call steps) need a model in
wasm memory: it is built by rustorch_wasm.nn in Wasmer as nn/cases.py builds
the guide's cases, and every engine runs the same call on a copy of that
memory (KernelCall.memory).
"""
from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from rustorch_wasm.engines.spec import F64, I32, In, KernelCall, Out

MIN_SAMPLE_MS = 1.0
# Layer exports this report uses once they exist (the layouts of kernels/src/nn
# linear::forward and conv::forward; the status code is ignored, outputs are checked):
#   nn_linear_forward(x, params, y, rows, nin, nout)                 params = W (nin x nout) then b
#   nn_conv2d_forward(x, params, y, batch, cin, h, w, cout, k, stride, pad)
#                     NCHW; params = W (cout x cin*k*k, order c, ky, kx) then b
LAYER_EXPORTS = {"linear": "nn_linear_forward", "conv2d": "nn_conv2d_forward"}
SPECIAL_LABELS = {"gamma": "Gamma", "bessel_j": "Bessel J", "erf": "Error Function", "beta": "Beta"}
# The guide's f64 domains (as benchmarks/special_functions.py) and J's order.
SPECIAL_RANGE = {"gamma": (0.1, 170.0), "bessel_j": (0.0, 100.0), "erf": (-6.0, 6.0), "beta": (0.1, 50.0)}
BESSEL_ORDER = 5
SPECIAL_SINGLE = {"gamma": (4.5, 0.0), "bessel_j": (7.3, 0.0), "erf": (0.7, 0.0), "beta": (2.5, 3.5)}


@dataclass
class PeerRow:
    """One operation at one size, with the cells measured for it (ms per call)."""

    id: str
    op: str
    label: str
    size: str
    params: dict[str, int]
    section: str = "tensor"
    cells: dict[str, float | None] = field(default_factory=dict)
    rounds: dict[str, list[float]] = field(default_factory=dict)  # column -> each round's median
    call: tuple[str, tuple[int, ...]] | None = None  # nn rows: the export and its args in the memory image
    notes: list[str] = field(default_factory=list)


def guide_rows(quick: bool) -> list[PeerRow]:
    """The reference guide's tensor-op, activation, special-function and layer rows (small sizes with ``quick``)."""
    rows: list[PeerRow] = []
    for n in ((100, 1000) if quick else (100, 1_000, 10_000, 100_000)):
        rows.append(PeerRow(f"add_{n}", "add", "Add", f"{n:,}", {"n": n}))
    for n in ((64,) if quick else (64, 256, 512, 1024)):
        rows.append(PeerRow(f"matmul_{n}", "matmul", "MatMul", f"{n}x{n}", {"m": n, "k": n, "n": n}))
    for op, label in (("relu", "ReLU"), ("sigmoid", "Sigmoid")):
        for n in ((1000,) if quick else (1_000, 10_000)):
            rows.append(PeerRow(f"{op}_{n}", op, label, f"{n:,}", {"n": n}, "activation"))
    for op, label in SPECIAL_LABELS.items():
        for n in ((0, 1000) if quick else (0, 1_000, 10_000)):
            size = "single value" if n == 0 else f"{n:,} array"
            rows.append(PeerRow(f"{op}_{n or 'single'}", op, label, size, {"n": n}, "special"))
    for nin, nout in ((784, 128),) if quick else ((784, 128), (2048, 512)):
        for batch in (1, 32):
            rows.append(PeerRow(f"linear_{nin}_{nout}_b{batch}", "linear", "Linear",
                                f"{nin}→{nout}, batch {batch}", {"batch": batch, "nin": nin, "nout": nout},
                                "layer"))
    rows.append(PeerRow("lstm_100_256", "lstm", "LSTM", "seq=100, hidden=256 (128 inputs)", {}, "layer"))
    for rid, label, size in (("train_mlp", "MLP (784→128→10)", "batch 32"),
                             ("train_cnn", "CNN (3→64→128→10)", "batch 16 (32x32x3)"),
                             ("train_rnn", "Simple RNN", "seq=50, batch 16")):
        if not quick or rid == "train_mlp":
            rows.append(PeerRow(rid, rid, label, size, {}, "training"))
    hw = 16 if quick else 224
    rows.append(PeerRow(f"conv2d_{hw}", "conv2d", "Conv2d", f"{hw}x{hw}x3→64 (3x3)",
                        {"h": hw, "w": hw, "cin": 3, "cout": 64, "k": 3}, "layer"))
    return rows


def row_inputs(row: PeerRow, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Random f32 inputs in [-1, 1) for the row: a, b and (layers) bias."""
    p = row.params

    def u(*shape: int) -> np.ndarray:
        return rng.uniform(-1, 1, shape).astype(np.float32)

    if row.section == "training" or row.op == "lstm":
        return nn_image(row)
    if row.section == "special":
        lo, hi = SPECIAL_RANGE[row.op]
        n = max(p["n"], 1)
        return {"a": rng.uniform(lo, hi, n), "b": rng.uniform(lo, hi, n)}  # f64; b only for beta
    if row.op == "add":
        return {"a": u(p["n"]), "b": u(p["n"])}
    if row.op in ("relu", "sigmoid"):
        return {"a": u(p["n"])}
    if row.op == "matmul":
        return {"a": u(p["m"], p["k"]), "b": u(p["k"], p["n"])}
    if row.op == "linear":
        return {"a": u(p["batch"], p["nin"]), "b": u(p["nin"], p["nout"]), "bias": u(p["nout"])}
    return {"a": u(1, p["h"], p["w"], p["cin"]), "b": u(p["k"], p["k"], p["cin"], p["cout"]),
            "bias": u(p["cout"])}


def nn_image(row: PeerRow) -> dict[str, np.ndarray]:
    """Build the row's model with rustorch_wasm.nn in a fresh Wasmer runtime, as
    rustorch_wasm/nn/cases.py does for the guide's cases; set ``row.call`` and
    return the whole linear memory as input "image" (every engine runs the call
    on that image)."""
    from rustorch_wasm.nn import Model, cases, datasets
    from rustorch_wasm.nn.optim import SGD, Adam
    from rustorch_wasm.runtime import Runtime

    rt = Runtime("wasmer")
    # Model and optimizer stay referenced until the copy is taken: their finalizers free
    # their wasm blocks, and a snapshot after that would hold a freed model.
    if row.op == "lstm":
        model, opt = Model((100, 128), runtime=rt).add_layer("lstm", 128, 256), None
        row.call = model.forward_call(np.random.default_rng(0).standard_normal((1, 100, 128)).astype(np.float32))
    elif row.op == "train_mlp":
        (x, y), model, opt = datasets.mnist_like(1000), cases.mlp(rt), SGD(0.01, 0.9)
        row.call = model.train_step_call(x[:32], y[:32], opt)
    elif row.op == "train_cnn":
        (x, y), model, opt = datasets.cifar_like(16), cases.cnn(rt), SGD(0.01, 0.9)
        row.call = model.train_step_call(x, y, opt)
    else:
        (x, y), model, opt = datasets.noisy_sine(16, 50), cases.rnn(rt), Adam(0.01)
        row.call = model.train_step_call(x, y, opt, "mse")
    image = np.array(rt.u8(), copy=True)
    del model, opt
    return {"image": image}


def numpy_fn(row: PeerRow, x: dict[str, np.ndarray]) -> Callable[[], Any] | None:
    """The row's operation in numpy (scipy.special for the special functions); None
    for the nn rows (numpy has no such layer or training step)."""
    if row.call is not None:
        return None
    a, b = x["a"], x.get("b")
    if row.section == "special":
        from scipy import special as sp

        if row.params["n"] == 0:
            a, b = SPECIAL_SINGLE[row.op]
        if row.op == "gamma":
            return lambda: sp.gamma(a)
        if row.op == "bessel_j":
            return lambda: sp.jv(BESSEL_ORDER, a)
        if row.op == "erf":
            return lambda: sp.erf(a)
        return lambda: sp.beta(a, b)
    if row.op == "add":
        return lambda: a + b
    if row.op == "relu":
        return lambda: np.maximum(a, 0)
    if row.op == "sigmoid":
        return lambda: 1 / (1 + np.exp(-a))
    if row.op == "matmul":
        return lambda: a @ b
    if row.op == "linear":
        return lambda: a @ b + x["bias"]
    k = row.params["k"]
    h, w, cin, cout = (row.params[n] for n in ("h", "w", "cin", "cout"))
    pad = k // 2
    filt = b.transpose(2, 0, 1, 3).reshape(cin * k * k, cout)  # (cin, kh, kw) order, as the windows

    def conv() -> np.ndarray:
        xp = np.pad(a[0], ((pad, pad), (pad, pad), (0, 0)))
        cols = np.lib.stride_tricks.sliding_window_view(xp, (k, k), axis=(0, 1))  # h, w, cin, kh, kw
        return (cols.reshape(h * w, cin * k * k) @ filt + x["bias"]).reshape(1, h, w, cout)

    return conv


def ours_layout(row: PeerRow, x: dict[str, np.ndarray], expected: np.ndarray,
                ) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Our inputs for the row (keys a, b, params or image) and the numpy result in our output layout."""
    if row.call is not None:
        return {"image": x["image"]}, expected
    if row.op == "linear":
        return {"a": x["a"], "params": np.concatenate([x["b"].ravel(), x["bias"]])}, expected
    if row.op == "conv2d":
        k, cin, cout = row.params["k"], row.params["cin"], row.params["cout"]
        w = x["b"].transpose(3, 2, 0, 1).reshape(cout, cin * k * k)  # [k,k,cin,cout] -> cout x (c,ky,kx)
        chw = np.ascontiguousarray(x["a"][0].transpose(2, 0, 1))
        return ({"a": chw, "params": np.concatenate([w.ravel(), x["bias"]])},
                expected[0].transpose(2, 0, 1))
    return {k: v for k, v in x.items() if k in ("a", "b")}, expected


def ours_call(row: PeerRow, exports: set[str], repeat: int) -> KernelCall | None:
    """The KernelCall running the row on our kernels (inputs ``<row id>_a`` ...),
    or None when the export it needs is not built."""
    p = row.params
    timing: dict[str, Any] = {"warmup": 2, "repeat": repeat, "min_sample_ms": MIN_SAMPLE_MS}
    a, b, params = In(f"{row.id}_a"), In(f"{row.id}_b"), In(f"{row.id}_params")
    if row.section == "special":
        return special_call(row, a, b, timing)
    if row.call is not None:
        export, args = row.call
        return KernelCall(row.id, export, tuple(I32(v) for v in args), memory=f"{row.id}_image", **timing)
    if row.op == "add":
        return KernelCall(row.id, "ew_add", (a, b, Out("out", p["n"]), I32(p["n"])), **timing)
    if row.op in ("relu", "sigmoid"):
        return KernelCall(row.id, f"ew_{row.op}", (a, Out("out", p["n"]), I32(p["n"])), **timing)
    if row.op == "matmul":
        return KernelCall(row.id, "matmul_f32", (a, b, Out("out", p["m"] * p["n"]),
                                                 I32(p["m"]), I32(p["k"]), I32(p["n"])), **timing)
    export = LAYER_EXPORTS[row.op]
    if export not in exports:
        return None
    if row.op == "linear":
        args = (a, params, Out("out", p["batch"] * p["nout"]), I32(p["batch"]), I32(p["nin"]), I32(p["nout"]))
    else:
        args = (a, params, Out("out", p["h"] * p["w"] * p["cout"]), I32(1), I32(p["cin"]), I32(p["h"]),
                I32(p["w"]), I32(p["cout"]), I32(p["k"]), I32(1), I32(p["k"] // 2))
    return KernelCall(row.id, export, args, **timing)


def special_call(row: PeerRow, a: In, b: In, timing: dict[str, Any]) -> KernelCall:
    """``sp_<name>(x)`` on the fixed single value of SPECIAL_SINGLE (its f64 result
    is not returned), or ``sp_<name>_array(x, out, n)`` (Bessel: order first; Beta: a, b)."""
    n = row.params["n"]
    name = "bessel_jn" if row.op == "bessel_j" else row.op
    order = (I32(BESSEL_ORDER),) if row.op == "bessel_j" else ()
    if n == 0:
        x, y = SPECIAL_SINGLE[row.op]
        scalars = (F64(x), F64(y)) if row.op == "beta" else (F64(x),)
        return KernelCall(row.id, f"sp_{name}", (*order, *scalars), **timing)
    arrays = (a, b) if row.op == "beta" else (a,)
    return KernelCall(row.id, f"sp_{name}_array", (*order, *arrays, Out("out", n, "f64"), I32(n)), **timing)


def numpy_ms(fn: Callable[[], np.ndarray], repeat: int) -> float:
    """Median ms per call, same sampling as the engines."""
    fn()
    fn()
    inner = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        if (time.perf_counter() - t0) * 1e3 >= MIN_SAMPLE_MS or inner >= 1 << 20:
            break
        inner *= 2
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        samples.append((time.perf_counter() - t0) * 1e3 / inner)
    return float(statistics.median(samples))


