"""Environment findings: the shared events of ``shared``, applied to one run.

For every (machine, env) this gathers the moves of its series (their step
candidates of at least half the size guard with p <= ``DetectorConfig.env_move_p`` and their
spike runs), finds the shared events (:func:`.shared.shared_events`), and
then, per event:

* **Siblings.** An event in one env of a machine is looked for in its other
  envs at that commit with a lower share (``env_sibling_share``): a runner
  change moves every env, fewer series may show it in one of them.
* **Code or environment.** When most of the members that have an
  instruction-count companion changed their count at that commit, the
  code moved them: the event is no environment, and its members are judged
  as they are. Otherwise it is one ``environment`` finding.
* **A stretch explains only what came back.** A member whose own step
  outlasted a stretch (its level after the stretch still at least half the
  shift away from its level before it, beyond what the series the event did
  not move did meanwhile) is no member: it is judged as itself, and the
  finding's members and ratio are those of the others. Members that stayed
  together, as many as an event needs, are a lasting shift of their own;
  when at least half of the members stayed, the shift lasted.
* **Judging against it.** Each member's candidate is replaced by the same
  candidate against the shared shift (:meth:`.candidates.Candidate.against`),
  or dropped when the shift explains it (:func:`.shared.absorbed`).
* **Slow stretches left out.** Every other candidate of the group is tested
  without the commits inside a slow stretch (their levels are the host's):
  a step right after a stretch is compared with the level before it.
* **Evidence.** The share of series that moved, the shared ratio and the
  members' interquartile range, instruction counts unchanged, metadata of
  the result files that changed at that commit (asv's machine ``params``,
  Python, requirements), the build time when asv recorded one.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..model.config import DetectorConfig
from ..model.environment_meta import FileMeta, decisive
from ..model.findings import Finding
from ..model.profile import Profile
from ..model.series import Series, SeriesKey
from .candidates import Candidate
from .changepoint import noise_scale, segment_levels
from .exact_counts import count_ratio
from .lasting import level_change, split, stayed
from .shared import GroupData, Move, SharedEvent, absorbed, shared_events, spike_runs



@dataclass
class Prepared:
    """One timing series as the analysis saw it."""

    series: Series
    idx: np.ndarray          # indices of its usable points
    y: np.ndarray            # badness log levels of those points
    cps: list[int]           # change points (indices into y)
    candidates: list[Candidate]

    @property
    def positions(self) -> np.ndarray:
        return self.series.columns.positions[self.idx]


def group_data(group: tuple[str, str], members: list[Prepared],
               config: DetectorConfig) -> GroupData:
    moves: list[Move] = []
    top = 0
    for i, p in enumerate(members):
        pos = p.positions
        top = max(top, int(pos.max()) + 2 if pos.size else 0)
        t = config.threshold_for(p.series.key.benchmark)
        guard = math.log1p(config.guard * t)
        for c in p.candidates:
            if c.kind == "step" and c.p_value <= config.env_move_p and abs(math.log(c.ratio)) >= 0.5 * guard:
                short = c.tail is not None and c.tail.j <= 2      # spike-like: end = -1
                moves.append(Move(i, int(p.series.columns.positions[c.at]), math.log(c.ratio), c,
                                  -1 if short else None))
        limit = max(config.spike_sds * noise_scale(p.y), guard)
        moves.extend(spike_runs(p.y, segment_levels(p.y, p.cps), pos, i, limit,
                                config.env_max_stretch))
    measured = np.zeros(top + 1, dtype=np.int64)
    for p in members:
        np.add.at(measured, p.positions, 1)
    return GroupData(group, moves, measured, int(measured.sum()), int(np.count_nonzero(measured)))


def code_moved(event: SharedEvent, members: list[Prepared], by_key: Mapping[SeriesKey, Series],
               profile: Profile) -> tuple[int, int]:
    """(members whose instruction count changed at their commit, members with a count)."""
    changed = counted = 0
    for m in event.members:
        s = members[m.series].series
        other = profile.companion(s.key)
        inst = by_key.get(other) if other else None
        if inst is None:
            continue
        commit = s.commits[m.ref.at] if m.ref is not None else None
        if commit is None:
            continue
        r = count_ratio(inst, commit)
        if r is None:
            continue
        counted += 1
        changed += r != 1.0
    return changed, counted


def metadata_changes(meta: Mapping[tuple[str, str, str], FileMeta] | None, group: tuple[str, str],
                     commit: str, previous: str) -> list[str]:
    if not meta:
        return []
    a, b = meta.get((*group, previous)), meta.get((*group, commit))
    if a is None or b is None:
        return []
    out = []
    old, new = dict(a.meta), dict(b.meta)
    diff = sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))
    strong = [k for k in diff if decisive(k, old.get(k), new.get(k))]
    for keys, head in ((strong, "result metadata changed"),
                       ([k for k in diff if k not in strong],
                        "routine change of the same machine, no cause named")):
        if keys:
            shown = "; ".join(f"{k}: {old.get(k, '-')} -> {new.get(k, '-')}" for k in keys[:3])
            more = f" (and {len(keys) - 3} more)" if len(keys) > 3 else ""
            out.append(f"{head}: {shown}{more}")
    if a.build_seconds and b.build_seconds:
        out.append(f"build time x{b.build_seconds / a.build_seconds:.2f}")
    return out


def apply_events(prepared: list[Prepared], series_list: list[Series], config: DetectorConfig,
                 meta: Mapping[tuple[str, str, str], FileMeta] | None = None,
                 same_build: Mapping[str, str] | None = None
                 ) -> tuple[list[Candidate], list[Finding], dict[int, tuple[SharedEvent, str]]]:
    """Every candidate after judging the members of environment events
    against them; the environment findings; per kept member candidate
    (by ``id``) its event and the commit of that event.

    Two passes: every (machine, env) alone, then, where an environment
    event was found in one env of a machine, its sibling envs at that
    commit (``p +- 1``) with the share asked of an event lowered to
    ``env_sibling_share``: a runner change shifts every env of the machine,
    and the env where fewer of its series show it is the same event."""
    run = EventRun(series_list, config, meta, same_build or {})
    groups: dict[tuple[str, str], list[Prepared]] = {}
    for p in prepared:
        groups.setdefault((p.series.key.machine, p.series.key.env), []).append(p)
    groups = {g: m for g, m in sorted(groups.items()) if len(m) >= config.env_min_series}
    data = {g: group_data(g, m, config) for g, m in groups.items()}
    starts: dict[str, set[tuple[int, str]]] = {}       # machine -> (event start, env)
    for group, members in groups.items():
        for event in run.events(data[group], config.env_min_share):
            if run.apply(event, group, members, data[group]):
                starts.setdefault(group[0], set()).add((event.start, group[1]))
    for group, members in groups.items():
        mine = {s for s, env in starts.get(group[0], set()) if env == group[1]}
        wanted = {s for s, env in starts.get(group[0], set()) if env != group[1]}
        wanted = {s for s in wanted if not any(abs(s - m) <= 1 for m in mine)}
        if not wanted:
            continue
        for event in run.events(data[group], config.env_sibling_share):
            if any(abs(event.start - s) <= 1 for s in wanted) \
                    and not any(abs(event.start - m) <= 1 for m in mine):
                if run.apply(event, group, members, data[group], sibling=True):
                    mine.add(event.start)
    out: list[Candidate] = []
    for p in prepared:
        spans = run.stretches.get((p.series.key.machine, p.series.key.env), [])
        for c in p.candidates:
            r = run.replaced.get(id(c), c)
            if r is None:
                continue
            if spans:
                mine = [sp for sp in spans if not sp[0] <= int(p.series.columns.positions[r.at])
                        < sp[1] + 1]
                t = r.without(mine)
                if t is not r and id(r) in run.joined:
                    run.joined[id(t)] = run.joined[id(r)]
                r = t
            out.append(r)
    return out, run.findings, run.joined


class EventRun:
    """What applying the events of one detect run has decided so far."""

    def __init__(self, series_list: list[Series], config: DetectorConfig,
                 meta: Mapping[tuple[str, str, str], FileMeta] | None,
                 same_build: Mapping[str, str]) -> None:
        self.by_key = {s.key: s for s in series_list}
        self.config, self.meta, self.same_build = config, meta, same_build
        self.replaced: dict[int, Candidate | None] = {}
        self.joined: dict[int, tuple[SharedEvent, str]] = {}
        self.stretches: dict[tuple[str, str], list[tuple[int, int]]] = {}
        self.findings: list[Finding] = []
        self.taken: set[int] = set()            # ids of candidates already an event's member
        self.positions: dict[tuple[str, str], tuple[dict[int, str], list[int]]] = {}

    def commits_of(self, group: tuple[str, str], members: list[Prepared]
                   ) -> tuple[dict[int, str], list[int]]:
        """The group's commit at each position it measured, and those positions
        in order (built once per group)."""
        if group not in self.positions:
            sha_at = {int(pos): c for p in members
                      for pos, c in zip(p.series.columns.positions.tolist(), p.series.commits)}
            self.positions[group] = (sha_at, sorted(sha_at))
        return self.positions[group]

    def events(self, data: GroupData, min_share: float) -> list[SharedEvent]:
        c = self.config
        return shared_events(data, min_series=c.env_min_series, alpha=c.env_alpha,
                             max_stretch=c.env_max_stretch, min_share=min_share,
                             concentration=c.env_concentration,
                             tolerance=math.log1p(c.guard * c.threshold),
                             edge_share=c.env_edge_share, return_share=c.env_return_share)

    def apply(self, event: SharedEvent, group: tuple[str, str], members: list[Prepared],
              data: GroupData, sibling: bool = False) -> bool:
        """Judge ``event``'s members against it and add its finding; False
        (nothing done) when the code moved them or, for a ``sibling`` event,
        when a member is already judged against another event."""
        config = self.config
        if sibling and any(id(m.ref) in self.taken for m in event.members if m.ref is not None):
            return False
        changed, counted = code_moved(event, members, self.by_key, config.profile)
        if counted and changed > counted / 2:
            return False                                   # the code moved them
        parts = [event]
        if event.end is not None:
            changes = [level_change(p.positions, p.y, event, config) for p in members]
            lasting = stayed(changes, event, config.env_min_series)
            parts = split(event, lasting, data, config.env_min_series, config.env_min_share)
        for part in parts:
            counts = (changed, counted) if part is event else \
                code_moved(part, members, self.by_key, config.profile)
            self.judge(part, group, members, *counts)
        return True

    def judge(self, event: SharedEvent, group: tuple[str, str], members: list[Prepared],
              changed: int, counted: int) -> None:
        """Judge the members of ``event`` (one whose code did not move them)
        against it, and add its finding."""
        config = self.config
        if event.end is not None:
            self.stretches.setdefault(group, []).append((event.start, event.end))
        sha_at, ordered = self.commits_of(group, members)
        commit = sha_at[event.start]
        i = ordered.index(event.start)
        previous = sha_at[ordered[i - 1]] if i > 0 else commit
        for moves, shift in ((event.members, event.log_shift),
                             (event.returns, float(np.median([m.log_ratio for m in event.returns]))
                              if event.returns else 0.0)):
            for m in moves:
                if m.ref is None:
                    continue
                self.taken.add(id(m.ref))
                t = config.threshold_for(m.ref.series.key.benchmark)
                judged = m.ref.against(shift)
                if absorbed(math.log(judged.ratio), event, math.log1p(config.guard * t),
                            config.env_spread_sds):
                    self.replaced[id(m.ref)] = None
                else:
                    self.replaced[id(m.ref)] = judged
                    self.joined[id(judged)] = (event, commit)
        meta = metadata_changes(self.meta, group, commit, previous)
        cause = cause_of(event, meta, self.same_build, commit, previous)
        keys = [members[m.series].series.key for m in event.members]
        self.findings.append(environment_finding(event, group, commit, previous, sha_at, ordered,
                                                 changed, counted, meta, cause, keys))


def cause_of(event: SharedEvent, meta: list[str], same_build: Mapping[str, str], commit: str,
             previous: str) -> str | None:
    """The evidence that the environment made a shared shift (``decided_by``
    of its environment finding), or None when there is none: asv's recorded
    metadata changed; the commit changed no build input (it shares its build
    with the previous measured commit); or the shift came back by itself."""
    if any(line.startswith("result metadata changed") for line in meta):
        return "metadata"
    if same_build.get(commit, commit) == same_build.get(previous, previous) and commit != previous:
        return "build key"
    if event.end is not None:
        return "history"
    return None


def environment_finding(event: SharedEvent, group: tuple[str, str], commit: str, previous: str,
                        sha_at: dict[int, str], ordered: list[int], changed: int, counted: int,
                        extra: list[str], cause: str | None,
                        keys: list[SeriesKey]) -> Finding:
    """An ``environment`` finding when ``cause`` names its evidence, else a
    ``shift`` of unknown cause; ``keys``: each member move's series."""
    ratio = math.exp(event.log_shift)
    lo, hi = (math.exp(q) for q in event.quartiles)
    end = sha_at.get(event.end) if event.end is not None else None
    stop = ordered.index(event.end) if event.end is not None and event.end in sha_at else len(ordered)
    span = stop - ordered.index(event.start)
    evidence = [f"{event.moved} of {event.series_measured} series moved x{ratio:.3f} together "
                f"(interquartile x{lo:.3f}-x{hi:.3f})"]
    if end is not None:
        evidence.append(f"back at the old level at {end[:10]} after {span} commit(s)")
    elif stop == len(ordered) and span <= 3:
        evidence.append("at the newest commits: may still be under way")
    if counted:
        evidence.append(f"instruction counts unchanged in {counted - changed} of {counted} "
                        "series that have them")
    evidence.extend(extra)
    if cause == "build key":
        evidence.append(f"the commit changed no build input (the build of {previous[:10]})")
    elif cause is None:
        evidence.append("cause unknown: no metadata change that names one, the build changed, no return; "
                        "re-measure to tell the code from the host")
    moved: dict[SeriesKey, list[float]] = {}
    for key, m in zip(keys, event.members):
        moved.setdefault(key, []).append(m.log_ratio)
    members = tuple((k, math.exp(float(np.median(v)))) for k, v in sorted(moved.items()))
    return Finding("environment" if cause else "shift", SeriesKey(group[0], group[1], ""),
                   commit, previous, math.nan, math.nan, ratio, (lo, hi), event.p_value, "ratio",
                   tuple(evidence), "lower", span, False, None, end, event.moved, event.share,
                   decided_by=cause or "history", members=members)
