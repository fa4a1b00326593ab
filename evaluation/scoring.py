"""Scoring: findings as commit positions, precision/recall/F1, Markdown tables.

* :class:`Hit` / :func:`hits_of`: findings as positions, read with ``getattr``
  so that fields a detector's findings lack (``commits_after``, ``confirmed``,
  ``end_commit``, ...) read as None;
* :class:`Score`: the TCPDBench convention. A flagged commit is a true
  positive when it is within ``margin`` commits of a labelled culprit not
  matched yet; precision, recall and F1 are pooled over the series of a
  class. :func:`scores` and :func:`noisy_split` give the main accuracy
  table's row of one detector on the labelled corpus (:mod:`.corpus`);
* :func:`md_table`, :func:`fmt`, :func:`share`: table cells.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Hashable

from .corpus import N_COMMITS, Spec

Flags = dict[int, list[int]]           # series id -> flagged commit positions


@dataclass(frozen=True)
class Hit:
    """One finding at a commit position (None: the finding has no such field)."""

    kind: str
    pos: int
    commits_after: int | None = None
    confirmed: bool | None = None
    end: int | None = None          # environment: first commit back at the old level
    moved: int | None = None
    share: float | None = None


def hit_of(f: Any, pos: dict[str, int]) -> Hit:
    end = getattr(f, "end_commit", None)
    return Hit(str(f.kind), pos[f.commit], getattr(f, "commits_after", None),
               getattr(f, "confirmed", None), pos.get(end) if end else None,
               getattr(f, "moved", None), getattr(f, "share", None))


def is_environment(f: Any) -> bool:
    return str(f.kind) == "environment" or not f.key.benchmark


def hits_of(findings: Sequence[Any], order: list[str], ident: Callable[[Any], Hashable]
            ) -> tuple[dict[Any, list[Hit]], list[tuple[Any, Hit]]]:
    """Series findings by ``ident(key)``, and the environment findings as (key, hit)."""
    pos = {sha: i for i, sha in enumerate(order)}
    per: dict[Any, list[Hit]] = {}
    env: list[tuple[Any, Hit]] = []
    for f in findings:
        if is_environment(f):
            env.append((f.key, hit_of(f, pos)))
        else:
            per.setdefault(ident(f.key), []).append(hit_of(f, pos))
    return per, env


@dataclass
class Score:
    """Matched flags (``tp``), flags (``pred``) and culprits (``truth``), pooled."""

    tp: int = 0
    pred: int = 0
    truth: int = 0

    def add(self, flags: list[int], truths: list[int], margin: int) -> None:
        used: set[int] = set()
        for f in sorted(set(flags)):
            match = next((t for t in truths if t not in used and abs(f - t) <= margin), None)
            if match is not None:
                used.add(match)
                self.tp += 1
        self.pred += len(set(flags))
        self.truth += len(truths)

    @property
    def precision(self) -> float:
        return self.tp / self.pred if self.pred else 1.0

    @property
    def recall(self) -> float:
        return self.tp / self.truth if self.truth else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def scores(flags: Flags, specs: list[Spec]) -> dict[str, float]:
    """The main table's row of one detector on the labelled corpus."""
    row: dict[str, float] = {}
    big = [s for s in specs if s.kind in ("step", "double")]
    for margin in (0, 1):
        sc = Score()
        for s in big:
            sc.add(flags.get(s.sid, []), s.truths, margin)
        row[f"P{margin}"], row[f"R{margin}"], row[f"F1{margin}"] = sc.precision, sc.recall, sc.f1
    aa = [s for s in specs if s.kind == "aa"]
    row["fa"] = 1000.0 * sum(len(set(flags.get(s.sid, []))) for s in aa) / max(1, len(aa))
    row["fa_last"] = 1000.0 * sum(N_COMMITS - 1 in flags.get(s.sid, []) for s in aa) / max(1, len(aa))
    small = [s for s in specs if s.kind == "small"]
    row["small"] = sum(bool(flags.get(s.sid)) for s in small) / max(1, len(small))
    drift = [s for s in specs if s.kind == "drift"]
    row["drift"] = sum(any(s.drift_window[0] <= f <= s.drift_window[1] + 10
                           for f in flags.get(s.sid, [])) for s in drift) / max(1, len(drift))
    return row


def noisy_split(flags: Flags, specs: list[Spec]) -> tuple[float, float, float]:
    """F1 on step series with within-run CV <= 10 % (margin 0 and 1), CV > 10 % (margin 0)."""
    out = []
    for quiet, margin in ((True, 0), (True, 1), (False, 0)):
        sc = Score()
        for s in specs:
            if s.kind in ("step", "double") and (s.cv <= 0.10) == quiet:
                sc.add(flags.get(s.sid, []), s.truths, margin)
        out.append(sc.f1)
    return out[0], out[1], out[2]


def fmt(x: float | None, spec: str = ".3f") -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return format(x, spec)


def share(hits: int, total: int) -> str:
    return f"{hits}/{total} ({hits / total:.0%})" if total else "0/0"


def md_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return out


def found_by_size(flags: Flags, specs: list[Spec]) -> dict[float, tuple[int, int]]:
    """Single steps flagged at their exact commit, by step size (the factor or
    its reciprocal): size -> (found, steps)."""
    out: dict[float, tuple[int, int]] = {}
    for s in specs:
        if s.kind != "step":
            continue
        size = round(max(s.factor, 1.0 / s.factor), 2)
        found, total = out.get(size, (0, 0))
        out[size] = (found + (s.truths[0] in flags.get(s.sid, [])), total + 1)
    return dict(sorted(out.items()))

