"""RusTorch WASM: tensor kernels in WebAssembly, run from Python.

``Tensor`` and the functions below compute in the wasm kernel module
(``_kernels.wasm``, built from ``rustorch_wasm/kernels``) through Wasmer, or
wasmtime as a fallback (``RUSTORCH_WASM_ENGINE``). Submodules that are not
imported eagerly: ``special`` (f64 special functions), ``nn`` (layers,
losses, optimizers, ``Model``), ``regress`` (the regression detector,
importable without loading any engine), ``timeseries`` (streaming anomaly
detection), ``pool`` (tensor memory pool), ``profiler`` (performance
monitor), ``graph`` (fused element-wise chains).

"The reference guide" in these docstrings is RusTorch's *WASM Performance
Benchmarking Guide*, whose API names, operations, sizes and claimed figures
this package implements and measures (``docs/seed_tables.md`` sets its
figures beside ours); "seed" alone always means a random seed.
"""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "Tensor": ("tensor", "Tensor"),
    "Runtime": ("runtime", "Runtime"),
    "WasmTrap": ("runtime", "WasmTrap"),
    "get_runtime": ("runtime", "get_runtime"),
    "TimeSeriesDetector": ("timeseries", "TimeSeriesDetector"),
    "MemoryPool": ("pool", "MemoryPool"),
    "Performance": ("profiler", "Performance"),
    "lazy": ("graph", "lazy"),
    **{name: ("ops", name) for name in (
        "add", "sub", "mul", "div", "relu", "sigmoid", "tanh", "exp", "log",
        "sum", "mean", "max", "softmax", "matmul", "transpose",
    )},
}
_SUBMODULES = {"special", "regress", "runtime", "tensor", "ops", "nn",
               "timeseries", "pool", "profiler", "graph"}

__all__ = sorted(_LAZY) + sorted(_SUBMODULES)


def __getattr__(name: str) -> Any:
    # Lazy so that `python -m rustorch_wasm.regress` and `_build` never load
    # numpy or a wasm engine they do not need.
    if name in _LAZY:
        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(f".{module}", __name__), attr)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'rustorch_wasm' has no attribute {name!r}")
