"""The labelled corpus of the main accuracy table (:mod:`.detector`), written as asv results.

History: ``N_COMMITS`` (500) commits on ``main``; series ``i`` covers the last
``length`` (50..500) of them, so it looks like a benchmark added at some
point. Each commit of a series has ``SAMPLES`` (10) recorded samples:

* run level: ``base * change(commit) * exp(N(0, sd_run))`` with ``sd_run``
  uniform in [0.5 %, 3 %] (run-to-run noise of a shared machine);
* within a run: ``level * exp(N(0, sigma))`` with ``sigma = CV / 1.349``
  (the IQR of a normal is 1.349 sigma) and ``CV`` drawn from
  :func:`measured_cvs`, the IQR/median of every time benchmark of this
  project's suite as ``scripts/noise_report.py --json docs/noise.json``
  measured it (worst of its runs);
* heavy-tailed outliers: each sample with probability 3 % is multiplied by
  ``1 + 0.3 * Pareto(1.5)``;
* single-commit spikes: with probability 2 % a commit's level is multiplied
  by U(1.3, 3);
* failed commits: with probability 3 % a commit has no result (null);
* 10 % of the series record no samples, only asv's median and its 99 % CI.

Kinds: 40 % A/A (no change), 35 % one step by a factor in
{1.2, 1.3, 1.5, 2} or its reciprocal (a "-20 %" step is x 1/1.2, so that
steps are symmetric in log space), 5 % a step and its revert 10..60 commits
later, 10 % steps of x1.1 or x1/1.1 (below the threshold), 10 % gradual
drifts up by x1.3..1.6 over 20..80 commits. Steps sit at least 10 commits
from either end.
"""
from __future__ import annotations

import functools
import math
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rustorch_wasm.regress.model.series import Point, Series, SeriesKey
from rustorch_wasm.regress.io.synth import (Row, make_history, write_benchmarks_json,
                                            write_result_file)

N_COMMITS = 500
SAMPLES = 10
GROUP = 100
MACHINE, ENV = "evalbox", "virtualenv-py3.10"
NOISE_FILE = Path(__file__).resolve().parent.parent / "docs" / "noise.json"


