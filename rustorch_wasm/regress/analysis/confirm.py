"""Confirmation by re-measurement: one machinery for ``run`` and the PR gate.

A *suspect* is a change of one series, a regression or an improvement, at a
culprit commit ``C`` against its parent (the last commit before it) ``P``
that rests on timings alone. Before it counts it gets a verdict, in the
spirit of Chromium Pinpoint's same / different / unknown. Everything below
is in *badness* terms (the ratio inverted when higher is better), so one
rule serves both directions and every unit; ``t`` is the benchmark's
threshold and ``g`` the size guard (:class:`~..model.config.DetectorConfig`).

**Backed by exact counts.** With ``I_P`` and ``I_C`` the companion exact
counts (``track_*_instructions``), the suspect is *confirmed* without
re-measurement when the count moved its way by at least half the size guard
(:func:`.exact_counts.count_backs`): the code now does different work.

**Re-measured.** Otherwise the runner measures only the suspects'
benchmarks at ``P`` and ``C`` *interleaved*: ``R_look`` rounds per look,
each round measuring both commits, the order alternating (P C, C P, ...)
as ``asv run --interleave-rounds`` does, so a slow stretch of the host
weighs on both sides alike. After each look, with ``A`` and ``B`` all
samples so far of ``P`` and ``C`` (the looks pooled):

* ``r = median(B) / median(A)``, ``p`` the two-sided Mann-Whitney p-value
  of ``A`` against ``B``, ``[lo, hi]`` the bootstrap interval of ``r`` at
  the detector's ``ci_level``;
* **confirmed** when the detector's two-sample rule finds the same kind of
  change (:func:`.compare.compare_samples`: Benjamini-Hochberg over the
  look's suspects at ``alpha_look``, ``r`` beyond ``1 + g*t`` and the
  interval reaching ``1 + t``; mirrored for an improvement);
* **refuted** when the interval rules out a change of the threshold's size
  in the suspect's direction (``hi < 1 + t`` for a regression, ``lo > 1 /
  (1 + t)`` for an improvement): the first measurement was noise, or a
  change too small to report;
* **inconclusive** otherwise: another look, until ``rounds >=
  confirm_max_rounds``; then it is reported as inconclusive.

The bound: ``looks = ceil(confirm_max_rounds / confirm_rounds_per_look)``
(default 12 / 4, so 3 looks), and every look tests at ``alpha_look = alpha
/ looks`` (Bonferroni over the looks), so testing again after more rounds
does not raise the chance of confirming noise above ``alpha``. A suspect
whose re-run measured nothing (the benchmark failed or was not selected)
is inconclusive at once, and so are all suspects of a commit pair whose
runner raised :class:`RemeasureError`; one with fewer than
``confirm_min_samples`` values a side (a ``track_`` benchmark gives one a
round) waits for the next look. What a verdict does to a finding is
the policy's (:mod:`.policy`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Literal, Protocol, Sequence

import numpy as np

from ..model.config import DetectorConfig
from ..model.series import SeriesKey
from .compare import clean, compare_samples
from .exact_counts import count_backs
from .stats import bootstrap_ratio_ci, mann_whitney_p

Verdict = Literal["confirmed", "refuted", "inconclusive"]
VERDICTS: tuple[Verdict, ...] = ("confirmed", "refuted", "inconclusive")
#: Re-measured samples per key: (samples at the parent, samples at the culprit).
Samples = dict[SeriesKey, tuple[list[float], list[float]]]


class RemeasureError(Exception):
    """The runner could not re-measure a commit pair (one line)."""


class Runner(Protocol):
    def __call__(self, parent: str, commit: str, keys: Sequence[SeriesKey],
                 rounds: int) -> Samples:
        """Measure ``keys`` at ``parent`` and ``commit`` in ``rounds`` interleaved rounds."""


@dataclass(frozen=True)
class Suspect:
    """A timing-only change to confirm: its series, culprit and parent commit."""

    key: SeriesKey
    commit: str
    parent: str
    unit: str = "seconds"
    instructions: tuple[float, float] | None = None  # companion count at (parent, commit)
    better: str = "lower"             # which way is better for the series
    worse: bool = True                # a regression (False: an improvement)

    @property
    def kind(self) -> str:
        return "regression" if self.worse else "improvement"


@dataclass(frozen=True)
class Confirmation:
    """The verdict on one suspect and the evidence for it."""

    suspect: Suspect
    verdict: Verdict
    ratio: float                      # re-measured (or count) ratio culprit / parent, in the unit
    ci: tuple[float, float]
    p_value: float                    # raw Mann-Whitney p; 0.0 when backed by exact counts
    rounds: int                       # interleaved rounds used (0: not re-measured)
    samples: tuple[int, int] = (0, 0)  # re-measured samples at (parent, culprit)
    reason: str = ""

    @property
    def by_counts(self) -> bool:
        """Confirmed by the companion exact count, without re-measuring."""
        return self.verdict == "confirmed" and self.rounds == 0

    @property
    def evidence(self) -> str:
        """One line for reports."""
        if self.rounds == 0:
            return self.reason
        p = f"{self.p_value:.2g}" if math.isfinite(self.p_value) else "n/a"
        ratio = f"x{self.ratio:.3f}" if math.isfinite(self.ratio) else "no ratio"
        return (f"{self.verdict} by re-measurement: {ratio}, p={p}, {self.rounds} interleaved "
                f"rounds ({self.samples[0]}+{self.samples[1]} samples)"
                + (f"; {self.reason}" if self.reason else ""))

    def to_json(self) -> dict[str, Any]:
        c = self.suspect
        return {"benchmark": c.key.benchmark, "params": c.key.params_dict,
                "machine": c.key.machine, "env": c.key.env, "commit": c.commit,
                "previous_commit": c.parent, "kind": c.kind, "verdict": self.verdict,
                "ratio": _finite(self.ratio), "ci": [_finite(self.ci[0]), _finite(self.ci[1])],
                "p_value": _finite(self.p_value), "rounds": self.rounds,
                "samples": list(self.samples), "reason": self.reason,
                "instructions": list(c.instructions) if c.instructions else None}


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def instruction_ratio(suspect: Suspect) -> float | None:
    counts = suspect.instructions
    if counts is None or not counts[0] > 0 or not math.isfinite(counts[1]):
        return None
    return counts[1] / counts[0]


def instruction_backed(suspect: Suspect, config: DetectorConfig) -> bool:
    """Did the companion count move the suspect's way by enough (:func:`.exact_counts.count_backs`)?"""
    return count_backs(instruction_ratio(suspect), 1.0 if suspect.worse else -1.0,
                       suspect.key.benchmark, config)


