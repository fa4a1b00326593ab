"""The detection rule: change points -> tests -> findings, across all series.

For each timing series, one level per commit (:func:`commit_levels`: the
20 %-trimmed geometric mean of the recorded samples, asv's median when only
stats were recorded) and ``y`` = its log in *badness* terms (negated when
higher is better, :mod:`.direction`), so that one rule serves times and
throughputs alike:

1. **Levels.** Binary segmentation gives every significant level change.
   Adjacent segments whose levels differ by less than the size guard
   (``|Δ y| < log(1 + guard*t)``, guard = 3/4) are merged, smallest
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
3. **The newest commits** (:mod:`.tail`): after the last change point, a
   new level in the last ``tail_reach`` commits is tested against the old
   level with the series' own commit-to-commit noise, so a step is reported
   one commit after it lands (``commits_after`` = 1, unconfirmed).
4. **Drift.** Between change points whose step test passes the size guard
   (those are judged as steps), the segment levels are scanned from the
   oldest; when a segment's level is at least ``1 + t`` times the lowest
   level seen since the last reset among the segments that end at most
   ``drift_horizon`` commits before it, the two segments are tested the same
   way and the scan restarts there. (A creep slower than the horizon has no
   commit to blame: where it crosses the threshold depends on how far back
   the scan happens to start.)
5. **Shared shifts** (:mod:`.environment`, :mod:`.shared`): per machine and
   environment, a change many series make at the same commit(s) is one
   ``environment`` finding; the series that moved with it are judged against
   the shared shift.
6. **False discovery control.** The p-values of every candidate of the run
   whose size could be accepted by the verdict below (every series, steps,
   tail steps and drifts) go through Benjamini-Hochberg at ``alpha``. Small
   but real level shifts are left out of the family on purpose: they are
   true "changes", and letting them in would make BH lenient towards the
   threshold-sized changes that noise produces, which are what we must not
   report.
7. **Verdict.** A step is a *regression* when BH rejects it, the ratio is at
   least ``1 + guard*t`` and its interval reaches ``1 + t`` (the data are
   consistent with a change of at least the threshold); an *improvement*
   mirrors it in log space (ratio at most ``1/(1 + guard*t)``, interval down to
   ``1/(1 + t)``). A drift is reported when BH rejects it and its ratio is
   at least ``1 + t``.
8. **Same build.** With ``same_build`` (commit -> the commit whose build it
   shares, from git: :func:`.history.same_build`), a change between two
   measurements of one build is not the code's: it is left to the
   environment analysis, and a change first seen at a same-build commit
   belongs to the commit that changed the build.

Instruction counts are exact (:mod:`.exact_counts`); a timing finding that the
companion count backs is ``confirmed``.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from ..model.config import DetectorConfig
from ..model.direction import sign
from ..model.findings import Finding, Report, SeriesAnalysis, finding_order
from ..model.series import Series
from .candidates import Candidate, sized, step_candidates, verdict
from .changepoint import commit_levels, log_levels, segment_with_p
from .environment import FileMeta, Prepared, apply_events
from .exact_counts import add_evidence, instruction_findings
from .fixes import mark_fixed
from .newest import newest_by_samples, undecided
from .spikes import SpikeSizes, spike_sample
from .stats import benjamini_hochberg

__all__ = ["detect", "Candidate"]


def finding_of(c: Candidate, kind: str, ci: tuple[float, float], better: str,
               joined: tuple | None) -> Finding:
    """The finding of a candidate, in the series' own unit and direction."""
    commits = c.series.commits
    factor = math.exp(c.shift)
    before, after = float(np.median(c.before)), float(np.median(c.after)) * factor
    ratio, lo, hi = c.ratio * factor, ci[0] * factor, ci[1] * factor
    shared = factor if c.shift else None
    if better == "higher":                       # back from badness to the unit
        before, after, ratio, lo, hi = 1 / before, 1 / after, 1 / ratio, 1 / hi, 1 / lo
        shared = None if shared is None else 1 / shared
    evidence: tuple[str, ...] = ()
    if joined is not None:
        event, _ = joined
        evidence = (f"moved with {event.moved} of {event.series_measured} series of this "
                    f"machine (shared x{shared:.3f}); x{c.ratio:.3f} beyond it",)
    return Finding(kind, c.series.key, commits[c.at], commits[c.prev], before, after, ratio,
                   (lo, hi), c.p_value, c.series.unit, evidence, better, c.commits_after,
                   False, shared)


