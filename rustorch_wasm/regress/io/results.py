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
what the name implies.

Every value is checked where it is read, and what cannot be read is left
out with one warning line (``ResultSet.warnings``), never an abort of the
run and never a reinterpreted value:

* a **file** that is too large (over ``max_bytes``, checked with ``stat``
  before it is opened), not JSON, truncated, without a usable
  ``commit_hash`` (hexadecimal), ``env_name``, ``results`` or
  ``result_columns``, or whose ``date`` is not a commit date (a finite
  number of milliseconds from 1970 to the year 9999): one line naming the
  file and the problem;
* a **benchmark row** whose params, result, stats or samples are malformed
  (a string among the samples, a column that does not match its parameter
  combinations): one line per file naming how many rows were left out and
  why (:mod:`.result_rows`);
* a JSON file in a machine directory that is not an asv result file (not an
  object, or neither ``commit_hash`` nor ``results``): one line.

When no file is left, :class:`ResultsError` says so in one line, with the
first reason. A file without ``result_columns`` is read by asv's own rule
for its format ``version``: version 1 as asv converts and reads it
(:mod:`.format1`: failed parameterised results, a missing ``env_name``);
any other version without ``result_columns`` is skipped. Per file, what it
says of its machine and run (asv's ``params``, ``python``,
``requirements``, ``env_vars`` and the ``<build>`` duration) is kept for the
environment analysis (``ResultSet.file_meta``).
"""
from __future__ import annotations

import itertools
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..model.config import DEFAULT_MAX_RESULT_BYTES
from ..model.environment_meta import FileMeta, file_meta
from ..model.series import SeriesKey, paused_gc
from .format1 import update_to_2
# COLUMNS and ResultsError are re-exported: this module is where readers look for them
from .result_rows import (COLUMNS, BulkRow, BulkStore, EntryError, ResultsError,  # noqa: F401
                          RowBlock, block_of_row, bulk_file, checked_params)

COMMIT = re.compile(r"[0-9a-f]{4,64}")
#: asv's ``date``: milliseconds since 1970, before the year 10000.
LAST_DATE = 253402300800000


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
    skipped: list[str] = field(default_factory=list)          # why each skipped file was
    file_meta: dict[tuple[str, str, str], FileMeta] = field(default_factory=dict)
    dates: dict[str, int] = field(default_factory=dict)       # commit -> asv's commit date (ms)
    bulk: BulkStore = field(default_factory=BulkStore)       # the rows of files read in bulk

    def skip_commits(self, commits: set[str], why: str, quiet: bool = False) -> None:
        """Leave out every file of ``commits`` (one warning line per file
        unless ``quiet``: the caller says it once)."""
        if not commits:
            return
        for sha in sorted(commits):
            for path in self.commit_files.pop(sha, []):
                if not quiet:
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


def read_json(path: Path, max_bytes: int = DEFAULT_MAX_RESULT_BYTES) -> Any:
    """Parse asv's non-strict JSON; any failure (a file over ``max_bytes``,
    checked before it is opened) becomes a one-line ResultsError."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ResultsError(f"{path}: {size / 2 ** 20:.0f} MB, over the limit of "
                               f"{max_bytes / 2 ** 20:g} MB for an asv file "
                               "(DetectorConfig.max_result_bytes); not read")
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


def load_benchmarks(path: Path, max_bytes: int = DEFAULT_MAX_RESULT_BYTES
                    ) -> dict[str, BenchmarkInfo]:
    """``benchmarks.json``: name -> unit and param names (missing file: empty)."""
    if not path.is_file():
        return {}
    data = read_json(path, max_bytes)
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


