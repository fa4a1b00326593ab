"""Accuracy of the regression detector against its peers on a labelled corpus.

    python -m evaluation.detector [--series 1200] [--seed 1] [--latency 60] [--ours-only]
    python -m evaluation.detector --speed [--commits 10000 --speed-series 200]
    python -m evaluation.detector --doc docs/detector.md --users [--django DIR]

``--doc``: the tables go into that file's ``eval-main`` section; ``--users``
then runs :mod:`evaluation.users` (into the same file, ``--django`` passed on).

The corpus (:mod:`.corpus`) is written as real asv result files over a
temporary git history; our detector reads it the way ``rustorch-regress
detect`` does (:func:`.ours.run_on_files`). The peers (:mod:`.peers`) run
on the same series read from those files. Scores: :mod:`.scoring`
(TCPDBench convention, precision, recall and F1 pooled over the step
series); latency: :mod:`.latency`. The culprit is the first commit with a
measurement at or after the injected change.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import sys
import tempfile
import time
from pathlib import Path

from doc_sections import write_section
from rustorch_wasm.regress.model.series import Series

from .corpus import (Spec, aa_corpus, generate, series_index, speed_series, write_corpus,
                     write_speed_files)
from .latency import main_latency, ours_single
from .ours import analyse_in_memory, run_on_files
from .peers import PEERS, Peer, peer_flags
from .scoring import Flags, found_by_size, noisy_split, scores
from .users import main as users_main

OURS = "ours (rustorch-regress detect)"
Row = tuple[dict[str, float], float, tuple[float, float, float]]   # scores, seconds, CV split


def our_flags(results: Path, repo: Path) -> tuple[Flags, dict[int, Series], float]:
    """Our flagged positions per series id, the series read, and the seconds taken.
    Environment findings (a whole machine) are no one series' flag."""
    run = run_on_files(results, repo)
    pos = {sha: i for i, sha in enumerate(run.order)}
    flags: Flags = {}
    for f in run.report.findings:
        if f.kind == "environment":
            continue
        flags.setdefault(series_index(f.key), []).append(pos[f.commit])
    return flags, {series_index(s.key): s for s in run.series}, run.seconds


def write_misses(path: Path, flags: Flags, specs: list[Spec]) -> None:
    """Our step series whose flags do not match the culprits exactly (margin 0)."""
    out = []
    for s in specs:
        if s.kind in ("step", "double"):
            got = sorted(set(flags.get(s.sid, [])))
            if got != sorted(s.truths):
                out.append({"sid": s.sid, "kind": s.kind, "cv": s.cv, "stats_only": s.stats_only,
                            "changes": s.changes, "truths": s.truths, "flags": got})
    path.write_text(json.dumps(out, indent=1))
    print(f"{len(out)} step series not matched exactly -> {path}", file=sys.stderr)


def evaluate(args: argparse.Namespace, argv: list[str]) -> None:
    specs, data = generate(args.series, args.seed)
    with tempfile.TemporaryDirectory(prefix="eval-detector-") as tmp:
        t0 = time.perf_counter()
        results, repo = write_corpus(Path(tmp), specs, data)
        print(f"corpus: {len(specs)} series, written in {time.perf_counter() - t0:.1f} s",
              file=sys.stderr)
        flags, series, elapsed = our_flags(results, repo)
    rows: dict[str, Row] = {OURS: (scores(flags, specs), elapsed, noisy_split(flags, specs))}
    sizes = {OURS: found_by_size(flags, specs)}
    if args.misses:
        write_misses(args.misses, flags, specs)
    ran: dict[str, Peer] = {}
    for name, fn in ({} if args.ours_only else PEERS).items():
        got = peer_flags(name, fn, series)
        if got is None:
            continue
        pf, seconds = got
        ran[name] = fn
        rows[name] = (scores(pf, specs), seconds, noisy_split(pf, specs))
        sizes[name] = found_by_size(pf, specs)
        print(f"{name}: {seconds:.1f} s", file=sys.stderr)
    lat = main_latency(series, specs, args.latency, {OURS: ours_single, **ran})
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        print_table(rows, lat, specs, args, sizes)
        extra_aa(args)
    sys.stdout.write(out.getvalue())
    if args.doc:
        command = " ".join(["python -m evaluation.detector", *argv])
        write_section(args.doc, "eval-main", f"`{command}`, "
                      f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}:\n\n"
                      + out.getvalue())


def extra_aa(args: argparse.Namespace) -> None:
    """Our false alarms on extra A/A series, written as result files like the corpus."""
    if args.aa_extra:
        specs, data = aa_corpus(args.aa_extra, args.seed)
        with tempfile.TemporaryDirectory(prefix="eval-detector-aa-") as tmp:
            run = run_on_files(*write_corpus(Path(tmp), specs, data))
        found, n = run.report.findings, len(specs)
        flagged = len({f.key for f in found})
        newest = sum(1 for f in found if f.commits_after == 1 and not f.confirmed)
        print(f"\nExtra A/A check (asv result files, ours only): {n} series,"
              f" {len(found)} findings in {flagged} series"
              f" = {1000 * len(found) / n:.2f} false alarms per 1000 A/A series"
              f", {1000 * newest / n:.2f} of them resting on the newest commit alone"
              f" (unconfirmed; a spike there looks like a step) ({run.seconds:.1f} s).")


