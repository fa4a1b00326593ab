"""Kernel report: the reference guide's core rows, measured in Wasmer beside numpy.

Run by ``python scripts/kernel_report.py [--quick] [--markdown FILE] [--engine wasmer|wasmtime]``
(``make report``).

For every row the kernel's inputs already live in wasm memory, and the timed
call is the raw export (no copies); numpy (scipy.special for the special
functions) runs the same operation in the same process right after. Each
figure is the median of many timed calls. For matmul the table adds GFLOP/s
and the fraction of the SIMD128 ceiling, which is measured in the same run by
the peak-throughput probe (independent f32x4 multiply/add chains, no memory
traffic). The reference guide's "Chrome CPU" claims (called "the seed's" in
the report's text and below) are printed beside ours; they come with no
method and are not ours to vouch for.
"""
from __future__ import annotations

import datetime as dt
import os
import platform
import sys
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import scipy.special as ss

from doc_sections import write_section
from rustorch_wasm.runtime import Runtime

from .special import SPECIAL_ENGINES, special_ns_section

Call = Callable[[], Any]


@dataclass
class Row:
    """One measured line of the report."""

    name: str
    size: str
    ours_s: float
    numpy_s: float
    guide_ms: float | None
    flops: float = 0.0


def median_time(fn: Call, budget_s: float, max_calls: int = 2000,
                clock: Callable[[], float] = time.perf_counter) -> float:
    """Median seconds per call over repeated calls filling about ``budget_s``,
    read on ``clock`` (wall time by default)."""
    fn()
    start = clock()
    fn()
    once = max(clock() - start, 1e-7)
    calls = int(min(max_calls, max(5, budget_s / once)))
    # Batch very fast calls so the timer resolution does not dominate.
    inner = max(1, int(2e-5 / once))
    samples = []
    for _ in range(calls):
        t0 = clock()
        for _ in range(inner):
            fn()
        samples.append((clock() - t0) / inner)
    return float(np.median(samples))



def wasm_time(fn: Call, budget_s: float, max_calls: int = 2000) -> float:
    """:func:`median_time` on this thread's CPU clock: a wasm call runs
    single-threaded on the calling thread, so its CPU time is its cost, and
    time spent waiting for a core that another process holds is left out
    (numpy's BLAS is multi-threaded, so numpy keeps the wall clock)."""
    return median_time(fn, budget_s, max_calls, clock=time.thread_time)

def f32_in(rt: Runtime, values: np.ndarray) -> int:
    ptr = rt.alloc(values.nbytes)
    rt.array(ptr, values.size, np.float32)[:] = values.ravel()
    return ptr


def f64_in(rt: Runtime, values: np.ndarray) -> int:
    ptr = rt.alloc(values.nbytes)
    rt.array(ptr, values.size, np.float64)[:] = values.ravel()
    return ptr


def tensor_rows(rt: Runtime, budget: float) -> list[Row]:
    rng = np.random.default_rng(0)
    rows = []
    for n, seed in [(100, 0.08), (1_000, 0.15), (10_000, 0.80), (100_000, 8.50)]:
        a, b = rng.random(n, dtype=np.float32), rng.random(n, dtype=np.float32)
        pa, pb, po = f32_in(rt, a), f32_in(rt, b), rt.alloc(4 * n)
        f, out = rt.fn("ew_add"), np.empty_like(a)
        rows.append(Row("Add", f"{n:,}", wasm_time(lambda: f(pa, pb, po, n), budget),
                        median_time(lambda: np.add(a, b, out=out), budget), seed))
    for n, seed in [(64, 1.20), (256, 20.0), (512, 80.0), (1024, 350.0)]:
        a, b = rng.random((n, n), dtype=np.float32), rng.random((n, n), dtype=np.float32)
        pa, pb, pc = f32_in(rt, a), f32_in(rt, b), rt.alloc(4 * n * n)
        f = rt.fn("matmul_f32")
        rows.append(Row("MatMul", f"{n}x{n}", wasm_time(lambda: f(pa, pb, pc, n, n, n), budget * 3, 30),
                        median_time(lambda: a @ b, budget, 200), seed, flops=2.0 * n**3))
    for name, export, ref, seeds in [
        ("ReLU", "ew_relu", lambda x, o: np.maximum(x, 0, out=o), (0.05, 0.30)),
        ("Sigmoid", "ew_sigmoid", lambda x, o: np.divide(1, 1 + np.exp(-x), out=o), (0.12, 1.20)),
    ]:
        for n, seed in zip((1_000, 10_000), seeds):
            x = rng.uniform(-6, 6, n).astype(np.float32)
            px, po, f, out = f32_in(rt, x), rt.alloc(4 * n), rt.fn(export), np.empty_like(x)
            rows.append(Row(name, f"{n:,}", wasm_time(lambda: f(px, po, n), budget),
                            median_time(lambda: ref(x, out), budget), seed))
    return rows


