"""Engine-neutral description of kernel calls and of their timed results.

A :class:`KernelCall` names one export of ``_kernels.wasm`` and its
arguments: input buffers (copied into the module's heap from named numpy
arrays), output buffers (allocated, zeroed, read back after the call) and
scalars. Every engine (Wasmer, wasmtime, V8 in node, V8 in Chromium) runs the
same calls with the same semantics:

* ``warmup`` untimed calls, then ``repeat`` samples;
* a sample times ``inner`` back-to-back calls and records the mean per call,
  so t_sample = (t_end - t_start) / inner, in milliseconds;
* with ``min_sample_ms`` > 0, ``inner`` is doubled before sampling until one
  batch lasts at least that long (for coarse clocks);
* with ``memory`` (the name of a u8 input), that image of a whole linear
  memory is copied over the module's memory (grown to fit) before the
  arguments are prepared: a model built by ``rustorch_wasm.nn`` in one engine
  runs, at the same addresses, in another. The module keeps no state outside
  its memory but the stack pointer, which is back at its start between calls.

The JSON form (:meth:`KernelCall.to_json`) is what ``engines/js/core.mjs``
reads.
"""
from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from typing import Any, Union

import numpy as np

DTYPES: dict[str, np.dtype] = {
    "f32": np.dtype("<f4"), "f64": np.dtype("<f8"), "i32": np.dtype("<i4"), "u8": np.dtype("u1"),
}
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$")


