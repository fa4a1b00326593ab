"""The detection rule: change points -> tests -> findings, across all series.

For each timing series, one level per commit (:func:`commit_levels`: the
20 %-trimmed geometric mean of the recorded samples, asv's median when only
stats were recorded) and ``y`` = its log (see ``changepoint``):

1. **Levels.** Binary segmentation gives every significant level change.
   Adjacent segments whose levels differ by less than the size guard
   (``|Δ log level| < log(1 + guard*t)``, guard = 3/4) are merged, smallest
   difference first, so noise-sized splits next to a real step do not shrink
   its test windows. A single-commit spike on either boundary commit of a
   remaining change point, lying above both levels, goes to the level that
   the run's own spike sizes make more likely (``spikes``: the spike-size
   intensity is learned over every series of the run, empirical Bayes);
   the fine segments of the drift scan below are left as found.
2. **Step test** at each remaining change point ``k``: the per-commit levels
   of up to ``window`` commits before ``k`` (back to the previous change
   point) against those from ``k`` on (up to the next one). The commits are
   the independent units: the raw samples of one run share that run's
   machine state, so pooling them would overstate significance. We compute
   the ratio of medians ``after / before``, the two-sided Mann-Whitney
   p-value, and a bootstrap interval of the ratio at ``ci_level``.
3. **Drift.** Between change points whose step test passes the size guard
   below (those are judged as steps), the
   segment levels are scanned from the oldest; when a segment's level is at
   least ``1 + t`` times the lowest level seen since the last reset, the two
   segments are tested the same way and the scan restarts there.
4. **False discovery control.** The p-values of every candidate of the run
   whose size could be accepted by the verdict below (every series, steps
   and drifts) go through Benjamini-Hochberg at ``alpha``. Small but real
   level shifts are left out of the family on purpose: they are true
   "changes", and letting them in would make BH lenient towards the
   threshold-sized changes that noise produces, which are what we must not
   report.
5. **Verdict.** A step is a *regression* when BH rejects it, the ratio is at
   least ``1 + guard*t`` and its interval reaches ``1 + t`` (the data are
   consistent with a change of at least the threshold); an *improvement*
   mirrors it in log space (ratio at most ``1/(1 + guard*t)``, interval down to
   ``1/(1 + t)``). A drift is reported when BH rejects it and its ratio is
   at least ``1 + t``.

Instruction-count series (``track_*_instructions``) are deterministic: every
change is exact, the ratio is the count ratio, a step of at least ``t`` is
flagged with ``p_value = 0`` and a zero-width interval, a creep of at least
``t`` since the last flagged change is a drift. A time finding and an
instruction change at the same commit of the companion benchmark
(``time_x`` / ``track_x_instructions``) corroborate each other in
``Finding.evidence``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .changepoint import commit_levels, exact_changes, log_levels, segment_with_p
from .compare import guard_passed, step_kind
from .config import DetectorConfig
from .findings import Finding, Kind, Report
from .series import Series, SeriesKey
from .spikes import SpikeSizes, boundary_spikes_placed, spike_sample
from .stats import benjamini_hochberg, bootstrap_ratio_ci, mann_whitney_p


@dataclass
class Candidate:
    """One tested change of one series (a step or a drift)."""

    series: Series
    kind: str                 # "step" or "drift"
    at: int                   # index into the series' points of the first changed commit
    prev: int                 # index into the series' points of the last commit before it
    before: np.ndarray        # per-commit levels before
    after: np.ndarray         # per-commit levels after
    ratio: float
    p_value: float


def merged_change_points(y: np.ndarray, cps: list[int], min_log: float) -> list[int]:
    """Drop change points whose level difference is below ``min_log``."""
    out = list(cps)
    while out:
        bounds = [0, *out, y.size]
        levels = [float(np.median(y[a:b])) for a, b in zip(bounds[:-1], bounds[1:])]
        diffs = np.abs(np.diff(levels))
        i = int(np.argmin(diffs))
        if diffs[i] >= min_log:
            break
        del out[i]
    return out


def step_candidates(series: Series, idx: np.ndarray, y: np.ndarray, split: dict[int, float],
                    config: DetectorConfig,
                    medians: np.ndarray | None = None,
                    sizes: SpikeSizes | None = None) -> list[Candidate]:
    """Step tests at the merged change points, then drift scans between them.

    ``split`` maps each change point to its segmentation p-value (adjusted
    for the search); a step's p-value is the larger of that and the window
    test's, since the window test alone ignores that the position was chosen
    to separate the two sides best. With the run's spike sizes, a spike on
    either boundary commit of a merged change point goes to the level the
    sizes make more likely (``spikes.boundary_spikes_placed``)."""
    t = config.threshold_for(series.key.benchmark)
    fine = sorted(split)
    merged = merged_change_points(y, fine, math.log1p(config.guard * t))
    big = merged
    if sizes is not None and merged:
        big = boundary_spikes_placed(y, merged, sizes, config.min_segment)
        split = {**split, **{k: split[m] for k, m in zip(big, merged)}}
    values = np.exp(y) if medians is None else medians[idx]
    out: list[Candidate] = []
    bounds = [0, *big, y.size]
    for j, k in enumerate(big):
        lo = max(bounds[j], k - config.window)
        hi = min(bounds[j + 2], k + config.window)
        before, after = values[lo:k], values[k:hi]
        ratio = float(np.median(after) / np.median(before))
        out.append(Candidate(series, "step", int(idx[k]), int(idx[k - 1]), before, after, ratio,
                             max(mann_whitney_p(before, after), split[k])))
    # drift scans run between the change points whose step is big enough to
    # be judged as a step (the verdict's guard)
    guard = math.log1p(config.guard * t)
    resets = [0, *[k for k, c in zip(big, out) if abs(math.log(c.ratio)) >= guard], y.size]
    out.extend(drift_candidates(series, idx, y, fine, resets, t, config, values))
    return out


def drift_candidates(series: Series, idx: np.ndarray, y: np.ndarray, fine: list[int],
                     resets: list[int], t: float, config: DetectorConfig,
                     values: np.ndarray) -> list[Candidate]:
    """Creeping levels: fine segments that rose by >= t over the lowest earlier one."""
    out: list[Candidate] = []
    need = math.log1p(t)
    for a, b in zip(resets[:-1], resets[1:]):
        inner = [k for k in fine if a < k < b]
        seg_bounds = [a, *inner, b]
        segs = list(zip(seg_bounds[:-1], seg_bounds[1:]))
        if len(segs) < 2:
            continue
        levels = [float(np.median(y[s:e])) for s, e in segs]
        base = 0
        for j in range(1, len(segs)):
            if levels[j] < levels[base]:
                base = j
            elif levels[j] - levels[base] >= need:
                s0, e0 = segs[base]
                s1, e1 = segs[j]
                before = values[max(s0, e0 - config.window):e0]
                after = values[s1:min(e1, s1 + config.window)]
                ratio = float(np.median(after) / np.median(before))
                out.append(Candidate(series, "drift", int(idx[s1]), int(idx[s1 - 1]), before, after, ratio,
                                     mann_whitney_p(before, after)))
                base = j
    return out


def sized(c: Candidate, config: DetectorConfig) -> bool:
    """Is the candidate's size one the verdict could accept?"""
    t = config.threshold_for(c.series.key.benchmark)
    if c.kind == "drift":
        return c.ratio >= 1.0 + t
    return guard_passed(c.ratio, t, config.guard)


