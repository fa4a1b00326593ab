"""Synthetic series and findings for the plot, site and browser tests.

Commit shas are made from a counter (sha1 of the index), so they look real
and are stable; samples are drawn from a seeded generator.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from rustorch_wasm.regress.model.config import load_config
from rustorch_wasm.regress.model.findings import Finding
from rustorch_wasm.regress.model.series import Point, Series, SeriesKey

#: The detector configured with this project's profile (regress.json: instruction
#: counts, their timing companions, engine labels), as the CLI reads it here.
PROJECT = load_config(Path(__file__).resolve().parent.parent / "regress.json")


def fake_sha(i: int) -> str:
    return hashlib.sha1(f"commit-{i}".encode()).hexdigest()


def make_series(benchmark: str, *, params: tuple[tuple[str, str], ...] = (), n: int = 40,
                level: float = 1e-4, step_at: int | None = None, step: float = 1.0,
                noise: float = 0.02, unit: str = "seconds", seed: int = 1,
                missing: tuple[int, ...] = ()) -> Series:
    """A series of ``n`` commits with an optional multiplicative step at ``step_at``."""
    rng = np.random.default_rng(seed)
    key = SeriesKey("box", "virtualenv-py3.10", benchmark, params)
    points = []
    for i in range(n):
        if i in missing:
            continue
        mean = level * (step if step_at is not None and i >= step_at else 1.0)
        samples = mean * (1 + noise * rng.standard_normal(10)) if noise else np.full(10, mean)
        q25, med, q75 = np.percentile(samples, [25, 50, 75])
        points.append(Point(commit=fake_sha(i), position=i, samples=tuple(samples),
                            median=float(med), q25=float(q25), q75=float(q75)))
    return Series(key=key, unit=unit, points=points)


def regression_at(series: Series, index: int, ratio: float, p_value: float = 1e-6,
                  kind: str = "regression") -> Finding:
    """A finding for ``series`` whose first bad commit is ``series.points[index]``."""
    before, after = series.points[index - 1].median, series.points[index].median
    return Finding(kind=kind, key=series.key, commit=series.points[index].commit,
                   previous_commit=series.points[index - 1].commit, before=before,
                   after=after, ratio=ratio, ci=(ratio * 0.97, ratio * 1.03),
                   p_value=p_value, unit=series.unit)
