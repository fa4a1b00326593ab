"""What the gate decided: the compared rows, the verdict and its exit code.

Plain data between the gate's run (:mod:`..cli.gate`) and its views
(:mod:`..render.gate_markdown`, the JSON document).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ..model.findings import Finding, Report
from ..model.profile import Profile
from ..model.series import SeriesKey
from .confirm import Confirmation

#: The gate's exit statuses: no regression, a regression, no verdict (bad
#: input), no verdict (an internal error of the detector).
EXIT_CLEAN, EXIT_REGRESSION, EXIT_ERROR, EXIT_INTERNAL = 0, 1, 2, 3


@dataclass(frozen=True)
class Row:
    """One compared series: medians on both sides, its finding if any."""

    key: SeriesKey
    unit: str
    base: float
    head: float
    finding: Finding | None = None
    instructions: tuple[float, float] | None = None  # companion counts (base, head)
    exact: bool = False     # the series is an exact count (the profile says)

    @property
    def ratio(self) -> float:
        return self.head / self.base if self.base > 0 else math.nan


@dataclass
class GateResult:
    """The verdict and everything the reports show."""

    base: str
    head: str
    report: Report
    rows: list[Row] = field(default_factory=list)
    failed_on_head: list[str] = field(default_factory=list)
    only_on_head: list[str] = field(default_factory=list)
    rechecked: list[str] = field(default_factory=list)    # re-run to confirm
    unconfirmed: list[str] = field(default_factory=list)  # ... and not confirmed
    confirmations: list[Confirmation] = field(default_factory=list)
    profile: Profile = field(default_factory=Profile)
    same_build: bool = False      # base and head build the same: nothing was measured
    environments: list[tuple[str, str]] = field(default_factory=list)  # env, what became of it

    @property
    def exit_code(self) -> int:
        if self.failed_on_head:
            return EXIT_ERROR
        failing = any(f.fails_gate for f in self.report.regressions)   # triaged ones do not
        return EXIT_REGRESSION if failing else EXIT_CLEAN

    def to_json(self) -> dict[str, Any]:
        doc = self.report.to_json()
        doc["gate"] = {"base": self.base, "head": self.head, "exit_code": self.exit_code,
                       "compared": len(self.rows), "failed_on_head": self.failed_on_head,
                       "only_on_head": self.only_on_head, "rechecked": self.rechecked,
                       "unconfirmed": self.unconfirmed, "same_build": self.same_build,
                       "environments": [{"env": e, "status": why} for e, why in self.environments],
                       "confirmations": [c.to_json() for c in self.confirmations]}
        return doc
