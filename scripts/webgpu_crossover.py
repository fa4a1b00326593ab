"""Measure where the WebGPU path starts beating the wasm CPU path, per op, on this adapter.

    python scripts/webgpu_crossover.py [--quick] [--repeat N] [--out rustorch_wasm/webgpu_crossover.json]

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

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from rustorch_wasm.webgpu import CROSSOVER_PATH, OPS, WebGPU, load_crossover  # noqa: E402

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two sizes per op")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=CROSSOVER_PATH)
    raw = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(raw)
    if args.repeat < 1:
        print("error: --repeat must be at least 1", file=sys.stderr)
        return 2
    gpu = WebGPU()
    if not gpu.status.available:
        print(f"error: no WebGPU adapter: {gpu.status.reason}", file=sys.stderr)
        return 2
    entry: dict[str, object] = {"backend": gpu.status.backend, "adapter_type": gpu.status.adapter_type,
                                "measured": {}, "thresholds": {}}
    for op in OPS:
        sizes = MM_SIZES if op == "matmul" else EW_SIZES
        points = measure(gpu, op, sizes[:2] if args.quick else sizes, args.repeat)
        entry["measured"][op] = [{"work": w, "cpu_ms": round(c, 4), "gpu_ms": round(g, 4)}  # type: ignore[index]
                                 for w, c, g in points]
        entry["thresholds"][op] = crossover(points)  # type: ignore[index]
    doc = load_crossover(args.out)
    doc["command"] = "python scripts/webgpu_crossover.py" + ("" if not raw else " " + " ".join(raw))
    doc["unit"] = "work: elements (add, relu, sigmoid), multiply-adds m*k*n (matmul)"
    doc.setdefault("devices", {})[gpu.status.device] = {
        **entry, "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu_count": os.cpu_count()}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=args.out.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=1, sort_keys=True)
            fh.write("\n")
        os.replace(tmp, args.out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    print(json.dumps({gpu.status.device: entry["thresholds"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
