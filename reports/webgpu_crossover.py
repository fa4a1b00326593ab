"""Measure where the WebGPU path starts beating the wasm CPU path, per op, on this adapter.

Run by ``python scripts/webgpu_crossover.py [--quick] [--repeat N] [--out rustorch_wasm/webgpu_crossover.json]``.

For each op and size both paths run numpy-in, numpy-out (the GPU side
includes upload, dispatch and read-back; the CPU side the copies into and out
of wasm memory), each timed as the median of ``repeat`` calls after a warm-up
that also compiles the pipeline. The threshold stored for an op is the
smallest measured work w such that the GPU was faster at w and at every
larger measured size; null when the GPU never won at the largest size (the op
then always runs on the CPU). Work is elements for add/relu/sigmoid and
multiply-adds m·k·n for matmul. The entry is keyed by the adapter's device
name and merged into the JSON (other devices' entries are kept); the file
is written atomically, with the command and date.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from rustorch_wasm.regress.io.atomic import write_atomic
from rustorch_wasm.webgpu import CROSSOVER_PATH, OPS, WebGPU, load_crossover


EW_SIZES = (1_000, 10_000, 100_000, 1_000_000)
MM_SIZES = (32, 64, 128, 256, 512)


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``fn()`` in ms, after one warm-up call."""
    fn()
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1e3)
    return float(statistics.median(samples))


def crossover(points: list[tuple[int, float, float]]) -> int | None:
    """Smallest work from which the GPU (3rd field) beat the CPU (2nd) at every larger size."""
    threshold = None
    for work, cpu, gpu in sorted(points, reverse=True):
        if gpu < cpu:
            threshold = work
        else:
            break
    return threshold


def measure(gpu: WebGPU, op: str, sizes: tuple[int, ...], repeat: int) -> list[tuple[int, float, float]]:
    """(work, cpu ms, gpu ms) per size."""
    rng = np.random.default_rng(0)
    points = []
    for size in sizes:
        if op == "matmul":
            a = rng.standard_normal((size, size)).astype(np.float32)
            b = rng.standard_normal((size, size)).astype(np.float32)
            work = size ** 3
            args: tuple[np.ndarray, ...] = (a, b)
        else:
            a = rng.standard_normal(size).astype(np.float32)
            args = (a, rng.standard_normal(size).astype(np.float32)) if op == "add" else (a,)
            work = size
        f = getattr(gpu, op)
        cpu_ms = median_ms(lambda: f(*args, device="cpu"), repeat)
        gpu_ms = median_ms(lambda: f(*args, device="gpu"), repeat)
        points.append((work, cpu_ms, gpu_ms))
        print(f"{op:8s} work {work:>12,d}  cpu {cpu_ms:9.3f} ms  gpu {gpu_ms:9.3f} ms", file=sys.stderr)
    return points


def run(quick: bool = False, repeat: int = 5, out: Path = CROSSOVER_PATH, argv: Sequence[str] = ()) -> int:
    """Measure every op (two sizes each with ``quick``), merge this adapter's
    entry into ``out`` (``argv``: the command line it records) and print its
    thresholds. 2 after a one-line error on a bad ``repeat`` or no adapter."""
    if repeat < 1:
        print("error: --repeat must be at least 1", file=sys.stderr)
        return 2
    gpu = WebGPU()
    if not gpu.status.available:
        print(f"error: no WebGPU adapter: {gpu.status.reason}", file=sys.stderr)
        return 2
    entry: dict[str, Any] = {"backend": gpu.status.backend, "adapter_type": gpu.status.adapter_type,
                             "measured": {}, "thresholds": {}}
    for op in OPS:
        sizes = MM_SIZES if op == "matmul" else EW_SIZES
        points = measure(gpu, op, sizes[:2] if quick else sizes, repeat)
        entry["measured"][op] = [{"work": w, "cpu_ms": round(c, 4), "gpu_ms": round(g, 4)}
                                 for w, c, g in points]
        entry["thresholds"][op] = crossover(points)
    doc = load_crossover(out)
    doc["command"] = "python scripts/webgpu_crossover.py" + ("" if not argv else " " + " ".join(argv))
    doc["unit"] = "work: elements (add, relu, sigmoid), multiply-adds m*k*n (matmul)"
    doc.setdefault("devices", {})[gpu.status.device] = {
        **entry, "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu_count": os.cpu_count()}
    write_atomic(out, json.dumps(doc, indent=1, sort_keys=True) + "\n")
    print(json.dumps({gpu.status.device: entry["thresholds"]}))
    return 0
