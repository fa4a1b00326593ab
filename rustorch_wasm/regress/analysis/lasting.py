"""A stretch explains only what came back.

A shared event that returns by itself (a *stretch*: the host was slow for a
while) is evidence that the environment moved its members. A member whose
own step outlasted the stretch is not explained by it: with ``L`` a
series' log level (badness terms) over up to ``window`` commits before the
stretch's first commit and ``R`` over up to ``window`` commits from its
first commit back (at least ``min_segment`` each), ``c_i = med(R) - med(L)``
its level change across the stretch, and ``C`` the median of ``c_i`` over
the series of the machine/environment the event did not move (what the
host itself did between the two sides: a later wobble lifts them all; the
members are what is being judged, so they are no reference, and a later
change that many members share does not hide that some of them stayed),
over every series when fewer than ``env_min_series`` were not moved, a
member *stayed* when

    sign(s) (c_i - C) >= |s| / 2,

``s`` the event's shared log shift. Stayed members leave the event and are
judged as themselves (a code change that landed during a wobble of the
host is a regression, not the host's) or, when they are many enough to be
a shared event by themselves, as a lasting shift of their own; the
stretch's shift, spread and quartiles are then those of the members that
came back. When at least half of the members stayed, the shift lasted: the
event is no stretch, and its return is no evidence.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..model.config import DetectorConfig
from .shared import GroupData, Move, SharedEvent, search_p
from .stats import median, robust_spread


def level_change(pos: np.ndarray, y: np.ndarray, event: SharedEvent,
                 config: DetectorConfig) -> float | None:
    """``med(R) - med(L)`` of one series (its usable points' commit positions
    ``pos`` and badness log levels ``y``; see the module docstring), or None
    when either side has fewer than ``min_segment`` commits."""
    before = y[pos < event.start][-config.window:]
    after = y[pos >= event.end][:config.window]
    if before.size < config.min_segment or after.size < config.min_segment:
        return None
    return median(after) - median(before)


def stayed(changes: list[float | None], event: SharedEvent, min_series: int) -> set[int]:
    """The members (series indices) that stayed: their level change ``changes[i]``
    beyond the host's ``C`` (see the module docstring; ``min_series``: the
    unmoved series it needs) by at least half the shift."""
    moved = {m.series for m in event.members}
    still = [c for i, c in enumerate(changes) if c is not None and i not in moved]
    known = [c for c in changes if c is not None]
    common = median(np.array(still if len(still) >= min_series else known or [0.0]))
    sign = 1.0 if event.log_shift > 0 else -1.0
    return {m.series for m in event.members
            if m.ref is not None and m.end is None and changes[m.series] is not None
            and sign * (changes[m.series] - common) >= 0.5 * abs(event.log_shift)}


def with_members(event: SharedEvent, kept: list[Move], **changes: object) -> SharedEvent:
    """``event`` made of the member moves ``kept`` only: its shift, spread and
    quartiles are theirs."""
    r = np.array([m.log_ratio for m in kept])
    q25, q75 = np.percentile(r, [25, 75])
    return replace(event, members=kept, log_shift=median(r), spread=robust_spread(r),
                   quartiles=(float(q25), float(q75)), **changes)


def split(event: SharedEvent, lasting: set[int], data: GroupData, min_series: int,
          min_share: float) -> list[SharedEvent]:
    """A stretch, parted from the members (series indices ``lasting``) whose
    own step outlasted it: the stretch's return does not explain a series that
    stayed at its new level. When at least half of the members stayed, the
    shift lasted: one event, no return. Else the stretch of those that came
    back and, when the members that stayed are a shared shift by themselves
    (``min_series`` of them and ``min_share`` of the series measured), that
    lasting shift, with the event search's p-value of as many series
    (:func:`.shared.search_p`; the event's is that of all its members); members that stayed otherwise are
    judged as themselves."""
    if not lasting or event.end is None:
        return [event]
    if 2 * len(lasting) >= event.moved:
        return [replace(event, end=None, returns=[])]
    back = with_members(event, [m for m in event.members if m.series not in lasting],
                        returns=[m for m in event.returns if m.series not in lasting])
    stay = [m for m in event.members if m.series in lasting]
    if len(lasting) >= max(min_series, min_share * event.series_measured):
        return [back, with_members(event, stay, end=None, returns=[],
                                   p_value=search_p(len(lasting), event.series_measured,
                                                    len(data.moves), data))]
    return [back]
