"""Watch one benchmark body over time: is the noise ours or the machine's?

    python scripts/noise_probe.py [--case linear_2048_512] [--seconds 8] [--calls 100]

Times batches of ``--calls`` calls of a ``layers.LayerForward`` or
``training.TrainStep`` body (inputs already in wasm memory, as the asv suite
times them; a training body keeps training, so a cost that drifts with the
model's state shows too) on the thread CPU clock
for ``--seconds``, and prints the median per call, IQR/median, the slowest
batch against the median, and each batch in order, so that stretches where
the whole VM runs slower (other tenants of the host) show as runs of slow
batches. The steal time of /proc/stat before and after says whether
the hypervisor took the vCPU away outright.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
from benchmarks._harness import Body, KernelCase  # noqa: E402
from benchmarks.layers import LayerForward  # noqa: E402
from benchmarks.training import TrainStep  # noqa: E402
from noise_report import machine_cpu_times  # noqa: E402

SUITES: list[type[KernelCase]] = [LayerForward, TrainStep]


def batch_times(body, calls: int, seconds: float) -> np.ndarray:
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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--case", default="linear_2048_512",
                    choices=[p for cls in SUITES for p in cls.params])
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--calls", type=int, default=100)
    args = ap.parse_args(argv)
    if args.seconds <= 0 or args.calls < 1:
        print("error: --seconds must be positive and --calls at least 1", file=sys.stderr)
        return 2
    probe(args.case, args.calls, args.seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
