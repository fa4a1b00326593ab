"""scripts/noise_report.py: the per-run count of benchmarks over the CV target."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_script():
    spec = importlib.util.spec_from_file_location("noise_report", ROOT / "scripts" / "noise_report.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("noise_report", module)
    spec.loader.exec_module(module)
    return module


def test_overs_are_counted_per_run_and_only_for_benchmarks_of_100_us_or_more():
    nr = load_script()
    rows = [
        # 1 ms: over in run 1 only
        nr.Row("a.time_x", "1", medians=[1e-3, 1e-3, 1e-3], cvs=[0.01, 0.05, 0.02], runs=[0, 1, 2]),
        # 200 us, absent from run 0: over in run 2
        nr.Row("b.time_y", "2", medians=[2e-4, 2e-4], cvs=[0.01, 0.031], runs=[1, 2]),
        # 10 us: under the size the target applies to, never counted
        nr.Row("c.time_z", "3", medians=[1e-5] * 3, cvs=[0.5, 0.5, 0.5], runs=[0, 1, 2]),
    ]
    assert nr.overs_per_run(rows, 3) == [0, 1, 1]
    costs = [nr.RunCost(60.0, 0.0)] * 3
    text = nr.table(rows, costs)
    assert "over the target in each run: 0, 1, 1" in text
    assert "| a.time_x | 1 | 1 ms | 5.00% |" in text


def test_steal_time_is_reported_when_measured_and_machine_times_are_read():
    nr = load_script()
    rows = [nr.Row("a.time_x", "1", medians=[1e-3], cvs=[0.01], runs=[0])]
    assert "Steal time" not in nr.table(rows, [nr.RunCost(60.0, 1.0)])
    assert "Steal time during each run (the hypervisor running something else on the vCPUs): 2.5 s" \
        in nr.table(rows, [nr.RunCost(60.0, 1.0, 2.5)])
    times = nr.machine_cpu_times()  # Linux's /proc/stat: counters that only grow
    assert times is not None and times.busy > 0 and times.steal >= 0
    later = nr.machine_cpu_times()
    assert later.busy >= times.busy and later.steal >= times.steal
