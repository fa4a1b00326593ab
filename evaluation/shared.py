"""Scores on the shared-shift corpus (:mod:`.shared_corpus`), for :mod:`.users`.

* **true regressions**: F1 at the exact commit. A true positive is a
  ``regression`` finding at a labelled (machine, series, commit); every other
  ``regression``/``improvement`` finding is a false regression (drifts are
  counted apart). Peers (asv step_detect, Otava, per series) have no notion
  of an environment: each flag is a true positive or a false regression.
* **shared events**: an event is *reported once* when exactly one
  ``environment`` finding of its machine lies at its commits (for a slow
  stretch ``start <= commit < end``) and it sits at the event's first
  commit; for a slow stretch, whether its ``end_commit`` is the first commit
  back at the old level. Environment findings matching no event are
  *spurious*.
* **per machine**: false regressions against true ones; the target is no
  more false regressions than true ones on any machine.
"""
from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .ours import run_on_files
from .peers import Peer, peer_flags
from .scoring import Hit, hits_of, md_table, share
from .shared_corpus import SharedCorpus, series_of, shared_corpus, write_shared

OURS = "ours"


@dataclass
class Tally:
    """One detector's count on one corpus; ``per_fp``/``per_tp`` per machine."""

    tp: int
    fp: int
    fn: int
    p: float
    r: float
    f1: float
    per_fp: list[int]
    per_tp: list[int]
    drift: int
    stacked: str


def tally(corpus: SharedCorpus, hits: dict[tuple[int, int], list[Hit]],
          directional: bool) -> Tally:
    truths = {(t.machine, t.series, t.at) for t in corpus.truths}
    tp, fp, drift = 0, [0] * corpus.machines, 0
    for (m, j), hs in hits.items():
        for h in {(h.pos, h.kind) for h in hs}:
            pos, kind = h
            if kind == "drift":
                drift += 1
            elif (m, j, pos) in truths and (not directional or kind == "regression"):
                tp += 1
            else:
                fp[m] += 1
    tps = [0] * corpus.machines
    for (m, j), hs in hits.items():
        tps[m] += sum(1 for h in {x.pos for x in hs if not directional or x.kind == "regression"}
                      if (m, j, h) in truths)
    pred, n = tp + sum(fp), len(truths)
    p, r = (tp / pred if pred else 1.0), tp / max(1, n)
    stacked = [t for t in corpus.truths if t.on_shift]
    found_stacked = sum(any(h.pos == t.at and (not directional or h.kind == "regression")
                            for h in hits.get((t.machine, t.series), [])) for t in stacked)
    return Tally(tp, sum(fp), n - tp, p, r, 2 * p * r / (p + r) if p + r else 0.0, fp, tps,
                 drift, share(found_stacked, len(stacked)))


def events_score(corpus: SharedCorpus, env: list[tuple[object, Hit]]) -> dict[str, str]:
    by_m: dict[int, list[Hit]] = {}
    for key, h in env:
        by_m.setdefault(int(getattr(key, "machine").rsplit("-", 1)[1]), []).append(h)
    out: dict[str, str] = {}
    used: set[int] = set()
    for kind in ("runner", "stretch"):
        evs = [e for e in corpus.events if e.kind == kind]
        once = ends = 0
        for e in evs:
            hs = [h for h in by_m.get(e.machine, [])
                  if e.start <= h.pos < (e.end if e.end is not None else e.start + 1)]
            used.update(id(h) for h in hs)
            if len(hs) == 1 and hs[0].pos == e.start:
                once += 1
                ends += hs[0].end == e.end
        out[kind] = share(once, len(evs))
        if kind == "stretch":
            out["ends"] = share(ends, len(evs))
    out["spurious"] = str(sum(1 for hs in by_m.values() for h in hs if id(h) not in used))
    return out


