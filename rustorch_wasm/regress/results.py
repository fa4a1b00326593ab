"""Read asv 0.6 result files into plain measurements.

Layout read::

    <results>/benchmarks.json             units, param names (the current suite)
    <results>/<machine>/machine.json      (ignored)
    <results>/<machine>/<sha8>-<env>.json one file per (commit, environment)

A result file holds ``commit_hash``, ``env_name``, ``result_columns`` and
``results: {benchmark: row}``; a row lists the columns in order (``result``,
``params``, ``version``, ``started_at``, ``duration``, ``stats_ci_99_a``,
``stats_ci_99_b``, ``stats_q_25``, ``stats_q_75``, ``stats_number``,
``stats_repeat``, ``samples``, ``profile``), trailing nulls dropped. Each
column holds one entry per parameter combination, the combinations being the
cartesian product of ``params`` in order. asv writes non-strict JSON: NaN
marks a skipped combination, null a failed one; both become "no point".

Benchmarks absent from ``benchmarks.json`` (renamed or removed since) keep
their history: their param names fall back to ``param1..`` and their unit to
what the name implies. Corrupt or truncated input raises :class:`ResultsError`
with one line naming the file and the problem.
"""
from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .series import SeriesKey, paused_gc

COLUMNS = ("result", "params", "version", "started_at", "duration", "stats_ci_99_a",
           "stats_ci_99_b", "stats_q_25", "stats_q_75", "stats_number", "stats_repeat",
           "samples", "profile")


class ResultsError(ValueError):
    """Unreadable asv results; the message is one line naming the file."""


@dataclass(frozen=True)
class BenchmarkInfo:
    """What ``benchmarks.json`` says about one benchmark."""

    name: str
    unit: str
    param_names: tuple[str, ...]


@dataclass(slots=True)
class Measurement:
    """One (machine, env, benchmark, params) result at one commit."""

    key: SeriesKey
    commit: str
    samples: tuple[float, ...]       # finite recorded samples; () if none recorded
    value: float                     # asv's result (the median for time benchmarks)
    q25: float
    q75: float
    ci: tuple[float, float] | None
    source: Path


@dataclass
class ResultSet:
    """Everything read from one results directory."""

    root: Path
    benchmarks: dict[str, BenchmarkInfo] = field(default_factory=dict)
    measurements: list[Measurement] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    commit_files: dict[str, list[Path]] = field(default_factory=dict)
    _keys: dict[tuple[str, str, str, str], list[SeriesKey]] = field(default_factory=dict,
                                                                      repr=False)

    @property
    def commits(self) -> set[str]:
        return set(self.commit_files)

    @property
    def machines(self) -> set[str]:
        return {m.key.machine for m in self.measurements}

    def keys_of(self, machine: str, env: str, name: str,
                params: list[list[Any]]) -> list[SeriesKey]:
        """The series key of every param combination of one row (cached)."""
        cache_key = (machine, env, name, repr(params))
        keys = self._keys.get(cache_key)
        if keys is None:
            combos = list(itertools.product(*params)) if params else [()]
            info = self.benchmarks.get(name)
            names: tuple[str, ...] = info.param_names if info else ()
            if len(names) != len(params):
                names = tuple(f"param{i + 1}" for i in range(len(params)))
            keys = [SeriesKey(machine, env, name,
                              tuple(sorted((n, str(v)) for n, v in zip(names, combo))))
                    for combo in combos]
            self._keys[cache_key] = keys
        return keys

    def unit_of(self, benchmark: str) -> str:
        info = self.benchmarks.get(benchmark)
        return info.unit if info is not None else default_unit(benchmark)

    def at_commit(self, commit: str) -> list[Measurement]:
        return [m for m in self.measurements if m.commit == commit]


def default_unit(benchmark: str) -> str:
    """The unit a benchmark's name implies when benchmarks.json has no entry."""
    method = benchmark.rsplit(".", 1)[-1]
    if method.startswith("time_"):
        return "seconds"
    if method.startswith("mem_") or method.startswith("peakmem_"):
        return "bytes"
    return "unit"


