"""Merge asv results directories (a backfill's shards) into one.

Each input is an asv results directory: ``benchmarks.json``, and per machine
``machine.json`` and result files ``<sha8>-<env>.json``. A path found in one
input only is copied as it is. A path found in several:

* **result files** (the same machine, commit and environment) are merged
  entry by entry. Their headers must agree (commit, environment, python,
  requirements, variables, format version; ``params`` apart from the
  machine's own description, which is the first input's). Their
  ``result_columns`` are checked: the same columns in another order are
  put in the first input's order, other columns are an error. ``durations``
  are merged: a step run by several shards (a ``setup_cache``) counts the
  time of all of them. A benchmark in two inputs is an error naming both,
  unless it is an exact count (the profile's ``exact_counts``) with equal
  values and parameters; then the first input's row is kept.
* ``benchmarks.json``: the union; a benchmark described differently in two
  inputs is an error naming both. An existing ``out`` (earlier results)
  gives way: its descriptions are replaced by the inputs' (asv's newest
  discovery wins, as in ``asv run``).
* ``machine.json``: the first input's (runners of one machine name differ
  in their hardware; the difference is reported).
* anything else must be byte for byte the same.

The merged directory is written beside ``out`` and swapped in
(:func:`.atomic.staged_directory`): a failed merge leaves ``out`` as it was.
"""
from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .atomic import copy_atomic, staged_directory, write_atomic
from .results import ResultsError, read_json

#: ``params`` keys that describe the runner (asv's machine.json fields), not the environment.
MACHINE_KEYS = frozenset({"machine", "os", "arch", "cpu", "num_cpu", "ram"})
#: Header fields of a result file that must agree between inputs.
SAME_FIELDS = ("commit_hash", "env_name", "python", "requirements", "env_vars", "version")


class MergeError(ResultsError):
    """Inputs that cannot be merged; one line naming both inputs."""


@dataclass
class MergeSummary:
    """What a merge did."""

    inputs: int = 0
    files: int = 0                  # files written
    merged_files: int = 0           # result files combined from several inputs
    entries: int = 0                # benchmark entries written
    shared_counts: int = 0          # equal exact counts found in several inputs (kept once)
    notes: list[str] = field(default_factory=list)

    def text(self) -> str:
        return (f"merged {self.inputs} results dir(s): {self.files} file(s), "
                f"{self.merged_files} result file(s) combined entry by entry, "
                f"{self.entries} benchmark entries"
                + (f", {self.shared_counts} equal exact count(s) found twice and kept once"
                   if self.shared_counts else ""))


def same(a: Any, b: Any) -> bool:
    """JSON values equal, NaN equal to NaN (asv's mark of a skipped combination)."""
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b or (math.isnan(a) and math.isnan(b))
    return type(a) is type(b) and a == b


def row_in(row: list[Any], columns: list[str], target: list[str]) -> list[Any]:
    """A row of ``columns`` rewritten in the order of ``target`` (trailing nulls dropped)."""
    cells = dict(zip(columns, row))
    out = [cells.get(c) for c in target]
    while out and out[-1] is None:
        out.pop()
    return out


@dataclass
class ResultFile:
    """One result file being merged: the first input's header, rows so far."""

    rel: str
    source: Path
    data: dict[str, Any]
    owner: dict[str, Path] = field(default_factory=dict)   # benchmark -> the input it came from

    @classmethod
    def read(cls, rel: str, source: Path) -> "ResultFile":
        data = load_result(source / rel)
        return cls(rel, source, data, {name: source for name in data["results"]})

    def add(self, source: Path, is_exact: Callable[[str], bool], summary: MergeSummary) -> None:
        other = load_result(source / self.rel)
        where = f"{self.rel}: {self.source} and {source}"
        for key in SAME_FIELDS:
            if not same(self.data.get(key), other.get(key)):
                raise MergeError(f"{where} differ in {key!r}")
        mine = {k: v for k, v in self.data.get("params", {}).items() if k not in MACHINE_KEYS}
        theirs = {k: v for k, v in other.get("params", {}).items() if k not in MACHINE_KEYS}
        if not same(mine, theirs):
            raise MergeError(f"{where} differ in their environment params")
        columns, target = other["result_columns"], self.data["result_columns"]
        if sorted(columns) != sorted(target):
            raise MergeError(f"{where} have different result_columns "
                             f"({target} and {columns})")
        at = {c: target.index(c) for c in ("result", "params") if c in target}
        for name, row in other["results"].items():
            row = row if columns == target else row_in(row, columns, target)
            if name in self.data["results"]:
                first = self.data["results"][name]
                if not (is_exact(name) and at and all(
                        same(_cell(first, i), _cell(row, i)) for i in at.values())):
                    raise MergeError(f"{self.rel}: benchmark {name} is in both "
                                     f"{self.owner[name]} and {source}")
                summary.shared_counts += 1
                continue
            self.data["results"][name] = row
            self.owner[name] = source
        durations = self.data.setdefault("durations", {})
        for step, seconds in (other.get("durations") or {}).items():
            durations[step] = durations[step] + seconds if step in durations else seconds


