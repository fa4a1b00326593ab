"""One run of the asv suite at HEAD against the installed package, and what it cost.

``asv run --python=same --record-samples`` (no per-commit build) into a
results directory of its own, through a copy of asv.conf.json; around it,
the wall time, the CPU time other processes used meanwhile and the steal
time (:mod:`reports.machine`).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from reports.machine import children_cpu_seconds, machine_cpu_times
from reports.paths import ROOT


def asv_config(results_dir: Path) -> Path:
    """A copy of asv.conf.json whose results go to ``results_dir``."""
    text = (ROOT / "asv.conf.json").read_text()
    text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))
    conf = json.loads(text)
    conf["results_dir"] = str(results_dir)
    conf["html_dir"] = str(results_dir / "html")
    conf["repo"] = str(ROOT)
    conf["benchmark_dir"] = str(ROOT / "benchmarks")
    path = results_dir / "asv.conf.json"
    path.write_text(json.dumps(conf))
    return path


@dataclass
class RunCost:
    """One suite run: its wall time, the CPU time the rest of the machine
    used meanwhile (other processes: the noise the clock cannot exclude) and
    the time the hypervisor took the vCPUs away (steal)."""

    wall: float
    others_cpu: float | None
    steal: float | None = None


def run_suite(config: Path, bench: Sequence[str], attributes: Sequence[str] = ()) -> RunCost:
    """One asv run of the suite at HEAD (``attributes``: asv ``-a NAME=VALUE``
    overrides of the harness settings): its wall time, and the CPU seconds
    other processes used during it."""
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    cmd = [sys.executable, "-m", "asv", "run", "--config", str(config), "--python=same",
           "--record-samples", "--set-commit-hash", head()]
    subprocess.run([sys.executable, "-m", "asv", "machine", "--yes", "--config", str(config)],
                   cwd=ROOT, env=env, check=False, stdout=subprocess.DEVNULL)
    for regex in bench:
        cmd += ["-b", regex]
    for attr in attributes:
        cmd += ["-a", attr]
    start = time.perf_counter()
    cpu0, ours0 = machine_cpu_times(), children_cpu_seconds()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, check=False)
    cpu1, ours1 = machine_cpu_times(), children_cpu_seconds()
    if proc.returncode not in (0, 2):
        raise SystemExit(f"error: asv run failed with exit code {proc.returncode}")
    if cpu0 is None or cpu1 is None:
        return RunCost(time.perf_counter() - start, None)
    others = max(0.0, (cpu1.busy - cpu0.busy) - (ours1 - ours0))
    return RunCost(time.perf_counter() - start, others, cpu1.steal - cpu0.steal)


def head() -> str:
    """The commit the suite is recorded at (this repository's HEAD)."""
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                          text=True, check=True).stdout.strip()