SPECIAL = [
    # name, export stem, scipy reference, input range, seed (single, 1K, 10K) ms
    ("Gamma", "gamma", ss.gamma, (0.1, 170.0), (0.001, 0.8, 8.0)),
    ("Bessel J (n=5)", "bessel_jn", lambda x: ss.jv(5, x), (0.0, 100.0), (0.002, 1.2, 12.0)),
    ("Erf", "erf", ss.erf, (-6.0, 6.0), (0.001, 0.6, 6.0)),
    ("Beta", "beta", None, (0.1, 50.0), (0.002, 1.5, 15.0)),
]


def special_rows(rt: Runtime, budget: float) -> list[Row]:
    rng = np.random.default_rng(1)
    rows = []
    for name, stem, ref, (lo, hi), seeds in SPECIAL:
        lead: tuple[int, ...] = (5,) if stem == "bessel_jn" else ()
        for size, seed in zip(("single", 1_000, 10_000), seeds):
            n = 1 if size == "single" else int(size)
            x, y = rng.uniform(lo, hi, n), rng.uniform(lo, hi, n)
            if stem == "beta":
                numpy_fn: Call = lambda: ss.beta(x, y)
            else:
                numpy_fn = (lambda: ref(x))
            if size == "single":
                f, xs, ys = rt.fn(f"sp_{stem}"), float(x[0]), float(y[0])
                ours: Call = (lambda: f(xs, ys)) if stem == "beta" else (lambda: f(*lead, xs))
                numpy_fn = (lambda: ss.beta(xs, ys)) if stem == "beta" else (lambda: ref(xs))
            else:
                f, px, po = rt.fn(f"sp_{stem}_array"), f64_in(rt, x), rt.alloc(8 * n)
                if stem == "beta":
                    py = f64_in(rt, y)
                    ours = lambda: f(px, py, po, n)
                else:
                    ours = lambda: f(*lead, px, po, n)
            label = "single" if size == "single" else f"{n:,}"
            rows.append(Row(name, label, wasm_time(ours, budget), median_time(numpy_fn, budget), seed))
    return rows


def simd_ceiling(rt: Runtime, budget: float) -> float:
    """Peak SIMD128 f32 FLOP/s of this engine on this machine, measured now."""
    f, per_iter = rt.fn("peak_f32x4"), rt.fn("peak_flops_per_iter")()
    iters = 2_000_000
    return iters * per_iter / wasm_time(lambda: f(iters), budget, 15)


def fmt_ms(seconds: float) -> str:
    ms = seconds * 1e3
    return f"{ms:.4f}" if ms < 0.01 else f"{ms:.3f}" if ms < 10 else f"{ms:.1f}"