def read_json(path: Path) -> Any:
    """Parse asv's non-strict JSON; any failure becomes a one-line ResultsError."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ResultsError(f"{path}: corrupt or truncated JSON (not UTF-8 text)") from None
    except OSError as exc:
        raise ResultsError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ResultsError(f"{path}: corrupt or truncated JSON ({exc.msg} at line {exc.lineno}"
                           f" column {exc.colno})") from None
    except RecursionError:
        raise ResultsError(f"{path}: JSON nested too deeply") from None


def load_benchmarks(path: Path) -> dict[str, BenchmarkInfo]:
    """``benchmarks.json``: name -> unit and param names (missing file: empty)."""
    if not path.is_file():
        return {}
    data = read_json(path)
    if not isinstance(data, dict):
        raise ResultsError(f"{path}: expected a JSON object")
    out: dict[str, BenchmarkInfo] = {}
    for name, entry in data.items():
        if name == "version" or not isinstance(entry, dict):
            continue
        names = entry.get("param_names") or []
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ResultsError(f"{path}: benchmark {name!r} has malformed param_names")
        unit = entry.get("unit")
        out[name] = BenchmarkInfo(name, unit if isinstance(unit, str) else default_unit(name),
                                  tuple(names))
    return out


def load_results(results_dir: Path) -> ResultSet:
    """Every result file of every machine under ``results_dir``."""
    root = Path(results_dir)
    if not root.is_dir():
        raise ResultsError(f"{root}: results directory does not exist")
    result_set = ResultSet(root=root, benchmarks=load_benchmarks(root / "benchmarks.json"))
    with paused_gc():
        for machine_dir in sorted(p for p in root.iterdir() if p.is_dir()):
            for path in sorted(machine_dir.glob("*.json")):
                if path.name == "machine.json":
                    continue
                read_result_file(path, machine_dir.name, result_set)
    if not result_set.files:
        raise ResultsError(f"{root}: no asv result files (expected <machine>/<commit>-<env>.json)")
    return result_set


def read_result_file(path: Path, machine: str, result_set: ResultSet) -> None:
    """Add one result file's measurements to ``result_set``."""
    data = read_json(path)
    if not isinstance(data, dict):
        raise ResultsError(f"{path}: expected a JSON object")
    commit = data.get("commit_hash")
    env = data.get("env_name")
    results = data.get("results")
    columns = data.get("result_columns", list(COLUMNS))
    if not isinstance(commit, str) or not commit or commit.startswith("-"):
        raise ResultsError(f"{path}: missing or invalid commit_hash")
    if not isinstance(env, str):
        raise ResultsError(f"{path}: missing env_name")
    if not isinstance(results, dict):
        raise ResultsError(f"{path}: missing 'results' object")
    if not isinstance(columns, list) or "result" not in columns:
        raise ResultsError(f"{path}: malformed result_columns")
    result_set.files.append(path)
    result_set.commit_files.setdefault(commit, []).append(path)
    for name, row in results.items():
        if not isinstance(row, list) or len(row) > len(columns):
            raise ResultsError(f"{path}: benchmark {name!r}: malformed result row")
        cols = dict(zip(columns, row))
        for m in measurements_of_row(path, machine, env, commit, name, cols, result_set):
            result_set.measurements.append(m)


def as_list(path: Path, name: str, column: str, value: Any, count: int) -> list[Any]:
    """A per-combination column, ``None`` entries when absent."""
    if value is None:
        return [None] * count
    if not isinstance(value, list) or len(value) != count:
        raise ResultsError(f"{path}: benchmark {name!r}: column {column!r} does not match"
                           f" its {count} parameter combination(s)")
    return value


def number_or_nan(path: Path, name: str, value: Any) -> float:
    if type(value) is float:                     # the common case, first
        return value
    if value is None:
        return math.nan
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ResultsError(f"{path}: benchmark {name!r}: non-numeric value {value!r}")
    return float(value)


def measurements_of_row(path: Path, machine: str, env: str, commit: str, name: str,
                        cols: dict[str, Any], result_set: ResultSet) -> list[Measurement]:
    """The measurements of one benchmark row (one per param combination)."""
    params = cols.get("params") or []
    if not isinstance(params, list) or not all(isinstance(p, list) for p in params):
        raise ResultsError(f"{path}: benchmark {name!r}: malformed params")
    keys = result_set.keys_of(machine, env, name, params)
    count = len(keys)
    values = as_list(path, name, "result", cols.get("result"), count)
    samples = as_list(path, name, "samples", cols.get("samples"), count)
    ci_a = as_list(path, name, "stats_ci_99_a", cols.get("stats_ci_99_a"), count)
    ci_b = as_list(path, name, "stats_ci_99_b", cols.get("stats_ci_99_b"), count)
    q25 = as_list(path, name, "stats_q_25", cols.get("stats_q_25"), count)
    q75 = as_list(path, name, "stats_q_75", cols.get("stats_q_75"), count)
    out: list[Measurement] = []
    isfinite = math.isfinite
    for i, key in enumerate(keys):
        value = number_or_nan(path, name, values[i])
        raw = samples[i]
        if raw is None:
            good: tuple[float, ...] = ()
        elif isinstance(raw, list):
            good = tuple(v for v in (number_or_nan(path, name, s) for s in raw) if isfinite(v))
        else:
            raise ResultsError(f"{path}: benchmark {name!r}: samples must be a list")
        if not math.isfinite(value) and not good:
            continue                     # skipped (NaN) or failed (null): no point
        if not math.isfinite(value):
            value = float(np.median(good))
        lo = number_or_nan(path, name, ci_a[i])
        hi = number_or_nan(path, name, ci_b[i])
        ci = (lo, hi) if isfinite(lo) and isfinite(hi) else None
        out.append(Measurement(key, commit, good, value,
                               number_or_nan(path, name, q25[i]),
                               number_or_nan(path, name, q75[i]), ci, path))
    return out
