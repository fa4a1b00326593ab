"""Two sets of samples side by side with the detector's rule.

Used by ``compare REV_A REV_B``, by ``baseline check`` and by the PR gate.
Per key present on both sides: the ratio of medians ``after / before``, the
two-sided Mann-Whitney p-value of the two sample sets (Benjamini-Hochberg
at ``alpha`` across the keys whose ratio passes the size guard, as in
:mod:`.detect`) and a bootstrap interval of the ratio. A
*regression* needs BH rejection and a ratio of at least ``1 + t``: the
size guard ``1 + guard*t`` (``guard`` = 3/4 by default) only admits a key
to the family, so that no finding is below its threshold; an *improvement*
mirrors it in log space (see :mod:`.detect`). Instruction counts are exact:
ratio >= ``1 + t`` (or <= ``1/(1 + t)``) is flagged with ``p_value = 0``. A
key with fewer than two values on a side (asv recorded one value per run,
no samples) cannot be tested: a ratio beyond the size guard makes it an
``inconclusive`` finding that says so in ``evidence``, never a regression
or an improvement by its ratio alone (re-measuring it over interleaved
rounds gives values to test). A series where higher is better
(:mod:`.direction`) is judged on the reciprocals, and reported in its own
terms.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..model.config import DetectorConfig
from ..model.findings import Finding, Kind, Report
from ..model.series import SeriesKey
from ..io.baseline import BaselineError, load_baseline
from ..io.results import ResultSet
from .stats import benjamini_hochberg, bootstrap_ratio_ci, mann_whitney_p, median_ratio

UNTESTED = ("one value per run on a side: no two-sample test possible, not a verdict "
            "(re-measure over interleaved rounds to test it)")


def guard_passed(ratio: float, threshold: float, guard: float) -> bool:
    """Is the point estimate at least ``1 + guard*t`` (or at most its reciprocal)?"""
    return ratio > 0 and abs(math.log(ratio)) >= math.log1p(guard * threshold)


def step_kind(ratio: float, ci: tuple[float, float], threshold: float,
              guard: float) -> Kind | None:
    """regression / improvement / None for a significant change of ``ratio``:
    the point estimate at the threshold (no finding below it), the interval
    reaching it (always so then; kept for an interval from another model)."""
    up, down = 1.0 + threshold, 1.0 / (1.0 + threshold)
    if ratio >= up and ci[1] >= up:
        return "regression"
    if ratio <= down and ci[0] <= down:
        return "improvement"
    return None


def exact_kind(ratio: float, threshold: float) -> Kind | None:
    if ratio >= 1.0 + threshold:
        return "regression"
    if ratio <= 1.0 / (1.0 + threshold):
        return "improvement"
    return None


def clean(values: list[float]) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    return arr[np.isfinite(arr) & (arr > 0)]


def raw_finding(kind: Kind, key: SeriesKey, commit: str, previous: str, b: np.ndarray,
                a: np.ndarray, ratio: float, ci: tuple[float, float], p: float, unit: str,
                better: str, evidence: tuple[str, ...] = (), exact: bool = False,
                decided_by: str = "two-sample") -> Finding:
    """A finding judged in badness terms, reported in the unit's own terms."""
    before, after = float(np.median(b)), float(np.median(a))
    if better == "higher":
        before, after, ratio, ci = 1 / before, 1 / after, 1 / ratio, (1 / ci[1], 1 / ci[0])
    return Finding(kind, key, commit, previous, before, after, ratio, ci, p, unit, evidence,
                   better, 1, exact, decided_by=decided_by)


@dataclass(frozen=True)
class Pair:
    """One series' samples at two commits, a hypothesis of the two-sample rule."""

    key: SeriesKey
    before: list[float]
    after: list[float]
    unit: str
    commit_before: str
    commit_after: str


#: A tested pair in badness terms: the pair, its cleaned samples before and
#: after, the ratio of medians and the Mann-Whitney p-value.
Tested = tuple[Pair, np.ndarray, np.ndarray, float, float]


