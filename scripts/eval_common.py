"""What the user-facing evaluations share (scripts/eval_users.py, eval_shared.py).

* :func:`ours_on_files`: our detector through the path ``rustorch-regress
  detect`` takes (load_results -> first-parent order -> build_series -> detect);
* :class:`Hit` / :func:`hits_of`: findings as positions, read with ``getattr``
  so that fields the detector does not have yet (``commits_after``,
  ``confirmed``, ``end_commit``, ...) read as None;
* :data:`PEERS`: asv's step_detect and Otava as eval_detector.py runs them;
* :func:`md_table`: a Markdown table.
"""
from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_detector import peer_asv_step, peer_otava  # noqa: E402

from rustorch_wasm.regress.model.config import DetectorConfig  # noqa: E402
from rustorch_wasm.regress.analysis.detect import detect  # noqa: E402
from rustorch_wasm.regress.io.repository import first_parent_commits  # noqa: E402
from rustorch_wasm.regress.io.results import load_results  # noqa: E402
from rustorch_wasm.regress.model.series import Series  # noqa: E402
from rustorch_wasm.regress.io.columns import build_series  # noqa: E402

PEERS: dict[str, Callable[[Series], list[int]]] = {
    "asv step_detect": peer_asv_step,
    "Otava": peer_otava,
}
OURS = "ours"


@dataclass(frozen=True)
class Hit:
    """One finding of ours at a commit position (None: the detector has no such field)."""

    kind: str
    pos: int
    commits_after: int | None = None
    confirmed: bool | None = None
    end: int | None = None          # environment: first commit back at the old level
    moved: int | None = None
    share: float | None = None


def ours_on_files(results: Path, repo: Path, config: DetectorConfig | None = None
                  ) -> tuple[list[Series], Any, list[str], float]:
    """(series, report, first-parent shas, seconds) of one detector run on files."""
    t0 = time.perf_counter()
    order = first_parent_commits(repo, "main")
    series = build_series(load_results(results), order)
    report = detect(series, config or DetectorConfig())
    return series, report, order, time.perf_counter() - t0


def hit_of(f: Any, pos: dict[str, int]) -> Hit:
    end = getattr(f, "end_commit", None)
    return Hit(str(f.kind), pos[f.commit], getattr(f, "commits_after", None),
               getattr(f, "confirmed", None), pos.get(end) if end else None,
               getattr(f, "moved", None), getattr(f, "share", None))


def is_environment(f: Any) -> bool:
    return str(f.kind) == "environment" or not f.key.benchmark


def hits_of(findings: Sequence[Any], order: list[str], ident: Callable[[Any], Any]
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


def cut(s: Series, end: int) -> Series:
    """``s`` up to (not including) commit position ``end``."""
    return Series(s.key, s.unit, [p for p in s.points if p.position < end])


def peer_flags(name: str, series: dict[Any, Series]) -> tuple[dict[Any, list[int]], float] | None:
    """A peer's flagged positions per series, or None when it is not installed."""
    t0 = time.perf_counter()
    try:
        return {k: PEERS[name](s) for k, s in series.items()}, time.perf_counter() - t0
    except ImportError as exc:
        print(f"{name}: skipped, not installed ({exc.name})", file=sys.stderr)
        return None


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
