"""Our detector and asv's step detection on real asv histories with known regressions injected.

    python -m evaluation.real_history --repos DIR... [--seeds 1,2] [--held-out NAME,...]
                                      [--singles 24] [--crosses 2] [--markdown OUT] [--json OUT]

Each ``DIR`` holds an asv ``results/`` directory (or is one); its name is the
directory's (``owner+name`` for the extracts of :data:`.real_sources.SOURCES`). Per
repository:

1. read whole as ``rustorch-regress detect --results DIR`` does with no
   repository (:func:`read_history`: the package's reader, commits in asv's
   date order). A directory the reader refuses is skipped with its one-line
   error and listed as such; it is picked up as soon as the reader reads it;
2. both detectors run on the un-injected data (what they report there is the
   real history's own, not counted against them);
3. per seed, injections are planned (:mod:`.injection`: single benchmarks in
   every env of a machine, x1.3-x2, a quarter in the last 3 commits; cross-
   cutting steps of a third of one env's benchmarks), written into a copy of
   the result files, read back the same way and both detectors run again;
4. scored (:mod:`.real_score`): recall at the exact commit (all, and the
   late quarter), placement error, new false regressions, and how each
   cross-cutting event was reported.

Detectors (:data:`DETECTORS`): ours through :func:`run_ours`, the one adapter
to swap for the unified pipeline entry point; asv's ``detect_steps`` +
``detect_regressions(threshold=0.2)`` on the per-commit medians of each
series (regressions only: asv reports no improvements).

Held-out repositories (``--held-out``) are marked in the tables and pooled
apart, so that tuning on the others can be checked on them.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rustorch_wasm.regress.io.history import History
from doc_sections import write_section
from rustorch_wasm.regress.io.results import ResultsError

from .injection import Plan, plan_injections, write_injected
from .ours import findings_of, read_without_repo
from .speed import host
from .real_score import BUCKETS, Flag, Outcome, score



def read_history(results: Path) -> History:
    """The package's reader with no repository (:func:`.ours.read_without_repo`);
    ResultsError when it cannot read the directory."""
    return read_without_repo(results)


def run_ours(history: History) -> list[Flag]:
    """Our detector, as ``rustorch-regress detect`` runs it (default settings)."""
    return [Flag(str(f.kind), f.key, f.commit, frozenset(k for k, _ in f.members))
            for f in findings_of(history).findings]


def run_asv(history: History) -> list[Flag]:
    """asv's step detection per series on the per-commit medians."""
    from asv.step_detect import detect_regressions, detect_steps
    out = []
    for s in history.series:
        if len(s) < 2:
            continue
        _, _, regressions = detect_regressions(detect_steps(s.medians.tolist()), threshold=0.2)
        for _, after, _, _ in regressions or []:
            if after is not None:
                out.append(Flag("regression", s.key, s.commits[after]))
    return out


DETECTORS: dict[str, Callable[[History], list[Flag]]] = {
    "ours": run_ours,
    "asv step_detect": run_asv,
}


@dataclass
class RepoResult:
    name: str
    held_out: bool
    error: str | None = None
    machines: int = 0
    commits: int = 0
    series: int = 0
    seconds: float = 0.0
    outcomes: dict[tuple[int, str], Outcome] = field(default_factory=dict)
    plans: dict[int, Plan] = field(default_factory=dict)


def results_dir(path: Path) -> Path:
    return path / "results" if (path / "results").is_dir() else path


def repo_name(path: Path) -> str:
    return path.parent.name if path.name == "results" else path.name