def render(rows: list[Row], ceiling: float, header: str) -> str:
    lines = [header, "",
             "Produced by `python scripts/kernel_report.py --markdown docs/benchmarks.md` (`make report`). "
             "Each figure is the median of many calls in one run: wasm on the calling thread's CPU "
             "clock (the kernels are single-threaded; a busy neighbour does not count), numpy on the "
             "wall clock (its BLAS uses both cores). The seed's figures are its unverified \"Chrome CPU\" "
             "claims.", "",
             f"SIMD128 ceiling (peak probe, same run, same clock): {ceiling / 1e9:.1f} GFLOP/s", "",
             "| operation | size | wasm (ms) | numpy (ms) | wasm/numpy | seed claim, Chrome CPU (ms) | GFLOP/s | of ceiling |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        gf = f"{r.flops / r.ours_s / 1e9:.1f}" if r.flops else ""
        frac = f"{r.flops / r.ours_s / ceiling:.0%}" if r.flops else ""
        seed = f"{r.guide_ms:g}" if r.guide_ms is not None else ""
        lines.append(f"| {r.name} | {r.size} | {fmt_ms(r.ours_s)} | {fmt_ms(r.numpy_s)} | "
                     f"{r.ours_s / r.numpy_s:.2f} | {seed} | {gf} | {frac} |")
    return "\n".join(lines)


@dataclass
class NNRow:
    """One measured neural-network case (layers, training, real-world)."""

    name: str
    size: str
    ours_s: float
    guide_ms: float | None
    peak_bytes: int
    guide_mb: float | None
    numpy_s: float | None = None


def nn_rows(rt: Runtime, budget: float) -> list[NNRow]:
    """The seed's layer, training and image-classification rows
    (rustorch_wasm.nn.cases), each with the kernel-heap peak it needed."""
    from rustorch_wasm.nn import cases

    rows = []
    rng = np.random.default_rng(2)
    for spec in cases.CASES:
        body, peak = cases.peak_bytes(rt, spec.make)
        ours = wasm_time(body, budget, 200)
        numpy_s = None
        if spec.name == "Linear forward":
            nin, nout = (int(v) for v in spec.size.split("→"))
            x, w, b = (rng.standard_normal(s).astype(np.float32) for s in ((1, nin), (nin, nout), (nout,)))
            numpy_s = median_time(lambda: x @ w + b, budget)
        rows.append(NNRow(spec.name, spec.size, ours, spec.guide_ms, peak, spec.guide_mb, numpy_s))
        del body
    return rows


def training_outcomes() -> list[str]:
    """The seed's training scenarios end to end: outcome and throughput."""
    from rustorch_wasm.nn import cases

    mlp, cnn, rnn = cases.train_mlp(10), cases.train_cnn(20), cases.train_rnn(150)
    return [
        "| scenario | outcome | wall time | per step | samples/s |",
        "| --- | --- | ---: | ---: | ---: |",
        f"| MLP 784→128→10, 10 epochs × 1000 samples, batch 32, SGD(0.01, 0.9) | training accuracy "
        f"{mlp.accuracy:.1%}, loss {mlp.losses[0]:.3f} → {mlp.losses[-1]:.4f} | {mlp.seconds:.2f} s "
        f"({mlp.seconds / 10 * 1e3:.0f} ms/epoch) | {mlp.seconds / mlp.steps * 1e3:.2f} ms | {10_000 / mlp.seconds:,.0f} |",
        f"| CNN 3→64→128→10, 20 steps, batch 16, SGD(0.01, 0.9) | loss (mean of first/last 5 steps) "
        f"{np.mean(cnn.losses[:5]):.3f} → {np.mean(cnn.losses[-5:]):.3f} | {cnn.seconds:.2f} s | "
        f"{cnn.seconds / cnn.steps * 1e3:.0f} ms | {16 * cnn.steps / cnn.seconds:,.0f} |",
        f"| Simple RNN (hidden 32) + linear, seq 50, batch 16, Adam(0.01), 150 steps | next-step MSE "
        f"{rnn.losses[0]:.4f} → {rnn.losses[-1]:.4f} ({rnn.losses[0] / rnn.losses[-1]:.0f}× lower) | "
        f"{rnn.seconds:.2f} s | {rnn.seconds / rnn.steps * 1e3:.2f} ms | {16 * rnn.steps / rnn.seconds:,.0f} |",
    ]


def render_nn(rows: list[NNRow], outcomes: list[str]) -> str:
    lines = ["## Neural networks: layers, training, image classification", "",
             "Each case is one wasm call on inputs already in wasm memory (rustorch_wasm/nn/cases.py); "
             "layer rows use batch 1 (the seed gives none). Peak heap: kernel-heap high-water mark the "
             "case needed above what was already in use (model, gradients, optimizer state, activations, "
             "staged batch, kernel scratch).", "",
             "| case | size | wasm (ms) | numpy (ms) | seed claim, Chrome CPU (ms) | peak wasm heap (MiB) "
             "| seed memory (MB) |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        numpy_ms = fmt_ms(r.numpy_s) if r.numpy_s is not None else ""
        seed = f"{r.guide_ms:g}" if r.guide_ms is not None else ""
        guide_mb = f"{r.guide_mb:g}" if r.guide_mb is not None else ""
        lines.append(f"| {r.name} | {r.size} | {fmt_ms(r.ours_s)} | {numpy_ms} | {seed} | "
                     f"{r.peak_bytes / 2**20:.1f} | {guide_mb} |")
    lines += ["", "Training scenarios (rustorch_wasm.nn.cases.train_*):", "", *outcomes]
    return "\n".join(lines)


def machine_header(rt: Runtime) -> str:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    engine = f"{rt.engine} {version(rt.engine)}" + (" + cranelift" if rt.engine == "wasmer" else "")
    return (f"Measured {dt.date.today().isoformat()} on {cpu}, {os.cpu_count()} cores; "
            f"Python {platform.python_version()}, {engine}, numpy {np.__version__}, "
            f"scipy {version('scipy')}; `_kernels.wasm` sha256 {rt.sha256[:12]}.")


def report_setup(engine: str | None, quick: bool) -> tuple[Runtime, float] | None:
    """What the measuring reports share: the runtime to measure in (``engine``;
    None: the default) and the timing budget per row (shorter with ``quick``);
    None after a one-line error when the runtime cannot be made."""
    try:
        rt = Runtime(engine)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None
    return rt, (0.05 if quick else 0.3)


def run(quick: bool = False, markdown: Path | None = None, engine: str | None = None,
        special_only: bool = False, special_engines: Sequence[str] = SPECIAL_ENGINES,
        special_rounds: int = 3) -> int:
    """Measure and print the report; with ``markdown``, also write it as that
    file's kernel-report and special-report sections (``special_only``: only
    the special functions against scipy in ``special_engines``, see
    :mod:`.special`). 2 when the runtime cannot be made."""
    if special_only:
        text = special_ns_section(list(special_engines), special_rounds)
        print(text)
        if markdown:
            write_section(markdown, "special-report", text)
            print(f"\nwrote the special-report section of {markdown}")
        return 0
    setup = report_setup(engine, quick)
    if setup is None:
        return 2
    rt, budget = setup
    header = machine_header(rt)
    print(header, flush=True)
    print("measuring the SIMD128 ceiling ...", flush=True)
    ceiling = simd_ceiling(rt, budget)
    print("measuring tensor ops and activations ...", flush=True)
    rows = tensor_rows(rt, budget)
    print("measuring special functions ...", flush=True)
    rows += special_rows(rt, budget)
    text = render(rows, ceiling, header)
    print("measuring nn layers, training and image classification ...", flush=True)
    text += "\n\n" + render_nn(nn_rows(rt, budget), training_outcomes())
    print("measuring special functions against scipy in every engine ...", flush=True)
    special_text = special_ns_section(list(special_engines), special_rounds)
    print()
    print(text)
    print()
    print(special_text)
    if markdown:
        write_section(markdown, "kernel-report", text)
        write_section(markdown, "special-report", special_text)
        print(f"\nwrote the kernel-report and special-report sections of {markdown}")
    return 0
