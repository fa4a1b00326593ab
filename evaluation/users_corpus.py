"""Labelled corpora of what users meet, written as asv results (:mod:`.users`).

*Recent corpus* (:func:`recent_corpus`): ``commits`` (120 or 50) commits, every
series covering all of them, ``SAMPLES`` (10) samples a commit:

* run level ``base * change(commit) * exp(N(0, sd_run))``, ``sd_run`` uniform
  in [0.5 %, 2 %]; within a run ``level * exp(N(0, cv / 1.349))`` with the
  within-run CV uniform in [1 %, band] (band 5 % or 10 %); 3 % of samples
  times ``1 + 0.3 Pareto(1.5)``; 10 % of series with asv's stats only;
* 2 % of commits before the last 4 are one-commit spikes (x U(1.3, 3)) and
  2 % are failed (null), never at a labelled commit;
* kinds: ``aa`` (no change), ``recent`` (a step of x1.3, x1.5 or x2, or the
  reciprocal, at commit ``n - k``, k = 1..3: the last k commits are changed),
  ``step`` (the same sizes at a commit in [10, n - 4]), ``endspike`` (one
  commit x U(1.3, 3) at ``n - k``, k = 1..3), ``earlyspike`` (the same at
  ``n - k``, k = 4..10; it must not be a regression).

*Throughput corpus* (:func:`throughput_corpus`): series named
``users.T<g>.track_samples_per_second`` (unit ``samples/s``, higher is
better) with steps down (a regression) and up (an improvement) at a commit in
[10, n - 10], or none; half record samples, half only a result (as asv's
``track_`` benchmarks do).

Every corpus is drawn from ``numpy.random.default_rng([seed, tag...])``: the
same seed gives the same corpus, and each corpus of a seed differs.
"""
from __future__ import annotations

import math
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rustorch_wasm.regress.model.series import SeriesKey
from rustorch_wasm.regress.io.synth import (Row, make_history, write_benchmarks_json,
                                            write_result_file)

SAMPLES = 10
GROUP = 100
MACHINE, ENV = "userbox", "virtualenv-py3.10"
FACTORS = (1.3, 1.5, 2.0)
RECENT_KINDS = {"aa": 0.30, "recent": 0.30, "step": 0.15, "endspike": 0.15,
                "earlyspike": 0.10}
THROUGHPUT_KINDS = {"aa": 0.30, "down": 0.35, "up": 0.35}


@dataclass
class Labelled:
    """One series' label. ``at`` is the position of the change or spike
    (-1 for A/A), ``factor`` its size (>1 slower for times, higher for
    throughput), ``k = n - at`` the commits from it to the end inclusive."""

    sid: int
    kind: str
    cv: float
    at: int = -1
    factor: float = 1.0
    k: int = 0
    stats_only: bool = False


@dataclass
class Corpus:
    """Labels and measurements: ``samples[sid]`` is (commits, SAMPLES),
    ``present[sid]`` a bool per commit; ``prefix`` names the benchmarks."""

    name: str
    commits: int
    labels: list[Labelled]
    samples: np.ndarray
    present: np.ndarray
    prefix: str
    method: str = "time_series"
    unit: str = "seconds"

    def bench(self, group: int) -> str:
        return f"{self.prefix}{group:03d}.{self.method}"


def expected(lab: Labelled, higher_better: bool = False) -> str:
    """The kind a labelled step should be reported as."""
    worse = lab.factor < 1.0 if higher_better else lab.factor > 1.0
    return "regression" if worse else "improvement"


