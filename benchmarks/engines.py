"""The seed's kernel rows timed inside the engine of this asv environment.

``asv.conf.json`` makes ``$RUSTORCH_WASM_ENGINE`` a matrix dimension
(wasmer, node, firefox, webkit on by default; chromium available), so every
engine's results are their own series:
a slowdown in all engines is ours, in one engine only it is the engine's.
All cases run in one engine session (``setup_cache``), each timed by the
engine's own clock around the raw export (``performance.now()`` in V8,
SpiderMonkey and WebKit pages, ``preciseTime()`` in the jsc shell,
``perf_counter`` in-process), so start-up and data transfer never count.
These are the series to compare across engines; the in-process suites
(thread CPU time, instruction counts) are the finer instrument for Wasmer.
"""
from __future__ import annotations

import sys
from typing import Any

UNAVAILABLE = "engine unavailable"
CASES = ["add_100", "add_1000", "add_10000", "add_100000",
         "matmul_64", "matmul_256", "matmul_512", "matmul_1024",
         "relu_1000", "relu_10000", "sigmoid_1000", "sigmoid_10000"]


class EngineKernels:
    params = CASES
    param_names = ["case"]
    timeout = 900

    def setup_cache(self) -> dict[str, Any]:
        from rustorch_wasm.engines.suite import in_engine_seconds, guide_cases
        from rustorch_wasm.runtime import EngineUnavailable

        calls, inputs = guide_cases(repeat=9)
        try:
            return in_engine_seconds(calls, inputs)
        except EngineUnavailable as exc:  # e.g. no firefox-esr here: skipped with the reason, not failed
            print(f"engine unavailable: {exc}", file=sys.stderr)
            return {UNAVAILABLE: str(exc)}

    def setup(self, seconds: dict[str, Any], case: str) -> None:
        if UNAVAILABLE in seconds:
            raise NotImplementedError(seconds[UNAVAILABLE])

    def track_seconds(self, seconds: dict[str, Any], case: str) -> float:
        return float(seconds[case])

    track_seconds.unit = "seconds"  # type: ignore[attr-defined]
