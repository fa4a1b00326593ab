"""Accuracy of the regression detector against its peers on a labelled corpus.

    python scripts/eval_detector.py [--series 2000] [--seed 1] [--latency 60] [--ours-only]
    python scripts/eval_detector.py --speed [--commits 10000 --speed-series 200]
    python scripts/eval_detector.py --doc docs/detector.md --users [--django DIR]

``--doc``: the tables go into that file's ``eval-main`` section; ``--users``
then runs ``scripts/eval_users.py`` (into the same file, ``--django`` passed on).

The corpus (see :mod:`eval_corpus`) is written as real asv result files
over a temporary git history; our detector reads it through the same path as
``rustorch-regress detect`` (load_results -> first-parent order -> series ->
detect). The peers run on the same series read from those files:

* ``asv step_detect``: ``asv.step_detect.detect_steps`` on the per-commit
  medians, then ``detect_regressions(threshold=0.2)``; run again on the
  reciprocals so that it may report improvements too (asv itself does not);
* ``asv compare rule``: consecutive commits, ratio of medians beyond 1.2 (or
  below 1/1.2) and Mann-Whitney p < 0.002 on their samples (CI overlap when
  only stats were recorded), as ``asv compare --factor 1.2``;
* ``Otava``: ``otava.analysis.compute_change_points`` (E-divisive means,
  windowed, t-test merge; window 50, p 0.001) on the medians, keeping change
  points whose forward change is at least 20 % (either sign in log terms);
* ``ruptures PELT``: L2 cost on log medians (``KernelCPD`` with the linear
  kernel, ruptures' compiled PELT for exactly that cost), penalty ``3 sigma^2 log n`` with
  ``sigma`` from the MAD of first differences, keeping change points whose
  neighbouring segment medians differ by a factor of at least 1.2;
* ``seed 20%``: the seed's ``checkRegression``, current > 1.2 x baseline with
  the baseline set once at the series' first commit; and the variant with
  the previous commit as baseline (both directions).

Scores (TCPDBench convention): a flagged commit is a true positive when it is
within ``margin`` commits of a labelled culprit not matched yet; precision,
recall and F1 are pooled over the series of a class. The culprit is the first
commit with a measurement at or after the injected change.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import math
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.stats as ss

sys.path.insert(0, str(Path(__file__).resolve().parent))

from doc_sections import write_section  # noqa: E402
from eval_corpus import (N_COMMITS, Spec, aa_series, generate, series_index,  # noqa: E402
                         speed_series, write_corpus, write_speed_files)

from rustorch_wasm.regress.model.config import DetectorConfig  # noqa: E402
from rustorch_wasm.regress.analysis.detect import detect  # noqa: E402
from rustorch_wasm.regress.io.repository import first_parent_commits  # noqa: E402
from rustorch_wasm.regress.io.results import load_results  # noqa: E402
from rustorch_wasm.regress.io.columns import build_series  # noqa: E402
from rustorch_wasm.regress.model.series import Series  # noqa: E402

Flags = dict[int, list[int]]           # series id -> flagged commit positions
LOG_T = math.log(1.2)


# ----------------------------------------------------------------- peers
def medians(s: Series) -> tuple[np.ndarray, np.ndarray]:
    return (np.array([p.position for p in s.points]),
            np.array([p.median for p in s.points], dtype=float))


def peer_asv_step(s: Series) -> list[int]:
    from asv.step_detect import detect_regressions, detect_steps
    pos, y = medians(s)
    out = []
    for values in (y, 1.0 / y):
        _, _, regs = detect_regressions(detect_steps(list(values)), threshold=0.2)
        for _, after, _, _ in regs or []:
            if after is not None:
                out.append(int(pos[after]))
    return sorted(out)


def peer_asv_compare(s: Series) -> list[int]:
    out = []
    for a, b in zip(s.points[:-1], s.points[1:]):
        ratio = b.median / a.median
        if LOG_T > abs(math.log(ratio)):
            continue
        if not a.from_stats and not b.from_stats and len(a.samples) > 1 and len(b.samples) > 1:
            if ss.mannwhitneyu(a.samples, b.samples).pvalue >= 0.002:
                continue
        elif a.ci and b.ci and not (a.ci[1] < b.ci[0] or b.ci[1] < a.ci[0]):
            continue
        out.append(b.position)
    return out


def peer_otava(s: Series) -> list[int]:
    from otava.analysis import compute_change_points
    pos, y = medians(s)
    cps, _ = compute_change_points(list(y), window_len=50, max_pvalue=0.001)
    out = []
    for c in cps:
        m1, m2 = c.stats.mean_1, c.stats.mean_2
        if m1 > 0 and m2 > 0 and abs(math.log(m2 / m1)) >= LOG_T:
            out.append(int(pos[c.index]))
    return out


def peer_pelt(s: Series) -> list[int]:
    import ruptures as rpt
    pos, y = medians(s)
    ly = np.log(y)
    if ly.size < 4:
        return []
    sigma = max(np.median(np.abs(np.diff(ly))) / (0.6745 * math.sqrt(2.0)), 1e-6)
    bkps = rpt.KernelCPD(kernel="linear", min_size=2).fit(ly).predict(
        pen=3.0 * sigma ** 2 * math.log(ly.size))
    bkps = [int(b) for b in bkps]
    bounds = [0, *bkps]
    out = []
    for i in range(1, len(bounds) - 1):
        left = np.median(ly[bounds[i - 1]:bounds[i]])
        right = np.median(ly[bounds[i]:bounds[i + 1]])
        if abs(right - left) >= LOG_T:
            out.append(int(pos[bounds[i]]))
    return out


def peer_seed_fixed(s: Series) -> list[int]:
    pos, y = medians(s)
    return [int(p) for p, v in zip(pos[1:], y[1:]) if (v - y[0]) / y[0] > 0.2]


def peer_seed_previous(s: Series) -> list[int]:
    pos, y = medians(s)
    r = y[1:] / y[:-1]
    return [int(p) for p, q in zip(pos[1:], r) if abs(math.log(q)) > LOG_T]


PEERS: dict[str, Callable[[Series], list[int]]] = {
    "asv step_detect": peer_asv_step,
    "asv compare rule": peer_asv_compare,
    "Otava (E-divisive)": peer_otava,
    "ruptures PELT": peer_pelt,
    "seed 20% (fixed baseline)": peer_seed_fixed,
    "seed 20% (previous commit)": peer_seed_previous,
}


# ----------------------------------------------------------------- scoring
@dataclass
class Score:
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
    """The table row of one detector."""
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


# ----------------------------------------------------------------- running
def ours_on_files(results: Path, repo: Path, config: DetectorConfig) -> tuple[Flags, float]:
    t0 = time.perf_counter()
    rs = load_results(results)
    order = first_parent_commits(repo, "main")
    series = build_series(rs, order)
    report = detect(series, config)
    elapsed = time.perf_counter() - t0
    pos = {sha: i for i, sha in enumerate(order)}
    flags: Flags = {}
    for f in report.findings:
        if f.kind == "environment":         # a whole machine: no one series' flag
            continue
        flags.setdefault(series_index(f.key), []).append(pos[f.commit])
    return flags, elapsed


def latency(series: dict[int, Series], specs: list[Spec], count: int,
            detectors: dict[str, Callable[[Series], list[int]]], horizon: int = 15
            ) -> dict[str, tuple[float, float]]:
    """Median commits after the change until flagged (margin 1), share found by ``horizon``."""
    chosen = [s for s in specs if s.kind == "step" and s.truths and s.truths[0] - s.start >= 40
              and abs(math.log(s.factor)) >= math.log(1.3)][:count]
    out = {}
    for name, fn in detectors.items():
        lat = []
        for s in chosen:
            full = series[s.sid]
            truth = s.truths[0]
            found = math.inf
            for j in range(1, horizon + 1):
                pts = [p for p in full.points if p.position < truth + j]
                if not pts or pts[-1].position < truth:
                    continue
                if any(abs(f - truth) <= 1 for f in fn(Series(full.key, full.unit, pts))):
                    found = sum(1 for p in pts if p.position >= truth)
                    break
            lat.append(found)
        arr = np.array(lat)
        out[name] = (float(np.median(arr)), float(np.mean(np.isfinite(arr))))
    return out


def write_misses(path: Path, flags: Flags, specs: list[Spec]) -> None:
    """Our step series whose flags do not match the culprits exactly (margin 0)."""
    import json
    out = []
    for s in specs:
        if s.kind in ("step", "double"):
            got = sorted(set(flags.get(s.sid, [])))
            if got != sorted(s.truths):
                out.append({"sid": s.sid, "kind": s.kind, "cv": s.cv, "stats_only": s.stats_only,
                            "changes": s.changes, "truths": s.truths, "flags": got})
    path.write_text(json.dumps(out, indent=1))
    print(f"{len(out)} step series not matched exactly -> {path}", file=sys.stderr)


def ours_single(s: Series) -> list[int]:
    return [p for f in detect([s]).findings
            for p in [next(q.position for q in s.points if q.commit == f.commit)]]


def evaluate(args: argparse.Namespace) -> None:
    specs, data = generate(args.series, args.seed)
    with tempfile.TemporaryDirectory(prefix="eval-detector-") as tmp:
        tmpdir = Path(tmp)
        t0 = time.perf_counter()
        results, repo = write_corpus(tmpdir, specs, data)
        print(f"corpus: {len(specs)} series, written in {time.perf_counter() - t0:.1f} s",
              file=sys.stderr)
        rows: dict[str, tuple[dict[str, float], float, tuple[float, float]]] = {}
        flags, elapsed = ours_on_files(results, repo, DetectorConfig())
        rows["ours (rustorch-regress detect)"] = (scores(flags, specs), elapsed,
                                                  noisy_split(flags, specs))
        if args.misses:
            write_misses(args.misses, flags, specs)
        series = {series_index(s.key): s for s in
                  build_series(load_results(results), first_parent_commits(repo, "main"))}
    peers = {}
    for name, fn in ({} if args.ours_only else PEERS).items():
        t0 = time.perf_counter()
        try:
            pf = {sid: fn(s) for sid, s in series.items()}
        except ImportError as exc:          # Otava / ruptures: "where they install"
            print(f"{name}: skipped, not installed ({exc.name})", file=sys.stderr)
            continue
        peers[name] = fn
        rows[name] = (scores(pf, specs), time.perf_counter() - t0, noisy_split(pf, specs))
        print(f"{name}: {rows[name][1]:.1f} s", file=sys.stderr)
    lat = latency(series, specs, args.latency, {"ours (rustorch-regress detect)": ours_single,
                                                **peers})
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        print_table(rows, lat, specs, args)
        extra_aa(args)
    sys.stdout.write(out.getvalue())
    if args.doc:
        command = " ".join(["python scripts/eval_detector.py", *sys.argv[1:]])
        write_section(args.doc, "eval-main", f"`{command}`, "
                      f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}:\n\n"
                      + out.getvalue())


def extra_aa(args: argparse.Namespace) -> None:
    """Our false alarms on extra A/A series (in memory)."""
    if args.aa_extra:
        extra = aa_series(args.aa_extra, args.seed)
        t0 = time.perf_counter()
        report = detect(extra, DetectorConfig())
        flagged = len({f.key for f in report.findings})
        newest = sum(1 for f in report.findings if f.commits_after == 1 and not f.confirmed)
        print(f"\nExtra A/A check (in memory, ours only): {len(extra)} series,"
              f" {len(report.findings)} findings in {flagged} series"
              f" = {1000 * len(report.findings) / len(extra):.2f} false alarms per 1000 A/A series"
              f", {1000 * newest / len(extra):.2f} of them resting on the newest commit alone"
              f" (unconfirmed; a spike there looks like a step) ({time.perf_counter() - t0:.1f} s).")


def print_table(rows, lat, specs: list[Spec], args: argparse.Namespace) -> None:
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


def speed(args: argparse.Namespace) -> None:
    series = speed_series(args.commits, args.speed_series, args.seed)
    t0 = time.perf_counter()
    report = detect(series, DetectorConfig())
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--series", type=int, default=1200, help="corpus size (default 1200)")
    ap.add_argument("--aa-extra", type=int, default=5000,
                    help="extra A/A series (in memory, ours only) for the false-alarm rate")
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
    ap.add_argument("--users", action="store_true", help="then run scripts/eval_users.py")
    ap.add_argument("--django", type=Path, default=None,
                    help="with --users: django-asv cache dir for the real-history part")
    ap.add_argument("--django-mirror", type=Path, default=None,
                    help="with --django: a django-asv clone to extract results/ from")
    ap.add_argument("--commits", type=int, default=10_000)
    ap.add_argument("--speed-series", type=int, default=200)
    args = ap.parse_args()
    if args.series < 10 or args.commits < 10:
        ap.error("--series and --commits need at least 10")
    speed(args) if args.speed else evaluate(args)
    if args.users:
        from eval_users import main as users_main
        passed = {"--doc": args.doc, "--django": args.django, "--django-mirror": args.django_mirror}
        users_main([x for flag, v in passed.items() if v for x in (flag, str(v))])


if __name__ == "__main__":
    main()
