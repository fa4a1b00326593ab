"""Seed table "Special Functions Performance": Gamma, Bessel J, Erf, Beta
at a single value and on 1K and 10K arrays (f64)."""
from __future__ import annotations

from functools import partial

from typing import Any

import numpy as np

from ._harness import Body, KernelCase, timed, f64_buffer, instruction_track, rng
from rustorch_wasm.runtime import Runtime

SIZES = ["single", 1_000, 10_000]
BESSEL_ORDER = 5


class _Special(KernelCase):
    params = SIZES
    param_names = ["size"]
    name = ""
    low, high = 0.1, 10.0

    def args_for(self, rt: Runtime, n: int) -> tuple[list[int], tuple[Any, ...]]:
        """Heap blocks to keep and the argument tuple of the array export."""
        x = f64_buffer(rt, rng().uniform(self.low, self.high, n))
        out = rt.alloc(8 * n)
        return [x, out], (x, out, n)

    def scalar_args(self) -> tuple[Any, ...]:
        return (float(rng().uniform(self.low, self.high)),)

    def make(self, rt: Runtime, size: Any) -> Body:
        if size == "single":
            fn, args = rt.fn(f"sp_{self.name}"), self.scalar_args()
        else:
            blocks, args = self.args_for(rt, int(size))
            fn = rt.fn(f"sp_{self.name}_array")
            self._keep = blocks
        return partial(fn, *args)


class Gamma(_Special):
    name = "gamma"
    low, high = 0.1, 170.0

    time_gamma = timed("gamma")

    track_gamma_instructions = instruction_track("gamma")


class BesselJ(_Special):
    name = "bessel_jn"
    low, high = 0.0, 100.0

    def args_for(self, rt: Runtime, n: int) -> tuple[list[int], tuple[Any, ...]]:
        blocks, (x, out, n) = super().args_for(rt, n)
        return blocks, (BESSEL_ORDER, x, out, n)

    def scalar_args(self) -> tuple[Any, ...]:
        return (BESSEL_ORDER, *super().scalar_args())

    time_bessel_j = timed("bessel_j")

    track_bessel_j_instructions = instruction_track("bessel_j")


class Erf(_Special):
    name = "erf"
    low, high = -6.0, 6.0

    time_erf = timed("erf")

    track_erf_instructions = instruction_track("erf")


class Beta(_Special):
    name = "beta"
    low, high = 0.1, 50.0

    def args_for(self, rt: Runtime, n: int) -> tuple[list[int], tuple[Any, ...]]:
        g = rng()
        a = f64_buffer(rt, g.uniform(self.low, self.high, n))
        b = f64_buffer(rt, g.uniform(self.low, self.high, n))
        out = rt.alloc(8 * n)
        return [a, b, out], (a, b, out, n)

    def scalar_args(self) -> tuple[Any, ...]:
        return tuple(float(v) for v in rng().uniform(self.low, self.high, 2))

    time_beta = timed("beta")

    track_beta_instructions = instruction_track("beta")
