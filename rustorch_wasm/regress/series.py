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
from collections.abc import Iterator
from contextlib import contextmanager
from operator import itemgetter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .results import Measurement, ResultSet

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


@dataclass
class Series:
    """The measurements of one key along history, oldest first."""

    key: SeriesKey
    unit: str
    points: list[Point] = field(default_factory=list)

    @property
    def commits(self) -> list[str]:
        return [p.commit for p in self.points]

    @property
    def medians(self) -> list[float]:
        return [p.median for p in self.points]


def quantile_sorted(xs: list[float], q: float) -> float:
    """numpy's default (linear) quantile of an already sorted list."""
    h = (len(xs) - 1) * q
    lo = math.floor(h)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (h - lo) * (xs[hi] - xs[lo])


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


def new_point(commit: str, position: int, samples: tuple[float, ...], median: float,
              q25: float, q75: float, from_stats: bool,
              ci: tuple[float, float] | None) -> Point:
    """``Point(...)`` without the frozen dataclass's per-field ``__setattr__``
    detour (the same object; building millions of points is 3x faster)."""
    p = object.__new__(Point)
    p.__dict__.update(commit=commit, position=position, samples=samples, median=median,
                      q25=q25, q75=q75, from_stats=from_stats, ci=ci)
    return p


def point_of(measurement: "Measurement", position: int) -> Point:
    """A point from one measurement: its samples, else asv's stats."""
    m = measurement
    if m.samples:
        xs = sorted(m.samples)
        q25, med, q75 = (quantile_sorted(xs, q) for q in (0.25, 0.5, 0.75))
        return new_point(m.commit, position, m.samples, float(med), float(q25), float(q75),
                         False, m.ci)
    value = m.value
    q25 = m.q25 if m.q25 == m.q25 and abs(m.q25) != math.inf else value
    q75 = m.q75 if m.q75 == m.q75 and abs(m.q75) != math.inf else value
    return new_point(m.commit, position, (value,), value, q25, q75, True, m.ci)


def build_series(result_set: "ResultSet", commit_order: list[str]) -> list[Series]:
    """One series per (machine, env, benchmark, params), in ``commit_order``.

    Measurements of commits outside ``commit_order`` (other branches) are left
    out; commits without a measurement leave a gap in ``position``."""
    with paused_gc():
        return series_of_points(result_set, commit_order)


def series_of_points(result_set: "ResultSet", commit_order: list[str]) -> list[Series]:
    """build_series' work: group per key first, then make each series' points
    together (contiguous in memory, which the analysis' passes over them like)."""
    position = {sha: i for i, sha in enumerate(commit_order)}
    by_key: dict[int, tuple[SeriesKey, list[tuple[int, "Measurement"]]]] = {}
    for m in result_set.measurements:          # keys are shared objects: group by id
        pos = position.get(m.commit)
        if pos is None:
            continue
        entry = by_key.get(id(m.key))
        if entry is None:
            entry = by_key[id(m.key)] = (m.key, [])
        entry[1].append((pos, m))
    merged: dict[SeriesKey, list[tuple[int, "Measurement"]]] = {}
    for key, items in by_key.values():
        merged.setdefault(key, []).extend(items)
    out: list[Series] = []
    for key in sorted(merged):
        items = sorted(merged[key], key=itemgetter(0))
        points = [point_of(m, pos) for pos, m in items]
        out.append(Series(key, result_set.unit_of(key.benchmark), points))
    return out
