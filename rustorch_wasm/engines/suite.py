"""The reference guide's kernel rows as engine-neutral calls, timed inside the selected engine.

For asv with the engine as a matrix dimension (``$RUSTORCH_WASM_ENGINE`` =
wasmer | wasmtime | node | chromium | firefox | webkit): a benchmark's ``setup_cache`` calls
:func:`in_engine_seconds` once, and ``track_*`` methods return the medians
(unit "seconds"). The times are taken by the engine's own clock around the
raw export (``performance.now()`` in V8, ``perf_counter`` in-process), so
process start-up and data transfer never enter them, and results of
different engines stay apart because asv keys results by environment.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from . import selected_engine
from .spec import I32, In, KernelCall, Out

GUIDE_ADD = (100, 1_000, 10_000, 100_000)
GUIDE_MATMUL = (64, 256, 512, 1024)
GUIDE_ACTIVATION = (1_000, 10_000)


def guide_cases(repeat: int = 7, min_sample_ms: float = 1.0, matmul_sizes: tuple[int, ...] = GUIDE_MATMUL,
               ew_sizes: tuple[int, ...] = GUIDE_ADD, act_sizes: tuple[int, ...] = GUIDE_ACTIVATION,
               ) -> tuple[list[KernelCall], dict[str, np.ndarray]]:
    """Calls ``add_<n>``, ``matmul_<n>``, ``relu_<n>``, ``sigmoid_<n>`` and their inputs
    (uniform in [-1, 1), fixed seed)."""
    rng = np.random.default_rng(20261124)
    timing = {"warmup": 2, "repeat": repeat, "min_sample_ms": min_sample_ms}
    calls: list[KernelCall] = []
    inputs: dict[str, np.ndarray] = {}

    def u(name: str, *shape: int) -> In:
        inputs[name] = rng.uniform(-1, 1, shape).astype(np.float32)
        return In(name)

    for n in ew_sizes:
        calls.append(KernelCall(f"add_{n}", "ew_add", (u(f"add_{n}_a", n), u(f"add_{n}_b", n),
                                                      Out("out", n), I32(n)), **timing))
    for n in matmul_sizes:
        calls.append(KernelCall(f"matmul_{n}", "matmul_f32",
                                (u(f"mm_{n}_a", n, n), u(f"mm_{n}_b", n, n), Out("out", n * n),
                                 I32(n), I32(n), I32(n)), **timing))
    for op in ("relu", "sigmoid"):
        for n in act_sizes:
            calls.append(KernelCall(f"{op}_{n}", f"ew_{op}", (u(f"{op}_{n}_a", n), Out("out", n), I32(n)),
                                    **timing))
    return calls, inputs


def in_engine_seconds(calls: list[KernelCall], inputs: dict[str, np.ndarray],
                      engine_name: str | None = None) -> dict[str, float]:
    """Median seconds per call for each call id, measured in the named engine
    (default ``$RUSTORCH_WASM_ENGINE``); outputs are not transferred back."""
    from . import get_engine

    engine = get_engine(engine_name) if engine_name else selected_engine()
    quiet = [dataclasses.replace(c, return_outputs=False) for c in calls]
    run = engine.run(quiet, inputs)
    return {r.id: r.median_ms / 1e3 for r in run.results}
