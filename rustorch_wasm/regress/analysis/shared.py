"""Shifts that many series of one machine share: the environment, not the code.

A host that slows the VM for minutes slows every benchmark measured
meanwhile; a runner or image change moves most benchmarks of a machine at
one commit. Judged one series at a time, each of those looks like a
regression of its own. This module finds them across the series of one
(machine, environment) and estimates each once.

Moves
    Each series contributes its *moves*: the level changes the per-series
    analysis found (step candidates at change points and at the tail), with
    the commit position ``p`` of the first changed commit and the log ratio
    ``r`` in badness terms (positive = worse), and its *spike runs*: one or
    more consecutive commits above their level by at least the size guard and
    ``DetectorConfig.spike_sds`` noise sds (a stretch too short, or too unclear in one
    series, to be a level of its own).

Co-movement
    For one sign, let ``rho`` be the group's moves per series-commit that no
    event found so far explains (the events are taken greedily, and each one
    taken leaves the rate of the rest: shared changes elsewhere in the
    history do not weaken the test here). Under
    independence the number ``K`` of distinct series with a move at ``p`` or
    ``p + 1`` (asv measures one benchmark after another, so a stretch that
    begins while commit ``p`` is being measured reaches only the benchmarks
    measured after it began: those move at ``p``, the rest at ``p + 1``) is
    at most ``Binomial(N_p, 2 rho)`` (``N_p`` series measured at ``p``;
    ``rho`` still counts the shared moves not found yet, which only makes
    the test conservative). A window is a shared event when ``K >= min_series``, ``K``
    is at least ``min_share`` of ``N_p``, ``P(X >= K) * positions < alpha``,
    and ``K`` is at least ``concentration`` times the series that move the
    same way at either neighbouring commit (``p - 1``, ``p + 2``): one cause
    moves the series at one commit (two, at a partly covered edge), while
    separate changes that crowd a few neighbouring commits (say regressions
    landing in each of the newest commits) spread over them. Events are
    taken greedily, the most significant window first (smallest ``P(X >= K)``,
    then most series; by ``K`` alone a crowd of many measured series came
    first and failed), its members removed before the next, until one fails.

Estimate
    The shared log shift is the median of the members' ``r``; its spread the
    normalised MAD ``1.4826 med |r - med r|``, reported with the members'
    interquartile range. When at least half (``return_share``) of an
    event's series move back within ``max_stretch`` commits (each series'
    first opposite move), it is one *slow stretch* from ``a`` to ``b``, the
    first commit back (the latest return commit that holds a fifth,
    ``edge_share``, of the returns: a stretch that ended while a commit was
    measured is back only partly there). Spike runs make stretches by
    themselves. The first commit ``a`` is the earliest that holds a fifth of
    the members' moves. Events of one sign found from
    steps and from spike runs within a commit of each other are one.

Judging against it
    A member is then judged against the shift (its ratio divided by the
    shared ratio); it stays a hypothesis only when that residual is of the
    threshold's size and beyond ``spread_sds`` spreads, so a series that moved
    x2.25 where the others moved x1.5 is still a regression at that commit,
    and one that moved like the others is not. A regression at a quiet
    commit is in no event and is judged as before.
"""
from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .stats import median, robust_spread


@dataclass(frozen=True)
class Move:
    """One level change (or spike run) of one series."""

    series: int               # index of the series within its group
    pos: int                  # commit position of the first changed commit
    log_ratio: float          # badness log ratio (positive: worse)
    ref: Any = None           # the candidate it came from (None for a spike run)
    end: int | None = None    # spike run: position of the first commit back


@dataclass
class SharedEvent:
    """A shift many series of one (machine, env) made together."""

    group: tuple[str, str]
    start: int                      # position of the first commit of the event
    end: int | None                 # first commit back (stretch), None: lasting
    log_shift: float                # median members' log ratio, badness terms
    spread: float                   # normalised MAD of the members' log ratios
    quartiles: tuple[float, float]  # of the members' log ratios
    members: list[Move]
    returns: list[Move] = field(default_factory=list)   # the way back of a stretch
    series_measured: int = 0
    p_value: float = 1.0

    @property
    def moved(self) -> int:
        return len({m.series for m in self.members})

    @property
    def share(self) -> float:
        return self.moved / self.series_measured if self.series_measured else math.nan


