"""Streaming report: fused vs op-by-op chains, anomaly-detector throughput,
memory-pool reuse and profiler overhead, measured in Wasmer.

Run by ``python scripts/stream_report.py [--quick] [--markdown FILE] [--engine wasmer|wasmtime]``.

Every figure is the median of repeated calls (:func:`reports.kernel.median_time`);
inputs already live in wasm memory. Fusion rows compare one fused wasm call
with the op-by-op kernel calls on preallocated intermediates, and numpy
(float32, one temporary per op) on the same data. Detector rows give points
per second for ``detect_single`` (one wasm call per point, from Python) and
``detect`` (a whole array in one call), on unit noise over a 1e6 offset.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from reports.kernel import fmt_ms, machine_header, median_time, report_setup
from rustorch_wasm.graph import chain_case, lazy, unfused_body
from rustorch_wasm.pool import MemoryPool
from rustorch_wasm.profiler import Performance
from rustorch_wasm.regress.io.atomic import write_atomic
from rustorch_wasm.runtime import Runtime
from rustorch_wasm.tensor import Tensor
from rustorch_wasm.timeseries import TimeSeriesDetector


def fusion_lines(rt: Runtime, budget: float, n: int = 100_000) -> list[str]:
    case = chain_case(rt, n)
    a, b, c = case.inputs
    xa, xb, xc = (t.numpy() for t in case.inputs)

    def np_chain6() -> np.ndarray:
        return 1 / (1 + np.exp(-(np.maximum(xa * xb + xc, 0) * np.float32(0.5) + np.float32(0.25))))

    def np_chain5() -> np.ndarray:
        return np.maximum(xa * xb + xc, 0) * np.float32(0.5) + np.float32(0.25)

    cheap = (lazy(a) * b + c).relu() * 0.5 + 0.25
    out5 = Tensor.empty((n,), runtime=rt)
    prog5 = cheap.compile()
    rows = [
        ("sigmoid(relu(a*b+c)*0.5+0.25)", 6, case.fused, case.unfused, np_chain6),
        ("relu(a*b+c)*0.5+0.25", 5, prog5.bind(out5), unfused_body(cheap, Tensor.empty((n,), runtime=rt)),
         np_chain5),
    ]
    lines = [f"### Fused element-wise chains, {n:,} f32", "",
             "| chain | ops | fused (ms) | op by op (ms) | speed-up | numpy (ms) |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for name, ops, fused, unfused, ref in rows:
        tf, tu, tn = (median_time(f, budget) for f in (fused, unfused, ref))
        lines.append(f"| `{name}` | {ops} | {fmt_ms(tf)} | {fmt_ms(tu)} | {tu / tf:.2f}x | {fmt_ms(tn)} |")
    prog5.free()
    return lines


def detector_lines(rt: Runtime, budget: float) -> list[str]:
    g = np.random.default_rng(2)
    lines = ["### Streaming anomaly detection, TimeSeriesDetector(100, 2.0)", "",
             "| mode | points | time (ms) | points/s | anomaly rate |", "| --- | ---: | ---: | ---: | ---: |"]
    for mode, n in (("detect_single", 10_000), ("detect (batch)", 10_000), ("detect (batch)", 200_000)):
        data = 1e6 + g.normal(0, 1, n)
        data[g.choice(n, n // 200, replace=False)] += 6.0
        det = TimeSeriesDetector(100, 2.0, runtime=rt)
        if mode == "detect_single":
            points = [float(v) for v in data]

            def run() -> int:
                det.reset()
                step = det.detect_single
                return sum(step(v) for v in points)
        else:
            def run() -> int:
                det.reset()
                return int(det.detect(data).sum())
        t = median_time(run, budget, 200)
        rate = run() / n
        lines.append(f"| {mode} | {n:,} | {fmt_ms(t)} | {n / t:,.0f} | {rate:.4f} |")
        det.free()
    return lines


def pool_lines(rt: Runtime, budget: float) -> list[str]:
    shape = (256, 1024)  # 1 MiB
    pool = MemoryPool(runtime=rt)

    def pooled() -> None:
        pool.tensor(shape, zero=False).free()

    def direct() -> None:
        Tensor.empty(shape, runtime=rt).free()

    lines = ["### Memory pool, 1 MiB tensor allocate + free", "",
             "| heap state | pool (ms) | kernel heap (ms) |", "| --- | ---: | ---: |"]
    lines.append(f"| tidy | {fmt_ms(median_time(pooled, budget))} | {fmt_ms(median_time(direct, budget))} |")
    # Fragment the heap: 2000 large blocks, every other one freed, so a
    # first-fit allocation walks ~1000 free blocks too small for 1 MiB.
    g = np.random.default_rng(3)
    blocks = [rt.alloc(int(s)) for s in g.integers(5_000, 60_000, 2000)]
    for p in blocks[::2]:
        rt.free(p)
    lines.append(f"| 1000 free blocks | {fmt_ms(median_time(pooled, budget))} | "
                 f"{fmt_ms(median_time(direct, budget))} |")
    for p in blocks[1::2]:
        rt.free(p)
    lines += ["", f"pool hit rate over the run: {pool.stats().hit_rate:.4f}"]
    pool.clear()
    return lines


def profiler_lines(rt: Runtime, budget: float) -> list[str]:
    perf = Performance(rt)
    x = Tensor.zeros((1000,), runtime=rt)
    f = rt.fn("ew_relu")
    bare = median_time(lambda: f(x.ptr, x.ptr, 1000), budget)
    prof = median_time(lambda: perf.profile_operation("relu", f, x.ptr, x.ptr, 1000), budget)
    return ["### Profiler overhead, relu on 1K in place", "",
            "| call | time (ms) |", "| --- | ---: |",
            f"| bare | {fmt_ms(bare)} |", f"| profile_operation | {fmt_ms(prof)} |"]


def run(quick: bool = False, markdown: Path | None = None, engine: str | None = None) -> int:
    """Measure and print the report; with ``markdown``, also write it to that
    file (the whole file). 2 when the runtime cannot be made."""
    setup = report_setup(engine, quick)
    if setup is None:
        return 2
    rt, budget = setup
    intro = ["# Streaming, fusion, pool and profiler: measured", "",
             "Written by `python scripts/stream_report.py --markdown docs/streaming.md` "
             "(median of repeated calls; one run on a shared 2-core machine, so expect "
             "run-to-run noise of tens of percent).", "", machine_header(rt)]
    sections = [intro, fusion_lines(rt, budget), detector_lines(rt, budget),
                pool_lines(rt, budget), profiler_lines(rt, budget)]
    text = "\n\n".join("\n".join(s) for s in sections)
    print(text)
    if markdown:
        write_atomic(markdown, text + "\n")
        print(f"\nwrote {markdown}")
    return 0
