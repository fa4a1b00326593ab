"""Exact instruction counts: findings of their own, and evidence for timings.

Instruction-count series (``track_*_instructions``) are deterministic: every
change is exact, the ratio is the count ratio, a step of at least ``t`` is
flagged with ``p_value = 0`` and a zero-width interval, and a creep of at
least ``t`` since the last flagged change is a drift. Such a finding is
``confirmed`` by its nature.

A timing finding and an instruction change at the same commit of the
companion benchmark (``time_x`` / ``track_x_instructions``, same class and
parameters) corroborate each other in ``Finding.evidence``; a timing
finding whose companion count moved the same way by at least half the size
guard is ``confirmed`` (the code did change the work done), one whose count
is unchanged stays unconfirmed until it is re-measured.
"""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from ..model.config import DetectorConfig
from ..model.findings import Finding
from ..model.kinds import Kind
from ..model.series import Series
from .changepoint import exact_changes


def instruction_findings(series: Series, config: DetectorConfig) -> list[Finding]:
    """Exact rule for deterministic instruction counts."""
    t = config.threshold_for(series.key.benchmark)
    v = np.asarray(series.medians, dtype=float)
    commits = series.commits
    out: list[Finding] = []
    base = v[0] if v.size else math.nan
    changes = exact_changes(v)
    for n, k in enumerate(changes):
        if not (v[k - 1] > 0 and v[k] > 0):
            continue
        ratio = float(v[k] / v[k - 1])
        kind: Kind | None = None
        before = float(v[k - 1])
        if ratio >= 1.0 + t:
            kind = "regression"
        elif ratio <= 1.0 / (1.0 + t):
            kind = "improvement"
        elif base > 0 and v[k] / base >= 1.0 + t:
            kind, before, ratio = "drift", float(base), float(v[k] / base)
        if kind is not None:
            until = changes[n + 1] if n + 1 < len(changes) else v.size
            out.append(Finding(kind, series.key, commits[k], commits[k - 1], before,
                               float(v[k]), ratio, (ratio, ratio), 0.0, series.unit,
                               commits_after=until - k, confirmed=True))
            base = v[k]
        elif v[k] < base:
            base = v[k]
    return out


def count_ratio(series: Series, commit: str) -> float | None:
    """The instruction count at ``commit`` over the previous measured one."""
    pos = {c: i for i, c in enumerate(series.commits)}
    i = pos.get(commit)
    meds = series.medians
    if i is None or i == 0 or not meds[i - 1] > 0:
        return None
    return float(meds[i] / meds[i - 1])


def count_backs(count_ratio: float | None, log_change: float, benchmark: str,
                config: DetectorConfig) -> bool:
    """Does a companion count ratio back a timing change of ``log_change``
    (log of the ratio in badness terms, positive for worse)? It does when
    the count moved the same way by at least half the size guard in log
    terms: ``|log r| >= log(1 + g*t) / 2``, the code did change the work done."""
    if count_ratio is None or not count_ratio > 0 or not math.isfinite(count_ratio):
        return False
    half = 0.5 * math.log1p(config.guard * config.threshold_for(benchmark))
    return math.log(count_ratio) * log_change > 0 and abs(math.log(count_ratio)) >= half


def add_evidence(findings: list[Finding], series_list: list[Series],
                 config: DetectorConfig) -> list[Finding]:
    """Attach instruction-count (or timing) changes at the same commit, and
    mark the timing findings an instruction change backs as confirmed."""
    by_key = {s.key: s for s in series_list}
    flagged = {(f.key, f.commit): f for f in findings}
    out = []
    for f in findings:
        other_key = config.profile.companion(f.key)
        other = by_key.get(other_key) if other_key else None
        if other is None or f.is_environment:
            out.append(f)
            continue
        evidence = list(f.evidence)
        confirmed = f.confirmed
        if config.profile.is_exact(f.key):
            twin = flagged.get((other.key, f.commit))
            if twin is not None:
                evidence.append(f"{other.key.benchmark} x{twin.ratio:.3f} at the same commit")
        else:
            r = count_ratio(other, f.commit)
            if r is not None:
                evidence.append(f"{other.key.benchmark} x{r:.3f} at the same commit"
                                if r != 1.0 else
                                f"{other.key.benchmark} unchanged at this commit")
                if f.badness > 0 and count_backs(r, math.log(f.badness), f.key.benchmark, config):
                    confirmed = True
        out.append(replace(f, evidence=tuple(evidence), confirmed=confirmed))
    return out