def print_table(rows: dict[str, Row], lat: dict[str, tuple[float, float]], specs: list[Spec],
                args: argparse.Namespace,
                sizes: dict[str, dict[float, tuple[int, int]]]) -> None:
    counts = {k: sum(s.kind == k for s in specs) for k in ("aa", "step", "double", "small",
                                                           "drift")}
    print(f"Corpus: {len(specs)} series (seed {args.seed}): {counts['aa']} A/A,"
          f" {counts['step']} single steps of ±20..100 %, {counts['double']} step-and-revert,"
          f" {counts['small']} steps of ±10 %, {counts['drift']} drifts.\n")
    print("| detector | P m0 | R m0 | F1 m0 | F1 m1 | F1 m0 CV<=10% | F1 m1 CV<=10% |"
          " F1 m0 CV>10% |"
          " false alarms / 1000 A/A (on the newest commit) | ±10% steps flagged | drifts found |"
          " latency (median commits) | found within 15 | time (s) |")
    print("| --- | " + " | ".join(["---"] * 13) + " |")
    for name, (r, t, (quiet, quiet1, loud)) in rows.items():
        med, share = lat.get(name, (math.nan, math.nan))
        print(f"| {name} | {r['P0']:.3f} | {r['R0']:.3f} | {r['F10']:.3f} | {r['F11']:.3f} |"
              f" {quiet:.3f} | {quiet1:.3f} | {loud:.3f} | {r['fa']:.1f} ({r['fa_last']:.1f}) | {r['small']:.1%} | {r['drift']:.1%} |"
              f" {med:g} | {share:.0%} | {t:.1f} |")
    print("\nSingle steps flagged at their exact commit, by size (x1.2 is the 20 % threshold"
          " itself: a step measured just below it is no finding):\n")
    for name, found in sizes.items():
        print(f"- {name}: " + ", ".join(f"x{k:g} {a}/{b}" for k, (a, b) in found.items()))


def speed(args: argparse.Namespace) -> None:
    series = speed_series(args.commits, args.speed_series, args.seed)
    t0 = time.perf_counter()
    report = analyse_in_memory(series)
    elapsed = time.perf_counter() - t0
    print(f"| detect() on {args.speed_series} series x {args.commits} commits"
          f" (10 samples each, {sum(len(s.points) for s in series)} points) |"
          f" {elapsed:.2f} s | {len(report.findings)} findings |")
    if args.speed_files:
        from rustorch_wasm.regress.cli import main as cli_main
        with tempfile.TemporaryDirectory(prefix="eval-speed-") as tmp:
            results, repo = write_speed_files(Path(tmp), series)
            t0 = time.perf_counter()
            code = cli_main(["detect", "--results", str(results), "--repo", str(repo),
                             "--json", str(Path(tmp) / "report.json")])
            elapsed = time.perf_counter() - t0
        print(f"| rustorch-regress detect on those as {args.commits} asv result files"
              f" (no samples) | {elapsed:.2f} s | exit {code} |")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog=f"python -m {__spec__.name}" if __spec__ else None,
                                 description=__doc__.split("\n")[0])
    ap.add_argument("--series", type=int, default=1200, help="corpus size (default 1200)")
    ap.add_argument("--aa-extra", type=int, default=5000,
                    help="extra A/A series (result files, ours only) for the false-alarm rate")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--latency", type=int, default=60, help="step series timed for latency")
    ap.add_argument("--ours-only", action="store_true",
                    help="score our detector only (no peers), for quick iterations")
    ap.add_argument("--misses", type=Path, default=None,
                    help="write our missed and misplaced step culprits (margin 0) as JSON here")
    ap.add_argument("--speed", action="store_true", help="time detect() on a large history")
    ap.add_argument("--speed-files", action="store_true",
                    help="with --speed: also time the CLI on those series written as asv files")
    ap.add_argument("--doc", type=Path, default=None, help="write the tables into this file")
    ap.add_argument("--users", action="store_true", help="then run evaluation.users")
    ap.add_argument("--django", type=Path, default=None,
                    help="with --users: django-asv cache dir for the real-history part")
    ap.add_argument("--django-mirror", type=Path, default=None,
                    help="with --django: a django-asv clone to extract results/ from")
    ap.add_argument("--commits", type=int, default=10_000)
    ap.add_argument("--speed-series", type=int, default=200)
    args = ap.parse_args(argv)
    if args.series < 10 or args.commits < 10:
        ap.error("--series and --commits need at least 10")
    speed(args) if args.speed else evaluate(args, argv if argv is not None else sys.argv[1:])
    if args.users:
        passed = {"--doc": args.doc, "--django": args.django, "--django-mirror": args.django_mirror}
        users_main([x for flag, v in passed.items() if v for x in (flag, str(v))])


if __name__ == "__main__":
    main()
