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

Odd but valid input is skipped with one warning each (``ResultSet.warnings``):
a JSON file in a machine directory that is not an asv result file (not an
object, or neither ``commit_hash`` nor ``results``). A file without
``result_columns`` is read by asv's own rule for its format ``version``:
version 1 files (rows as ``{"result", "params", "stats", "samples"}``
objects or bare numbers) are converted as asv's ``Results.update_to_2``
does; any other version without ``result_columns`` is refused, naming the
file. Per file, what it says of its machine and run (asv's ``params``,
``python``, ``requirements``, ``env_vars`` and the ``<build>`` duration) is
kept for the environment analysis (``ResultSet.file_meta``). Rows are
checked by :mod:`.result_rows`.
"""
from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..model.environment_meta import FileMeta, file_meta
from ..model.series import SeriesKey, paused_gc
# COLUMNS and ResultsError are re-exported: this module is where readers look for them
from .result_rows import (COLUMNS, BulkRow, BulkStore, ResultsError, RowBlock,  # noqa: F401
                          block_of_row, bulk_file, columns_by_version)


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

    @property
    def values(self) -> list[float]:
        """What the two-sample tests take: the recorded samples, else asv's one value."""
        return list(self.samples) if self.samples else [self.value]


@dataclass
class RowGroup:
    """The rows of one (machine, env, benchmark, params list) across files, in
    reading order: ``keys[i]`` is the series key of combination ``i`` of
    every block (a :class:`RowBlock`, or a :class:`BulkRow` of a file read in
    bulk, whose one combination is ``keys[0]``)."""

    keys: list[SeriesKey]
    blocks: list[RowBlock | BulkRow] = field(default_factory=list)
    row_by_row: int = 0               # how many blocks are RowBlocks


