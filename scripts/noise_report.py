"""How noisy is the suite? Run it several times at HEAD and report per
benchmark the within-run spread of the recorded samples.

    python scripts/noise_report.py [--runs 3] [--bench REGEX] [-a NAME=VALUE]
                                   [--markdown FILE] [--keep DIR] [--json FILE]

Each run is ``asv run --python=same --record-samples`` against the installed
package (no per-commit build), into a throw-away results directory. For
every time benchmark and parameter combination the table gives the median,
the coefficient of variation CV = IQR / median over that run's samples
(worst and median over the runs), the spread of the medians across runs;
then per run the count of benchmarks over the target, the wall time, the
CPU time of other processes and the steal time. The target is CV <= 3 % for
every time benchmark of 100 us or more. ``-a`` overrides a harness setting
(``sample_time``, ``repeat``, ``rounds``, ``warmup_time``) for these runs,
so two settings can be compared run by run without editing the suite.
"""
from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
from asv.results import iter_results

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from doc_sections import write_section  # noqa: E402
from rustorch_wasm.regress.io.atomic import write_atomic  # noqa: E402
CV_TARGET = 0.03
MIN_SECONDS = 100e-6


@dataclass
class Row:
    """One benchmark and parameter combination across the runs."""

    name: str
    params: str
    medians: list[float] = field(default_factory=list)
    cvs: list[float] = field(default_factory=list)
    runs: list[int] = field(default_factory=list)  # the run each CV came from


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
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                          text=True, check=True).stdout.strip()


def collect(results_dir: Path, rows: dict[tuple[str, str], Row], run: int) -> None:
    """Add run number ``run``'s samples to ``rows`` (time benchmarks only)."""
    for result in iter_results(str(results_dir)):
        for key in result.get_all_result_keys():
            if ".time_" not in key:
                continue
            params = result.get_result_params(key)
            combos = itertools.product(*params)
            values = result.get_result_value(key, params)
            samples = result.get_result_samples(key, params)
            for combo, value, smp in zip(combos, values, samples or []):
                if value is None or not smp:
                    continue
                s = np.asarray(smp, dtype=float)
                q1, med, q3 = np.percentile(s, [25, 50, 75])
                row = rows.setdefault((key, ", ".join(combo)), Row(key, ", ".join(combo)))
                row.medians.append(float(med))
                row.cvs.append(float((q3 - q1) / med) if med > 0 else 0.0)
                row.runs.append(run)


def fmt_time(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds * 1e9:.3g} ns"


def overs_per_run(rows: list[Row], n_runs: int) -> list[int]:
    """For each run, how many benchmarks of at least MIN_SECONDS had a CV
    over CV_TARGET in it. Host bursts hit single runs; this tells a suite
    that is always noisy from runs that were hit."""
    counts = [0] * n_runs
    for r in rows:
        if np.median(r.medians) < MIN_SECONDS:
            continue
        for run, cv in zip(r.runs, r.cvs):
            counts[run] += cv > CV_TARGET
    return counts


def table(rows: list[Row], runs: list[RunCost]) -> str:
    lines = [
        "| benchmark | params | median | CV worst | CV median | medians spread | target |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        med = float(np.median(r.medians))
        spread = (max(r.medians) - min(r.medians)) / med if med else 0.0
        checked = med >= MIN_SECONDS
        verdict = ("ok" if max(r.cvs) <= CV_TARGET else "OVER") if checked else "(< 100 us)"
        lines.append(f"| {r.name} | {r.params} | {fmt_time(med)} | {max(r.cvs):.2%} | "
                     f"{np.median(r.cvs):.2%} | {spread:.2%} | {verdict} |")
    lines.append("")
    lines.append("Benchmarks of 100 us or more over the target in each run: "
                 + ", ".join(str(n) for n in overs_per_run(rows, len(runs))))
    lines.append("")
    lines.append("Wall time of each whole-suite run: " + ", ".join(f"{r.wall:.0f} s" for r in runs))
    if all(r.others_cpu is not None for r in runs):
        lines.append("")
        lines.append("CPU used by other processes during each run (/proc/stat busy time minus "
                     "the suite's own): " + ", ".join(
                         f"{r.others_cpu:.0f} s ({r.others_cpu / r.wall:.0%} of a core)" for r in runs))
    if all(r.steal is not None for r in runs):
        lines.append("")
        lines.append("Steal time during each run (the hypervisor running something else on the "
                     "vCPUs): " + ", ".join(f"{r.steal:.1f} s" for r in runs))
    return "\n".join(lines)


def cv_document(rows: list[Row], runs: list[RunCost]) -> dict:
    """The measured noise as plain data: per time benchmark and parameters,
    the median time and the worst within-run CV over the runs."""
    return {
        "command": "python scripts/noise_report.py --runs %d" % len(runs),
        "date": time.strftime("%Y-%m-%d"),
        "suite_wall_seconds": [round(r.wall, 1) for r in runs],
        "others_cpu_seconds": [None if r.others_cpu is None else round(r.others_cpu, 1) for r in runs],
        "steal_seconds": [None if r.steal is None else round(r.steal, 1) for r in runs],
        "series": [{"benchmark": r.name, "params": r.params,
                    "median_seconds": float(np.median(r.medians)), "cv": float(max(r.cvs))}
                   for r in rows],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--bench", "-b", action="append", default=[])
    parser.add_argument("--attribute", "-a", action="append", default=[], metavar="NAME=VALUE",
                        help="override a harness setting for these runs (asv run -a), "
                        "e.g. -a rounds=4 -a 'repeat=(5,8,2.0)'")
    parser.add_argument("--markdown", type=Path,
                        help="also write the table as the noise-report section of this file")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="keep each run's asv results in DIR/run-N (default: thrown away)")
    parser.add_argument("--json", type=Path, help="also write the measured CVs here (read by "
                        "evaluation/corpus.py as the noise model)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    rows: dict[tuple[str, str], Row] = {}
    runs: list[RunCost] = []
    for i in range(args.runs):
        with contextlib.ExitStack() as stack:
            if args.keep is None:
                results = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="noise-")))
            else:
                results = args.keep / f"run-{i + 1}"
                results.mkdir(parents=True, exist_ok=True)
            config = asv_config(results)
            print(f"run {i + 1}/{args.runs} ...", flush=True)
            runs.append(run_suite(config, args.bench, args.attribute))
            collect(results, rows, i)
    if not rows:
        print("error: asv recorded no time benchmark samples (see its output above)", file=sys.stderr)
        return 2
    ordered = sorted(rows.values(), key=lambda r: (r.name, r.params))
    text = table(ordered, runs)
    print(text)
    if args.markdown:
        write_section(args.markdown, "noise-report", text)
    if args.json:
        write_atomic(args.json, json.dumps(cv_document(ordered, runs), indent=1) + "\n")
    over = [r for r in ordered if np.median(r.medians) >= MIN_SECONDS and max(r.cvs) > CV_TARGET]
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