def judge_pairs(pairs: list[Pair], config: DetectorConfig
                ) -> tuple[list[Finding], int, list[Tested]]:
    """The findings of ``pairs`` under the two-sample rule (see the module
    docstring), one Benjamini-Hochberg family over all of them; how many
    pairs had values on both sides; and the tested pairs (sized, samples on
    both sides) that made no finding. A series may appear in several pairs
    (at different commits)."""
    findings: list[Finding] = []
    tested: list[Tested] = []
    unsettled: list[Tested] = []
    checked = 0
    for pair in pairs:
        key, unit = pair.key, pair.unit
        b, a = clean(pair.before), clean(pair.after)
        if b.size == 0 or a.size == 0:
            continue
        checked += 1
        t = config.threshold_for(key.benchmark)
        better = config.better_for(key.benchmark, unit)
        if better == "higher":                  # judged in badness terms (direction)
            b, a = 1.0 / b, 1.0 / a
        ratio = median_ratio(b, a)
        where = (pair.commit_after, pair.commit_before)
        if config.profile.is_exact(key):
            kind = exact_kind(ratio, t)
            if kind is not None:
                findings.append(raw_finding(kind, key, *where, b, a, ratio, (ratio, ratio), 0.0,
                                            unit, better, (), True, "exact counts"))
            continue
        if min(a.size, b.size) < 2:
            if guard_passed(ratio, t, config.guard):
                findings.append(raw_finding("inconclusive", key, *where, b, a, ratio,
                                            (math.nan, math.nan), math.nan, unit, better,
                                            (UNTESTED,)))
            continue
        if guard_passed(ratio, t, config.guard):     # only sized changes are hypotheses
            tested.append((pair, b, a, ratio, mann_whitney_p(b, a)))
    rejected = benjamini_hochberg([p for *_, p in tested], config.alpha)
    for item, ok in zip(tested, rejected):
        pair, b, a, ratio, p = item
        kind = None
        if ok:
            t = config.threshold_for(pair.key.benchmark)
            ci = bootstrap_ratio_ci(b, a, level=config.ci_level, n=config.bootstrap,
                                    seed=config.seed)
            kind = step_kind(ratio, ci, t, config.guard)
        if kind is None:
            unsettled.append(item)
            continue
        findings.append(raw_finding(kind, pair.key, pair.commit_after, pair.commit_before,
                                    b, a, ratio, ci, p,
                                    pair.unit, config.better_for(pair.key.benchmark, pair.unit)))
    return findings, checked, unsettled


def compare_samples(before: dict[SeriesKey, list[float]], after: dict[SeriesKey, list[float]],
                    units: dict[SeriesKey, str], commit_before: str, commit_after: str,
                    config: DetectorConfig | None = None) -> Report:
    """Findings for every key measured on both sides."""
    config = config or DetectorConfig()
    pairs = [Pair(key, before[key], after[key], units.get(key, "unit"), commit_before,
                  commit_after) for key in sorted(before.keys() & after.keys())]
    findings, checked, _ = judge_pairs(pairs, config)
    findings.sort(key=lambda f: f.key)
    return Report(config.threshold, config.alpha, checked, findings)


def check_against_baselines(result_set: ResultSet, commit: str, directory: Path,
                            config: DetectorConfig) -> Report:
    """``commit``'s results on every machine with a baseline, against it."""
    current = result_set.at_commit(commit)
    machines = sorted({m.key.machine for m in current})
    if not machines:
        raise BaselineError(f"{result_set.root}: no results for commit {commit}")
    before: dict[SeriesKey, list[float]] = {}
    after: dict[SeriesKey, list[float]] = {}
    units: dict[SeriesKey, str] = {}
    baseline_commits = set()
    for machine in machines:
        base = load_baseline(Path(directory) / f"{machine}.json")
        baseline_commits.add(base.commit)
        before.update(base.samples)
        units.update(base.units)
    for m in current:
        after[m.key] = m.values
        units.setdefault(m.key, result_set.unit_of(m.key.benchmark))
    label = baseline_commits.pop() if len(baseline_commits) == 1 else "baseline"
    return compare_samples(before, after, units, label, commit, config)