def looks(config: DetectorConfig) -> int:
    """How many times the re-measurement is tested (the Bonferroni divisor)."""
    return math.ceil(config.confirm_max_rounds / config.confirm_rounds_per_look)


def _badness(values: np.ndarray, better: str) -> np.ndarray:
    return 1.0 / values if better == "higher" else values


def _estimate(a: np.ndarray, b: np.ndarray, config: DetectorConfig) -> tuple[float, tuple[float, float], float]:
    """Ratio of medians culprit / parent, its bootstrap interval, the Mann-Whitney p (in the unit)."""
    ratio = float(np.median(b) / np.median(a))
    ci = bootstrap_ratio_ci(a, b, level=config.ci_level, n=config.bootstrap, seed=config.seed)
    return ratio, ci, mann_whitney_p(a, b)


def judge(pending: Sequence[Suspect], pooled: Samples, config: DetectorConfig,
          rounds: int) -> dict[Suspect, Confirmation]:
    """Verdicts after one look; suspects still undecided are left out."""
    enough = [c for c in pending if min(clean(pooled[c.key][0]).size,
                                        clean(pooled[c.key][1]).size) >= config.confirm_min_samples]
    before = {c.key: pooled[c.key][0] for c in enough}   # the look's family for BH
    after = {c.key: pooled[c.key][1] for c in enough}
    units = {c.key: c.unit for c in enough}
    parent, commit = pending[0].parent, pending[0].commit
    flagged = {(f.key, f.kind) for f in compare_samples(before, after, units, parent, commit,
                                                        config).findings}
    out: dict[Suspect, Confirmation] = {}
    for c in pending:
        a, b = clean(pooled[c.key][0]), clean(pooled[c.key][1])
        n = (int(a.size), int(b.size))
        if min(n) == 0:
            out[c] = Confirmation(c, "inconclusive", math.nan, (math.nan, math.nan), math.nan,
                                  rounds, n, "the re-run measured nothing for it")
            continue
        if min(n) < config.confirm_min_samples:
            continue                   # one value per round so far: the next look decides
        ratio, ci, p = _estimate(a, b, config)
        lo, hi = sorted(float(x) for x in _badness(np.asarray(ci), c.better))
        t = config.threshold_for(c.key.benchmark)
        if (c.key, c.kind) in flagged:
            out[c] = Confirmation(c, "confirmed", ratio, ci, p, rounds, n)
        elif c.worse and hi < 1.0 + t:
            out[c] = Confirmation(c, "refuted", ratio, ci, p, rounds, n,
                                  f"interval {ci[0]:.3f}-{ci[1]:.3f} excludes a change of "
                                  f"{t:.0%} for the worse")
        elif not c.worse and lo > 1.0 / (1.0 + t):
            out[c] = Confirmation(c, "refuted", ratio, ci, p, rounds, n,
                                  f"interval {ci[0]:.3f}-{ci[1]:.3f} excludes a change of "
                                  f"{t:.0%} for the better")
    return out


