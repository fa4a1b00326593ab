"""What the detector reports: findings and the JSON document other tools read.

The JSON shape (schema 1) is an interface; keep it stable::

    {"schema": 1, "threshold": 0.2, "alpha": 0.01, "series_checked": N,
     "findings": [{"kind": "regression"|"improvement"|"drift",
                   "benchmark": "module.Class.time_x", "params": {"name": "value"},
                   "machine": "...", "env": "...",
                   "commit": "<full sha of first bad commit>",
                   "previous_commit": "<full sha of last good commit>",
                   "before": float, "after": float, "ratio": float,
                   "ci": [lo, hi], "p_value": float, "unit": "seconds",
                   "evidence": ["..."]}]}

``evidence`` (extra, optional for readers) lists corroborating facts, such as
an instruction-count change at the same commit.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Literal

from .series import SeriesKey

SCHEMA = 1
Kind = Literal["regression", "improvement", "drift"]


@dataclass(frozen=True)
class Finding:
    """One flagged change of one series at one commit."""

    kind: Kind
    key: SeriesKey
    commit: str
    previous_commit: str
    before: float
    after: float
    ratio: float
    ci: tuple[float, float]
    p_value: float
    unit: str
    evidence: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "benchmark": self.key.benchmark,
            "params": self.key.params_dict,
            "machine": self.key.machine,
            "env": self.key.env,
            "commit": self.commit,
            "previous_commit": self.previous_commit,
            "before": _finite(self.before),
            "after": _finite(self.after),
            "ratio": _finite(self.ratio),
            "ci": [_finite(self.ci[0]), _finite(self.ci[1])],
            "p_value": _finite(self.p_value),
            "unit": self.unit,
            "evidence": list(self.evidence),
        }


@dataclass
class Report:
    """The outcome of one detector run."""

    threshold: float
    alpha: float
    series_checked: int
    findings: list[Finding] = field(default_factory=list)

    @property
    def regressions(self) -> list[Finding]:
        return [f for f in self.findings if f.kind == "regression"]

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "threshold": self.threshold,
            "alpha": self.alpha,
            "series_checked": self.series_checked,
            "findings": [f.to_json() for f in self.findings],
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, allow_nan=False)


def _finite(x: float) -> float | None:
    """Strict JSON has no NaN/Infinity: those become null."""
    return float(x) if math.isfinite(x) else None
