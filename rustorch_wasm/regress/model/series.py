"""The data the detector analyses: one series of measurements per benchmark.

A *series* is the history of one (machine, env, benchmark, param combination)
along the branch's first-parent history, oldest commit first. Each *point* is
one commit's measurement: the raw samples when asv recorded them, otherwise
asv's summary (median and its confidence interval, ``from_stats=True``).
Commits where the benchmark failed or was not run have no point; the commit
still occupies its ``position`` in history so gaps stay visible.

This module holds data only; reading results and analysing them live
elsewhere (Otava's split between ``series`` and ``analysis``).
"""
from __future__ import annotations

import gc
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

import numpy as np

@dataclass(frozen=True, order=True)
class SeriesKey:
    """What identifies a series. ``params`` is a sorted tuple of (name, value)."""

    machine: str
    env: str
    benchmark: str
    params: tuple[tuple[str, str], ...] = ()

    @property
    def params_dict(self) -> dict[str, str]:
        return dict(self.params)

    @property
    def label(self) -> str:
        """Human-readable ``benchmark(name=value, ...)``."""
        if not self.params:
            return self.benchmark
        inner = ", ".join(f"{k}={v}" for k, v in self.params)
        return f"{self.benchmark}({inner})"



@dataclass(frozen=True)
class Point:
    """One commit's measurement of one series."""

    commit: str                 # full sha
    position: int               # index of the commit in first-parent order (0 = oldest)
    samples: tuple[float, ...]  # raw samples; (median,) when only stats exist
    median: float
    q25: float
    q75: float
    from_stats: bool = False    # True when built from asv's stats, not samples
    ci: tuple[float, float] | None = None  # asv's CI for the median, when known


class SampleRows(Sequence):
    """Each point's finite samples, held flat: point ``i``'s are
    ``values[offsets[i] : offsets[i] + counts[i]]``, in recorded order. A
    tuple is made only when a point is asked for (reading a history makes no
    object per sample); picking points (:meth:`take`) copies no sample."""

    __slots__ = ("values", "offsets", "counts")

    def __init__(self, values: np.ndarray, offsets: np.ndarray, counts: np.ndarray) -> None:
        self.values = values            # float, every point's samples (and maybe more)
        self.offsets = offsets          # int, where each point's samples start
        self.counts = counts            # int, how many

    @classmethod
    def of_matrix(cls, matrix: np.ndarray, counts: np.ndarray) -> "SampleRows":
        """Row ``i`` of ``matrix`` holds point ``i``'s ``counts[i]`` samples first."""
        n, width = matrix.shape
        return cls(matrix.reshape(-1), np.arange(n, dtype=np.int64) * width, counts)

    def __len__(self) -> int:
        return int(self.counts.size)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return SampleRows(self.values, self.offsets[i], self.counts[i])
        start = int(self.offsets[i])
        return tuple(self.values[start:start + int(self.counts[i])].tolist())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and all(a == tuple(b) for a, b in zip(self, other))

    def __repr__(self) -> str:
        return f"SampleRows({len(self)} points)"

    def take(self, index: np.ndarray) -> "SampleRows":
        """The points at ``index``, in that order."""
        return SampleRows(self.values, self.offsets[index], self.counts[index])

    def block(self, rows: np.ndarray, size: int) -> np.ndarray:
        """The samples of ``rows`` (each holding ``size``) as a C-ordered
        ``(rows, size)`` matrix, as ``np.array`` makes from their tuples."""
        return self.values[self.offsets[rows][:, None] + np.arange(size)]

    @classmethod
    def empty(cls, n: int) -> "SampleRows":
        none = np.zeros(n, dtype=np.int64)
        return cls(np.empty(0), none, none)

    @classmethod
    def joined(cls, parts: "list[SampleRows]") -> "SampleRows":
        """The points of ``parts`` one after the other."""
        shift = np.cumsum([0] + [p.values.size for p in parts[:-1]])
        return cls(np.concatenate([p.values for p in parts] or [np.empty(0)]),
                   np.concatenate([p.offsets + d for p, d in zip(parts, shift.tolist())]
                                  or [np.empty(0, dtype=np.int64)]),
                   np.concatenate([p.counts for p in parts] or [np.empty(0, dtype=np.int64)]))


