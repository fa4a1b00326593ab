"""Short histories, judged build by build by the two-sample rule.

Commit-level tests need history: the segmentation wants ``2·m`` usable
commit levels (``m`` = ``min_segment``), the tail test ``m`` commits of the
old level. A series with fewer (few distinct builds in the range, a new
benchmark, a new environment) would leave its changes unjudged, and silence
would read as "no change". In such a series every build change is judged
(:func:`build_changes`): the first measured commit ``C`` of each build
against ``P``, the last measured commit of the build before it, and the
newest build's newest commit against :func:`previous_build` (the last
measured commit with another build; without build identity, every commit is
its own build). A change at the second of four builds is found as surely
as one at the newest. The rule is the gate's
(:func:`.compare.judge_pairs`): the samples of the two runs, one
Benjamini-Hochberg family over every such pair of the run, the ratio at the
threshold. Samples of one run share that run's machine state, so the
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
from ..model.series import Series
from .candidates import Candidate, ci_of
from .compare import Pair, judge_pairs, raw_finding
from .stats import bootstrap_ratio_ci


def previous_build(series: Series, same_build: Mapping[str, str]) -> int | None:
    """Index of the last point before the newest whose build differs from
    the newest one's (None: every point has that build)."""
    commits = series.commits
    newest = same_build.get(commits[-1], commits[-1])
    for i in range(len(commits) - 2, -1, -1):
        if same_build.get(commits[i], commits[i]) != newest:
            return i
    return None


def build_changes(series: Series, same_build: Mapping[str, str]) -> list[tuple[int, int]]:
    """``(P, C)`` index pairs of every build change of ``series``: each first
    point of a build with the point before it (the last of the previous
    build); for the newest build, its newest point with
    :func:`previous_build`."""
    commits = series.commits
    build = [same_build.get(c, c) for c in commits]
    out = [(i - 1, i) for i in range(1, len(commits)) if build[i] != build[i - 1]]
    last = previous_build(series, same_build)
    if last is not None:
        out = [(p, c) for p, c in out if p < last] + [(last, len(commits) - 1)]
    return out


def newest_by_samples(short: list[Series], config: DetectorConfig,
                      same_build: Mapping[str, str]) -> list[Finding]:
    """The two-sample verdicts on every build change of each of ``short``
    (series too short for the commit-level tests), one family."""
    pairs = [Pair(s.key, list(s.columns.samples[p]) or [float(s.medians[p])],
                  list(s.columns.samples[c]) or [float(s.medians[c])], s.unit,
                  s.commits[p], s.commits[c])
             for s in short for p, c in build_changes(s, same_build)]
    found, _, unsettled = judge_pairs(pairs, config)
    out = [replace(f, evidence=f.evidence + _two_sample_note(f)) for f in found]
    for pair, b, a, ratio, p in unsettled:        # in badness terms
        if abs(math.log(ratio)) < math.log1p(config.threshold_for(pair.key.benchmark)):
            continue
        ci = bootstrap_ratio_ci(b, a, level=config.ci_level, n=config.bootstrap, seed=config.seed)
        out.append(raw_finding("inconclusive", pair.key, pair.commit_after, pair.commit_before,
                               b, a, ratio, ci, p, pair.unit,
                               config.better_for(pair.key.benchmark, pair.unit),
                               (f"x{ratio:.3f} between two runs, not significant against the "
                                "spread of their samples: not enough evidence",)))
    return out


def _two_sample_note(f: Finding) -> tuple[str, ...]:
    if f.kind == "inconclusive":
        return ()
    return ("two-sample: this build's samples against the previous build's "
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


__all__ = ["build_changes", "newest_by_samples", "previous_build", "undecided"]
