"""How long ``detect`` takes on an asv results directory, beside asv's own
step detection over the same series, in one run on one machine.

    python -m evaluation.speed --results DIR [--repeat 3] [--repo REPO --branch main]
                               [--config regress.json] [--json OUT]

Each repeat measures, one after the other (so that the load of a shared
machine falls on all of them alike), wall-clock time:

1. **read**: ``load_history`` (result files -> series along the commit
   order: the repository's first-parent history with ``--repo``, asv's
   recorded dates without), in this process, garbage collection paused as
   the command pauses it;
2. **analysis**: ``analyse`` (series -> findings), in this process;
3. **the command**: ``python -m rustorch_wasm.regress detect --results DIR
   --json FILE`` as a new process from an empty temporary directory, from
   start to exit (interpreter start, imports and the JSON report included):
   what a CI step waits for;
4. **asv step_detect**: for every series read in 1.,
   ``asv.step_detect.detect_steps`` over its per-commit medians with asv's
   weights (``2 / |ci_99_b - ci_99_a|`` where asv recorded the interval, as
   ``asv publish`` weighs them), then ``detect_regressions`` at the
   series' threshold; asv's own reading of the files is not included.

Printed: the median of the repeats for each (and every run), the read and
analysis times added per repeat, the result files, machines, series and
findings counts, the
regressions asv found, the host (``model name`` of ``/proc/cpuinfo``, CPU
count), the date and the load average before and after. ``--json`` writes
the same as one object.
"""
from __future__ import annotations

import argparse
import gc
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from rustorch_wasm.regress.model.config import DetectorConfig, load_config
from rustorch_wasm.regress.model.series import Series, paused_gc

from .ours import findings_of, read_without_repo


def host() -> str:
    """The CPU's ``model name`` (``/proc/cpuinfo``) and the CPU count."""
    name = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                name = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{name}, {os.cpu_count()} CPUs"


def load_average() -> tuple[float, float, float]:
    try:
        return os.getloadavg()
    except OSError:
        return (math.nan, math.nan, math.nan)


def asv_step_detect(series: list[Series], config: DetectorConfig) -> tuple[int, int]:
    """asv's step detection over every series' per-commit medians, as ``asv
    publish`` runs it: (regressions it reports, series it failed on)."""
    from asv.step_detect import detect_regressions, detect_steps
    found = failed = 0
    for s in series:
        cols = s.columns
        width = np.abs(cols.ci_hi - cols.ci_lo).tolist()
        weights = [2.0 / d if math.isfinite(d) and d > 0 else None for d in width]
        try:
            steps = detect_steps(cols.medians.tolist(), weights)
            _, _, regressions = detect_regressions(steps, config.threshold_for(s.key.benchmark))
        except Exception:                 # asv's solver on data it cannot fit
            failed += 1
            continue
        found += len(regressions or ())
    return found, failed


def run_command(results: Path, repo: Path | None, branch: str, config: Path | None,
                workdir: Path) -> tuple[float, int, int]:
    """(wall seconds, exit code, findings) of the ``detect`` command in a new process."""
    out = workdir / "detect.json"
    cmd = [sys.executable, "-m", "rustorch_wasm.regress", "detect", "--results", str(results),
           "--json", str(out)]
    if repo is not None:
        cmd += ["--repo", str(repo), "--branch", branch]
    if config is not None:
        cmd += ["--config", str(config)]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"evaluation.speed: the detect command failed ({proc.returncode}):\n"
                         f"{proc.stderr.strip()}")
    return wall, proc.returncode, len(json.loads(out.read_text())["findings"])


def measure(results: Path, repeat: int, repo: Path | None = None, branch: str = "main",
            config_file: Path | None = None) -> dict[str, Any]:
    """Every time of every repeat (see the module docstring), and what was found."""
    config = load_config(config_file)
    runs: dict[str, list[float]] = {"read": [], "analysis": [], "total": [], "command": [],
                                    "asv": []}
    facts: dict[str, Any] = {}
    before = load_average()
    with tempfile.TemporaryDirectory(prefix="regress-speed-") as tmp:
        for _ in range(repeat):
            gc.collect()
            with paused_gc():
                start = time.perf_counter()
                history = read_without_repo(results, repo, branch)
                read = time.perf_counter()
                report = findings_of(history, config)
                done = time.perf_counter()
            runs["read"].append(read - start)
            runs["analysis"].append(done - read)
            runs["total"].append(done - start)
            wall, code, command_findings = run_command(results, repo, branch, config_file,
                                                       Path(tmp))
            runs["command"].append(wall)
            start = time.perf_counter()
            regressions, failed = asv_step_detect(history.series, config)
            runs["asv"].append(time.perf_counter() - start)
            facts = {"files": len(history.result_set.files),
                     "machines": len({s.key.machine for s in history.series}),
                     "series": len(history.series), "findings": len(report.findings),
                     "command_findings": command_findings, "command_exit": code,
                     "asv_regressions": regressions, "asv_failed": failed}
            del history, report
    return {"results": str(results), "repeat": repeat, "host": host(),
            "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "load_before": before, "load_after": load_average(), **facts,
            "median": {k: statistics.median(v) for k, v in runs.items()}, "runs": runs}


ROWS = (("read", "read: result files -> series (`load_history`)"),
        ("analysis", "analysis: series -> findings (`analyse`)"),
        ("total", "read + analysis"),
        ("command", "`rustorch-regress detect` command, new process (wall)"),
        ("asv", "asv `detect_steps` + `detect_regressions`, same series"))


def render(m: dict[str, Any]) -> str:
    def load(values: Sequence[float]) -> str:
        return " ".join(f"{v:.2f}" for v in values)

    lines = [f"evaluation.speed: {m['results']}",
             f"{m['files']} result files, {m['machines']} machines, {m['series']} series; "
             f"{m['findings']} findings (the command: "
             f"{m['command_findings']}, exit {m['command_exit']}); asv step_detect: "
             f"{m['asv_regressions']} regressions, {m['asv_failed']} series it failed on",
             f"host: {m['host']}; {m['date']}; load average {load(m['load_before'])} before, "
             f"{load(m['load_after'])} after",
             "",
             f"| what | median of {m['repeat']} (s) | runs (s) |",
             "| --- | --- | --- |"]
    for key, label in ROWS:
        lines.append(f"| {label} | {m['median'][key]:.2f} | "
                     f"{', '.join(f'{v:.2f}' for v in m['runs'][key])} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m evaluation.speed", description=__doc__.split(
        "\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--results", type=Path, required=True, help="asv results directory")
    p.add_argument("--repeat", type=int, default=3, help="runs of each (median reported)")
    p.add_argument("--repo", type=Path, help="git repository giving the commit order "
                                             "(default: asv's recorded dates)")
    p.add_argument("--branch", default="main", help="branch of --repo")
    p.add_argument("--config", type=Path, help="detector config file (default: none)")
    p.add_argument("--json", type=Path, help="also write the measurements here")
    args = p.parse_args(argv)
    if args.repeat < 1:
        p.error("--repeat must be at least 1")
    measured = measure(args.results.resolve(), args.repeat,
                       args.repo.resolve() if args.repo else None, args.branch,
                       args.config.resolve() if args.config else None)
    print(render(measured))
    if args.json:
        args.json.write_text(json.dumps(measured, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