def verdict(c: Candidate, config: DetectorConfig) -> tuple[Kind, tuple[float, float]] | None:
    """The finding kind and interval of a BH-rejected candidate, or None."""
    t = config.threshold_for(c.series.key.benchmark)
    if c.kind == "drift":
        if c.ratio < 1.0 + t:
            return None
        return "drift", ci_of(c, config)
    if not guard_passed(c.ratio, t, config.guard):
        return None
    ci = ci_of(c, config)
    kind = step_kind(c.ratio, ci, t, config.guard)
    return None if kind is None else (kind, ci)


def ci_of(c: Candidate, config: DetectorConfig) -> tuple[float, float]:
    return bootstrap_ratio_ci(c.before, c.after, level=config.ci_level, n=config.bootstrap,
                              seed=config.seed)


def instruction_findings(series: Series, config: DetectorConfig) -> list[Finding]:
    """Exact rule for deterministic instruction counts."""
    t = config.threshold_for(series.key.benchmark)
    v = np.asarray(series.medians, dtype=float)
    commits = series.commits
    out: list[Finding] = []
    base = v[0] if v.size else math.nan
    for k in exact_changes(v):
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
            out.append(Finding(kind, series.key, commits[k], commits[k - 1], before,
                               float(v[k]), ratio, (ratio, ratio), 0.0, series.unit))
            base = v[k]
        elif v[k] < base:
            base = v[k]
    return out


