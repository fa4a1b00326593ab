"""Latency: how many commits after a change a detector flags it, as the
history grows one commit at a time.

Each step series is cut 1, 2, ... commits after its change and every
detector is run on each cut until it flags the change. Ours runs through
:func:`.ours.analyse_in_memory` (one cut after another, never files); the
peers through their adapters (:mod:`.peers`).

* :func:`main_latency`: the main accuracy table's columns (margin 1,
  ``horizon`` 15, one series per run);
* :func:`latency_ours` / :func:`latency_peer` / :func:`latency_cells`: the
  user-facing table (exact commit and direction, :data:`HORIZON` 10; ours
  runs all cut step series of one length together, beside A/A context
  series, as one history would hold them).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np

from rustorch_wasm.regress.model.series import Series

from .corpus import Spec
from .ours import analyse_in_memory
from .peers import Peer
from .users_corpus import FACTORS, Labelled, expected, sid_of

HORIZON = 10                        # the user-facing table: commits after the step


def cut(s: Series, end: int) -> Series:
    """``s`` up to (not including) commit position ``end``."""
    return Series(s.key, s.unit, [p for p in s.points if p.position < end])


def ours_single(s: Series) -> list[int]:
    """Our flagged positions on ``s`` alone."""
    return [next(q.position for q in s.points if q.commit == f.commit)
            for f in analyse_in_memory([s]).findings]


def main_latency(series: Mapping[int, Series], specs: list[Spec], count: int,
                 detectors: Mapping[str, Peer], horizon: int = 15
                 ) -> dict[str, tuple[float, float]]:
    """Median commits after the change until flagged (margin 1), share found by ``horizon``."""
    chosen = [s for s in specs if s.kind == "step" and s.truths and s.truths[0] - s.start >= 40
              and abs(math.log(s.factor)) >= math.log(1.3)][:count]
    out = {}
    for name, fn in detectors.items():
        lat = []
        for s in chosen:
            full = series[s.sid]
            truth = s.truths[0]
            found = math.inf
            for j in range(1, horizon + 1):
                pts = [p for p in full.points if p.position < truth + j]
                if not pts or pts[-1].position < truth:
                    continue
                if any(abs(f - truth) <= 1 for f in fn(Series(full.key, full.unit, pts))):
                    found = sum(1 for p in pts if p.position >= truth)
                    break
            lat.append(found)
        arr = np.array(lat)
        out[name] = (float(np.median(arr)), float(np.mean(np.isfinite(arr))))
    return out


def latency_ours(series: Mapping[int, Series], chosen: list[Labelled], context: list[Series]
                 ) -> dict[int, float]:
    """Commits after the step until our detector flags it at its commit (inf: not by HORIZON).
    Each cut is one run over the cut step series plus A/A context series."""
    found = {x.sid: math.inf for x in chosen}
    at_commit = {x.sid: next(p.commit for p in series[x.sid].points if p.position == x.at)
                 for x in chosen}
    for j in range(1, HORIZON + 1):
        left = [x for x in chosen if math.isinf(found[x.sid])]
        if not left:
            break
        report = analyse_in_memory([cut(series[x.sid], x.at + j) for x in left] + context)
        by_sid = {x.sid: x for x in left}
        for f in report.findings:
            x = by_sid.get(sid_of(f.key)) if f.key.benchmark.startswith("users.") else None
            if x is not None and f.commit == at_commit[x.sid] and str(f.kind) == expected(x):
                found[x.sid] = float(j)
    return found


def latency_peer(fn: Callable[[Series], list[int]], series: Mapping[int, Series],
                 chosen: list[Labelled]) -> dict[int, float]:
    found = {}
    for x in chosen:
        found[x.sid] = next((float(j) for j in range(1, HORIZON + 1)
                             if x.at in fn(cut(series[x.sid], x.at + j))), math.inf)
    return found


def latency_cells(found: dict[int, float], chosen: list[Labelled]) -> list[str]:
    """Per step size: the median latency, the share found by HORIZON and how many."""
    out = []
    for f in FACTORS:
        vals = np.array([found[x.sid] for x in chosen
                         if math.isclose(max(x.factor, 1 / x.factor), f)])
        if not vals.size:
            out.append("n/a")
            continue
        med = float(np.median(vals))
        out.append(f"{med:g} ({np.mean(np.isfinite(vals)):.0%} by {HORIZON}, n={vals.size})")
    return out
