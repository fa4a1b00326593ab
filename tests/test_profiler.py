"""Performance monitor: durations, heap deltas and peaks, recorded errors."""
from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from rustorch_wasm import ops
from rustorch_wasm.profiler import MiB, Performance
from rustorch_wasm.tensor import Tensor


def ticking_clock(step_s: float = 0.001):
    """A clock that advances ``step_s`` per reading: durations are exact."""
    counter = itertools.count()
    return lambda: next(counter) * step_s


def test_durations_and_total_time_with_a_fake_clock(rt):
    perf = Performance(rt, clock=ticking_clock())
    perf.start_profiling()  # reading 0
    perf.profile_operation("noop", lambda: None)  # readings 1, 2
    perf.profile_operation("noop", lambda: None)  # readings 3, 4
    report = perf.get_performance_report()  # reading 5
    assert [r.duration_ms for r in report.records] == pytest.approx([1.0, 1.0])
    assert report.total_time_ms == pytest.approx(5.0)
    assert report.operations_time_ms == pytest.approx(2.0)
    (summary,) = report.operations
    assert (summary.name, summary.calls, summary.errors) == ("noop", 2, 0)
    assert summary.mean_ms == pytest.approx(1.0)


def test_memory_delta_and_peak(rt):
    perf = Performance(rt)
    kept = perf.profile_operation("alloc_1mb", Tensor.zeros, (256, 1024), runtime=rt)

    def transient() -> float:
        with Tensor.zeros((8 * 256, 1024), runtime=rt) as big:  # 8 MiB, freed at once
            return ops.sum(big)

    assert perf.profile_operation("transient_8mb", transient) == 0.0
    report = perf.get_performance_report()
    first, second = report.records
    assert first.memory_delta_bytes >= MiB and first.success
    assert abs(second.memory_delta_bytes) < 4096
    assert second.peak_bytes >= 8 * MiB
    assert report.peak_memory_mb >= 8.0 + 1.0  # the 1 MiB tensor was alive during the 8 MiB one
    assert report.linear_memory_mb >= report.peak_memory_mb
    assert report.heap_in_use_mb >= 1.0
    kept.free()


def test_errors_are_recorded_and_reraised(rt):
    perf = Performance(rt)
    a = Tensor.zeros((3,), runtime=rt)
    b = Tensor.zeros((4,), runtime=rt)
    with pytest.raises(ValueError, match="shape mismatch"):
        perf.profile_operation("add", ops.add, a, b)
    perf.profile_operation("add", ops.add, a, a).free()
    report = perf.get_performance_report()
    bad, good = report.records
    assert not bad.success and bad.error.startswith("ValueError: add: shape mismatch")
    assert good.success and good.error is None
    assert report.operations[0].errors == 1 and report.operations[0].calls == 2
    json.dumps(report.to_dict())  # plain data


def test_wrap_table_and_restart(rt):
    perf = Performance(rt)
    relu = perf.wrap("<relu>", ops.relu)
    x = Tensor.from_numpy(np.array([-1.0, 2.0], np.float32), runtime=rt)
    y = relu(x)
    assert y.numpy().tolist() == [0.0, 2.0]
    table = perf.get_performance_report().table()
    assert "&lt;relu&gt;" in table and "<relu>" not in table
    perf.start_profiling()
    assert perf.records == () and perf.get_performance_report().operations == ()
    perf.stop_profiling()
    t1 = perf.get_performance_report().total_time_ms
    assert perf.get_performance_report().total_time_ms == t1


def test_bad_inputs(rt):
    perf = Performance(rt)
    with pytest.raises(TypeError, match="not callable"):
        perf.profile_operation("x", 42)
    with pytest.raises(TypeError, match="name"):
        perf.profile_operation("", lambda: None)
    assert perf.records == ()