def binomial_tail(k: int, n: int, q: float) -> float:
    """``P(X >= k)`` for ``X ~ Binomial(n, q)``."""
    if k <= 0:
        return 1.0
    if k > n or q <= 0.0:
        return 0.0
    if q >= 1.0:
        return 1.0
    logs = [math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1)
            + i * math.log(q) + (n - i) * math.log1p(-q) for i in range(k, n + 1)]
    top = max(logs)
    return min(1.0, math.exp(top) * sum(math.exp(v - top) for v in logs))


def search_p(k: int, n: int, unexplained: int, data: GroupData) -> float:
    """The event search's p-value of ``k`` of ``n`` series in one window: the binomial
    tail at the rate of the moves no event explains yet, times the positions."""
    rate = min(1.0, 2.0 * unexplained / max(data.series_commits, 1))
    return min(1.0, binomial_tail(k, n, rate) * max(data.positions, 1))


@dataclass(frozen=True)
class GroupData:
    """What the event search needs of one (machine, env)."""

    group: tuple[str, str]
    moves: list[Move]
    measured_at: np.ndarray          # series measured at each commit position
    series_commits: int              # measured points of all its series
    positions: int                   # commit positions it spans


def clusters(moves: list[Move], data: GroupData, min_series: int, alpha: float,
             min_share: float, concentration: float
             ) -> list[tuple[list[Move], int, float]]:
    """Greedy windows ``[p, p + 1]`` of co-moving series (one sign), the most
    significant first (see the module docstring). A window
    must hold ``concentration`` times as many series as move at either
    neighbouring commit (``p - 1``, ``p + 2``): one cause moves the series at
    one commit, while changes spread over several neighbouring commits (such
    as separate regressions in the newest commits) are separate changes."""
    if not moves:
        return []
    left = sorted(moves, key=lambda m: m.pos)          # the moves not taken yet: alive
    at = [m.pos for m in left]
    alive = [True] * len(left)
    remaining = len(left)
    series_at: dict[int, list[int]] = {}          # every move's series, by position
    count: dict[int, Counter] = {}                # alive moves per position and series
    for m in moves:
        series_at.setdefault(m.pos, []).append(m.series)
    for m in left:
        count.setdefault(m.pos, Counter())[m.series] += 1

    def window(p: int) -> int:                    # series moving at p or p + 1
        return len(count[p].keys() | count.get(p + 1, Counter()).keys())

    size = {p: window(p) for p in count}
    out = []
    while remaining >= min_series:
        best_p, best_k, n, p_value = -1, 0, 0, 2.0
        for p in sorted(size):                    # the most significant window first
            k = size[p]
            if k < min_series:
                continue
            n_p = int(max(data.measured_at[p] if p < data.measured_at.size else 0, k))
            p_k = search_p(k, n_p, remaining, data)
            if (p_k, -k) < (p_value, -best_k):
                best_p, best_k, n, p_value = p, k, n_p, p_k
        if best_k < min_series or p_value >= alpha or best_k < min_share * n:
            break
        members, seen = [], set()
        for i in range(bisect_left(at, best_p), bisect_right(at, best_p + 1)):
            m = left[i]                 # one move per series, the earlier position first
            if alive[i] and m.series not in seen:
                members.append(m)
                seen.add(m.series)
                alive[i] = False
                remaining -= 1
                count[m.pos][m.series] -= 1
                if not count[m.pos][m.series]:
                    del count[m.pos][m.series]
        for p in (best_p - 1, best_p, best_p + 1):
            if p in count and not count[p]:
                del count[p]
            size.pop(p, None)
            if p in count:
                size[p] = window(p)
        beside = max(len({s for s in series_at.get(q, ()) if s not in seen})
                     for q in (best_p - 1, best_p + 2))
        if best_k < concentration * beside:
            continue
        out.append((members, n, p_value))
    return out


def event_of(group: tuple[str, str], members: list[Move], n: int, p: float,
             edge_share: float) -> SharedEvent:
    r = np.array([m.log_ratio for m in members])
    q25, q75 = np.percentile(r, [25, 75])
    return SharedEvent(group, first_commit([m.pos for m in members], edge_share), None,
                       median(r),
                       robust_spread(r), (float(q25), float(q75)), members,
                       series_measured=n, p_value=p)


def first_commit(positions: list[int], share: float) -> int:
    """The earliest position that holds at least ``share`` of the moves (a
    stray early move of one series does not start the event)."""
    counts = Counter(positions)
    need = share * len(positions)
    return min((p for p, c in counts.items() if c >= need), default=min(positions))


