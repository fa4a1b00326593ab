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

import math
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


def point_of(measurement: "Measurement", position: int) -> Point:
    """A point from one measurement: its samples, else asv's stats."""
    m = measurement
    if m.samples:
        xs = sorted(m.samples)
        q25, med, q75 = (quantile_sorted(xs, q) for q in (0.25, 0.5, 0.75))
        return Point(m.commit, position, m.samples, float(med), float(q25), float(q75),
                     from_stats=False, ci=m.ci)
    q25 = m.q25 if math.isfinite(m.q25) else m.value
    q75 = m.q75 if math.isfinite(m.q75) else m.value
    return Point(m.commit, position, (m.value,), m.value, q25, q75, from_stats=True, ci=m.ci)


def build_series(result_set: "ResultSet", commit_order: list[str]) -> list[Series]:
    """One series per (machine, env, benchmark, params), in ``commit_order``.

    Measurements of commits outside ``commit_order`` (other branches) are left
    out; commits without a measurement leave a gap in ``position``."""
    position = {sha: i for i, sha in enumerate(commit_order)}
    by_key: dict[int, tuple[SeriesKey, list[Point]]] = {}   # keyed by id: keys are shared
    for m in result_set.measurements:
        pos = position.get(m.commit)
        if pos is None:
            continue
        entry = by_key.get(id(m.key))
        if entry is None:
            entry = by_key[id(m.key)] = (m.key, [])
        entry[1].append(point_of(m, pos))
    merged: dict[SeriesKey, list[Point]] = {}
    for key, pts in by_key.values():
        merged.setdefault(key, []).extend(pts)
    out: list[Series] = []
    for key in sorted(merged):
        points = sorted(merged[key], key=lambda p: p.position)
        out.append(Series(key, result_set.unit_of(key.benchmark), points))
    return out
