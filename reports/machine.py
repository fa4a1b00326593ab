"""What the machine is and what else it is doing: its CPU model, the CPU
time all processes used so far and the steal time (Linux's /proc/stat), the
CPU time of this process's children. The noise report and probe read the
times around a run; the peer report names the CPU.
"""
from __future__ import annotations

import os
import platform
import resource
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass
class CpuTimes:
    """Seconds since boot from the ``cpu`` line of /proc/stat: ``busy``
    (user, nice, system, irq, softirq) and ``steal``."""

    busy: float
    steal: float


def machine_cpu_times() -> CpuTimes | None:
    """The machine's CPU times so far, or None off Linux."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()
        ticks = [int(f) for f in fields[1:9]]
    except (OSError, IndexError, ValueError):
        return None
    if fields[0] != "cpu":
        return None
    hz = os.sysconf("SC_CLK_TCK")
    user, nice, system, _idle, _iowait, irq, softirq, steal = ticks
    return CpuTimes((user + nice + system + irq + softirq) / hz, steal / hz)


def children_cpu_seconds() -> float:
    """CPU time of this process's finished children (asv and its benchmarks)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cpu_model() -> str:
    """lscpu's model name (platform.processor() as a fallback)."""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=30).stdout
    except OSError:
        out = ""
    for line in out.splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"