@dataclass
class SeriesColumns:
    """The points of one series, oldest first, as parallel columns."""

    commits: list[str]
    positions: np.ndarray           # int, index in first-parent order
    medians: np.ndarray
    q25: np.ndarray
    q75: np.ndarray
    from_stats: np.ndarray          # bool
    ci_lo: np.ndarray               # NaN where asv gave no CI
    ci_hi: np.ndarray
    samples: Sequence[tuple[float, ...]]  # finite samples; () where from_stats (SampleRows
    #                                         when read from results, a list otherwise)

    def __len__(self) -> int:
        return len(self.commits)

    @classmethod
    def from_points(cls, points: list[Point]) -> "SeriesColumns":
        n = len(points)

        def col(name: str, dtype: Any = float) -> np.ndarray:
            return np.fromiter(map(attrgetter(name), points), dtype=dtype, count=n)

        cis = list(map(attrgetter("ci"), points))
        if all(c is None for c in cis):
            lo = np.full(n, np.nan)
            hi = lo.copy()
        else:
            lo = np.array([c[0] if c else math.nan for c in cis], dtype=float)
            hi = np.array([c[1] if c else math.nan for c in cis], dtype=float)
        stats = col("from_stats", bool)
        samples = list(map(attrgetter("samples"), points))
        if stats.any():
            samples = [() if st else sm for st, sm in zip(stats.tolist(), samples)]
        return cls(list(map(attrgetter("commit"), points)), col("position", np.int64),
                   col("median"), col("q25"), col("q75"), stats, lo, hi, samples)

    def points(self) -> list[Point]:
        """The same data as one :class:`Point` per commit."""
        out = []
        for i, commit in enumerate(self.commits):
            med = float(self.medians[i])
            lo, hi = float(self.ci_lo[i]), float(self.ci_hi[i])
            stats = bool(self.from_stats[i])
            out.append(Point(commit, int(self.positions[i]),
                             (med,) if stats else self.samples[i], med, float(self.q25[i]),
                             float(self.q75[i]), stats,
                             None if math.isnan(lo) or math.isnan(hi) else (lo, hi)))
        return out



class Series:
    """The measurements of one key along history, oldest first.

    Built either from a list of :class:`Point` (tests, small data) or from
    :class:`~.columns.SeriesColumns` (what reading results gives); each view
    is derived from the other on first use. The detector reads the columns.
    """

    def __init__(self, key: SeriesKey, unit: str, points: list[Point] | None = None, *,
                 columns: "SeriesColumns | None" = None) -> None:
        self.key = key
        self.unit = unit
        self._points = list(points) if points is not None or columns is None else None
        if self._points is None and columns is None:
            self._points = []
        self._columns = columns

    def __repr__(self) -> str:
        return f"Series({self.key.label!r}, {self.unit!r}, {len(self)} points)"

    def __len__(self) -> int:
        return len(self._columns) if self._columns is not None else len(self._points or ())

    @property
    def points(self) -> list[Point]:
        if self._points is None:
            assert self._columns is not None
            self._points = self._columns.points()
        return self._points

    @property
    def columns(self) -> "SeriesColumns":
        if self._columns is None:
            self._columns = SeriesColumns.from_points(self.points)
        return self._columns

    @property
    def commits(self) -> list[str]:
        return self.columns.commits

    @property
    def medians(self) -> np.ndarray:
        return self.columns.medians


@contextmanager
def paused_gc(freeze: bool = False) -> Iterator[None]:
    """Suspend the cyclic garbage collector while millions of acyclic objects
    are built (reading results, building series): its repeated full passes
    over them otherwise cost as much as the building itself. ``freeze``
    moves what exists at the end to the permanent generation before the
    collector resumes, sparing one last full pass (for a short-lived CLI)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if freeze:
                gc.freeze()
            gc.enable()
