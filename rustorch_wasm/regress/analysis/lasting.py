"""A stretch explains only what came back.

A shared event that returns by itself (a *stretch*: the host was slow for a
while) is evidence that the environment moved its members. A member whose
own step outlasted the stretch is not explained by it: with ``L`` the
member's log level (badness terms) over up to ``window`` commits before the
stretch's first commit and ``R`` over up to ``window`` commits from its
first commit back (at least ``min_segment`` each), the member *stayed* when

    sign(s) (med(R) - med(L)) >= |s| / 2,

``s`` the event's shared log shift. Stayed members leave the event and are
judged as themselves (a code change that landed during a wobble of the
host is a regression, not the host's); the event's shift, spread and
quartiles are then those of the members that came back. When at least half
of the members stayed, the shift lasted: the event is no stretch, and its
return is no evidence.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..model.config import DetectorConfig
from .shared import SharedEvent
from .stats import median, robust_spread


def stayed(pos: np.ndarray, y: np.ndarray, event: SharedEvent, config: DetectorConfig) -> bool:
    """Is a member (its usable points' commit positions ``pos`` and badness log
    levels ``y``) still at least half the shift away from its level before
    the stretch, over the commits after it (``window`` each side, at least
    ``min_segment`` after)? Its step then outlasted the stretch."""
    before = y[pos < event.start][-config.window:]
    after = y[pos >= event.end][:config.window]
    if before.size < config.min_segment or after.size < config.min_segment:
        return False
    sign = 1.0 if event.log_shift > 0 else -1.0
    return sign * (median(after) - median(before)) >= 0.5 * abs(event.log_shift)


def without_lasting(event: SharedEvent, lasting: set[int]) -> SharedEvent:
    """A stretch without the members (series indices ``lasting``) whose own
    step outlasted it: the stretch's return does not explain a series that
    stayed at its new level, so such a member is judged as itself. When at
    least half of the members stayed, the shift lasted: no return."""
    if not lasting or event.end is None:
        return event
    if 2 * len(lasting) >= event.moved:
        return replace(event, end=None, returns=[])
    kept = [m for m in event.members if m.series not in lasting]
    r = np.array([m.log_ratio for m in kept])
    q25, q75 = np.percentile(r, [25, 75])
    return replace(event, members=kept, log_shift=median(r), spread=robust_spread(r),
                   quartiles=(float(q25), float(q75)),
                   returns=[m for m in event.returns if m.series not in lasting])