def companion(key: SeriesKey) -> SeriesKey | None:
    """``time_x`` <-> ``track_x_instructions`` of the same class and params."""
    head, _, method = key.benchmark.rpartition(".")
    prefix = f"{head}." if head else ""
    if method.startswith("time_"):
        name = f"track_{method[5:]}_instructions"
    elif key.is_instruction_count:
        name = f"time_{method[6:-len('_instructions')]}"
    else:
        return None
    return SeriesKey(key.machine, key.env, prefix + name, key.params)


def add_evidence(findings: list[Finding], series_list: list[Series]) -> list[Finding]:
    """Attach instruction-count (or timing) changes at the same commit."""
    by_key = {s.key: s for s in series_list}
    flagged = {(f.key, f.commit): f for f in findings}
    out = []
    for f in findings:
        other_key = companion(f.key)
        other = by_key.get(other_key) if other_key else None
        if other is None:
            out.append(f)
            continue
        evidence = list(f.evidence)
        if f.key.is_instruction_count:
            twin = flagged.get((other.key, f.commit))
            if twin is not None:
                evidence.append(f"{other.key.benchmark} x{twin.ratio:.3f} at the same commit")
        else:
            pos = {c: i for i, c in enumerate(other.commits)}
            i = pos.get(f.commit)
            meds = other.medians
            if i is not None and i > 0 and meds[i - 1] > 0:
                r = float(meds[i] / meds[i - 1])
                evidence.append(f"{other.key.benchmark} x{r:.3f} at the same commit"
                                if r != 1.0 else
                                f"{other.key.benchmark} unchanged at this commit")
        out.append(Finding(f.kind, f.key, f.commit, f.previous_commit, f.before, f.after,
                           f.ratio, f.ci, f.p_value, f.unit, tuple(evidence)))
    return out


def detect(series_list: list[Series], config: DetectorConfig | None = None) -> Report:
    """Findings over every series, with FDR control across all of them."""
    config = config or DetectorConfig()
    findings: list[Finding] = []
    candidates: list[Candidate] = []
    segmented: list[tuple[Series, np.ndarray, np.ndarray, dict[int, float], np.ndarray]] = []
    for s in series_list:
        if len(s) < 2:
            continue
        if s.key.is_instruction_count:
            findings.extend(instruction_findings(s, config))
            continue
        medians = commit_levels(s)
        idx, y = log_levels(medians)
        if y.size < 2 * config.min_segment:
            continue
        split = dict(segment_with_p(y, min_segment=config.min_segment,
                                    split_alpha=config.split_alpha))
        segmented.append((s, idx, y, split, medians))
    # the run's spike sizes decide which level a spike at a change point belongs to
    sizes = SpikeSizes.learn([spike_sample(y, sorted(split)) for _, _, y, split, _ in segmented])
    for s, idx, y, split, medians in segmented:
        candidates.extend(step_candidates(s, idx, y, split, config, medians, sizes))
    # only changes of the size that matters are hypotheses of this run
    candidates = [c for c in candidates if sized(c, config)]
    rejected = benjamini_hochberg([c.p_value for c in candidates], config.alpha)
    for c, ok in zip(candidates, rejected):
        if not ok:
            continue
        decided = verdict(c, config)
        if decided is None:
            continue
        kind, ci = decided
        commits = c.series.commits
        findings.append(Finding(kind, c.series.key, commits[c.at], commits[c.prev],
                                float(np.median(c.before)), float(np.median(c.after)),
                                c.ratio, ci, c.p_value, c.series.unit))
    findings = add_evidence(findings, series_list)
    findings.sort(key=lambda f: (f.key, f.commit))
    return Report(config.threshold, config.alpha, len(series_list), findings)