def noisy_levels(rng: np.random.Generator, log_change: np.ndarray, cv: float,
                 base: float, protect: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Samples and presence of one series around ``base * exp(log_change)``;
    no random spike or failure at the positions in ``protect`` nor in the last 4."""
    n = log_change.size
    run = log_change + rng.normal(0.0, rng.uniform(0.005, 0.02), n)
    free = np.ones(n, dtype=bool)
    free[max(0, n - 4):] = False
    free[[p for p in protect if 0 <= p < n]] = False
    spikes = (rng.random(n) < 0.02) & free
    run[spikes] += np.log(rng.uniform(1.3, 3.0, int(spikes.sum())))
    samples = base * np.exp(run[:, None] + rng.normal(0.0, cv / 1.349, (n, SAMPLES)))
    outliers = rng.random((n, SAMPLES)) < 0.03
    samples[outliers] *= 1.0 + 0.3 * rng.pareto(1.5, int(outliers.sum()))
    present = (rng.random(n) >= 0.02) | ~free
    present[0] = True
    return samples, present


def signed_factor(rng: np.random.Generator) -> float:
    f = float(rng.choice(FACTORS))
    return f if rng.random() < 0.5 else 1.0 / f


def recent_one(sid: int, rng: np.random.Generator, n: int, band: float,
               kind: str) -> tuple[Labelled, np.ndarray, np.ndarray]:
    lab = Labelled(sid, kind, float(rng.uniform(0.01, band)),
                   stats_only=bool(rng.random() < 0.10))
    log_change = np.zeros(n)
    if kind in ("recent", "step"):
        lab.at = n - int(rng.integers(1, 4)) if kind == "recent" else int(rng.integers(10, n - 3))
        lab.factor = signed_factor(rng)
        log_change[lab.at:] += math.log(lab.factor)
    elif kind in ("endspike", "earlyspike"):
        lab.at = n - (int(rng.integers(1, 4)) if kind == "endspike" else int(rng.integers(4, 11)))
        lab.factor = float(rng.uniform(1.3, 3.0))
        log_change[lab.at] += math.log(lab.factor)
    lab.k = n - lab.at if lab.at >= 0 else 0
    samples, present = noisy_levels(rng, log_change, lab.cv, 10.0 ** rng.uniform(-6, -1),
                                    [lab.at, lab.at - 1, lab.at + 1])
    return lab, samples, present


def recent_corpus(commits: int, band: float, labelled: int, aa: int, seed: int) -> Corpus:
    """``labelled`` series of the recent kinds (A/A among them) plus ``aa`` more A/A."""
    rng = np.random.default_rng([seed, commits, int(round(band * 1000))])
    kinds = list(rng.choice(list(RECENT_KINDS), size=labelled, p=list(RECENT_KINDS.values())))
    kinds += ["aa"] * aa
    out = [recent_one(i, rng, commits, band, str(k)) for i, k in enumerate(kinds)]
    return Corpus(f"{commits} commits, within-run CV <= {band:.0%}", commits,
                  [o[0] for o in out], np.stack([o[1] for o in out]),
                  np.stack([o[2] for o in out]), "users.R")


def throughput_corpus(commits: int, count: int, seed: int) -> Corpus:
    """Higher-is-better series (``track_samples_per_second``, samples/s)."""
    rng = np.random.default_rng([seed, commits, 7])
    labels, samples, present = [], [], []
    for sid in range(count):
        kind = str(rng.choice(list(THROUGHPUT_KINDS), p=list(THROUGHPUT_KINDS.values())))
        lab = Labelled(sid, kind, float(rng.uniform(0.01, 0.05)), stats_only=sid % 2 == 1)
        log_change = np.zeros(commits)
        if kind != "aa":
            f = float(rng.choice(FACTORS))
            lab.factor = f if kind == "up" else 1.0 / f
            lab.at = int(rng.integers(10, commits - 9))
            lab.k = commits - lab.at
            log_change[lab.at:] += math.log(lab.factor)
        s, p = noisy_levels(rng, log_change, lab.cv, 10.0 ** rng.uniform(3, 6),
                            [lab.at, lab.at - 1, lab.at + 1])
        labels.append(lab), samples.append(s), present.append(p)
    return Corpus(f"throughput, {commits} commits", commits, labels, np.stack(samples),
                  np.stack(present), "users.T", "track_samples_per_second", "samples/s")


def sid_of(key: SeriesKey) -> int:
    """The series id of a recent/throughput series key."""
    group = int(key.benchmark.split(".")[1][1:])
    return group * GROUP + int(dict(key.params)["series"])


def rows_at(pos: int, members: list[int], corpus: Corpus, meds: np.ndarray,
            cis: np.ndarray, track: bool) -> Row:
    """One benchmark row (one param value per member) of one commit."""
    result: list[float | None] = []
    samples: list[list[float] | None] = []
    ci_a: list[float | None] = []
    ci_b: list[float | None] = []
    for sid in members:
        if not corpus.present[sid, pos]:
            result.append(None), samples.append(None), ci_a.append(None), ci_b.append(None)
            continue
        stats_only = corpus.labels[sid].stats_only
        result.append(float(meds[sid, pos]))
        samples.append(None if stats_only else corpus.samples[sid, pos].tolist())
        if track and stats_only:                 # a track_ benchmark: the value only
            ci_a.append(None), ci_b.append(None)
        else:
            ci_a.append(float(cis[0, sid, pos])), ci_b.append(float(cis[1, sid, pos]))
    params = [[str(i) for i in range(len(members))]]
    if all(v is None for v in ci_a):
        return Row(result, params, samples)
    return Row(result, params, samples, ci_a, ci_b)


def write_corpus(tmp: Path, corpus: Corpus) -> tuple[Path, Path, list[str]]:
    """asv results over a fresh git history: (results dir, repo, shas)."""
    repo, results = tmp / "repo", tmp / "results"
    shas = make_history(repo, corpus.commits)
    n = len(corpus.labels)
    groups = [list(range(g, min(n, g + GROUP))) for g in range(0, n, GROUP)]
    write_benchmarks_json(results, {
        corpus.bench(g): (["series"], [[str(i) for i in range(len(m))]], corpus.unit)
        for g, m in enumerate(groups)})
    meds = np.median(corpus.samples, axis=2)
    cis = np.percentile(corpus.samples, [5.0, 95.0], axis=2)
    track = corpus.method.startswith("track_")
    for pos, sha in enumerate(shas):
        rows = {corpus.bench(g): rows_at(pos, m, corpus, meds, cis, track)
                for g, m in enumerate(groups)}
        write_result_file(results, MACHINE, sha, ENV, rows)
    subprocess.run(["git", "-C", str(repo), "gc", "-q", "--auto"], check=False)
    return results, repo, shas