def same_build_commit(f: Finding, same_build: Mapping[str, str], exact: bool) -> Finding | None:
    """``f`` moved to the commit that changed the build, or None when its
    commit and the previous measured one share one build."""
    if f.is_environment or exact:
        return f
    here, there = same_build.get(f.commit, f.commit), same_build.get(f.previous_commit,
                                                                     f.previous_commit)
    if here == there:
        return None
    if here != f.commit:
        return replace(f, commit=here, evidence=f.evidence + (
            f"first measured at {f.commit[:10]}, which has the build of {here[:10]}",))
    return f


def detect(series_list: list[Series], config: DetectorConfig | None = None, *,
           metadata: Mapping[tuple[str, str, str], FileMeta] | None = None,
           same_build: Mapping[str, str] | None = None) -> Report:
    """Findings over every series, with FDR control across all of them."""
    config = config or DetectorConfig()
    findings: list[Finding] = []
    analyses: dict = {}
    segmented: list[tuple[Series, np.ndarray, np.ndarray, dict[int, float], np.ndarray]] = []
    short: list[Series] = []            # too few commit levels for the commit-level tests
    for s in series_list:
        if len(s) < 2:
            continue
        better = config.better_for(s.key.benchmark, s.unit)
        if config.profile.is_exact(s.key):
            findings.extend(instruction_findings(s, config))
            analyses[s.key] = SeriesAnalysis(s.key, better, np.asarray(s.medians, dtype=float), [],
                                             config.threshold_for(s.key.benchmark))
            continue
        levels = commit_levels(s, config.level_trim)
        idx, y = log_levels(levels)
        y = sign(better) * y
        analyses[s.key] = SeriesAnalysis(s.key, better, levels, [],
                                         config.threshold_for(s.key.benchmark))
        if y.size < 2 * config.min_segment:
            short.append(s)
            continue
        split = dict(segment_with_p(y, config))
        segmented.append((s, idx, y, split, levels))
    # the run's spike sizes decide which level a spike at a change point belongs to
    sizes = SpikeSizes.learn([spike_sample(y, sorted(split), config.spike_sds)
                             for _, idx, y, split, _ in segmented], config.min_spikes)
    prepared: list[Prepared] = []
    for s, idx, y, split, levels in segmented:
        bad = levels[idx] if analyses[s.key].better == "lower" else 1.0 / levels[idx]
        cands, cps = step_candidates(s, idx, y, split, config, sizes, bad)
        prepared.append(Prepared(s, idx, y, cps, cands))
        analyses[s.key].change_points = [int(idx[k]) for k in cps]
    candidates, environment, joined = apply_events(prepared, series_list, config, metadata,
                                                   same_build)
    # only changes of the size that matters are hypotheses of this run
    candidates = [c for c in candidates if sized(c, config)]
    rejected = benjamini_hochberg([c.p_value for c in candidates], config.alpha)
    made: set[int] = set()
    for c, ok in zip(candidates, rejected):
        if not ok:
            continue
        decided = verdict(c, config)
        if decided is None:
            continue
        made.add(id(c))
        kind, ci = decided
        f = finding_of(c, kind, ci, analyses[c.series.key].better, joined.get(id(c)))
        if c.tail is not None:
            analyses[c.series.key].change_points.append(c.at)
        findings.append(f)
    findings.extend(undecided(candidates, made, config, environment))
    findings.extend(newest_by_samples(short, config, same_build or {}))
    findings = add_evidence(findings, series_list, config)
    if same_build:
        findings = [g for f in findings if (g := same_build_commit(f, same_build, config.profile.is_exact(f.key))) is not None]
    findings.extend(environment)
    position = {c: int(p) for s in series_list
                for c, p in zip(s.commits, s.columns.positions.tolist())}
    findings.sort(key=lambda f: (f.key.machine, position.get(f.commit, -1), f.commit,
                                 finding_order(f), f.key))
    commits = {s.key: s.commits for s in series_list if s.key in analyses}
    findings = mark_fixed(findings, analyses, commits, position, config)
    for i, f in enumerate(findings):
        if f.key in analyses:
            analyses[f.key].findings.append(i)
    for a in analyses.values():
        a.change_points = sorted(set(a.change_points))
    return Report(config.threshold, config.alpha, len(series_list), findings, analyses, commits,
                  position)
