"""The benchmark rows of one asv result file, validated (see :mod:`.results`
for the layout and the rules).

:func:`block_of_row` checks one row, column by column, and names the first
problem. Every row of a file is one Python object per cell, so checking them
one by one costs more than parsing the file; :func:`bulk_blocks` checks the
common case, a file whose benchmarks have no parameters, a whole column at a
time (the set of types of every cell) and gives up on anything else, leaving
the file to :func:`block_of_row`. It accepts only what :func:`block_of_row`
accepts and gives the same blocks, so it changes the speed and nothing else.
"""
from __future__ import annotations

from itertools import chain, repeat, zip_longest
from pathlib import Path
from typing import Any, NamedTuple

COLUMNS = ("result", "params", "version", "started_at", "duration", "stats_ci_99_a",
           "stats_ci_99_b", "stats_q_25", "stats_q_75", "stats_number", "stats_repeat",
           "samples", "profile")

NUMBER_TYPES = frozenset({float, int, type(None)})


class ResultsError(ValueError):
    """Unreadable asv results; the message is one line naming the file."""


class RowBlock(NamedTuple):
    """One benchmark row of one result file, kept column by column as read
    (validated: every column has one entry per parameter combination, every
    entry is a number or null/NaN, samples are lists of numbers). ``None``:
    the column is absent (for ``values``: no result for any combination)."""

    commit: str
    source: Path
    values: list[Any] | None
    samples: list[Any] | None
    q25: list[Any] | None
    q75: list[Any] | None
    ci_a: list[Any] | None
    ci_b: list[Any] | None


def columns_by_version(path: Path, data: dict[str, Any]) -> dict[str, Any]:
    """A file without ``result_columns``, by asv's rule for its format version."""
    version = data.get("version")
    if version != 1:
        raise ResultsError(f"{path}: no result_columns, and format version {version!r} "
                           "has them (asv reads only version 1 files without)")
    results = data.get("results")
    if not isinstance(results, dict):
        raise ResultsError(f"{path}: missing 'results' object")
    rows: dict[str, list[Any]] = {}
    for name, value in results.items():
        if not isinstance(value, dict):
            value = {"result": [value], "params": []}
        result = value.get("result")
        result = result if isinstance(result, list) else [result]
        stats = value.get("stats")
        stats = stats if isinstance(stats, list) or stats is None else [stats]

        def stat(get: str, i: int | None = None) -> list[Any] | None:
            if stats is None:
                return None
            out = []
            for z in stats:
                v = z.get(get) if isinstance(z, dict) else None
                if i is not None:
                    v = v[i] if isinstance(v, list) and len(v) > i else None
                out.append(v)
            return out

        row = {"result": result, "params": value.get("params") or [],
               "stats_ci_99_a": stat("ci_99", 0), "stats_ci_99_b": stat("ci_99", 1),
               "stats_q_25": stat("q_25"), "stats_q_75": stat("q_75"),
               "samples": value.get("samples")}
        rows[name] = [row.get(c) for c in COLUMNS]
    return {**data, "result_columns": list(COLUMNS), "results": rows}


def numbers_column(path: Path, name: str, column: str, value: Any,
                   count: int) -> list[Any] | None:
    """A per-combination column of numbers (or null), ``None`` when absent."""
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != count:
        raise ResultsError(f"{path}: benchmark {name!r}: column {column!r} does not match"
                           f" its {count} parameter combination(s)")
    if not NUMBER_TYPES.issuperset(map(type, value)):
        bad = next(v for v in value if type(v) not in NUMBER_TYPES)
        raise ResultsError(f"{path}: benchmark {name!r}: non-numeric value {bad!r}")
    return value


def block_of_row(path: Path, commit: str, name: str, cols: dict[str, Any],
                 count: int) -> RowBlock:
    """One validated row: every column checked once, nothing converted yet."""
    values = numbers_column(path, name, "result", cols.get("result"), count)
    samples = cols.get("samples")
    if samples is not None:
        if not isinstance(samples, list) or len(samples) != count:
            raise ResultsError(f"{path}: benchmark {name!r}: column 'samples' does not match"
                               f" its {count} parameter combination(s)")
        for raw in samples:
            if raw is None:
                continue
            if type(raw) is not list:
                raise ResultsError(f"{path}: benchmark {name!r}: samples must be a list")
            if not NUMBER_TYPES.issuperset(map(type, raw)):
                bad = next(v for v in raw if type(v) not in NUMBER_TYPES)
                raise ResultsError(f"{path}: benchmark {name!r}: non-numeric value {bad!r}")
    return RowBlock(commit, path, values, samples,
                    numbers_column(path, name, "stats_q_25", cols.get("stats_q_25"), count),
                    numbers_column(path, name, "stats_q_75", cols.get("stats_q_75"), count),
                    numbers_column(path, name, "stats_ci_99_a", cols.get("stats_ci_99_a"), count),
                    numbers_column(path, name, "stats_ci_99_b", cols.get("stats_ci_99_b"), count))


def single_numbers(column: tuple[Any, ...]) -> bool:
    """Is every cell null or a one-entry list holding a number or null?"""
    present = [v for v in column if v is not None]
    return ({type(v) for v in present} <= {list} and set(map(len, present)) <= {1}
            and NUMBER_TYPES.issuperset(map(type, chain.from_iterable(present))))


def single_samples(column: tuple[Any, ...]) -> bool:
    """Is every cell null or a one-entry list holding null or a list of numbers?"""
    present = [v for v in column if v is not None]
    if not ({type(v) for v in present} <= {list} and set(map(len, present)) <= {1}):
        return False
    inner = [v[0] for v in present if v[0] is not None]
    return {type(v) for v in inner} <= {list} \
        and NUMBER_TYPES.issuperset(map(type, chain.from_iterable(inner)))


def bulk_blocks(path: Path, commit: str, columns: list[Any],
                rows: list[Any]) -> list[RowBlock] | None:
    """Every row of a file whose benchmarks have no parameters, checked a
    column at a time; None (nothing decided) when any row is anything else
    or any check fails, for :func:`block_of_row` to name the problem."""
    if not rows:
        return []
    if not all(type(c) is str for c in columns) or len(set(columns)) != len(columns) \
            or not all(type(r) is list for r in rows) or max(map(len, rows)) > len(columns):
        return None
    cells = dict(zip(columns, zip_longest(*rows)))
    absent = tuple(repeat(None, len(rows)))
    if any(cells.get("params", absent)):
        return None                                   # parameters: one row at a time
    numbers = [cells.get(c, absent) for c in ("result", "stats_q_25", "stats_q_75",
                                              "stats_ci_99_a", "stats_ci_99_b")]
    samples = cells.get("samples", absent)
    if not (all(map(single_numbers, numbers)) and single_samples(samples)):
        return None
    values, q25, q75, ci_a, ci_b = numbers
    new = tuple.__new__
    return [new(RowBlock, row) for row in zip(repeat(commit), repeat(path), values, samples,
                                              q25, q75, ci_a, ci_b)]
