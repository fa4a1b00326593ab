"""Shared shifts: many series of one machine moving together (:mod:`.users`, :mod:`.shared`).

``machines`` (20) machines measure the same ``commits`` (100) commits; each
has 24 series (6 benchmarks ``shared.B<b>.time_op`` x 4 params ``n``),
measured in that order (B0 n=0, B0 n=1, ..., B5 n=3). Noise per series as
in :mod:`.users_corpus` (within-run CV 1-5 %, run noise 0.5-2 %, spikes,
outliers, failures, 10 % stats only). Events per machine:

* **runner change** (probability 0.6): at one commit, a share U(0.7, 1) of
  the series shifts by a common factor U(1.3, 1.8) (a quarter of them
  faster: 1/factor) times a per-series jitter ``exp(N(0, 0.03))``, for good;
  on ``stacked`` (6) of the slower ones (all when fewer), one moved series
  also regresses by x U(1.5, 2) on top (x2.25 where the others moved x1.5):
  a true regression at that commit;
* **slow stretches** (0-2 per machine): 1-6 commits where a share U(0.7, 1)
  of the series runs x U(1.3, 2) slower (jitter ``exp(N(0, 0.05))`` per
  series and commit), then back. asv measures one benchmark after another,
  so the first commit is slow only from a random point of the order on (a
  suffix, at least 6 series), the last only up to one (a prefix); a 1-commit
  stretch covers a random contiguous block of 8-24 series;
* **true regressions at quiet commits**: single-series steps of x U(1.3, 2),
  at least 4 commits from any event of the machine, as many as make
  ``regressions`` (21) true regressions with those on a runner change.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rustorch_wasm.regress.io.synth import make_history, write_benchmarks_json, write_result_file
from rustorch_wasm.regress.model.series import SeriesKey

from .users_corpus import Corpus, Labelled, noisy_levels, rows_at

PER_MACHINE, BENCHES, PARAMS = 24, 6, 4
ENV = "virtualenv-py3.10"


@dataclass
class Event:
    """One shared event of one machine: ``start`` is its first commit,
    ``end`` the first commit back at the old level (None: persistent)."""

    machine: int
    kind: str                      # "runner" | "stretch"
    start: int
    end: int | None
    factor: float
    moved: int                     # series moved at any of its commits


@dataclass
class TrueChange:
    """A labelled regression of one series; ``on_shift``: at a runner change."""

    machine: int
    series: int
    at: int
    factor: float
    on_shift: bool


@dataclass
class SharedCorpus:
    """Events and truths of every machine; ``per_machine[m]`` its 24 series."""

    commits: int
    machines: int
    events: list[Event] = field(default_factory=list)
    truths: list[TrueChange] = field(default_factory=list)
    per_machine: list[Corpus] = field(default_factory=list)


def machine_name(m: int) -> str:
    return f"runner-{m:02d}"


def series_of(key: SeriesKey) -> tuple[int, int]:
    """(machine, series index in measuring order) of a shared-corpus key."""
    b = int(key.benchmark.split(".")[1][1:])
    return int(key.machine.rsplit("-", 1)[1]), b * PARAMS + int(dict(key.params)["n"])


def busy(spans: list[tuple[int, int]], a: int, b: int, gap: int) -> bool:
    return any(a - gap < e and s < b + gap for s, e in spans)


def stretch(rng: np.random.Generator, m: int, n: int, log_change: np.ndarray,
            spans: list[tuple[int, int]]) -> Event | None:
    """A slow stretch, partial at its edges, added to ``log_change``."""
    length = int(rng.integers(1, 7))
    for _ in range(50):
        c = int(rng.integers(5, n - length - 4))
        if not busy(spans, c, c + length, 5):
            break
    else:
        return None
    spans.append((c, c + length))
    factor = float(rng.uniform(1.3, 2.0))
    sensitive = rng.random(PER_MACHINE) < rng.uniform(0.7, 1.0)
    order = np.arange(PER_MACHINE)
    moved = np.zeros(PER_MACHINE, dtype=bool)
    for i in range(length):
        hit = sensitive.copy()
        if length == 1:
            span = int(rng.integers(8, PER_MACHINE + 1))
            a = int(rng.integers(0, PER_MACHINE - span + 1))
            hit &= (order >= a) & (order < a + span)
        elif i == 0:
            hit &= order >= int(rng.integers(0, PER_MACHINE - 5))
        elif i == length - 1:
            hit &= order < int(rng.integers(6, PER_MACHINE + 1))
        jitter = rng.normal(0.0, 0.05, PER_MACHINE)
        log_change[hit, c + i] += math.log(factor) + jitter[hit]
        moved |= hit
    return Event(m, "stretch", c, c + length, factor, int(moved.sum()))


def runner(rng: np.random.Generator, m: int, n: int, log_change: np.ndarray,
           spans: list[tuple[int, int]]) -> tuple[Event, np.ndarray]:
    """A persistent shift of most series; the event and the moved series."""
    c = int(rng.integers(15, n - 10))
    spans.append((c, c + 1))
    factor = float(rng.uniform(1.3, 1.8))
    factor = factor if rng.random() < 0.75 else 1.0 / factor
    count = int(round(rng.uniform(0.7, 1.0) * PER_MACHINE))
    moved = rng.choice(PER_MACHINE, size=count, replace=False)
    log_change[moved, c:] += math.log(factor) + rng.normal(0.0, 0.03, count)[:, None]
    return Event(m, "runner", c, None, factor, count), moved


def shared_corpus(seed: int, commits: int = 100, machines: int = 20,
                  regressions: int = 21, stacked: int = 6) -> SharedCorpus:
    rng = np.random.default_rng([seed, commits, machines, 24])
    out = SharedCorpus(commits, machines)
    changes = np.zeros((machines, PER_MACHINE, commits))
    spans: list[list[tuple[int, int]]] = [[] for _ in range(machines)]
    slower: list[tuple[Event, np.ndarray]] = []
    for m in range(machines):
        if rng.random() < 0.6:
            event, moved = runner(rng, m, commits, changes[m], spans[m])
            out.events.append(event)
            slower += [(event, moved)] if event.factor > 1.0 else []
        for _ in range(int(rng.integers(0, 3))):
            stretched = stretch(rng, m, commits, changes[m], spans[m])
            out.events += [stretched] if stretched else []
    for i in rng.permutation(len(slower))[:stacked]:
        event, moved = slower[int(i)]
        j, r = int(moved[0]), float(rng.uniform(1.5, 2.0))
        changes[event.machine, j, event.start:] += math.log(r)
        out.truths.append(TrueChange(event.machine, j, event.start, event.factor * r, True))
    taken = {(t.machine, t.series) for t in out.truths}
    while len(out.truths) < regressions:
        m, j = int(rng.integers(machines)), int(rng.integers(PER_MACHINE))
        at = int(rng.integers(10, commits - 4))
        if (m, j) in taken or busy(spans[m], at, at + 1, 4):
            continue
        taken.add((m, j))
        f = float(rng.uniform(1.3, 2.0))
        changes[m, j, at:] += math.log(f)
        out.truths.append(TrueChange(m, j, at, f, False))
    for m in range(machines):
        protect = sorted({p for s, e in spans[m] for p in range(s - 1, e + 1)}
                         | {t.at + d for t in out.truths if t.machine == m for d in (-1, 0, 1)})
        labels, samples, present = [], [], []
        for j in range(PER_MACHINE):
            lab = Labelled(j, "shared", float(rng.uniform(0.01, 0.05)),
                           stats_only=bool(rng.random() < 0.10))
            s, p = noisy_levels(rng, changes[m, j], lab.cv, 10.0 ** rng.uniform(-6, -1),
                                protect)
            labels.append(lab), samples.append(s), present.append(p)
        out.per_machine.append(Corpus(machine_name(m), commits, labels, np.stack(samples),
                                      np.stack(present), "shared.B", "time_op"))
    out.events.sort(key=lambda e: (e.machine, e.start))
    out.truths.sort(key=lambda t: (t.machine, t.at, t.series))
    return out


def write_shared(tmp: Path, corpus: SharedCorpus) -> tuple[Path, Path, list[str]]:
    """Every machine's results over one git history: (results dir, repo, shas)."""
    repo, results = tmp / "repo", tmp / "results"
    shas = make_history(repo, corpus.commits)
    members = [list(range(b * PARAMS, (b + 1) * PARAMS)) for b in range(BENCHES)]
    write_benchmarks_json(results, {f"shared.B{b}.time_op":
                                    (["n"], [[str(i) for i in range(PARAMS)]], "seconds")
                                    for b in range(BENCHES)})
    for c in corpus.per_machine:
        meds = np.median(c.samples, axis=2)
        cis = np.percentile(c.samples, [5.0, 95.0], axis=2)
        for pos, sha in enumerate(shas):
            rows = {f"shared.B{b}.time_op": rows_at(pos, mem, c, meds, cis, False)
                    for b, mem in enumerate(members)}
            write_result_file(results, c.name, sha, ENV, rows)
    return results, repo, shas
