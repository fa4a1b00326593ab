"""Fixed regressions: a regression whose old level came back later.

A regression (or drift) of one series at commit ``C`` took its level from
``B`` to ``A`` (badness terms, ``A > B``). It is *fixed* at the first later
commit ``F`` from which the series is back near ``B``::

    |log(L / B)| <= log(1 + t) / 2,

``L`` the series' level from ``F`` on and ``t`` its threshold: within half
the threshold of the old level, so a partial recovery is no fix. ``F`` is
looked for among the series' later findings for the better (an
improvement, the revert itself: ``L`` is its ``after``) and, failing that,
among its later change points (``L`` the segment's median level up to the
next change point). The regression then carries ``fixed_by = F``: it stays
in the report and in its series' history, shows as fixed, and no longer
fails ``detect``; the improvement at ``F`` says which regression it fixed.
"""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from ..model.config import DetectorConfig
from ..model.findings import Finding, SeriesAnalysis


def _bad(value: float, better: str) -> float:
    return 1.0 / value if better == "higher" else value


def _near(level: float, old: float, t: float) -> bool:
    return level > 0 and old > 0 and abs(math.log(level / old)) <= math.log1p(t) / 2.0


def _segment_fix(f: Finding, analysis: SeriesAnalysis, commits: list[str], old: float,
                 t: float) -> str | None:
    """The first later change point after which the level is back near ``old``."""
    if f.commit not in commits:
        return None
    at = commits.index(f.commit)
    cps = sorted(c for c in analysis.change_points if c > at)
    for i, start in enumerate(cps):
        stop = cps[i + 1] if i + 1 < len(cps) else len(commits)
        part = np.asarray(analysis.levels[start:stop], dtype=float)
        part = part[np.isfinite(part) & (part > 0)]
        if part.size and _near(_bad(float(np.median(part)), f.better), old, t):
            return commits[start]
    return None


def mark_fixed(findings: list[Finding], analyses: dict, commits_of: dict,
               position: dict[str, int], config: DetectorConfig) -> list[Finding]:
    """``findings`` with every fixed regression's ``fixed_by`` set (and the
    fixing improvement's evidence saying so)."""
    out = list(findings)
    by_series: dict = {}
    for i, f in enumerate(out):
        if not f.is_environment:
            by_series.setdefault(f.key, []).append(i)
    for key, idx in by_series.items():
        idx.sort(key=lambda i: position.get(out[i].commit, -1))
        t = config.threshold_for(key.benchmark)
        for n, i in enumerate(idx):
            f = out[i]
            if f.kind not in ("regression", "drift") or not f.before > 0:
                continue
            old = _bad(f.before, f.better)
            fix = None
            for j in idx[n + 1:]:
                g = out[j]
                if g.kind == "improvement" and g.after > 0 and _near(_bad(g.after, g.better), old, t):
                    fix = g.commit
                    out[j] = replace(g, evidence=g.evidence + (
                        f"fixes the {f.kind} at {f.commit[:10]} (back at its old level)",))
                    break
            if fix is None and key in analyses:
                fix = _segment_fix(f, analyses[key], commits_of.get(key, []), old, t)
            if fix is not None:
                out[i] = replace(f, fixed_by=fix, evidence=f.evidence + (
                    f"fixed at {fix[:10]}: the level came back",))
    return out


__all__ = ["mark_fixed"]
