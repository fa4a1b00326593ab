"""Watch one benchmark body over time: is the noise ours or the machine's?

Run by ``python scripts/noise_probe.py [--case linear_2048_512] [--seconds 8] [--calls 100]``.
Times batches of ``calls`` calls of a ``layers.LayerForward`` or
``training.TrainStep`` body (inputs already in wasm memory, as the asv suite
times them; a training body keeps training, so a cost that drifts with the
model's state shows too) on the thread CPU clock for ``seconds``, and prints
the median per call, IQR/median, the slowest batch against the median, and
each batch in order, so that stretches where the whole VM runs slower (other
tenants of the host) show as runs of slow batches. The steal time of
/proc/stat before and after says whether the hypervisor took the vCPU away
outright.
"""
from __future__ import annotations

import sys
import time

import numpy as np

from benchmarks._harness import Body, KernelCase
from benchmarks.layers import LayerForward
from benchmarks.training import TrainStep
from reports.machine import machine_cpu_times


SUITES: list[type[KernelCase]] = [LayerForward, TrainStep]


def batch_times(body: Body, calls: int, seconds: float) -> np.ndarray:
    """Seconds per call of each batch, in order."""
    out = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t0 = time.thread_time()
        for _ in range(calls):
            body()
        out.append((time.thread_time() - t0) / calls)
    return np.asarray(out)


def probed_body(case: str) -> Body:
    """The benchmark body of ``case``, built and warmed as asv times it."""
    return next(cls for cls in SUITES if case in cls.params)().body(case)


def probe(case: str, calls: int, seconds: float) -> None:
    """Time ``case``'s body in batches and print the summary and every batch."""
    body = probed_body(case)
    cpu0 = machine_cpu_times()
    t = batch_times(body, calls, seconds)
    cpu1 = machine_cpu_times()
    q1, med, q3 = np.percentile(t, [25, 50, 75])
    print(f"{case}: {len(t)} batches of {calls} calls, median {med * 1e6:.1f} us a call, "
          f"IQR/median {(q3 - q1) / med:.1%}, slowest batch x{t.max() / med:.2f}")
    if cpu0 is not None and cpu1 is not None:
        print(f"steal time during the probe: {cpu1.steal - cpu0.steal:.2f} s")
    print("batches (us a call): " + " ".join(f"{x * 1e6:.0f}" for x in t))


def cases() -> list[str]:
    """Every case the probe can time (the parameters of its suites)."""
    return [p for cls in SUITES for p in cls.params]


def run(case: str = "linear_2048_512", seconds: float = 8.0, calls: int = 100) -> int:
    """:func:`probe`, after a one-line error (2) on a non-positive duration or count."""
    if seconds <= 0 or calls < 1:
        print("error: --seconds must be positive and --calls at least 1", file=sys.stderr)
        return 2
    probe(case, calls, seconds)
    return 0