def evaluate_repo(path: Path, seeds: list[int], held_out: bool, singles: int,
                  crosses: int) -> RepoResult:
    name = repo_name(path)
    out = RepoResult(name, held_out)
    t0 = time.perf_counter()
    try:
        clean = read_history(results_dir(path))
    except ResultsError as exc:
        out.error = str(exc)
        return out
    out.machines = len({s.key.machine for s in clean.series})
    out.commits = len(clean.order)
    out.series = len(clean.series)
    before = {d: fn(clean) for d, fn in DETECTORS.items()}
    for seed in seeds:
        plan = plan_injections(clean.series, [seed, zlib.crc32(name.encode())], singles, crosses)
        out.plans[seed] = plan
        with tempfile.TemporaryDirectory(prefix="real-history-") as tmp:
            injected = read_history(write_injected(clean.result_set, clean.order, plan,
                                                   Path(tmp) / "results"))
            for d, fn in DETECTORS.items():
                out.outcomes[(seed, d)] = score(plan, injected.series, fn(injected), before[d])
    out.seconds = time.perf_counter() - t0
    return out


# ----------------------------------------------------------------- tables
def pct(x: float) -> str:
    return "n/a" if x != x else f"{x:.2f}"


def cell(outcomes: list[Outcome], what: Callable[[Outcome], str]) -> str:
    return " / ".join(what(o) for o in outcomes)


def cross_summary(labels: list[str]) -> str:
    """Cross-cutting labels counted by kind: ``environment 3, regressions 5``."""
    counts = Counter(label.split(" (")[0].split(":")[0] for label in labels)
    return ", ".join(f"{k} {n}" for k, n in counts.most_common()) or "-"


def row(label: str, seed: str, ours: Outcome, peer: Outcome, summary: bool = False) -> str:
    pair = [ours, peer]
    cross = cross_summary(ours.cross) if summary else "; ".join(ours.cross) or "-"
    return (f"| {label} | {seed} | {ours.truths} ({ours.late})"
            f" | {cell(pair, lambda o: pct(o.recall))}"
            f" | {cell(pair, lambda o: pct(o.late_recall))}"
            f" | {cell(pair, lambda o: pct(o.median_error) if o.errors else 'n/a')}"
            f" | {cell(pair, lambda o: f'{len(o.errors)}/{o.truths}')}"
            f" | {cell(pair, lambda o: str(o.false_new))}"
            f" | {cross}"
            f" | {cell(pair, lambda o: f'{o.cross_members[0]}/{o.cross_members[1]}')} |")


HEADER = ("| repository | seed | injected series (late) | recall @ exact commit (ours / asv)"
          " | late recall | median placement error | found within ±10 | new false regressions"
          " | cross-cutting events, ours | cross members hit at the commit |\n"
          "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")


def pooled(results: list[RepoResult], seeds: list[int], detector: str) -> Outcome:
    total = Outcome()
    for r in results:
        for s in seeds:
            if (s, detector) in r.outcomes:
                total.add(r.outcomes[(s, detector)])
    return total


