"""Synthetic asv histories for tests and the accuracy evaluation.

:func:`make_history` makes a git repository with ``n`` empty commits on a
branch (one ``git fast-import`` stream, no shell); :func:`write_result_file`
and :func:`write_benchmarks_json` write asv 0.6 result files exactly as
``asv run`` lays them out (``<machine>/<sha8>-<env>.json``, one row per
benchmark in ``result_columns`` order, trailing nulls dropped, non-strict JSON
with NaN for skipped combinations).
"""
from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .results import COLUMNS

GIT_ENV = {"GIT_AUTHOR_NAME": "synth", "GIT_AUTHOR_EMAIL": "synth@example.invalid",
           "GIT_COMMITTER_NAME": "synth", "GIT_COMMITTER_EMAIL": "synth@example.invalid"}


def make_history(repo: Path, n: int, branch: str = "main") -> list[str]:
    """A new repository at ``repo`` with ``n`` commits; their shas, oldest first."""
    if n < 1:
        raise ValueError("need at least one commit")
    repo.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, **GIT_ENV)
    subprocess.run(["git", "init", "-q", "-b", branch, str(repo)], check=True, env=env)
    lines = []
    for i in range(n):
        msg = f"commit {i}\n".encode()
        lines.append(f"commit refs/heads/{branch}\nmark :{i + 1}\n"
                     f"committer synth <synth@example.invalid> {1700000000 + 60 * i} +0000\n"
                     f"data {len(msg)}\n".encode() + msg)
        if i:
            lines.append(f"from :{i}\n".encode())
        lines.append(f"M 644 inline f.txt\ndata {len(str(i))}\n{i}\n\n".encode())
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, input=b"".join(lines),
                   check=True, env=env)
    subprocess.run(["git", "checkout", "-q", branch], cwd=repo, check=True, env=env)
    out = subprocess.run(["git", "rev-list", "--reverse", "--end-of-options", branch, "--"],
                         cwd=repo, check=True, env=env, capture_output=True, text=True)
    return out.stdout.split()


@dataclass
class Row:
    """One benchmark's row in one result file: one entry per param combination."""

    result: list[float | None]
    params: list[list[str]] = field(default_factory=list)
    samples: list[list[float] | None] | None = None
    ci_a: list[float | None] | None = None
    ci_b: list[float | None] | None = None
    q25: list[float | None] | None = None
    q75: list[float | None] | None = None

    def as_list(self) -> list[Any]:
        values = {"result": self.result, "params": self.params, "version": "0" * 64,
                  "started_at": 1700000000000, "duration": 1.0,
                  "stats_ci_99_a": self.ci_a, "stats_ci_99_b": self.ci_b,
                  "stats_q_25": self.q25, "stats_q_75": self.q75,
                  "stats_number": None, "stats_repeat": None, "samples": self.samples,
                  "profile": None}
        row = [values[c] for c in COLUMNS]
        while row and row[-1] is None:
            row.pop()
        return row


def write_result_file(results_dir: Path, machine: str, commit: str, env: str,
                      rows: dict[str, Row]) -> Path:
    """``<results>/<machine>/<sha8>-<env>.json``."""
    path = results_dir / machine / f"{commit[:8]}-{env}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    machine_json = path.parent / "machine.json"
    if not machine_json.exists():
        machine_json.write_text(json.dumps({"machine": machine, "version": 1}))
    data = {"commit_hash": commit, "env_name": env, "date": 1700000000000,
            "params": {"machine": machine, "python": "3.10"}, "python": "3.10",
            "requirements": {}, "env_vars": {}, "result_columns": list(COLUMNS),
            "results": {name: row.as_list() for name, row in rows.items()},
            "durations": {}, "version": 2}
    path.write_text(json.dumps(data, separators=(",", ":")))   # NaN stays NaN, as asv's
    return path


def write_benchmarks_json(results_dir: Path,
                          benchmarks: dict[str, tuple[list[str], list[list[str]], str]]) -> Path:
    """``benchmarks.json``: name -> (param names, param values, unit)."""
    data: dict[str, Any] = {}
    for name, (names, params, unit) in benchmarks.items():
        kind = "time" if name.rsplit(".", 1)[-1].startswith("time_") else "track"
        data[name] = {"name": name, "param_names": names, "params": params, "unit": unit,
                      "type": kind, "version": "0" * 64}
    data["version"] = 2
    path = results_dir / "benchmarks.json"
    results_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))
    return path
