"""Run :class:`~rustorch_wasm.engines.spec.KernelCall` s in this process,
in Wasmer (cranelift) or wasmtime, through :class:`rustorch_wasm.runtime.Runtime`.

Same semantics as the JS harness: inputs copied into blocks from the
module's ``rt_alloc``, outputs zeroed, ``warmup`` calls, optional doubling of
``inner`` up to ``min_sample_ms``, then ``repeat`` samples of ``inner`` calls
timed with ``time.perf_counter`` (per-call mean in ms).
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .. import runtime as _rt
from .wasm_exports import function_exports
from .spec import (DTYPES, F32, F64, I32, CallResult, EngineRun, EngineStatus, In, KernelCall, Out,
                   checked_inputs)


def _batch_ms(fn: Callable[..., Any], values: list[Any], inner: int) -> float:
    t0 = time.perf_counter()
    for _ in range(inner):
        fn(*values)
    return (time.perf_counter() - t0) * 1e3


class InProcessEngine:
    """Wasmer or wasmtime, in this Python process."""

    def __init__(self, name: str, wasm: Path | None = None) -> None:
        if name not in _rt.ENGINES:
            raise ValueError(f"in-process engine must be one of {', '.join(_rt.ENGINES)}, got {name!r}")
        self.name = name
        self.wasm = wasm
        self._runtime: _rt.Runtime | None = None

    def _get_runtime(self) -> _rt.Runtime:
        if self._runtime is None:
            rt = _rt.Runtime(self.name, path=self.wasm)
            if rt.engine != self.name:
                raise _rt.EngineUnavailable(f"{self.name} did not load (runtime fell back to {rt.engine})")
            self._runtime = rt
        return self._runtime

    def status(self) -> EngineStatus:
        """Available if the engine loads the kernel module here."""
        try:
            self._get_runtime()
        except (_rt.EngineUnavailable, ImportError, OSError) as exc:
            return EngineStatus(self.name, False, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        return EngineStatus(self.name, True, "", self.version())

    def version(self) -> str:
        """Engine package version."""
        dist = "wasmer" if self.name == "wasmer" else "wasmtime"
        suffix = " (cranelift)" if self.name == "wasmer" else ""
        return f"{dist} {_rt._dist_version(dist)}{suffix}"

    def probe_simd(self) -> bool:
        """Whether this engine validates the SIMD128 probe module."""
        from .simd import wasmer_validates, wasmtime_validates

        return wasmer_validates() if self.name == "wasmer" else wasmtime_validates()

    def exports(self) -> list[str]:
        """Names of the module's function exports."""
        return function_exports(self._get_runtime().wasm)

    def run(self, calls: list[KernelCall], inputs: dict[str, np.ndarray]) -> EngineRun:
        """Run ``calls`` on ``inputs``; results in call order."""
        arrays = checked_inputs(calls, inputs)
        rt = self._get_runtime()
        return EngineRun(self.name, self.version(), self.exports(),
                         [self._run_one(rt, call, arrays) for call in calls])

    def _run_one(self, rt: _rt.Runtime, call: KernelCall, arrays: dict[str, np.ndarray]) -> CallResult:
        fn = rt.fn(call.export)
        values: list[Any] = []
        blocks: list[int] = []
        outs: list[tuple[str, int, int, np.dtype]] = []
        if call.memory:
            image = arrays[call.memory].view(np.uint8).reshape(-1)
            while rt.memory_bytes() < image.size:  # allocating grows memory; the image then
                rt.alloc(image.size - rt.memory_bytes(), call.id)  # overwrites the allocator's state
            rt.u8()[:image.size] = image
        try:
            for arg in call.args:
                if isinstance(arg, In):
                    data = arrays[arg.name]
                    ptr = rt.alloc(max(data.nbytes, 1), call.id)
                    blocks.append(ptr)
                    rt.u8()[ptr:ptr + data.nbytes] = data.view(np.uint8).reshape(-1)
                    values.append(ptr)
                elif isinstance(arg, Out):
                    dtype = DTYPES[arg.dtype]
                    nbytes = arg.count * dtype.itemsize
                    ptr = rt.alloc(max(nbytes, 1), call.id)
                    blocks.append(ptr)
                    rt.u8()[ptr:ptr + nbytes] = 0
                    outs.append((arg.name, ptr, arg.count, dtype))
                    values.append(ptr)
                elif isinstance(arg, I32):
                    value = int(arg.value)  # as the wasm i32 sees it (u32 range wraps)
                    values.append(value - 2**32 if value >= 2**31 else value)
                elif isinstance(arg, F32):
                    values.append(float(np.float32(arg.value)))
                elif isinstance(arg, F64):
                    values.append(float(arg.value))
            for _ in range(call.warmup):
                rt.call(call.id, call.export, *values)
            inner = call.inner
            try:
                while (call.min_sample_ms > 0 and inner < 1 << 24
                       and _batch_ms(fn, values, inner) < call.min_sample_ms):
                    inner *= 2
                times = [_batch_ms(fn, values, inner) / inner for _ in range(call.repeat)]
            except rt._trap_types as exc:  # only reachable with warmup=0
                first = str(exc).strip().splitlines()
                raise _rt.WasmTrap(f"{call.id}: wasm trap: {first[0] if first else type(exc).__name__}") from None
            value = fn(*values) if call.return_value else None
            outputs = {}
            if call.return_outputs:
                outputs = {name: rt.array(ptr, count, dtype).copy() for name, ptr, count, dtype in outs}
        finally:
            for ptr in blocks:
                rt.free(ptr)
        return CallResult(call.id, call.export, inner, times, outputs,
                          None if value is None else float(value))
