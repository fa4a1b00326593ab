"""The peers the evaluation scores beside our detector, each as one adapter
``Series -> flagged commit positions`` run on the same series (read from the
same asv result files) as ours:

* ``asv step_detect``: ``asv.step_detect.detect_steps`` on the per-commit
  medians, then ``detect_regressions(threshold=0.2)``; run again on the
  reciprocals so that it may report improvements too (asv itself does not);
* ``asv compare rule``: consecutive commits, ratio of medians beyond 1.2 (or
  below 1/1.2) and Mann-Whitney p < 0.002 on their samples (CI overlap when
  only stats were recorded), as ``asv compare --factor 1.2``;
* ``Otava``: ``otava.analysis.compute_change_points`` (E-divisive means,
  windowed, t-test merge; window 50, p 0.001) on the medians, keeping change
  points whose forward change is at least 20 % (either sign in log terms);
* ``ruptures PELT``: L2 cost on log medians (``KernelCPD`` with the linear
  kernel, ruptures' compiled PELT for exactly that cost), penalty
  ``3 sigma^2 log n`` with ``sigma`` from the MAD of first differences,
  keeping change points whose neighbouring segment medians differ by a
  factor of at least 1.2;
* the reference guide's 20 % rule (the guide this project was seeded from,
  hence "seed" in the tables: its ``setBaseline``/``checkRegression``):
  current > 1.2 x baseline with the baseline set once at the series' first
  commit; and the variant with the previous commit as baseline (both
  directions).

asv, Otava and ruptures are imported when first run (the ``eval`` extra);
:func:`peer_flags` reports a missing one and skips it.
"""
from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Mapping
from typing import TypeVar

import numpy as np
import scipy.stats as ss

from rustorch_wasm.regress.model.series import Series

Peer = Callable[[Series], list[int]]
K = TypeVar("K")
RISE = 0.2                           # every peer's change threshold: 20 %
LOG_T = math.log(1.0 + RISE)


def medians(s: Series) -> tuple[np.ndarray, np.ndarray]:
    """(commit positions, per-commit medians) of ``s``."""
    return (np.array([p.position for p in s.points]),
            np.array([p.median for p in s.points], dtype=float))


def asv_step_detect(s: Series) -> list[int]:
    from asv.step_detect import detect_regressions, detect_steps
    pos, y = medians(s)
    out = []
    for values in (y, 1.0 / y):
        _, _, regs = detect_regressions(detect_steps(list(values)), threshold=RISE)
        for _, after, _, _ in regs or []:
            if after is not None:
                out.append(int(pos[after]))
    return sorted(out)


def asv_compare_rule(s: Series) -> list[int]:
    out = []
    for a, b in zip(s.points[:-1], s.points[1:]):
        ratio = b.median / a.median
        if LOG_T > abs(math.log(ratio)):
            continue
        if not a.from_stats and not b.from_stats and len(a.samples) > 1 and len(b.samples) > 1:
            if ss.mannwhitneyu(a.samples, b.samples).pvalue >= 0.002:
                continue
        elif a.ci and b.ci and not (a.ci[1] < b.ci[0] or b.ci[1] < a.ci[0]):
            continue
        out.append(b.position)
    return out


def otava(s: Series) -> list[int]:
    from otava.analysis import compute_change_points
    pos, y = medians(s)
    cps, _ = compute_change_points(list(y), window_len=50, max_pvalue=0.001)
    out = []
    for c in cps:
        m1, m2 = c.stats.mean_1, c.stats.mean_2
        if m1 > 0 and m2 > 0 and abs(math.log(m2 / m1)) >= LOG_T:
            out.append(int(pos[c.index]))
    return out


def ruptures_pelt(s: Series) -> list[int]:
    import ruptures as rpt
    pos, y = medians(s)
    ly = np.log(y)
    if ly.size < 4:
        return []
    sigma = max(np.median(np.abs(np.diff(ly))) / (0.6745 * math.sqrt(2.0)), 1e-6)
    bkps = rpt.KernelCPD(kernel="linear", min_size=2).fit(ly).predict(
        pen=3.0 * sigma ** 2 * math.log(ly.size))
    bounds = [0, *(int(b) for b in bkps)]
    out = []
    for i in range(1, len(bounds) - 1):
        left = np.median(ly[bounds[i - 1]:bounds[i]])
        right = np.median(ly[bounds[i]:bounds[i + 1]])
        if abs(right - left) >= LOG_T:
            out.append(int(pos[bounds[i]]))
    return out


def guide_rule_fixed_baseline(s: Series) -> list[int]:
    pos, y = medians(s)
    return [int(p) for p, v in zip(pos[1:], y[1:]) if (v - y[0]) / y[0] > RISE]


def guide_rule_previous_commit(s: Series) -> list[int]:
    pos, y = medians(s)
    r = y[1:] / y[:-1]
    return [int(p) for p, q in zip(pos[1:], r) if abs(math.log(q)) > LOG_T]


#: Every peer of the main accuracy table (evaluation.detector), by its row name.
PEERS: dict[str, Peer] = {
    "asv step_detect": asv_step_detect,
    "asv compare rule": asv_compare_rule,
    "Otava (E-divisive)": otava,
    "ruptures PELT": ruptures_pelt,
    "seed 20% (fixed baseline)": guide_rule_fixed_baseline,
    "seed 20% (previous commit)": guide_rule_previous_commit,
}

#: The peers of the user-facing parts (evaluation.users, evaluation.shared).
USER_PEERS: dict[str, Peer] = {
    "asv step_detect": asv_step_detect,
    "Otava": otava,
}


def peer_flags(name: str, peer: Peer, series: Mapping[K, Series]
               ) -> tuple[dict[K, list[int]], float] | None:
    """A peer's flagged positions per series and its seconds, or None (with a
    note on stderr) when it is not installed."""
    t0 = time.perf_counter()
    try:
        return {k: peer(s) for k, s in series.items()}, time.perf_counter() - t0
    except ImportError as exc:          # Otava / ruptures: the eval extra
        print(f"{name}: skipped, not installed ({exc.name})", file=sys.stderr)
        return None