def last_commit(positions: list[int], share: float) -> int:
    """The latest position that holds at least ``share`` of the moves: a
    stretch that ended while a commit was measured returns partly there and
    wholly at the next commit, which is the first commit back."""
    counts = Counter(positions)
    need = share * len(positions)
    return max((p for p, c in counts.items() if c >= need), default=max(positions))


def with_returns(event: SharedEvent, steps: dict[int, list[tuple[int, Move]]],
                 gone: set[int], max_stretch: int, tolerance: float) -> list[Move]:
    """Each member's way back: its first opposite step within ``max_stretch``
    commits whose size is the shift's within ``tolerance``, in position
    order. ``steps``: each series' steps with their rank by position, in
    that order; ``gone``: the ids of moves already taken by an event."""
    sign = 1.0 if event.log_shift > 0 else -1.0
    mine = {m.series: m.pos for m in event.members}
    found: list[tuple[int, Move]] = []
    for series, start in mine.items():
        for rank, m in steps.get(series, ()):
            if id(m) in gone or m.log_ratio * sign >= 0 \
                    or abs(m.log_ratio + event.log_shift) >= tolerance:
                continue
            if start < m.pos <= start + max_stretch:
                found.append((rank, m))
                break
    event.returns = [m for _, m in sorted(found, key=lambda rm: rm[0])]
    return event.returns


def joined(events: list[SharedEvent], edge_share: float) -> list[SharedEvent]:
    """Events of one sign that start within a commit of each other (found
    from steps and from spike runs) are one event."""
    out: list[SharedEvent] = []
    for e in sorted(events, key=lambda e: e.start):
        prev = next((o for o in out if abs(o.start - e.start) <= 1
                     and o.log_shift * e.log_shift > 0), None)
        if prev is None:
            out.append(e)
            continue
        seen = {m.series for m in prev.members}
        members = prev.members + [m for m in e.members if m.series not in seen]
        one = event_of(prev.group, members, max(prev.series_measured, e.series_measured),
                       min(prev.p_value, e.p_value), edge_share)
        one.returns = prev.returns + e.returns
        ends = [x for x in (prev.end, e.end) if x is not None]
        one.end = max(ends) if ends else None
        out[out.index(prev)] = one
    return out


def merged(found: list[tuple[list[Move], int, float]]) -> list[tuple[list[Move], int, float]]:
    """Clusters whose windows overlap or touch are one event (one move per series)."""
    out: list[tuple[list[Move], int, float]] = []
    for members, n, p in sorted(found, key=lambda c: min(m.pos for m in c[0])):
        start = min(m.pos for m in members)
        if out and start <= max(m.pos for m in out[-1][0]) + 1:
            prev, n0, p0 = out[-1]
            seen = {m.series for m in prev}
            out[-1] = (prev + [m for m in members if m.series not in seen], max(n, n0), min(p, p0))
        else:
            out.append((members, n, p))
    return out


def shared_events(data: GroupData, *, min_series: int, alpha: float, max_stretch: int,
                  min_share: float, tolerance: float, concentration: float,
                  edge_share: float, return_share: float) -> list[SharedEvent]:
    """Every shared event of one group: lasting shifts and slow stretches.

    Steps, spike runs and short tail steps are one pool: inside a stretch,
    one series shows it as a level of its own and the next as a run above
    its level, and both are the same event. An event whose series mostly
    come back within ``max_stretch`` commits (their runs end, or an opposite
    step of the shift's size within ``tolerance``) is a stretch."""
    moves = data.moves
    steps: dict[int, list[tuple[int, Move]]] = {}      # each series' steps by position
    for rank, i in enumerate(sorted(range(len(moves)), key=lambda i: moves[i].pos)):
        if moves[i].ref is not None and moves[i].end is None:
            steps.setdefault(moves[i].series, []).append((rank, moves[i]))
    gone: set[int] = set()                   # ids of the moves events have taken
    events: list[SharedEvent] = []
    for sign in (1.0, -1.0):                 # slower first: a stretch's way back is faster
        pool = [m for m in moves if id(m) not in gone and m.log_ratio * sign > 0]
        for e in [event_of(data.group, c, n, p, edge_share) for c, n, p in
                  merged(clusters(pool, data, min_series, alpha, min_share,
                                  concentration))]:
            runs = [m.end for m in e.members if m.end is not None and m.end >= 0]
            # where most members are runs, their ends say when the stretch
            # ended, and the other members' way back is looked for there only
            reach = (last_commit(runs, edge_share) + 1 - e.start) \
                if len(runs) >= return_share * len(e.members) else max_stretch
            back = with_returns(e, steps, gone, reach, tolerance)
            ends = runs + [m.pos for m in back]
            e.end = last_commit(ends, edge_share) \
                if len(ends) >= return_share * len(e.members) else None
            if e.end is None:                # a lasting shift: one series' own later
                back = e.returns = []        # change is not its way back
            gone.update(id(m) for m in e.members)
            gone.update(id(m) for m in back)
            events.append(e)
    events = joined(events, edge_share)
    absorb(events, data.moves, max_stretch, tolerance, edge_share, return_share)
    return events


