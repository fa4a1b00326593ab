"""Confirmation by re-measurement: one machinery for ``make run`` and the PR gate.

A *candidate* is a timing regression of one series at a culprit commit
``C`` against its parent (the last good commit) ``P``. Before it is
reported as a regression it gets a verdict, in the spirit of Chromium
Pinpoint's same / different / unknown:

**Backed by instructions.** With ``I_P`` and ``I_C`` the companion
``track_*_instructions`` counts (exact, deterministic), the candidate is
*confirmed* without re-measurement when ``I_C / I_P >= 1 + g*t``: the code
now executes at least the size guard's share more work. ``t`` is the
benchmark's threshold and ``g`` the size guard of the detector
(:class:`~.config.DetectorConfig`: 0.20 and 3/4 by default).

**Re-measured.** Otherwise the runner measures only the affected benchmarks
at ``P`` and ``C`` *interleaved*: ``R_look`` rounds per look, each round
measuring both commits, the order alternating (P C, C P, ...) as ``asv run
--interleave-rounds`` does, so a slow stretch of the host weighs on both
sides alike. After each look, with ``A`` and ``B`` all samples so far of
``P`` and ``C`` (the looks pooled):

* ``r = median(B) / median(A)``, ``p`` the two-sided Mann-Whitney p-value
  of ``A`` against ``B``, ``[lo, hi]`` the bootstrap interval of ``r`` at
  the detector's ``ci_level``;
* **confirmed** when the detector's two-sample regression rule holds
  (:func:`.compare.compare_samples`: Benjamini-Hochberg over the look's
  candidates at ``alpha_look``, ``r >= 1 + g*t`` and ``hi >= 1 + t``);
* **refuted** when ``hi < 1 + t``: the re-measurement rules out a slowdown
  of the threshold's size (the first measurement was noise, or a change
  too small to report); its ``r`` and ``p`` are reported;
* **inconclusive** otherwise: another look, until ``rounds >= max_rounds``;
  then it is reported as inconclusive, with ``r`` and ``p``.

The bound: ``looks = ceil(max_rounds / rounds_per_look)`` (default 12 / 4,
so 3 looks), and every look tests at ``alpha_look = alpha / looks``
(Bonferroni over the looks), so testing again after more rounds does not
raise the chance of confirming noise above ``alpha``. A candidate whose
re-run measured nothing (the benchmark failed or was not selected) is
inconclusive at once, and so are all candidates of a commit pair whose
runner raised :class:`RemeasureError`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Literal, Protocol, Sequence

import numpy as np

from ..model.config import DetectorConfig
from ..model.series import SeriesKey
from .compare import clean, compare_samples
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
class Candidate:
    """A timing regression to confirm: its series, culprit and parent commit."""

    key: SeriesKey
    commit: str
    parent: str
    unit: str = "seconds"
    instructions: tuple[float, float] | None = None  # companion count at (parent, commit)


@dataclass(frozen=True)
class Rule:
    """How many interleaved rounds a look takes, and the bound on all looks."""

    rounds_per_look: int = 4
    max_rounds: int = 12

    def __post_init__(self) -> None:
        if self.rounds_per_look < 1 or self.max_rounds < self.rounds_per_look:
            raise ValueError("confirmation rule: need 1 <= rounds_per_look <= max_rounds")

    @property
    def looks(self) -> int:
        return math.ceil(self.max_rounds / self.rounds_per_look)


@dataclass(frozen=True)
class Confirmation:
    """The verdict on one candidate and the evidence for it."""

    candidate: Candidate
    verdict: Verdict
    ratio: float                      # re-measured (or instruction) ratio culprit / parent
    ci: tuple[float, float]
    p_value: float                    # raw Mann-Whitney p; 0.0 when instruction-backed
    rounds: int                       # interleaved rounds used (0: not re-measured)
    samples: tuple[int, int] = (0, 0)  # re-measured samples at (parent, culprit)
    reason: str = ""

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
        c = self.candidate
        return {"benchmark": c.key.benchmark, "params": c.key.params_dict,
                "machine": c.key.machine, "env": c.key.env, "commit": c.commit,
                "previous_commit": c.parent, "verdict": self.verdict,
                "ratio": _finite(self.ratio), "ci": [_finite(self.ci[0]), _finite(self.ci[1])],
                "p_value": _finite(self.p_value), "rounds": self.rounds,
                "samples": list(self.samples), "reason": self.reason,
                "instructions": list(c.instructions) if c.instructions else None}


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def instruction_ratio(candidate: Candidate) -> float | None:
    counts = candidate.instructions
    if counts is None or not counts[0] > 0 or not math.isfinite(counts[1]):
        return None
    return counts[1] / counts[0]


def instruction_backed(candidate: Candidate, config: DetectorConfig) -> bool:
    """Did the companion instruction count rise by at least ``g*t``?"""
    r = instruction_ratio(candidate)
    t = config.threshold_for(candidate.key.benchmark)
    return r is not None and r >= 1.0 + config.guard * t


def judge(pending: Sequence[Candidate], pooled: Samples, config: DetectorConfig,
          rounds: int) -> dict[Candidate, Confirmation]:
    """Verdicts after one look; candidates still undecided are left out."""
    sized = [c for c in pending
             if min(clean(pooled[c.key][0]).size, clean(pooled[c.key][1]).size) >= config.confirm_min_samples]
    before = {c.key: pooled[c.key][0] for c in sized}   # the look's family for BH
    after = {c.key: pooled[c.key][1] for c in sized}
    units = {c.key: c.unit for c in sized}
    parent, commit = pending[0].parent, pending[0].commit
    flagged = {f.key for f in compare_samples(before, after, units, parent, commit,
                                              config).regressions}
    out: dict[Candidate, Confirmation] = {}
    for c in pending:
        a, b = clean(pooled[c.key][0]), clean(pooled[c.key][1])
        n = (int(a.size), int(b.size))
        if min(n) < config.confirm_min_samples:
            out[c] = Confirmation(c, "inconclusive", math.nan, (math.nan, math.nan), math.nan,
                                  rounds, n, "the re-run measured too few samples")
            continue
        ratio = float(np.median(b) / np.median(a))
        ci = bootstrap_ratio_ci(a, b, level=config.ci_level, n=config.bootstrap, seed=config.seed)
        p = mann_whitney_p(a, b)
        t = config.threshold_for(c.key.benchmark)
        if c.key in flagged:
            out[c] = Confirmation(c, "confirmed", ratio, ci, p, rounds, n)
        elif ci[1] < 1.0 + t:
            out[c] = Confirmation(c, "refuted", ratio, ci, p, rounds, n,
                                  f"interval {ci[0]:.3f}-{ci[1]:.3f} excludes x{1 + t:.2f}")
    return out


def confirm(candidates: Sequence[Candidate], runner: Runner,
            config: DetectorConfig | None = None, rule: Rule = Rule(),
            progress: Callable[[str], None] | None = None) -> list[Confirmation]:
    """A verdict for every candidate, in the order given (see the module docstring)."""
    config = config or DetectorConfig()
    look_config = config.with_values(alpha=config.alpha / rule.looks)
    done: dict[Candidate, Confirmation] = {}
    groups: dict[tuple[str, str], list[Candidate]] = {}
    for c in dict.fromkeys(candidates):
        if instruction_backed(c, config):
            r = instruction_ratio(c) or math.nan
            done[c] = Confirmation(c, "confirmed", r, (r, r), 0.0, 0, (0, 0),
                                   f"instruction count x{r:.3f} (exact): not re-measured")
        else:
            groups.setdefault((c.parent, c.commit), []).append(c)
    for (parent, commit), pending in groups.items():
        pooled: Samples = {c.key: ([], []) for c in pending}
        rounds = 0
        while pending and rounds < rule.max_rounds:
            n = min(rule.rounds_per_look, rule.max_rounds - rounds)
            if progress:
                progress(f"re-measuring {len(pending)} benchmark(s) at {commit[:10]} against "
                         f"{parent[:10]}: rounds {rounds + 1}-{rounds + n} of at most "
                         f"{rule.max_rounds}")
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
            ratio = float(np.median(b) / np.median(a))
            ci = bootstrap_ratio_ci(a, b, level=config.ci_level, n=config.bootstrap,
                                    seed=config.seed)
            done[c] = Confirmation(c, "inconclusive", ratio, ci, mann_whitney_p(a, b), rounds,
                                   (int(a.size), int(b.size)),
                                   f"undecided after {rounds} rounds (the bound)")
    return [done[c] for c in dict.fromkeys(candidates)]
