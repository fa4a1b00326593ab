"""The kinds of finding, in one registry that every view reads.

Each kind has an order (how reports list them), a label and an icon for
people, a colour for the site and plots, and whether it fails ``detect``
(exit 1) and the PR gate. Adding a kind touches this table only; the JSON
report, the Markdown, the site, the plots and the gate look kinds up here.

* ``regression``: a change of the threshold's size for the worse;
* ``drift``: a creep for the worse through steps each too small to flag;
* ``environment``: a change that many series of one machine and environment
  made at the same commit(s) with evidence that the environment made it
  (asv's metadata changed, the commit changed no build input, the level
  came back by itself, or re-measurement did not reproduce it), reported
  once for the machine; the series that moved with it are judged against
  it, not reported one by one;
* ``shift``: such a shared change without that evidence: its cause is
  unknown (a runner change asv did not record, or a change of the code
  that every benchmark goes through). It is listed with its members and
  fails ``detect`` when it is for the worse; re-measurement (``run``, the
  gate) decides it: reproduced, its members become regressions or
  improvements; not reproduced, it is an environment shift;
* ``inconclusive``: a timing change that re-measuring the culprit and its
  parent interleaved could neither confirm nor refute within its bound:
  listed apart as "not confirmed", never as a change;
* ``refuted``: a timing change that re-measuring the culprit and its
  parent interleaved did not reproduce (``confirm``): listed apart, as noise;
* ``improvement``: a change of the threshold's size for the better.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["regression", "drift", "shift", "environment", "inconclusive", "refuted",
               "improvement"]


@dataclass(frozen=True)
class KindInfo:
    """How one kind of finding is shown and whether it fails a run."""

    name: str
    order: int
    label: str
    icon: str
    colour: str
    marker: str             # matplotlib marker for plots
    fails_detect: bool
    fails_gate: bool
    change: bool = True     # shown as a change (False: a suspect that did not hold up)


KINDS: dict[str, KindInfo] = {k.name: k for k in (
    KindInfo("regression", 0, "Regression", "▲", "#c0392b", "^", True, True),
    KindInfo("drift", 1, "Drift", "◆", "#d68910", "D", True, True),
    KindInfo("shift", 2, "Shared shift, cause unknown", "◇", "#af601a", "P", True, True),
    KindInfo("environment", 3, "Environment", "■", "#5d6d7e", "s", False, False),
    KindInfo("inconclusive", 4, "Not confirmed", "?", "#a569bd", "o", False, False, False),
    KindInfo("refuted", 5, "Refuted", "✕", "#7f8c8d", "x", False, False, False),
    KindInfo("improvement", 6, "Improvement", "▼", "#1e8449", "v", False, False),
)}


def kind_info(name: str) -> KindInfo:
    """The registry entry of ``name``; an unknown kind is a programming error."""
    try:
        return KINDS[name]
    except KeyError:
        raise ValueError(f"unknown finding kind {name!r}") from None


def failing_kinds(gate: bool = False) -> tuple[str, ...]:
    """The kinds that make ``detect`` (or, with ``gate``, the PR gate) fail."""
    return tuple(k.name for k in KINDS.values() if (k.fails_gate if gate else k.fails_detect))


def kind_order(name: str) -> int:
    return kind_info(name).order
