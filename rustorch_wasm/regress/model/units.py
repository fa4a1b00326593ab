"""Readable quantities: seconds shown as ns, µs, ms or s; bytes as B, KiB, MiB, GiB.

The detector's one value formatter (:func:`format_value`) and the time scales
the plots use; the Markdown report, the site and the gate's Markdown all
show values through it (each view escapes the text for its own format).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import median
from typing import Iterable

TIME_SCALES = ((1e-6, "ns", 1e9), (1e-3, "µs", 1e6), (1.0, "ms", 1e3))
BYTE_SCALES = ((2.0 ** 10, "B", 1.0), (2.0 ** 20, "KiB", 2.0 ** -10), (2.0 ** 30, "MiB", 2.0 ** -20))


@dataclass(frozen=True)
class Scale:
    """How values of one unit are shown: multiply by ``factor``, label ``unit``."""

    factor: float
    unit: str


def display_scale(unit: str, values: Iterable[float]) -> Scale:
    """A readable scale by the median magnitude: seconds become ns/µs/ms/s,
    bytes B/KiB/MiB/GiB; other units stay as they are."""
    finite = [v for v in values if math.isfinite(v) and v > 0]
    if unit not in ("seconds", "bytes") or not finite:
        return Scale(1.0, unit)
    typical = median(finite)
    scales, last = (TIME_SCALES, Scale(1.0, "s")) if unit == "seconds" else \
        (BYTE_SCALES, Scale(2.0 ** -30, "GiB"))
    for limit, name, factor in scales:
        if typical < limit:
            return Scale(factor, name)
    return last


def seconds_text(value: float) -> str:
    """``value`` seconds in the scale that suits it, three significant digits."""
    scale = display_scale("seconds", [abs(value)]) if value else Scale(1.0, "s")
    return f"{value * scale.factor:.3g} {scale.unit}"


def format_p(p: float) -> str:
    """A p-value for people: two significant digits, ``n/a`` when there is none
    (a finding no test decided: one value per run, an environment shift)."""
    return f"{p:.2g}" if math.isfinite(p) else "n/a"


def format_value(value: float, unit: str) -> str:
    """A measured value for people: ``n/a`` when not finite; seconds and bytes
    in the scale that suits them; whole numbers with thousands separators from 1,000
    up (counts, large rates); else four significant digits."""
    if not math.isfinite(value):
        return "n/a"
    if unit == "seconds":
        return seconds_text(value)
    if unit == "bytes":
        scale = display_scale("bytes", [abs(value)]) if value else Scale(1.0, "B")
        return f"{value * scale.factor:.4g} {scale.unit}"
    text = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
    return f"{text} {unit}".strip()