@functools.lru_cache(maxsize=None)
def measured_cvs(path: Path = NOISE_FILE) -> tuple[float, ...]:
    """CV = IQR/median of each time benchmark's samples, as measured on this
    project's own suite by ``scripts/noise_report.py --json``."""
    import json

    try:
        doc = json.loads(path.read_text())
        cvs = [float(s["cv"]) for s in doc["series"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SystemExit(f"error: {path}: no measured noise ({exc}); run "
                         "scripts/noise_report.py --json docs/noise.json first")
    if not cvs:
        raise SystemExit(f"error: {path}: no series")
    return tuple(cvs)


FACTORS = [1.2, 1.3, 1.5, 2.0]


@dataclass
class Spec:
    sid: int
    kind: str                      # aa | step | double | small | drift
    start: int                     # first commit position of the series
    cv: float
    stats_only: bool
    factor: float = 1.0
    changes: list[tuple[int, float]] = field(default_factory=list)
    truths: list[int] = field(default_factory=list)
    drift_window: tuple[int, int] = (0, 0)


@dataclass
class SeriesData:
    present: np.ndarray            # bool per position in [start, N)
    samples: np.ndarray            # (positions, SAMPLES)


def pick_kind(rng: np.random.Generator) -> str:
    return str(rng.choice(["aa", "step", "double", "small", "drift"],
                          p=[0.40, 0.35, 0.05, 0.10, 0.10]))


def one_series(sid: int, rng: np.random.Generator,
               kind: str | None = None) -> tuple[Spec, SeriesData]:
    length = int(rng.integers(50, N_COMMITS + 1))
    start = N_COMMITS - length
    cv = float(rng.choice(measured_cvs()))
    spec = Spec(sid, kind or pick_kind(rng), start, cv, bool(rng.random() < 0.10))
    log_change = np.zeros(length)
    if spec.kind in ("step", "small", "double"):
        f = float(rng.choice(FACTORS)) if spec.kind != "small" else 1.1
        f = f if rng.random() < 0.5 else 1.0 / f
        at = int(rng.integers(10, length - 10))
        spec.factor = f
        spec.changes.append((start + at, f))
        log_change[at:] += math.log(f)
        if spec.kind == "double":
            back = min(length - 10, at + int(rng.integers(10, 61)))
            if back > at + 3:
                spec.changes.append((start + back, 1.0 / f))
                log_change[back:] -= math.log(f)
    elif spec.kind == "drift":
        span = int(rng.integers(20, 81))
        d0 = int(rng.integers(5, max(6, length - span - 5)))
        d1 = min(length - 1, d0 + span)
        total = math.log(rng.uniform(1.3, 1.6))
        log_change[d0:d1] += total * np.arange(1, d1 - d0 + 1) / (d1 - d0)
        log_change[d1:] += total
        spec.drift_window = (start + d0, start + d1)
    base = 10.0 ** rng.uniform(-6, -1)
    run = log_change + rng.normal(0, rng.uniform(0.005, 0.03), length)
    spikes = rng.random(length) < 0.02
    run[spikes] += np.log(rng.uniform(1.3, 3.0, spikes.sum()))
    sigma = cv / 1.349
    samples = base * np.exp(run[:, None] + rng.normal(0, sigma, (length, SAMPLES)))
    outliers = rng.random((length, SAMPLES)) < 0.03
    samples[outliers] *= 1.0 + 0.3 * rng.pareto(1.5, outliers.sum())
    present = rng.random(length) >= 0.03
    present[0] = True
    for pos, _ in spec.changes:
        later = np.flatnonzero(present[pos - start:])
        spec.truths.append(pos + int(later[0]))
    return spec, SeriesData(present, samples)


def generate(n: int, seed: int) -> tuple[list[Spec], list[SeriesData]]:
    rng = np.random.default_rng(seed)
    pairs = [one_series(i, rng) for i in range(n)]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def aa_corpus(n: int, seed: int) -> tuple[list[Spec], list[SeriesData]]:
    """``n`` extra A/A series of the same noise model (write them with :func:`write_corpus`)."""
    rng = np.random.default_rng(seed + 7919)
    pairs = [one_series(i, rng, "aa") for i in range(n)]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def series_index(key: SeriesKey) -> int:
    group = int(key.benchmark.split(".")[1][1:])
    return group * GROUP + int(dict(key.params)["series"])


def write_corpus(tmp: Path, specs: list[Spec], data: list[SeriesData]) -> tuple[Path, Path]:
    """asv results and the git history they belong to: (results dir, repo)."""
    repo, results = tmp / "repo", tmp / "results"
    shas = make_history(repo, N_COMMITS)
    groups = math.ceil(len(specs) / GROUP)
    names = [f"eval.G{g:03d}.time_series" for g in range(groups)]
    write_benchmarks_json(results, {
        name: (["series"], [[str(i) for i in range(min(GROUP, len(specs) - g * GROUP))]],
               "seconds") for g, name in enumerate(names)})
    meds = [np.median(d.samples, axis=1).tolist() for d in data]
    cis = [np.percentile(d.samples, [5.0, 95.0], axis=1).tolist() for d in data]
    lists = [d.samples.tolist() for d in data]
    present = [d.present.tolist() for d in data]
    for pos, sha in enumerate(shas):
        rows = {}
        for g, name in enumerate(names):
            members = list(zip(specs[g * GROUP:(g + 1) * GROUP], data[g * GROUP:(g + 1) * GROUP]))
            if all(pos < s.start for s, _ in members):
                continue
            result: list[float | None] = []
            samples: list[list[float] | None] = []
            ci_a: list[float | None] = []
            ci_b: list[float | None] = []
            for s, _ in members:
                i = pos - s.start
                sid = s.sid
                if i < 0:
                    result.append(math.nan)          # not in the suite yet: skipped
                    samples.append(None), ci_a.append(None), ci_b.append(None)
                elif not present[sid][i]:
                    result.append(None)              # failed
                    samples.append(None), ci_a.append(None), ci_b.append(None)
                else:
                    result.append(meds[sid][i])
                    samples.append(None if s.stats_only else lists[sid][i])
                    ci_a.append(cis[sid][0][i]), ci_b.append(cis[sid][1][i])
            rows[name] = Row(result, [[str(i) for i in range(len(members))]], samples,
                             ci_a, ci_b)
        write_result_file(results, MACHINE, sha, ENV, rows)
    subprocess.run(["git", "-C", str(repo), "gc", "-q", "--auto"], check=False)
    return results, repo


def speed_series(commits: int, count: int, seed: int) -> list[Series]:
    """``count`` in-memory series over ``commits`` commits, a few with steps."""
    rng = np.random.default_rng(seed)
    shas = [f"{i:040x}" for i in range(commits)]
    out = []
    for j in range(count):
        level = np.exp(rng.normal(0, 0.02, commits))
        if j % 10 == 0:
            level[int(rng.integers(100, commits - 100)):] *= 1.3
        samples = level[:, None] * np.exp(rng.normal(0, 0.03, (commits, SAMPLES)))
        meds = np.median(samples, axis=1)
        q = np.percentile(samples, [25, 75], axis=1)
        pts = [Point(shas[i], i, tuple(samples[i]), float(meds[i]), float(q[0, i]),
                     float(q[1, i])) for i in range(commits)]
        out.append(Series(SeriesKey(MACHINE, ENV, f"speed.S.time_{j}"), "seconds", pts))
    return out


def write_speed_files(tmp: Path, series: list[Series]) -> tuple[Path, Path]:
    """The speed series as asv result files without samples (asv's default)."""
    repo, results = tmp / "repo", tmp / "results"
    commits = len(series[0].points)
    shas = make_history(repo, commits)
    groups = math.ceil(len(series) / GROUP)
    names = [f"speed.G{g:03d}.time_series" for g in range(groups)]
    write_benchmarks_json(results, {
        name: (["series"], [[str(i) for i in range(min(GROUP, len(series) - g * GROUP))]],
               "seconds") for g, name in enumerate(names)})
    meds = [[p.median for p in s.points] for s in series]
    for pos, sha in enumerate(shas):
        rows = {}
        for g, name in enumerate(names):
            members = range(g * GROUP, min(len(series), (g + 1) * GROUP))
            rows[name] = Row([meds[i][pos] for i in members], [[str(i - g * GROUP)
                                                                 for i in members]])
        write_result_file(results, MACHINE, sha, ENV, rows)
    return results, repo
