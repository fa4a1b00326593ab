"""What every benchmark module shares: the kernel-case pattern.

A benchmark class defines ``make(runtime, *params)``, which puts the inputs
in that runtime's wasm memory and returns the timed body: a zero-argument
callable that is the kernel call alone. The same ``make`` serves twice:

* ``setup`` builds it on the default runtime (Wasmer), for ``time_*``;
* ``instructions`` builds it on the fuel-metered wasmtime runtime and
  returns the wasm instructions one call executes, for the deterministic
  ``track_*_instructions`` companion.

Inputs come from a fixed-seed generator, so data-dependent kernels execute
the same instructions on every run.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from rustorch_wasm.runtime import Runtime, fueled_runtime, get_runtime
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
    """Mixin: ``setup`` makes ``self.body``; ``instructions`` counts it."""

    def make(self, rt: Runtime, *params: Any) -> Body:
        raise NotImplementedError

    def setup(self, *params: Any) -> None:
        self.body = self.make(get_runtime(), *params)
        self.body()  # warm: first-touch of buffers, lazily grown memory

    def instructions(self, *params: Any) -> int:
        rt = fueled_runtime()
        body = self.make(rt, *params)
        return rt.instructions(body)


def instruction_track(name: str) -> Callable[..., int]:
    """A ``track_<name>_instructions`` method with asv's unit set."""

    def track(self: KernelCase, *params: Any) -> int:
        return self.instructions(*params)

    track.__name__ = f"track_{name}_instructions"
    track.unit = "instructions"  # type: ignore[attr-defined]
    return track
