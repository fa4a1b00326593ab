"""The newest build, judged even when the history is too short for its noise.

Commit-level tests need history: the segmentation wants ``2·m`` usable
commit levels (``m`` = ``min_segment``), the tail test ``m`` commits of the
old level. A series with fewer (few distinct builds in the range, a new
benchmark, a new environment) would leave its newest build unjudged, and
silence would read as "no change". Such a series' newest measured commit
``C`` is compared with ``P``, the last measured commit before it with
another build (``same_build``; without build identity, the previous
measured commit), by the two-sample rule of the gate
(:func:`.compare.compare_samples`): the samples of the two runs, one
Benjamini-Hochberg family over every such series of the run, the ratio at
the threshold. Samples of one run share that run's machine state, so the
within-run p-value overstates the evidence: such a finding rests on one
commit (``commits_after`` 1), is ``decided_by`` ``two-sample`` and stays
unconfirmed until re-measured (``run`` and the gate re-measure it).

What cannot be decided is said, not dropped (:func:`undecided`): a series
with one value per run (no samples) moved beyond the size guard, a two-sample
change beyond the threshold that is not significant, and a tail step of a
longer history beyond the threshold at its newest commits that the run's
family did not reject become ``inconclusive`` findings ("not enough
evidence"), which fail nothing and which ``run`` re-measures.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from ..model.config import DetectorConfig
from ..model.findings import Finding
from ..model.series import Series, SeriesKey
from .candidates import Candidate, ci_of
from .compare import clean, compare_samples, raw_finding
from .stats import bootstrap_ratio_ci, mann_whitney_p, median_ratio


def previous_build(series: Series, same_build: Mapping[str, str]) -> int | None:
    """Index of the last point before the newest whose build differs from
    the newest one's (None: every point has that build)."""
    commits = series.commits
    newest = same_build.get(commits[-1], commits[-1])
    for i in range(len(commits) - 2, -1, -1):
        if same_build.get(commits[i], commits[i]) != newest:
            return i
    return None


def newest_by_samples(short: list[Series], config: DetectorConfig,
                      same_build: Mapping[str, str]) -> list[Finding]:
    """The two-sample verdicts on the newest build of each of ``short``
    (series too short for the commit-level tests), one family."""
    pairs: dict[tuple[str, str], list[tuple[Series, int]]] = {}
    for s in short:
        p = previous_build(s, same_build)
        if p is not None:
            pairs.setdefault((s.commits[p], s.commits[-1]), []).append((s, p))
    family_before: dict[SeriesKey, list[float]] = {}
    family_after: dict[SeriesKey, list[float]] = {}
    units: dict[SeriesKey, str] = {}
    where: dict[SeriesKey, tuple[str, str]] = {}
    for (parent, commit), members in pairs.items():
        for s, p in members:
            family_before[s.key] = list(s.columns.samples[p]) or [float(s.medians[p])]
            family_after[s.key] = list(s.columns.samples[-1]) or [float(s.medians[-1])]
            units[s.key] = s.unit
            where[s.key] = (parent, commit)
    found = compare_samples(family_before, family_after, units, "", "", config).findings
    flagged = {f.key for f in found}
    out = [replace(f, previous_commit=where[f.key][0], commit=where[f.key][1],
                   evidence=f.evidence + _two_sample_note(f))
           for f in found]
    for key in family_before.keys() - flagged:
        b, a = clean(family_before[key]), clean(family_after[key])
        if b.size < 2 or a.size < 2:
            continue
        better = config.better_for(key.benchmark, units[key])
        if better == "higher":
            b, a = 1.0 / b, 1.0 / a
        ratio = median_ratio(b, a)
        t = config.threshold_for(key.benchmark)
        if math.isfinite(ratio) and abs(math.log(ratio)) >= math.log1p(t):
            ci = bootstrap_ratio_ci(b, a, level=config.ci_level, n=config.bootstrap,
                                    seed=config.seed)
            f = raw_finding("inconclusive", key, where[key][1], where[key][0], b, a, ratio, ci,
                            mann_whitney_p(b, a), units[key], better,
                            (f"x{ratio:.3f} between two runs, not significant against the "
                             "spread of their samples: not enough evidence",))
            out.append(f)
    return out


def _two_sample_note(f: Finding) -> tuple[str, ...]:
    if f.kind == "inconclusive":
        return ()
    return ("two-sample: the newest build's samples against the previous build's "
            "(one run each; unconfirmed until re-measured)",)


def undecided(candidates: list[Candidate], decided: set[int], config: DetectorConfig,
              shared: list[Finding]) -> list[Finding]:
    """Tail steps at the newest commits whose ratio is beyond the threshold
    but that the family did not reject (``decided``: ids of those that made
    a finding): ``inconclusive`` findings, not silence. A step at the commit
    of a shared shift of its machine and environment (``shared``: the
    environment and shift findings) is the shift's: its finding says so."""
    events = {(f.key.machine, f.key.env, f.commit) for f in shared}
    out = []
    for c in candidates:
        if c.tail is None or id(c) in decided or c.kind != "step":
            continue
        key = c.series.key
        if (key.machine, key.env, c.series.commits[c.at]) in events:
            continue
        t = config.threshold_for(c.series.key.benchmark)
        if not (c.ratio > 0 and abs(math.log(c.ratio)) >= math.log1p(t)):
            continue          # (judged against a shared shift: what is left beyond it)
        s = c.series
        better = config.better_for(s.key.benchmark, s.unit)
        factor = math.exp(c.shift)
        b, a = np.asarray(c.before), np.asarray(c.after) * factor
        lo, hi = ci_of(c, config)
        f = raw_finding("inconclusive", s.key, s.commits[c.at], s.commits[c.prev], b, a,
                        c.ratio * factor, (lo * factor, hi * factor), c.p_value, s.unit, better,
                        (f"a new level at the newest {c.commits_after} commit(s), x"
                         f"{c.ratio * factor:.3f}, not significant against the series' "
                         "commit-to-commit noise yet: not enough evidence",), False, "history")
        out.append(replace(f, commits_after=c.commits_after))
    return out


__all__ = ["newest_by_samples", "previous_build", "undecided"]