def confirm(suspects: Sequence[Suspect], runner: Runner, config: DetectorConfig | None = None,
            progress: Callable[[str], None] | None = None) -> list[Confirmation]:
    """A verdict for every suspect, in the order given (see the module docstring)."""
    config = config or DetectorConfig()
    look_config = config.with_values(alpha=config.alpha / looks(config))
    done: dict[Suspect, Confirmation] = {}
    groups: dict[tuple[str, str], list[Suspect]] = {}
    for c in dict.fromkeys(suspects):
        if instruction_backed(c, config):
            r = instruction_ratio(c) or math.nan
            done[c] = Confirmation(c, "confirmed", r, (r, r), 0.0, 0, (0, 0),
                                   f"instruction count x{r:.3f} (exact): not re-measured")
        else:
            groups.setdefault((c.parent, c.commit), []).append(c)
    for (parent, commit), pending in groups.items():
        pooled: Samples = {c.key: ([], []) for c in pending}
        rounds = 0
        while pending and rounds < config.confirm_max_rounds:
            n = min(config.confirm_rounds_per_look, config.confirm_max_rounds - rounds)
            if progress:
                progress(f"re-measuring {len(pending)} benchmark(s) at {commit[:10]} against "
                         f"{parent[:10]}: rounds {rounds + 1}-{rounds + n} of at most "
                         f"{config.confirm_max_rounds}")
            try:
                got = runner(parent, commit, [c.key for c in pending], n)
            except RemeasureError as exc:
                for c in pending:
                    done[c] = Confirmation(c, "inconclusive", math.nan, (math.nan, math.nan),
                                           math.nan, rounds, (0, 0),
                                           f"re-measurement failed: {exc}")
                pending = []
                break
            rounds += n
            for c in pending:
                a, b = got.get(c.key, ([], []))
                pooled[c.key][0].extend(a)
                pooled[c.key][1].extend(b)
            decided = judge(pending, pooled, look_config, rounds)
            done.update(decided)
            pending = [c for c in pending if c not in decided]
        for c in pending:
            a, b = clean(pooled[c.key][0]), clean(pooled[c.key][1])
            ratio, ci, p = _estimate(a, b, config)
            done[c] = Confirmation(c, "inconclusive", ratio, ci, p, rounds,
                                   (int(a.size), int(b.size)),
                                   f"undecided after {rounds} rounds (the bound)")
    return [done[c] for c in dict.fromkeys(suspects)]