def render(results: list[RepoResult], seeds: list[int], args_line: str) -> str:
    ours, peer = DETECTORS
    read = [r for r in results if r.error is None]
    lines = [f"`{args_line}`\n",
             "Real asv histories, known regressions injected into their result files;"
             " `ours / asv` per cell. Held-out repositories are marked †.\n",
             "| repository | machines | commits | series | seconds |",
             "| --- | --- | --- | --- | --- |"]
    lines += [f"| {r.name}{' †' if r.held_out else ''} | {r.machines} | {r.commits} | {r.series}"
              f" | {r.seconds:.1f} |" for r in read]
    lines += ["", HEADER]
    for r in read:
        for s in seeds:
            lines.append(row(r.name + (" †" if r.held_out else ""), str(s),
                             r.outcomes[(s, ours)], r.outcomes[(s, peer)]))
    groups = [("all", read)]
    if any(r.held_out for r in read):
        groups += [("development", [r for r in read if not r.held_out]),
                   ("held-out †", [r for r in read if r.held_out])]
    for label, members in groups:
        for s in seeds:
            lines.append(row(f"**{label}**", str(s), pooled(members, [s], ours),
                             pooled(members, [s], peer), True))
        if len(seeds) > 1:
            lines.append(row(f"**{label}**", "all", pooled(members, seeds, ours),
                             pooled(members, seeds, peer), True))
    lines += ["", "Placement error of the single injections, all repositories and seeds"
              " (measured commits of the series; positive: late):", "",
              "| detector | " + " | ".join(BUCKETS) + " |",
              "| --- | " + " | ".join("---" for _ in BUCKETS) + " |"]
    for d in DETECTORS:
        o = pooled(read, seeds, d)
        lines.append(f"| {d} | " + " | ".join(str(o.buckets.get(b, 0)) for b in BUCKETS) + " |")
    lines += ["", "New false regressions, all repositories and seeds, by where they are (on a series"
              " the injection changed, further than 10 commits from it / on a series it did not"
              " touch):", ""]
    lines += [f"- {d}: {o.false_on_injected} / {o.false_new - o.false_on_injected}"
              for d in DETECTORS for o in [pooled(read, seeds, d)]]
    skipped = [r for r in results if r.error is not None]
    if skipped:
        lines += ["", "Not read (the reader refuses them; they are evaluated once it reads them):",
                  "", "| repository | reader's error |", "| --- | --- |"]
        lines += [f"| {r.name}{' †' if r.held_out else ''} | `{r.error}` |" for r in skipped]
    return "\n".join(lines) + "\n"


def as_json(results: list[RepoResult]) -> dict:
    out = {}
    for r in results:
        out[r.name] = {"held_out": r.held_out, "error": r.error, "seconds": round(r.seconds, 2),
                       "plans": {str(s): [{"ident": i.ident, "kind": i.kind, "machine": i.machine,
                                           "culprit": i.culprit, "factor": round(i.factor, 4),
                                           "late": i.late, "members": len(i.members)}
                                          for i in p.injections] for s, p in r.plans.items()},
                       "outcomes": {f"{s}/{d}": {"truths": o.truths, "hits": o.hits,
                                                  "late": o.late, "late_hits": o.late_hits,
                                                  "errors": o.errors, "false_new": o.false_new,
                                                  "false_on_injected": o.false_on_injected,
                                                  "cross": o.cross,
                                                  "cross_members": list(o.cross_members)}
                                    for (s, d), o in r.outcomes.items()}}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m evaluation.real_history",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("--repos", type=Path, nargs="+", required=True,
                    help="directories holding an asv results/ directory (or results dirs)")
    ap.add_argument("--seeds", default="1,2", help="comma-separated injection seeds")
    ap.add_argument("--held-out", default="", help="comma-separated repository names held out")
    ap.add_argument("--singles", type=int, default=24,
                    help="single injections per repository and seed (default 24)")
    ap.add_argument("--crosses", type=int, default=2,
                    help="cross-cutting events per repository and seed (default 2)")
    ap.add_argument("--markdown", type=Path, default=None, help="write the tables here")
    ap.add_argument("--doc", type=Path, default=None,
                    help="write the tables into this document's --section")
    ap.add_argument("--section", default="eval-real",
                    help="the section of --doc (default eval-real; e.g. eval-real-held-out for "
                         "held-out seeds)")
    ap.add_argument("--json", type=Path, default=None, help="write plans and outcomes here")
    args = ap.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    held = {h.strip() for h in args.held_out.split(",") if h.strip()}
    results = []
    for path in args.repos:
        r = evaluate_repo(path, seeds, repo_name(path) in held, args.singles, args.crosses)
        print(f"{r.name}: " + (f"not read: {r.error}" if r.error else f"{r.seconds:.1f} s"),
              file=sys.stderr)
        results.append(r)
    text = render(results, seeds, " ".join(["python -m evaluation.real_history",
                                            *(sys.argv[1:] if argv is None else argv)]))
    sys.stdout.write(text)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")
    if args.doc:
        write_section(args.doc, args.section,
                      f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {host()}:\n\n{text}")
    if args.json:
        args.json.write_text(json.dumps(as_json(results), indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