def absorb(events: list[SharedEvent], moves: list[Move], max_stretch: int,
           tolerance: float, edge_share: float, return_share: float) -> None:
    """Every move that is part of an event joins it.

    First, for every event, the moves of its sign at its first two commits
    (too few to form a cluster of their own) or, for a stretch, anywhere
    inside it. Then the ways back: each member's first opposite move whose
    size is the shift's within ``tolerance`` (log terms), at the stretch's
    last two commits; for a lasting shift, within ``max_stretch`` commits,
    and only when at least half of its members come back (then it is a
    stretch), so that one series' own later regression is not taken for the
    way back."""
    used = {id(m) for e in events for m in (*e.members, *e.returns)}
    by_pos = sorted(range(len(moves)), key=lambda i: moves[i].pos)   # stable: ties keep order
    pos_sorted = [moves[i].pos for i in by_pos]
    for e in sorted(events, key=lambda e: e.start):
        sign = 1.0 if e.log_shift > 0 else -1.0
        last = e.start + 1 if e.end is None else max(e.start + 1, e.end - 1)
        inside = sorted(by_pos[bisect_left(pos_sorted, e.start):bisect_right(pos_sorted, last)])
        for m in map(moves.__getitem__, inside):   # in the order of moves, as one scan
            if id(m) not in used and m.log_ratio * sign > 0:
                e.members.append(m)      # a series may move in more than one step of it
                used.add(id(m))
    of_series: dict[int, list[tuple[int, Move]]] = {}   # (rank by position, move)
    for rank, i in enumerate(by_pos):
        of_series.setdefault(moves[i].series, []).append((rank, moves[i]))
    for e in sorted(events, key=lambda e: e.start):
        starts: dict[int, int] = {}
        for m in e.members:
            starts.setdefault(m.series, m.pos)
        back = {m.series for m in e.returns}
        ranked: list[tuple[int, Move]] = []      # each series' first way back, by position
        for series, first in starts.items():
            if series in back:
                continue
            for rank, m in of_series.get(series, ()):
                if id(m) in used or abs(m.log_ratio + e.log_shift) >= tolerance:
                    continue
                if (e.end - 1 <= m.pos <= e.end + 1) if e.end is not None else \
                        first < m.pos <= first + max_stretch:
                    ranked.append((rank, m))
                    break
        found = [m for _, m in sorted(ranked, key=lambda rm: rm[0])]
        if e.end is None and len(e.returns) + len(found) < return_share * len(e.members):
            continue
        e.returns.extend(found)
        used.update(id(m) for m in found)
        if e.end is None:
            e.end = last_commit([m.pos for m in e.returns], edge_share)


def spike_runs(y: np.ndarray, level: np.ndarray, positions: np.ndarray, series: int,
               limit: float, longest: int) -> list[Move]:
    """Runs of up to ``longest`` points above ``level`` by ``limit`` or more
    (too short, or too unclear in one series, to be a level of their own);
    a run that reaches the newest point is left to the tail test."""
    high = np.concatenate([[0], ((y - level) >= limit).astype(np.int8), [0]])
    edges = np.diff(high)
    n = y.size
    out: list[Move] = []
    for i, j in zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()):
        if j - i <= longest and j < n and i > 0:      # run [i, j): first commit back at j
            out.append(Move(series, int(positions[i]), median(y[i:j] - level[i:j]),
                            None, int(positions[j])))
    return out




def absorbed(residual: float, event: SharedEvent, guard_log: float, spread_sds: float) -> bool:
    """Does the shared shift explain the member's move?"""
    return abs(residual) < max(guard_log, spread_sds * event.spread)
