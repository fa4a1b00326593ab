"""Seed table "Activation Functions": ReLU and Sigmoid at 1K and 10K."""
from __future__ import annotations

from functools import partial

from ._harness import Body, KernelCase, timed, f32_tensor, instruction_track
from rustorch_wasm.runtime import Runtime


class _Activation(KernelCase):
    params = [1_000, 10_000]
    param_names = ["size"]
    export = ""

    def make(self, rt: Runtime, size: int) -> Body:
        x = f32_tensor(rt, (size,), -6.0, 6.0)
        out = f32_tensor(rt, (size,))
        fn, args = rt.fn(self.export), (x.ptr, out.ptr, size)
        self._keep = (x, out)
        return partial(fn, *args)


class ReLU(_Activation):
    export = "ew_relu"

    time_relu = timed("relu")

    track_relu_instructions = instruction_track("relu")


class Sigmoid(_Activation):
    export = "ew_sigmoid"

    time_sigmoid = timed("sigmoid")

    track_sigmoid_instructions = instruction_track("sigmoid")