def load_results(results_dir: Path, max_bytes: int = DEFAULT_MAX_RESULT_BYTES) -> ResultSet:
    """Every result file of every machine under ``results_dir``; files that
    cannot be read are skipped with a warning (an error when none is left)."""
    root = Path(results_dir)
    if not root.is_dir():
        raise ResultsError(f"{root}: results directory does not exist")
    result_set = ResultSet(root=root, benchmarks=load_benchmarks(root / "benchmarks.json",
                                                                 max_bytes))
    with paused_gc():
        for machine_dir in sorted(p for p in root.iterdir() if p.is_dir()):
            for path in sorted(machine_dir.glob("*.json")):
                if path.name == "machine.json":
                    continue
                try:
                    read_result_file(path, machine_dir.name, result_set, max_bytes)
                except ResultsError as exc:
                    result_set.warnings.append(f"{exc}; skipped")
                    result_set.skipped.append(str(exc))
        result_set.bulk.finish()
    if not result_set.files:
        if result_set.skipped:
            raise ResultsError(f"{root}: no usable asv result file ({len(result_set.skipped)} "
                               f"skipped; the first: {result_set.skipped[0]})")
        raise ResultsError(f"{root}: no asv result files (expected <machine>/<commit>-<env>.json)")
    return result_set


def checked_date(path: Path, data: dict[str, Any]) -> int | None:
    """The file's commit date (ms), None when it has none; ResultsError when
    it is not a finite number of milliseconds from 1970 to the year 9999."""
    date = data.get("date")
    if date is None:
        return None
    if isinstance(date, bool) or not isinstance(date, (int, float)) \
            or not 0 <= date < LAST_DATE:              # NaN and Infinity fail this too
        raise ResultsError(f"{path}: date {date!r:.40} is not a commit date (milliseconds "
                           "since 1970)")
    return int(date)


def read_result_file(path: Path, machine: str, result_set: ResultSet,
                     max_bytes: int = DEFAULT_MAX_RESULT_BYTES) -> None:
    """Add one result file's rows to ``result_set``; ResultsError (one line)
    when the file cannot be used, a warning for rows that cannot."""
    data = read_json(path, max_bytes)
    if not isinstance(data, dict) or ("commit_hash" not in data and "results" not in data):
        result_set.warnings.append(f"{path}: not an asv result file (no commit_hash or "
                                   "results); skipped")
        return
    if "result_columns" not in data:
        data = update_to_2(path, data)
    commit = data.get("commit_hash")
    env = data.get("env_name")
    results = data.get("results")
    columns = data.get("result_columns")
    if not isinstance(commit, str) or not COMMIT.fullmatch(commit):
        raise ResultsError(f"{path}: missing or invalid commit_hash")
    if not isinstance(env, str) or not env:
        raise ResultsError(f"{path}: missing env_name")
    if not isinstance(results, dict):
        raise ResultsError(f"{path}: missing 'results' object")
    if not isinstance(columns, list) or "result" not in columns \
            or not all(isinstance(c, str) for c in columns) or len(set(columns)) != len(columns):
        raise ResultsError(f"{path}: malformed result_columns")
    date = checked_date(path, data)
    result_set.files.append(path)
    result_set.commit_files.setdefault(commit, []).append(path)
    result_set.file_meta[(machine, env, commit)] = file_meta(data)
    if date is not None:
        result_set.dates[commit] = date
    bulk = bulk_file(path, commit, columns, list(results.values()), result_set.bulk)
    if bulk is not None:                     # no parameters: checked a column at a time
        groups, new = result_set.groups, tuple.__new__
        for row, name in enumerate(results, bulk.offset):
            group = groups.get((machine, env, name, "[]"))
            if group is None:
                group = result_set.group_of(machine, env, name, [])
            group.blocks.append(new(BulkRow, (bulk, row)))
        return
    bad: list[str] = []
    for name, row in results.items():
        try:
            if not isinstance(row, list) or len(row) > len(columns):
                raise EntryError("malformed result row")
            cols = dict(zip(columns, row))
            params = cols.get("params") or []
            block = block_of_row(path, commit, cols, checked_params(params))
        except EntryError as exc:
            bad.append(f"{name!r:.80}: {exc}")
            continue
        group = result_set.group_of(machine, env, name, params)
        group.blocks.append(block)
        group.row_by_row += 1
    if bad:
        result_set.warnings.append(
            f"{path}: {len(bad)} of {len(results)} benchmark row(s) skipped: "
            + "; ".join(bad[:3]) + (f"; and {len(bad) - 3} more" if len(bad) > 3 else ""))


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
