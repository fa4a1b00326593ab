"""Performance monitor: wall time and wasm heap use, per operation.

The reference guide's ``WasmPerformance`` and ``PerformanceTracker``::

    perf = Performance()
    perf.start_profiling()
    c = perf.profile_operation("matmul", rw.matmul, a, b)
    report = perf.get_performance_report()
    report.total_time_ms, report.peak_memory_mb
    print(report.table())

Measurements (``time.perf_counter`` and the kernel heap counters of
:meth:`~rustorch_wasm.runtime.Runtime.heap_stats`):

* ``total_time_ms``: wall time from ``start_profiling()`` to the report
  (or to ``stop_profiling()``); ``operations_time_ms`` is the sum of the
  profiled operations' durations.
* ``peak_memory_mb``: the high-water mark of kernel-heap bytes in use
  (blocks with their headers) since ``start_profiling()``, in MiB.
  ``linear_memory_mb`` is the size of wasm linear memory, which only ever
  grows, so it is its own high-water mark.
* Per operation call: duration, ``memory_delta_bytes`` (heap bytes in use
  after minus before: what the call left allocated), the heap peak during
  the call, and success or the error (``"TypeName: message"``); the error is
  re-raised after it is recorded.

To attribute a peak to each call the heap's high-water mark is restarted
before every profiled call (the session peak is folded in first, so it is
not lost); code that reads ``heap_stats().peak`` itself around profiled
calls sees only the part since the last profiled call.
"""
from __future__ import annotations

import html
import time
from dataclasses import asdict, dataclass
from typing import Any, Callable, TypeVar

from .runtime import Runtime, get_runtime

MiB = 1024 * 1024
T = TypeVar("T")


@dataclass(frozen=True)
class OperationRecord:
    """One profiled call."""

    name: str
    duration_ms: float
    memory_delta_bytes: int
    peak_bytes: int
    success: bool
    error: str | None = None


@dataclass(frozen=True)
class OperationSummary:
    """All calls of one operation name."""

    name: str
    calls: int
    errors: int
    total_ms: float
    mean_ms: float
    min_ms: float
    max_ms: float
    memory_delta_bytes: int
    peak_memory_mb: float


@dataclass(frozen=True)
class PerformanceReport:
    """What ``get_performance_report()`` returns."""

    total_time_ms: float
    operations_time_ms: float
    peak_memory_mb: float
    heap_in_use_mb: float
    linear_memory_mb: float
    operations: tuple[OperationSummary, ...]
    records: tuple[OperationRecord, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain data (for JSON)."""
        return asdict(self)

    def table(self) -> str:
        """The per-operation table as Markdown (names HTML-escaped)."""
        lines = [
            f"total {self.total_time_ms:.3f} ms, peak heap {self.peak_memory_mb:.2f} MiB, "
            f"linear memory {self.linear_memory_mb:.2f} MiB",
            "",
            "| operation | calls | errors | total ms | mean ms | min ms | max ms | mem delta B | peak MiB |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for s in self.operations:
            lines.append(
                f"| {html.escape(s.name)} | {s.calls} | {s.errors} | {s.total_ms:.3f} | {s.mean_ms:.3f} "
                f"| {s.min_ms:.3f} | {s.max_ms:.3f} | {s.memory_delta_bytes} | {s.peak_memory_mb:.2f} |")
        return "\n".join(lines)


def _summaries(records: list[OperationRecord]) -> tuple[OperationSummary, ...]:
    """Per-name summaries, in order of first appearance."""
    groups: dict[str, list[OperationRecord]] = {}
    for r in records:
        groups.setdefault(r.name, []).append(r)
    out = []
    for name, rs in groups.items():
        ms = [r.duration_ms for r in rs]
        out.append(OperationSummary(
            name=name, calls=len(rs), errors=sum(not r.success for r in rs),
            total_ms=sum(ms), mean_ms=sum(ms) / len(ms), min_ms=min(ms), max_ms=max(ms),
            memory_delta_bytes=sum(r.memory_delta_bytes for r in rs),
            peak_memory_mb=max(r.peak_bytes for r in rs) / MiB))
    return tuple(out)


class Performance:
    """Profiles operations on one wasm runtime (the default one unless given)."""

    def __init__(self, runtime: Runtime | None = None, *,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.runtime = runtime or get_runtime()
        self._clock = clock
        self.start_profiling()

    def start_profiling(self) -> None:
        """Start a new session: clear the records, restart the clock and the heap peak."""
        self.runtime.reset_peak()
        self._records: list[OperationRecord] = []
        self._peak = self.runtime.heap_stats().peak
        self._start = self._clock()
        self._stop: float | None = None

    def stop_profiling(self) -> None:
        """Freeze ``total_time_ms`` (later operations are still recorded)."""
        self._stop = self._clock()

    def _fold_peak(self) -> int:
        peak = self.runtime.heap_stats().peak
        self._peak = max(self._peak, peak)
        return peak

    def profile_operation(self, name: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call ``fn(*args, **kwargs)``, record it under ``name`` and return its result."""
        if not isinstance(name, str) or not name:
            raise TypeError("profile_operation: name must be a non-empty string")
        if not callable(fn):
            raise TypeError(f"profile_operation: {type(fn).__name__} object is not callable")
        self._fold_peak()
        self.runtime.reset_peak()
        before = self.runtime.heap_stats().in_use
        t0 = self._clock()
        try:
            result = fn(*args, **kwargs)
        except Exception as exc:
            self._record(name, t0, before, f"{type(exc).__name__}: {exc}")
            raise
        self._record(name, t0, before, None)
        return result

    def _record(self, name: str, t0: float, before: int, error: str | None) -> None:
        duration = (self._clock() - t0) * 1e3
        peak = self._fold_peak()
        after = self.runtime.heap_stats().in_use
        self._records.append(OperationRecord(name, duration, after - before, peak, error is None, error))

    def wrap(self, name: str, fn: Callable[..., T]) -> Callable[..., T]:
        """``fn`` wrapped so that every call is profiled (the reference guide's ``profileOperation``)."""
        def profiled(*args: Any, **kwargs: Any) -> T:
            return self.profile_operation(name, fn, *args, **kwargs)

        profiled.__name__ = f"profiled_{getattr(fn, '__name__', 'operation')}"
        return profiled

    @property
    def records(self) -> tuple[OperationRecord, ...]:
        """Every profiled call of this session, in order."""
        return tuple(self._records)

    def get_performance_report(self) -> PerformanceReport:
        """Times, memory high-water marks and the per-operation table."""
        self._fold_peak()
        end = self._stop if self._stop is not None else self._clock()
        stats = self.runtime.heap_stats()
        return PerformanceReport(
            total_time_ms=(end - self._start) * 1e3,
            operations_time_ms=sum(r.duration_ms for r in self._records),
            peak_memory_mb=self._peak / MiB,
            heap_in_use_mb=stats.in_use / MiB,
            linear_memory_mb=stats.memory / MiB,
            operations=_summaries(self._records),
            records=tuple(self._records),
        )
