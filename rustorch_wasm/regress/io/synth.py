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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .repository import make_history
from .results import COLUMNS

__all__ = ["Row", "make_history", "write_benchmarks_json", "write_result_file"]


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
                      rows: dict[str, Row], date: int = 1700000000000) -> Path:
    """``<results>/<machine>/<sha8>-<env>.json``; ``date``: the commit's, in ms."""
    path = results_dir / machine / f"{commit[:8]}-{env}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    machine_json = path.parent / "machine.json"
    if not machine_json.exists():
        machine_json.write_text(json.dumps({"machine": machine, "version": 1}))
    data = {"commit_hash": commit, "env_name": env, "date": date,
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
