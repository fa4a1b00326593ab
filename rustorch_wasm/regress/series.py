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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .columns import SeriesColumns
    from .results import ResultSet

INSTRUCTIONS_SUFFIX = "_instructions"


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

    @property
    def is_instruction_count(self) -> bool:
        """Deterministic wasm instruction counts (``track_*_instructions``)."""
        name = self.benchmark.rsplit(".", 1)[-1]
        return name.startswith("track_") and name.endswith(INSTRUCTIONS_SUFFIX)


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
            from .columns import SeriesColumns
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


def build_series(result_set: "ResultSet", commit_order: list[str]) -> list[Series]:
    """One series per (machine, env, benchmark, params), in ``commit_order``.

    Measurements of commits outside ``commit_order`` (other branches) are left
    out; commits without a measurement leave a gap in ``position``."""
    from .columns import series_from_results
    with paused_gc():
        return series_from_results(result_set, commit_order)