def checked_name(name: str, what: str) -> str:
    """``name`` if it is a plain identifier usable as a file name, else ValueError."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(f"{what} {name!r}: use letters, digits, '_' or '-' (at most 64)")
    return name


@dataclass(frozen=True)
class In:
    """Pointer to a copy of the input array ``name``."""

    name: str


@dataclass(frozen=True)
class Out:
    """Pointer to a zeroed output buffer of ``count`` items of ``dtype``."""

    name: str
    count: int
    dtype: str = "f32"


@dataclass(frozen=True)
class I32:
    """An i32 (or usize) scalar argument."""

    value: int


@dataclass(frozen=True)
class F32:
    """An f32 scalar argument."""

    value: float


@dataclass(frozen=True)
class F64:
    """An f64 scalar argument (the special functions' single-value exports)."""

    value: float


Arg = Union[In, Out, I32, F32, F64]


def _arg_json(arg: Arg, call_id: str) -> dict[str, Any]:
    if isinstance(arg, In):
        return {"in": checked_name(arg.name, "input")}
    if isinstance(arg, Out):
        if arg.dtype not in DTYPES:
            raise ValueError(f"{call_id}: output dtype {arg.dtype!r} is not one of {sorted(DTYPES)}")
        if not isinstance(arg.count, int) or arg.count < 0:
            raise ValueError(f"{call_id}: output count must be a non-negative int, got {arg.count!r}")
        return {"out": checked_name(arg.name, "output"), "dtype": arg.dtype, "count": arg.count}
    if isinstance(arg, I32):
        if not -2**31 <= int(arg.value) < 2**32:
            raise ValueError(f"{call_id}: {arg.value} does not fit in 32 bits")
        value = int(arg.value)
        return {"i32": value - 2**32 if value >= 2**31 else value}
    if isinstance(arg, F32):
        return {"f32": float(arg.value)}
    if isinstance(arg, F64):
        return {"f64": float(arg.value)}
    raise TypeError(f"{call_id}: argument {arg!r} is not In, Out, I32, F32 or F64")


@dataclass(frozen=True)
class KernelCall:
    """One export called with fixed arguments, timed ``repeat`` times."""

    id: str
    export: str
    args: tuple[Arg, ...]
    warmup: int = 1
    repeat: int = 5
    inner: int = 1
    min_sample_ms: float = 0.0
    return_outputs: bool = True
    memory: str | None = None  # input holding a whole linear-memory image, installed before the args
    return_value: bool = False  # make one more call after the samples and return its result


    def to_json(self) -> dict[str, Any]:
        """The call as core.mjs reads it (ValueError on a malformed call)."""
        checked_name(self.id, "call id")
        checked_name(self.export, "export")
        if self.warmup < 0 or self.repeat < 1 or self.inner < 1 or self.min_sample_ms < 0:
            raise ValueError(f"{self.id}: need warmup >= 0, repeat >= 1, inner >= 1, min_sample_ms >= 0")
        return {
            "id": self.id, "export": self.export,
            "args": [_arg_json(a, self.id) for a in self.args],
            "warmup": int(self.warmup), "repeat": int(self.repeat), "inner": int(self.inner),
            "min_sample_ms": float(self.min_sample_ms), "return_outputs": bool(self.return_outputs),
            **({"memory": checked_name(self.memory, "memory image")} if self.memory else {}),
            **({"return_value": True} if self.return_value else {}),
        }

    def input_names(self) -> list[str]:
        """Names of the input arrays this call reads (its memory image first)."""
        return ([self.memory] if self.memory else []) + [a.name for a in self.args if isinstance(a, In)]


@dataclass
class CallResult:
    """Per-call timings (ms per call) and the output arrays."""

    id: str
    export: str
    inner: int
    times_ms: list[float]
    outputs: dict[str, np.ndarray] = field(default_factory=dict)
    value: float | None = None  # the export's result of one more call (``return_value``)

    @property
    def median_ms(self) -> float:
        """Median of the samples, in milliseconds per call."""
        return float(statistics.median(self.times_ms))

    @property
    def min_ms(self) -> float:
        """Fastest sample, in milliseconds per call."""
        return float(min(self.times_ms))


@dataclass(frozen=True)
class EngineStatus:
    """Whether an engine can run here, and if not, why."""

    name: str
    available: bool
    reason: str
    version: str = ""


@dataclass
class EngineRun:
    """What one engine run returned."""

    engine: str
    version: str
    exports: list[str]
    results: list[CallResult]
    simd: bool | None = None  # what the engine's SIMD128 probe said (None: not probed)

    def result(self, call_id: str) -> CallResult:
        """The result of the call ``call_id`` (KeyError if absent)."""
        for r in self.results:
            if r.id == call_id:
                return r
        raise KeyError(call_id)


def checked_inputs(calls: list[KernelCall], inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The input arrays the calls need, as contiguous little-endian arrays.

    ValueError for a missing input, TypeError for a non-array or unsupported dtype.
    """
    needed: dict[str, np.ndarray] = {}
    for call in calls:
        call.to_json()
        for name in call.input_names():
            if name not in inputs:
                raise ValueError(f"{call.id}: no input array named {name!r}")
            arr = inputs[name]
            if not isinstance(arr, np.ndarray):
                raise TypeError(f"input {name!r} must be a numpy array, got {type(arr).__name__}")
            if arr.dtype.type not in (np.float32, np.float64, np.int32, np.uint8):
                raise TypeError(f"input {name!r}: dtype {arr.dtype} is not one of f32, f64, i32, u8")
            needed[name] = np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<"), copy=False)
    return needed


def output_dtype(call: KernelCall, name: str) -> np.dtype:
    """dtype of output ``name`` of ``call``."""
    for a in call.args:
        if isinstance(a, Out) and a.name == name:
            return DTYPES[a.dtype]
    raise KeyError(name)


# -- ready-made calls for the reference guide's kernels ------------------------------
def binary_call(export: str, n: int, **timing: Any) -> KernelCall:
    """``export(a, b, out, n)`` for an element-wise binary kernel (inputs a, b)."""
    return KernelCall(export, export, (In("a"), In("b"), Out("out", n), I32(n)), **timing)


def unary_call(export: str, n: int, **timing: Any) -> KernelCall:
    """``export(a, out, n)`` for an element-wise unary kernel (input a)."""
    return KernelCall(export, export, (In("a"), Out("out", n), I32(n)), **timing)


def matmul_call(m: int, k: int, n: int, **timing: Any) -> KernelCall:
    """``matmul_f32(a, b, c, m, k, n)``: c (m x n) = a (m x k) @ b (k x n)."""
    return KernelCall("matmul_f32", "matmul_f32",
                      (In("a"), In("b"), Out("out", m * n), I32(m), I32(k), I32(n)), **timing)
