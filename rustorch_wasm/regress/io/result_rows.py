"""The benchmark rows of one asv result file, validated (see :mod:`.results`
for the layout and the rules).

:func:`block_of_row` checks one row, column by column, and names its first
problem (:class:`EntryError`: the reader skips that row with a warning). Every row of a file is one Python object per cell, so checking them
one by one costs more than parsing the file; :func:`bulk_file` checks the
common case, a file whose benchmarks have no parameters, a whole column at a
time (the set of types of every cell), keeps only each cell's entry
(:class:`BulkStore`, converted to float arrays once for every file; the
file's cells are freed with it, in reading order) and gives up on anything
else, leaving the file to :func:`block_of_row`. It accepts only what :func:`block_of_row` accepts and
keeps what every reader of a block reads (finite values, NaN otherwise, and
the finite samples), so it changes the speed and nothing else.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial
from itertools import chain, repeat, zip_longest
from operator import is_not
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from ..model.series import SampleRows

COLUMNS = ("result", "params", "version", "started_at", "duration", "stats_ci_99_a",
           "stats_ci_99_b", "stats_q_25", "stats_q_75", "stats_number", "stats_repeat",
           "samples", "profile")

NUMBER_TYPES = frozenset({float, int, type(None)})


#: Parameter combinations of one benchmark beyond which its row is refused
#: (asv's largest real ones have under a hundred; the product of a few long
#: lists would otherwise make millions of series keys).
MAX_COMBINATIONS = 100_000


class ResultsError(ValueError):
    """Unreadable asv results; the message is one line naming the file."""


class EntryError(ValueError):
    """One benchmark row of a result file that cannot be read: the reason
    (the reader names the file and the benchmark, and skips the row)."""


def fits_float(values: Any) -> bool:
    """Every number among ``values`` (numbers or None) converts to a float: no
    400-digit integer (one numpy conversion, no loop over the cells here)."""
    try:
        np.fromiter(values, dtype=float)
    except OverflowError:
        return False
    return True


def checked_params(params: Any) -> int:
    """The number of combinations of a row's ``params``: a list of lists of
    scalars with at most :data:`MAX_COMBINATIONS` combinations."""
    if not isinstance(params, list) or not all(type(p) is list for p in params):
        raise EntryError("malformed params (a list of lists of values)")
    for values in params:
        if not all(v is None or isinstance(v, (str, int, float)) for v in values):
            raise EntryError("malformed params (a value that is a list or an object)")
    count = math.prod(len(p) for p in params)
    if count > MAX_COMBINATIONS:
        raise EntryError(f"{count} parameter combinations (more than {MAX_COMBINATIONS})")
    return count


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


def numbers(column: str, value: list[Any]) -> list[Any]:
    """``value`` if every entry is a number (or null) a float can hold."""
    types = set(map(type, value))
    if not NUMBER_TYPES.issuperset(types):
        bad = next(v for v in value if type(v) not in NUMBER_TYPES)
        raise EntryError(f"column {column!r}: non-numeric value {bad!r:.40}")
    if int in types and not fits_float(value):
        raise EntryError(f"column {column!r}: a number too large for a float")
    return value


def numbers_column(column: str, value: Any, count: int) -> list[Any] | None:
    """A per-combination column of numbers (or null), ``None`` when absent."""
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != count:
        raise EntryError(f"column {column!r} does not match its {count} parameter "
                         "combination(s)")
    return numbers(column, value)


def block_of_row(path: Path, commit: str, cols: dict[str, Any], count: int) -> RowBlock:
    """One validated row (:class:`EntryError` naming its first problem):
    every column checked once, nothing converted yet."""
    values = numbers_column("result", cols.get("result"), count)
    samples = cols.get("samples")
    if samples is not None:
        if not isinstance(samples, list) or len(samples) != count:
            raise EntryError(f"column 'samples' does not match its {count} parameter "
                             "combination(s)")
        for raw in samples:
            if raw is None:
                continue
            if type(raw) is not list:
                raise EntryError(f"samples must be lists of numbers, got {raw!r:.40}")
            numbers("samples", raw)
    return RowBlock(commit, path, values, samples,
                    numbers_column("stats_q_25", cols.get("stats_q_25"), count),
                    numbers_column("stats_q_75", cols.get("stats_q_75"), count),
                    numbers_column("stats_ci_99_a", cols.get("stats_ci_99_a"), count),
                    numbers_column("stats_ci_99_b", cols.get("stats_ci_99_b"), count))


LIST_OR_NULL = frozenset({list, type(None)})
NOT_NULL = partial(is_not, None)


FIELDS = ("values", "q25", "q75", "ci_a", "ci_b")     # RowBlock's number columns


@dataclass(eq=False)
class BulkFile:
    """A file read in bulk: its rows are rows ``offset .. offset + size`` of
    its :class:`BulkStore`."""

    commit: str
    source: Path
    store: "BulkStore"
    index: int                    # among the store's files
    offset: int
    size: int


class BulkStore:
    """Every file read in bulk, its rows end to end, converted once for all
    files when reading ends (:meth:`finish`): ``arrays[name][r]`` is row
    ``r``'s (its one parameter combination's) value of column ``name``, NaN
    where null, absent or not finite (as :func:`.results.finite_or_nan` reads
    a cell), ``samples[r]`` its finite samples."""

    def __init__(self) -> None:
        self.files: list[BulkFile] = []
        self.arrays: dict[str, np.ndarray] = {}
        self.samples = SampleRows.empty(0)
        self.row_file = np.empty(0, dtype=np.int64)       # each row's file (its index)
        self._pending: dict[str, list[Any]] = {name: [] for name in FIELDS}
        self._samples: list[Any] = []

    def add(self, commit: str, source: Path, numbers: list[list[Any]],
            samples: list[Any]) -> BulkFile:
        f = BulkFile(commit, source, self, len(self.files), len(self._samples), len(samples))
        for name, entries in zip(FIELDS, numbers):
            self._pending[name] += entries
        self._samples += samples
        self.files.append(f)
        return f

    def finish(self) -> None:
        """Convert what was added (one conversion per column for every file)."""
        for name, entries in self._pending.items():
            self.arrays[name] = finite_floats(entries)
        self.samples = sample_rows(self._samples)
        self.row_file = np.repeat(np.arange(len(self.files)),
                                  [f.size for f in self.files]).astype(np.int64)
        self._pending = {name: [] for name in FIELDS}
        self._samples = []


class BulkRow(NamedTuple):
    """A row of a :class:`BulkFile` (``row``: the store's row, from
    ``file.offset`` on): one block of a row group."""

    file: BulkFile
    row: int

    @property
    def commit(self) -> str:
        return self.file.commit

    @property
    def source(self) -> Path:
        return self.file.source


def one_entry_cells(column: tuple[Any, ...]) -> list[Any] | None:
    """The one entry of each cell (None for a null cell) when every cell is
    null or a one-entry list; None otherwise."""
    kinds = set(map(type, column))
    if not kinds <= LIST_OR_NULL:
        return None
    if type(None) not in kinds:
        return list(chain.from_iterable(column)) if set(map(len, column)) <= {1} else None
    if not set(map(len, filter(NOT_NULL, column))) <= {1}:
        return None
    return [c[0] if c is not None else None for c in column]


def finite_floats(entries: list[Any]) -> np.ndarray:
    """Validated numbers (or None) as floats, NaN where null or not finite."""
    out = np.fromiter(entries, dtype=float, count=len(entries))   # None: NaN, as np.array
    bad = ~np.isfinite(out)
    if bad.any():
        out[bad] = np.nan
    return out


def sample_rows(raws: list[list[Any] | None]) -> SampleRows:
    """The finite samples of each validated entry (null or empty: none), in
    recorded order: one conversion for all entries (shorter ones padded with
    NaN) instead of a tuple per entry; by sample count when padding would
    more than double the matrix or a sample is not finite."""
    n = len(raws)
    lengths = np.array([len(r) if r else 0 for r in raws], dtype=np.int64)
    width = int(lengths.max()) if n else 0
    if width and n * width <= 2 * int(lengths.sum()) + n:
        pad = [math.nan] * width
        padded = [r if r and len(r) == width else (r or []) + pad[len(r or ()):] for r in raws]
        # straight off the lists (null samples become NaN, as np.array makes them)
        block = np.fromiter(chain.from_iterable(padded), dtype=float,
                            count=n * width).reshape(n, width)
        # padding is NaN, so as many finite values as samples: every sample finite
        if np.count_nonzero(np.isfinite(block)) == int(lengths.sum()):
            return SampleRows.of_matrix(block, lengths)
    counts = np.zeros(n, dtype=np.int64)
    offsets = np.zeros(n, dtype=np.int64)
    chunks: list[np.ndarray] = []
    at = 0
    for size in (z for z in np.unique(lengths).tolist() if z > 0):
        rows = np.flatnonzero(lengths == size)
        block = np.array([raws[i] for i in rows.tolist()], dtype=float).reshape(rows.size, size)
        finite = np.isfinite(block)                    # null, NaN and +-Infinity are dropped
        kept = finite.sum(axis=1)
        counts[rows] = kept
        offsets[rows] = at + np.concatenate([[0], np.cumsum(kept)[:-1]])
        chunks.append(block[finite])                   # row by row, in recorded order
        at += int(kept.sum())
    return SampleRows(np.concatenate(chunks or [np.empty(0)]), offsets, counts)


def bulk_file(path: Path, commit: str, columns: list[Any], rows: list[Any],
              store: BulkStore) -> BulkFile | None:
    """Every row of a file whose benchmarks have no parameters, checked a
    column at a time and added to ``store``; None (nothing added) when any
    row is anything else or any check fails, for :func:`block_of_row` to
    name the problem."""
    if not set(map(type, columns)) <= {str} or len(set(columns)) != len(columns) \
            or not set(map(type, rows)) <= {list} \
            or max(map(len, rows), default=0) > len(columns):
        return None
    cells = dict(zip(columns, zip_longest(*rows)))
    absent = tuple(repeat(None, len(rows)))
    if any(cells.get("params", absent)):
        return None                                   # parameters: one row at a time
    numbers = [one_entry_cells(cells.get(name, absent)) for name in
               ("result", "stats_q_25", "stats_q_75", "stats_ci_99_a", "stats_ci_99_b")]
    samples = one_entry_cells(cells.get("samples", absent))
    number_kinds = [kinds(entries) if entries is not None else None for entries in numbers]
    if samples is None or any(k is None or not NUMBER_TYPES.issuperset(k) for k in number_kinds):
        return None
    if not set(map(type, samples)) <= LIST_OR_NULL:
        return None
    sample_kinds = kinds(chain.from_iterable(filter(None, samples)))
    if not NUMBER_TYPES.issuperset(sample_kinds):
        return None
    if int in sample_kinds and not fits_float(chain.from_iterable(filter(None, samples))) \
            or any(int in k and not fits_float(e) for k, e in zip(number_kinds, numbers)):
        return None                                   # a 400-digit integer: named row by row
    return store.add(commit, path, numbers, samples)


def kinds(values: Any) -> set[type]:
    return set(map(type, values))