def _cell(row: list[Any], i: int) -> Any:
    return row[i] if i < len(row) else None


def load_result(path: Path) -> dict[str, Any]:
    data = read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("results"), dict):
        raise ResultsError(f"{path}: not an asv result file (no 'results' object)")
    columns = data.get("result_columns")
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise ResultsError(f"{path}: no result_columns (merging needs asv 0.5+ result files)")
    for name, row in data["results"].items():
        if not isinstance(row, list) or len(row) > len(columns):
            raise ResultsError(f"{path}: benchmark {name}: row does not fit result_columns")
    return data


def merge_benchmarks(paths: list[Path], earlier: Path | None = None) -> dict[str, Any]:
    """The union of several ``benchmarks.json``; one benchmark described twice
    must agree, except that ``earlier``'s descriptions give way to the others'."""
    merged: dict[str, Any] = {}
    seen: dict[str, Path] = {}
    for path in [p for p in paths if p != earlier]:
        data = read_json(path)
        if not isinstance(data, dict):
            raise ResultsError(f"{path}: not a JSON object")
        for name, info in data.items():
            if name in merged and not same(merged[name], info):
                raise MergeError(f"benchmarks.json: {name!r} differs between "
                                 f"{seen[name].parent} and {path.parent}")
            merged.setdefault(name, info)
            seen.setdefault(name, path)
    if earlier is not None and earlier in paths:
        data = read_json(earlier)
        if not isinstance(data, dict):
            raise ResultsError(f"{earlier}: not a JSON object")
        for name, info in data.items():
            merged.setdefault(name, info)
    return merged


def files_of(directory: Path) -> list[str]:
    """Relative paths of the files of a results directory (no hidden files)."""
    if not directory.is_dir():
        raise ResultsError(f"{directory}: not a directory")
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*")
                  if p.is_file() and not any(part.startswith(".")
                                             for part in p.relative_to(directory).parts))


def is_result_file(rel: str) -> bool:
    parts = rel.split("/")
    return len(parts) == 2 and parts[1].endswith(".json") and parts[1] != "machine.json"


def merge_dirs(inputs: Sequence[Path], out: Path, *,
               is_exact: Callable[[str], bool] = lambda name: False) -> MergeSummary:
    """Merge the results directories ``inputs`` into ``out`` (see the module
    docstring). An existing ``out`` is the first input: merging adds to it."""
    out = Path(out)
    sources = [Path(p) for p in inputs]
    earlier = None
    if out.is_dir() and not any(_same_dir(out, s) for s in sources):
        sources.insert(0, out)
        earlier = out / "benchmarks.json"
    if not sources:
        raise ResultsError("nothing to merge")
    summary = MergeSummary(inputs=len(sources))
    where: dict[str, list[Path]] = {}
    for source in sources:
        for rel in files_of(source):
            where.setdefault(rel, []).append(source)
    hidden = sorted(str(p.relative_to(out)) for p in out.rglob(".*")) if out.is_dir() else []
    if hidden:      # a merge carries the visible files over; these it would lose
        raise ResultsError(f"{out / hidden[0]}: --out holds hidden files a merge would not "
                           "keep; merge into a new directory")
    with staged_directory(out, own=False) as tmp:
        for rel, holders in sorted(where.items()):
            summary.files += 1
            target = tmp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if len(holders) == 1:
                copy_atomic(holders[0] / rel, target)
                if is_result_file(rel):
                    summary.entries += len(load_result(holders[0] / rel)["results"])
            elif rel == "benchmarks.json":
                write_atomic(target, json.dumps(merge_benchmarks(
                    [h / rel for h in holders], earlier), indent=4, sort_keys=True))
            elif rel.endswith("/machine.json"):
                _first_machine(rel, holders, target, summary)
            elif is_result_file(rel):
                merged = ResultFile.read(rel, holders[0])
                for source in holders[1:]:
                    merged.add(source, is_exact, summary)
                summary.merged_files += 1
                summary.entries += len(merged.data["results"])
                write_atomic(target, json.dumps(merged.data))   # NaN stays NaN, as asv writes
            else:
                _identical(rel, holders, target)
    return summary


def _same_dir(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _first_machine(rel: str, holders: list[Path], target: Path, summary: MergeSummary) -> None:
    first = read_json(holders[0] / rel)
    for other in holders[1:]:
        if not same(first, read_json(other / rel)):
            summary.notes.append(f"{rel}: {other} describes another runner than {holders[0]}; "
                                 f"kept {holders[0]}'s")
    copy_atomic(holders[0] / rel, target)


def _identical(rel: str, holders: list[Path], target: Path) -> None:
    data = (holders[0] / rel).read_bytes()
    for other in holders[1:]:
        if (other / rel).read_bytes() != data:
            raise MergeError(f"{rel}: differs between {holders[0]} and {other}")
    copy_atomic(holders[0] / rel, target)


__all__ = ["MergeError", "MergeSummary", "merge_dirs", "same"]
