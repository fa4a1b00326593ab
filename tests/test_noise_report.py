"""reports/noise/ (scripts/noise_report.py): the per-run count of benchmarks
over the CV target, steal time, the machine's CPU times."""
from __future__ import annotations

from reports.machine import machine_cpu_times
from reports.noise.samples import Row
from reports.noise.suite import RunCost
from reports.noise.table import overs_per_run, table


def test_overs_are_counted_per_run_and_only_for_benchmarks_of_100_us_or_more():
    rows = [
        # 1 ms: over in run 1 only
        Row("a.time_x", "1", medians=[1e-3, 1e-3, 1e-3], cvs=[0.01, 0.05, 0.02], runs=[0, 1, 2]),
        # 200 us, absent from run 0: over in run 2
        Row("b.time_y", "2", medians=[2e-4, 2e-4], cvs=[0.01, 0.031], runs=[1, 2]),
        # 10 us: under the size the target applies to, never counted
        Row("c.time_z", "3", medians=[1e-5] * 3, cvs=[0.5, 0.5, 0.5], runs=[0, 1, 2]),
    ]
    assert overs_per_run(rows, 3) == [0, 1, 1]
    costs = [RunCost(60.0, 0.0)] * 3
    text = table(rows, costs)
    assert "over the target in each run: 0, 1, 1" in text
    assert "| a.time_x | 1 | 1 ms | 5.00% |" in text


def test_steal_time_is_reported_when_measured_and_machine_times_are_read():
    rows = [Row("a.time_x", "1", medians=[1e-3], cvs=[0.01], runs=[0])]
    assert "Steal time" not in table(rows, [RunCost(60.0, 1.0)])
    assert "Steal time during each run (the hypervisor running something else on the vCPUs): 2.5 s" \
        in table(rows, [RunCost(60.0, 1.0, 2.5)])
    times = machine_cpu_times()  # Linux's /proc/stat: counters that only grow
    assert times is not None and times.busy > 0 and times.steal >= 0
    later = machine_cpu_times()
    assert later.busy >= times.busy and later.steal >= times.steal
