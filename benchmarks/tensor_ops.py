"""Seed table "Tensor Operations": Add and MatMul at the seed's sizes."""
from __future__ import annotations

from functools import partial

from ._harness import Body, KernelCase, timed, f32_tensor, instruction_track
from rustorch_wasm.runtime import Runtime


class Add(KernelCase):
    params = [100, 1_000, 10_000, 100_000]
    param_names = ["size"]

    def make(self, rt: Runtime, size: int) -> Body:
        a, b = f32_tensor(rt, (size,)), f32_tensor(rt, (size,))
        out = f32_tensor(rt, (size,))
        fn, args = rt.fn("ew_add"), (a.ptr, b.ptr, out.ptr, size)
        self._keep = (a, b, out)
        return partial(fn, *args)

    time_add = timed("add")

    track_add_instructions = instruction_track("add")


class MatMul(KernelCase):
    params = [64, 256, 512, 1024]
    param_names = ["size"]
    timeout = 180

    def make(self, rt: Runtime, size: int) -> Body:
        a, b = f32_tensor(rt, (size, size)), f32_tensor(rt, (size, size))
        c = f32_tensor(rt, (size, size))
        fn, args = rt.fn("matmul_f32"), (a.ptr, b.ptr, c.ptr, size, size, size)
        self._keep = (a, b, c)
        return partial(fn, *args)

    time_matmul = timed("matmul")

    track_matmul_instructions = instruction_track("matmul")
