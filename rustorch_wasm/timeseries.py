"""Streaming anomaly detection with a rolling z-score, computed in wasm.

``TimeSeriesDetector(window=100, threshold=2.0)`` is the reference guide's
``WasmTimeSeriesDetector``. Its state (window statistics and a ring buffer
of the last ``window`` points, all float64) lives in the kernel heap and is
updated by ``kernels/src/timeseries.rs`` in O(1) per point.

Definition. For a point ``x_t`` that has at least ``window`` earlier points,
let ``W = x[t-window:t]`` be the window just *before* it (``x_t`` is not part
of its own window), ``m = mean(W)`` and ``s = std(W)`` with ``ddof=0``.
``x_t`` is an anomaly when ``|x_t - m| > threshold * s`` (strict), i.e. its
z-score exceeds ``threshold``. Then ``x_t`` enters the window and the oldest
point leaves it.

* Warm-up: the first ``window`` points are never anomalies (they fill the
  window).
* Zero variance: a constant window has ``s = 0``; ``x_t`` is then an anomaly
  exactly when it differs from the constant. No division happens, so there is
  never a NaN or an infinite z-score.
* Non-finite input (NaN, ±inf) raises ``ValueError`` and leaves the state
  unchanged (``detect`` checks the whole batch before touching the state).

Numerical stability: the kernel updates the mean and the sum of squared
deviations with Welford's add/remove formulas (deviations, never raw sums of
squares) and recomputes both exactly from the ring every ``window`` points,
so a 1e6 offset on unit noise over a 200k-point stream gives the same flags
as numpy's two-pass ``mean``/``std`` on each window.
"""
from __future__ import annotations

import math
import weakref
from numbers import Real
from typing import Any

import numpy as np

from .runtime import Runtime, get_runtime

HEADER = 8  # f64 bookkeeping slots before the ring (timeseries.rs HEADER)
_NORMAL, _ANOMALY, _NOT_FINITE = 0, 1, 2


def _free_quietly(runtime: Runtime, ptr: int) -> None:
    """Finalizer: give the state block back, ignoring interpreter shutdown."""
    try:
        runtime.call("free", "rt_free", ptr)
    except Exception:
        pass


class TimeSeriesDetector:
    """Rolling z-score anomaly detector over the last ``window`` points."""

    def __init__(self, window: int = 100, threshold: float = 2.0, *,
                 runtime: Runtime | None = None) -> None:
        if isinstance(window, bool) or not isinstance(window, (int, np.integer)):
            raise TypeError(f"window must be an integer, got {type(window).__name__}")
        if window < 2:
            raise ValueError(f"window must be at least 2, got {window}")
        if isinstance(threshold, bool) or not isinstance(threshold, Real):
            raise TypeError(f"threshold must be a real number, got {type(threshold).__name__}")
        if not math.isfinite(threshold) or threshold < 0:
            raise ValueError(f"threshold must be finite and >= 0, got {threshold}")
        self._rt = runtime or get_runtime()
        self.window = int(window)
        self.threshold = float(threshold)
        self._ptr = self._rt.alloc((HEADER + self.window) * 8, op="TimeSeriesDetector")
        self._finalizer = weakref.finalize(self, _free_quietly, self._rt, self._ptr)
        self._push = self._rt.fn("ts_push")
        self.reset()

    # -- state -----------------------------------------------------------
    @property
    def _state(self) -> int:
        if self._ptr == 0:
            raise ValueError("detector has been freed")
        return self._ptr

    def reset(self) -> None:
        """Forget every point seen (the next ``window`` points warm up again)."""
        if not self._rt.call("ts_init", "ts_init", self._state, self.window, self.threshold):
            raise ValueError("ts_init refused the window or threshold")

    def _header(self) -> np.ndarray:
        return self._rt.array(self._state, HEADER, np.float64)

    @property
    def count(self) -> int:
        """Points currently in the window (``window`` once warmed up)."""
        return int(self._header()[0])

    @property
    def mean(self) -> float:
        """Mean of the current window (NaN before the first point)."""
        if self.count == 0:
            return math.nan
        return float(self._rt.call("ts_mean", "ts_mean", self._state, self.window))

    @property
    def std(self) -> float:
        """Population standard deviation of the current window (NaN before the first point)."""
        if self.count == 0:
            return math.nan
        return math.sqrt(float(self._rt.call("ts_var", "ts_var", self._state, self.window)))

    def free(self) -> None:
        """Release the state's wasm memory now (idempotent)."""
        if self._ptr:
            self._finalizer.detach()
            self._rt.free(self._ptr)
            self._ptr = 0

    def __enter__(self) -> "TimeSeriesDetector":
        return self

    def __exit__(self, *exc: object) -> None:
        self.free()

    def __repr__(self) -> str:
        state = "freed" if self._ptr == 0 else f"count={self.count}"
        return f"TimeSeriesDetector(window={self.window}, threshold={self.threshold}, {state})"

    # -- detection -------------------------------------------------------
    def detect_single(self, x: float) -> bool:
        """Score ``x`` against the window before it, then add it: True when anomalous."""
        if type(x) is not float:  # fast path for floats: this runs once per point
            if isinstance(x, bool) or not isinstance(x, Real):
                raise TypeError(f"detect_single expects a real number, got {type(x).__name__}")
            x = float(x)
        if not self._ptr:
            raise ValueError("detector has been freed")
        status = self._push(self._ptr, self.window, x)
        if status == _ANOMALY:
            return True
        if status == _NORMAL:
            return False
        if status == _NOT_FINITE:
            raise ValueError(f"detect_single: {x} is not finite")
        raise RuntimeError("detect_single: detector state is corrupt")

    def detect(self, values: Any) -> np.ndarray:
        """``detect_single`` over a 1-D sequence in one wasm call: a bool array."""
        arr = np.asarray(values)
        if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
            raise TypeError(f"detect expects real numbers, got dtype {arr.dtype}")
        if np.iscomplexobj(arr):
            raise TypeError("detect expects real numbers, got complex values")
        if arr.ndim != 1:
            raise ValueError(f"detect expects a 1-D array, got shape {arr.shape}")
        xs = np.ascontiguousarray(arr, dtype=np.float64)
        if not np.isfinite(xs).all():
            bad = int(np.flatnonzero(~np.isfinite(xs))[0])
            raise ValueError(f"detect: value at index {bad} is not finite ({xs[bad]})")
        n = xs.size
        if n == 0:
            return np.zeros(0, dtype=bool)
        state = self._state
        buf = self._rt.alloc(n * 9, op="detect")
        try:
            self._rt.array(buf, n, np.float64)[:] = xs
            out = buf + n * 8
            found = self._rt.call("detect", "ts_push_all", state, self.window, buf, out, n)
            if found < 0 or found >= 2**32 - 1:  # usize::MAX, however the engine signs it
                raise RuntimeError("detect: detector state is corrupt")
            return self._rt.array(out, n, np.uint8) == _ANOMALY
        finally:
            self._rt.free(buf)
