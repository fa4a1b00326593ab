"""Seed cases "Real-time Data Processing" and "Computation Graph Optimization":
streaming anomaly detection and fused element-wise chains.

The package modules are imported inside ``make`` so that asv can still
discover this suite when it benchmarks a commit that predates them.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ._harness import Body, KernelCase, instruction_track, rng
from rustorch_wasm.runtime import Runtime


class FusedChain(KernelCase):
    """sigmoid(relu(a*b + c)*0.5 + 0.25) on 100K elements: one fused wasm
    call against six op-by-op kernel calls (inputs already in wasm memory)."""

    params = [["fused", "unfused"]]
    param_names = ["mode"]

    def make(self, rt: Runtime, mode: str) -> Body:
        from rustorch_wasm.graph import chain_case
        case = chain_case(rt, 100_000)
        self._keep = case
        return case.fused if mode == "fused" else case.unfused

    def time_chain(self, mode: str) -> None:
        self.body()

    track_chain_instructions = instruction_track("chain")


def _stream(n: int) -> np.ndarray:
    """Unit noise on a 1e6 offset with 0.5 % spikes of 6 sigma."""
    g = rng()
    x = 1e6 + g.normal(0.0, 1.0, n)
    idx = g.choice(n, n // 200, replace=False)
    x[idx] += 6.0
    return x


class AnomalyDetection(KernelCase):
    """TimeSeriesDetector(100, 2.0) over a 10K-point stream, the seed's case:
    point by point (``detect_single``, one wasm call each) or as one batch."""

    params = [["single", "batch"]]
    param_names = ["mode"]

    def make(self, rt: Runtime, mode: str) -> Body:
        from rustorch_wasm.timeseries import TimeSeriesDetector
        det = TimeSeriesDetector(100, 2.0, runtime=rt)
        data = _stream(10_000)
        points = [float(v) for v in data]
        self._keep: Any = det

        def single() -> int:
            det.reset()
            step = det.detect_single
            return sum(step(v) for v in points)

        def batch() -> int:
            det.reset()
            return int(det.detect(data).sum())

        return single if mode == "single" else batch

    def time_stream(self, mode: str) -> None:
        self.body()

    track_stream_instructions = instruction_track("stream")
