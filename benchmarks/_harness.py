"""What every benchmark module shares: the kernel-case pattern.

A benchmark class defines ``make(runtime, *params)``, which puts the inputs
in that runtime's wasm memory and returns the timed body: a zero-argument
callable that is the kernel call alone. The same ``make`` serves twice:

* ``body`` builds it once per process on the default runtime (Wasmer) and
  caches it, for ``time_*`` (see :func:`timed`);
* ``instructions`` builds it on the fuel-metered wasmtime runtime and
  returns the wasm instructions one call executes, for the deterministic
  ``track_*_instructions`` companion.

Why not asv's ``setup``: asv_runner 0.3 re-runs ``setup`` before every timed
call when a class has one (asv#966) and then times each call alone, so a
1 µs kernel would be timed one call at a time, clock reads included, and
megabytes of inputs rebuilt between calls. Building the inputs on first use
puts that work in asv's warm-up/calibration calls, never in a sample, and
lets asv batch ``number`` calls per sample.

Clock: ``timer = time.thread_time``. The kernels run single-threaded on the
calling thread, so the CPU time of that thread is the kernel's cost; unlike
wall time it does not count the time the thread waits for a core that
another process holds, which is most of the noise on a shared 2-core
machine.

Inputs come from a fixed-seed generator, so data-dependent kernels execute
the same instructions on every run.
"""
from __future__ import annotations

import os
import time
from typing import Any, Callable

import numpy as np

from rustorch_wasm.runtime import ENGINES, ENGINE_ENV, Runtime, fueled_runtime, get_runtime

try:  # asv_runner >= 0.1 (the benchmark process always has it)
    from asv_runner.benchmarks.mark import SkipNotImplemented
except ImportError:  # pragma: no cover - imported outside asv
    class SkipNotImplemented(NotImplementedError):  # type: ignore[no-redef]
        """Stand-in when asv_runner is absent."""
from rustorch_wasm.tensor import Tensor

Body = Callable[[], Any]


def rng() -> np.random.Generator:
    """The inputs' generator; the seed never changes."""
    return np.random.default_rng(20261124)


def f32_tensor(rt: Runtime, shape: tuple[int, ...], low: float = -1.0, high: float = 1.0) -> Tensor:
    """A tensor of uniform random float32 values in wasm memory."""
    return Tensor.from_numpy(rng().uniform(low, high, size=shape).astype(np.float32), runtime=rt)


def f64_buffer(rt: Runtime, values: np.ndarray) -> int:
    """Copy float64 values into a fresh heap block; returns its address."""
    ptr = rt.alloc(values.nbytes)
    rt.array(ptr, values.size, np.float64)[:] = values
    return ptr


class KernelCase:
    """Mixin: ``body`` makes (once) and returns the timed body;
    ``instructions`` counts the wasm instructions of one call."""

    timer = staticmethod(time.thread_time)
    warmup_time = 0.2
    # Samples of >= 10 ms (asv picks `number` calls to fill one), 20 to 30
    # of them (at most 4 s) in ONE round: the noise that sets the IQR here
    # is the machine's speed shifting by up to 2x for 0.1 s to a few seconds
    # (the host's other tenants, with little or no steal), not
    # single slow samples. Rounds spread over the suite put samples from
    # several levels in one IQR; one short contiguous window straddles the
    # fewest shifts. Chosen with `scripts/noise_report.py -a ...` runs
    # alternated under the same conditions (docs/benchmarks.md): against
    # 30 ms samples, fewer benchmarks over the CV target in 6 of 7 pairs and
    # about half the suite's time (35 s a commit instead of 61 s).
    sample_time = 0.01
    repeat = (20, 30, 4.0)
    rounds = 1

    def make(self, rt: Runtime, *params: Any) -> Body:
        raise NotImplementedError

    def body(self, *params: Any) -> Body:
        # Called inside every timed sample: a dict hit on the hot path, the
        # engine check and the build only on the first call.
        bodies: dict[tuple[Any, ...], Body] = self.__dict__.setdefault("_bodies", {})
        fn = bodies.get(params)
        if fn is None:
            in_process_only()
            fn = bodies[params] = self.make(get_runtime(), *params)
            self._hold()
            fn()  # warm: first-touch of buffers, lazily grown memory
        return fn

    def _hold(self) -> None:
        """Keep what ``make`` stored in ``self._keep`` alive for the life of
        this instance (one ``_keep`` per built body, not the last one only)."""
        if "_keep" in self.__dict__:
            self.__dict__.setdefault("_held", []).append(self.__dict__.pop("_keep"))

    def instructions(self, *params: Any) -> int:
        in_process_only()
        rt = fueled_runtime()
        body = self.make(rt, *params)
        self._hold()
        # Warm first, as the timed body is: the first call may take a
        # different allocator path (fresh heap, memory growth); later calls
        # leave the heap as they found it and count the same every time.
        body()
        return rt.instructions(body)


def in_process_only() -> None:
    """Skip (asv records "skipped", not failed) in an environment whose
    ``$RUSTORCH_WASM_ENGINE`` is an out-of-process engine (node, chromium, firefox, webkit):
    there only ``benchmarks/engines.py`` runs, timed inside that engine."""
    engine = os.environ.get(ENGINE_ENV) or "wasmer"
    if engine not in ENGINES:
        raise SkipNotImplemented(f"in-process benchmark; {ENGINE_ENV}={engine} runs benchmarks/engines.py")


def timed(name: str) -> Callable[..., None]:
    """A ``time_<name>`` method: one call of the cached body."""

    def time_(self: KernelCase, *params: Any) -> None:
        self.body(*params)()

    time_.__name__ = f"time_{name}"
    return time_


def instruction_track(name: str) -> Callable[..., int]:
    """A ``track_<name>_instructions`` method with asv's unit set."""

    def track(self: KernelCase, *params: Any) -> int:
        return self.instructions(*params)

    track.__name__ = f"track_{name}_instructions"
    track.unit = "instructions"  # type: ignore[attr-defined]
    return track