@dataclass
class ResultSet:
    """Everything read from one results directory, stored per row group
    (columnar: no object per measurement until one is asked for)."""

    root: Path
    benchmarks: dict[str, BenchmarkInfo] = field(default_factory=dict)
    groups: dict[tuple[str, str, str, str], RowGroup] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    commit_files: dict[str, list[Path]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    file_meta: dict[tuple[str, str, str], FileMeta] = field(default_factory=dict)
    dates: dict[str, int] = field(default_factory=dict)       # commit -> asv's commit date (ms)
    bulk: BulkStore = field(default_factory=BulkStore)       # the rows of files read in bulk

    def skip_commits(self, commits: set[str], why: str) -> None:
        """Leave out every file of ``commits`` (one warning line per file)."""
        if not commits:
            return
        for sha in sorted(commits):
            for path in self.commit_files.pop(sha, []):
                self.warnings.append(f"{path}: commit {sha[:10]} {why}; skipped")
                self.files.remove(path)
        for group in self.groups.values():
            group.blocks = [b for b in group.blocks if b.commit not in commits]
            group.row_by_row = sum(isinstance(b, RowBlock) for b in group.blocks)

    @property
    def commits(self) -> set[str]:
        return set(self.commit_files)

    @property
    def machines(self) -> set[str]:
        return {machine for (machine, _, _, _), g in self.groups.items()
                if any(measurements_of_block(g.keys, b) for b in g.blocks)}

    @property
    def measurements(self) -> list[Measurement]:
        """Every measurement, in reading order (built on demand)."""
        return [m for g in self.groups.values() for b in g.blocks
                for m in measurements_of_block(g.keys, b)]

    def group_of(self, machine: str, env: str, name: str,
                 params: list[list[Any]]) -> RowGroup:
        """The row group of one (machine, env, benchmark, params), created with
        the series key of every param combination on first sight."""
        group_key = (machine, env, name, repr(params))
        group = self.groups.get(group_key)
        if group is None:
            combos = list(itertools.product(*params)) if params else [()]
            info = self.benchmarks.get(name)
            names: tuple[str, ...] = info.param_names if info else ()
            if len(names) != len(params):
                names = tuple(f"param{i + 1}" for i in range(len(params)))
            keys = [SeriesKey(machine, env, name,
                              tuple(sorted((n, str(v)) for n, v in zip(names, combo))))
                    for combo in combos]
            group = self.groups[group_key] = RowGroup(keys)
        return group

    def unit_of(self, benchmark: str) -> str:
        info = self.benchmarks.get(benchmark)
        return info.unit if info is not None else default_unit(benchmark)

    def at_commit(self, commit: str) -> list[Measurement]:
        return [m for g in self.groups.values() for b in g.blocks if b.commit == commit
                for m in measurements_of_block(g.keys, b)]


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
        result_set.bulk.finish()
    if not result_set.files:
        raise ResultsError(f"{root}: no asv result files (expected <machine>/<commit>-<env>.json)")
    return result_set


def read_result_file(path: Path, machine: str, result_set: ResultSet) -> None:
    """Add one result file's rows to ``result_set`` (or a warning when the
    file is JSON but no asv result file)."""
    data = read_json(path)
    if not isinstance(data, dict) or ("commit_hash" not in data and "results" not in data):
        result_set.warnings.append(f"{path}: not an asv result file (no commit_hash or "
                                   "results); skipped")
        return
    if "result_columns" not in data:
        data = columns_by_version(path, data)
    commit = data.get("commit_hash")
    env = data.get("env_name")
    results = data.get("results")
    columns = data.get("result_columns")
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
    result_set.file_meta[(machine, env, commit)] = file_meta(data)
    if isinstance(data.get("date"), (int, float)):
        result_set.dates[commit] = int(data["date"])
    bulk = bulk_file(path, commit, columns, list(results.values()), result_set.bulk)
    if bulk is not None:                     # no parameters: checked a column at a time
        groups, new = result_set.groups, tuple.__new__
        for row, name in enumerate(results, bulk.offset):
            group = groups.get((machine, env, name, "[]"))
            if group is None:
                group = result_set.group_of(machine, env, name, [])
            group.blocks.append(new(BulkRow, (bulk, row)))
        return
    for name, row in results.items():
        if not isinstance(row, list) or len(row) > len(columns):
            raise ResultsError(f"{path}: benchmark {name!r}: malformed result row")
        cols = dict(zip(columns, row))
        params = cols.get("params") or []
        if not isinstance(params, list) or not all(isinstance(p, list) for p in params):
            raise ResultsError(f"{path}: benchmark {name!r}: malformed params")
        group = result_set.group_of(machine, env, name, params)
        group.blocks.append(block_of_row(path, commit, name, cols, len(group.keys)))
        group.row_by_row += 1


def finite_or_nan(value: Any) -> float:
    """A validated entry as a float: null and +-Infinity become NaN."""
    if value is None:
        return math.nan
    v = float(value)
    return v if math.isfinite(v) else math.nan


def finite_samples(raw: list[Any] | None) -> tuple[float, ...]:
    """The finite samples of one validated entry; () when none were recorded."""
    if not raw:
        return ()
    return tuple(float(v) for v in raw if v is not None and math.isfinite(v))


def measurements_of_block(keys: list[SeriesKey], block: RowBlock | BulkRow) -> list[Measurement]:
    """The measurements of one row (one per param combination with a result)."""
    if isinstance(block, BulkRow):
        return measurements_of_bulk_row(keys[0], block)
    out: list[Measurement] = []
    none = [None] * len(keys)
    values, samples = block.values or none, block.samples or none
    q25, q75 = block.q25 or none, block.q75 or none
    ci_a, ci_b = block.ci_a or none, block.ci_b or none
    for i, key in enumerate(keys):
        good = finite_samples(samples[i])
        value = finite_or_nan(values[i])
        if math.isnan(value):
            if not good:
                continue                 # skipped (NaN) or failed (null): no point
            value = float(np.median(good))
        lo, hi = finite_or_nan(ci_a[i]), finite_or_nan(ci_b[i])
        ci = (lo, hi) if not (math.isnan(lo) or math.isnan(hi)) else None
        out.append(Measurement(key, block.commit, good, value, finite_or_nan(q25[i]),
                               finite_or_nan(q75[i]), ci, block.source))
    return out


def measurements_of_bulk_row(key: SeriesKey, block: BulkRow) -> list[Measurement]:
    """:func:`measurements_of_block` of a row read in bulk (already finite or NaN)."""
    f, r = block
    store = f.store
    good = store.samples[r]
    value = float(store.arrays["values"][r])
    if math.isnan(value):
        if not good:
            return []
        value = float(np.median(good))
    lo, hi = float(store.arrays["ci_a"][r]), float(store.arrays["ci_b"][r])
    ci = (lo, hi) if not (math.isnan(lo) or math.isnan(hi)) else None
    return [Measurement(key, f.commit, good, value, float(store.arrays["q25"][r]),
                        float(store.arrays["q75"][r]), ci, f.source)]