def event_fp(corpus: SharedCorpus, hits: dict[tuple[int, int], list[Hit]]) -> int:
    """False regressions at the commits of shared events."""
    truths = {(t.machine, t.series, t.at) for t in corpus.truths}
    spans = {}
    for e in corpus.events:
        spans.setdefault(e.machine, set()).update(range(e.start, (e.end or e.start + 1) + 1))
    return sum(1 for (m, j), hs in hits.items() for pos in {h.pos for h in hs
               if h.kind != "drift"} if pos in spans.get(m, set()) and (m, j, pos) not in truths)


HEAD = ["seed", "detector", "true regressions found", "false regressions", "P", "R", "F1 (m0)",
        "on a shift found", "false at event commits", "machines with false > true",
        "max false on a machine", "drifts", "time (s)"]
EV_HEAD = ["seed", "events (runner / stretch)", "true regressions (on a shift)",
           "runner changes reported once", "slow stretches reported once",
           "stretch end right", "spurious environment findings", "moved (median)"]
PM_HEAD = ["seed", "machine", "events", "true", "ours found", "ours false"]


def run_shared(seeds: list[int], machines: int, label: Callable[[int], str],
               peers: Mapping[str, Peer]) -> list[str]:
    """The shared-shift tables (ours and ``peers``) over ``seeds``, as Markdown lines."""
    rows, ev_rows, pm_rows = [], [], []
    for seed in seeds:
        corpus = shared_corpus(seed, machines=machines)
        with tempfile.TemporaryDirectory(prefix="eval-shared-") as tmp:
            results, repo, _ = write_shared(Path(tmp), corpus)
            run = run_on_files(results, repo)
        hits, env = hits_of(run.report.findings, run.order, series_of)
        series = {series_of(s.key): s for s in run.series}
        ours = tally(corpus, hits, True)
        results_by: dict[str, tuple[Tally, float, int]] = {
            OURS: (ours, run.seconds, event_fp(corpus, hits))}
        pm_peer: dict[str, list[int]] = {}
        for peer, fn in peers.items():
            got = peer_flags(peer, fn, series)
            if got is None:
                continue
            flags, t = got
            phits = {k: [Hit("flag", p) for p in v] for k, v in flags.items()}
            sc = tally(corpus, phits, False)
            results_by[peer] = (sc, t, event_fp(corpus, phits))
            pm_peer[peer] = sc.per_fp
        for name, (sc, t, efp) in results_by.items():
            worse = sum(f > tt for f, tt in zip(sc.per_fp, sc.per_tp))
            rows.append([label(seed), name, f"{sc.tp}/{sc.tp + sc.fn}", sc.fp, f"{sc.p:.3f}",
                         f"{sc.r:.3f}", f"{sc.f1:.3f}", sc.stacked, efp, f"{worse}/{machines}",
                         max(sc.per_fp), sc.drift, f"{t:.1f}"])
        ev = events_score(corpus, env)
        n_run = sum(e.kind == "runner" for e in corpus.events)
        moved = sorted(h.moved for _, h in env if h.moved is not None)
        ev_rows.append([label(seed), f"{n_run} / {len(corpus.events) - n_run}",
                        f"{len(corpus.truths)} ({sum(t.on_shift for t in corpus.truths)})",
                        ev["runner"], ev["stretch"], ev["ends"], ev["spurious"],
                        moved[len(moved) // 2] if moved else "n/a"])
        for m in range(machines):
            evs = [e for e in corpus.events if e.machine == m]
            desc = ", ".join(f"{e.kind}@{e.start}" + (f"-{e.end}" if e.end else "") for e in evs)
            pm_rows.append([label(seed), f"runner-{m:02d}", desc or "-",
                            sum(t.machine == m for t in corpus.truths),
                            ours.per_tp[m], ours.per_fp[m]]
                           + [pm_peer[p][m] for p in pm_peer])
        print(f"shared seed {seed}: done", file=sys.stderr)
    ran = [p for p in peers if any(r[1] == p for r in rows)]
    return (md_table(HEAD, rows) + ["", "Shared events (ours):", ""] + md_table(EV_HEAD, ev_rows)
            + ["", "Per machine (false = false regressions):", ""]
            + md_table(PM_HEAD + [f"{p} false" for p in ran], pm_rows))
