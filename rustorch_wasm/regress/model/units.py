"""Readable quantities: seconds shown as ns, µs, ms or s.

One place for the time scales used by the plots, the site and the gate's
Markdown (the detector's own Markdown report keeps its ASCII "us").
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import median
from typing import Iterable

TIME_SCALES = ((1e-6, "ns", 1e9), (1e-3, "µs", 1e6), (1.0, "ms", 1e3))


@dataclass(frozen=True)
class Scale:
    """How values of one unit are shown: multiply by ``factor``, label ``unit``."""

    factor: float
    unit: str


def display_scale(unit: str, values: Iterable[float]) -> Scale:
    """A readable scale: seconds become ns/µs/ms/s by the median magnitude."""
    finite = [v for v in values if math.isfinite(v) and v > 0]
    if unit != "seconds" or not finite:
        return Scale(1.0, unit)
    typical = median(finite)
    for limit, name, factor in TIME_SCALES:
        if typical < limit:
            return Scale(factor, name)
    return Scale(1.0, "s")


def seconds_text(value: float) -> str:
    """``value`` seconds in the scale that suits it, three significant digits."""
    scale = display_scale("seconds", [abs(value)]) if value else Scale(1.0, "s")
    return f"{value * scale.factor:.3g} {scale.unit}"
