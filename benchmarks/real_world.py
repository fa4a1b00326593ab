"""Seed section "Real-world Performance Cases": image classification with a
small ResNet-like CNN on 224×224×3 (one image, batch of 10), streaming
anomaly detection over 10,000 points (points per second, anomaly rate), and
MLP training throughput (samples per second).

Throughput figures are derived from the same thread-CPU clock the time
benchmarks use (median over repeated runs), so they are as noisy as time;
their ``time_`` twins carry the statistics and the instruction counts."""
from __future__ import annotations

import time
from typing import Any

import numpy as np

from ._harness import Body, KernelCase, in_process_only, instruction_track, rng, timed
from rustorch_wasm.runtime import Runtime, get_runtime

STREAM_POINTS = 10_000


def _median_seconds(body: Body, runs: int) -> float:
    body()
    times = []
    for _ in range(runs):
        start = time.thread_time()
        body()
        times.append(time.thread_time() - start)
    return float(np.median(times))


class ImageClassification(KernelCase):
    params = ["single", "batch_10"]
    param_names = ["images"]
    timeout = 600

    def make(self, rt: Runtime, images: str) -> Body:
        from rustorch_wasm.nn import cases

        return cases.resnet_forward_body(rt, 1 if images == "single" else 10)

    time_classify = timed("classify")
    track_classify_instructions = instruction_track("classify")


def stream() -> np.ndarray:
    """10,000 points of unit noise on a 1e6 offset with 0.5 % spikes of
    6 sigma: the detector must neither lose precision nor miss the spikes."""
    g = rng()
    x = 1e6 + g.normal(0.0, 1.0, STREAM_POINTS)
    x[g.choice(STREAM_POINTS, STREAM_POINTS // 200, replace=False)] += 6.0
    return x


class AnomalyDetection(KernelCase):
    """TimeSeriesDetector(window=100, threshold=2.0) over the stream: point
    by point (``detect_single``, one wasm call a point, the seed's real-time
    loop) or as one batch call."""

    params = ["single", "batch"]
    param_names = ["mode"]

    def make(self, rt: Runtime, mode: str) -> Body:
        from rustorch_wasm.timeseries import TimeSeriesDetector

        det = TimeSeriesDetector(100, 2.0, runtime=rt)
        data = stream()
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

    time_stream = timed("stream")
    track_stream_instructions = instruction_track("stream")

    def track_points_per_second(self, mode: str) -> float:
        return STREAM_POINTS / _median_seconds(self.body(mode), 5)

    track_points_per_second.unit = "points/s"  # type: ignore[attr-defined]


class AnomalyRate(KernelCase):
    """Share of the 10,000 points flagged (exact: a correctness tripwire)."""

    def make(self, rt: Runtime) -> Body:
        from rustorch_wasm.timeseries import TimeSeriesDetector

        det = TimeSeriesDetector(100, 2.0, runtime=rt)
        data = stream()
        self._keep = det
        return lambda: int(det.detect(data).sum())

    def track_anomaly_rate(self) -> float:
        in_process_only()
        det_body = self.make(get_runtime())
        return 100.0 * det_body() / STREAM_POINTS

    track_anomaly_rate.unit = "%"  # type: ignore[attr-defined]


class MLPTraining(KernelCase):
    """Training throughput of the MLP 784→128→10 at batch 32."""

    def make(self, rt: Runtime) -> Body:
        from rustorch_wasm.nn import cases

        return cases.mlp_train_body(rt)

    def track_samples_per_second(self) -> float:
        return 32 / _median_seconds(self.body(), 30)

    track_samples_per_second.unit = "samples/s"  # type: ignore[attr-defined]
