"""What users meet: recent steps, latency, shared shifts, throughput, a real history.

    python -m evaluation.users [--seeds 1,101] [--parts recent,latency,shared,throughput]
                               [--django DIR] [--doc docs/detector.md]

Each corpus (:mod:`.users_corpus`, :mod:`.shared_corpus`) is written as asv
result files over a temporary git history and read by our detector the way
``rustorch-regress detect`` reads it (:func:`.ours.run_on_files`); asv's
step_detect and Otava run on the same series read from those files. Parts:

* ``recent``: 120 commits with within-run CV <= 5 % and 50 commits with <= 10 %;
  recall at the exact commit of steps in the last 1, 2, 3 commits (by
  commits after), of steps earlier in history, F1 over all steps, false
  alarms per 1000 A/A series, end spikes flagged (a spike at the last
  commits looks like a step there: both are reported, as unconfirmed) and
  spikes at n-4 or earlier reported as a regression (must be none);
* ``latency`` (:mod:`.latency`): the history cut 1..10 commits after a step
  (x1.3, x1.5, x2 or reciprocal): commits needed until it is flagged at its
  exact commit;
* ``shared`` (:mod:`.shared`): 20 machines x 24 series, runner changes, slow
  stretches, true regressions alone and on top of a shift;
* ``throughput``: ``track_samples_per_second`` series (higher is better):
  is the direction of each finding right?
* ``--django DIR``: django-asv's results replayed in date order (:mod:`.django_replay`).

Seeds: :data:`DEV_SEEDS` are for development, :data:`HELD_OUT` are held
out: reported, never used to tune a constant. ``--doc`` writes each part's
tables as a generated section of that Markdown file (``doc_sections``).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

from doc_sections import write_section
from rustorch_wasm.regress.model.series import Series

from .django_replay import ReplayError, evaluate as replay_django
from .latency import HORIZON, latency_cells, latency_ours, latency_peer
from .ours import run_on_files
from .peers import USER_PEERS, Peer, peer_flags
from .scoring import Hit, fmt, hits_of, md_table, share
from .shared import OURS, run_shared
from .users_corpus import (FACTORS, Corpus, Labelled, expected, recent_corpus, sid_of,
                           throughput_corpus, write_corpus)

DEV_SEEDS = (1, 2, 3)
HELD_OUT = (101, 102, 103)
PARTS = ("recent", "latency", "shared", "throughput")
BANDS = ((120, 0.05), (50, 0.10))


def seed_label(seed: int) -> str:
    return f"{seed} (held out)" if seed in HELD_OUT else str(seed)


def matched(lab: Labelled, hits: list[Hit], directional: bool) -> Hit | None:
    """Our (or a peer's) finding at the label's exact commit, of the right kind."""
    return next((h for h in hits if h.pos == lab.at and
                 (not directional or h.kind == expected(lab))), None)


def recent_row(labels: list[Labelled], hits: dict[int, list[Hit]],
               directional: bool) -> dict[str, str]:
    """Recall by commits-after, F1 over all steps, spikes and false alarms."""
    by = {k: [x for x in labels if x.kind == k] for k in ("recent", "step", "endspike",
                                                           "earlyspike", "aa")}
    row: dict[str, str] = {}
    for k in (1, 2, 3):
        sel = [x for x in by["recent"] if x.k == k]
        row[f"k{k}"] = share(sum(matched(x, hits.get(x.sid, []), directional) is not None
                                 for x in sel), len(sel))
    last3 = by["recent"]
    tp3 = sum(matched(x, hits.get(x.sid, []), directional) is not None for x in last3)
    row["last3"] = fmt(tp3 / max(1, len(last3)))
    steps = by["recent"] + by["step"]
    tp = sum(matched(x, hits.get(x.sid, []), directional) is not None for x in steps)
    mid = sum(matched(x, hits.get(x.sid, []), directional) is not None for x in by["step"])
    row["mid"] = fmt(mid / max(1, len(by["step"])))
    pred = sum(len({(h.pos, h.kind) for h in hits.get(x.sid, [])}) for x in steps)
    p, r = tp / pred if pred else 1.0, tp / max(1, len(steps))
    row["f1"] = fmt(2 * p * r / (p + r) if p + r else 0.0)
    row["fa"] = aa_alarms(hits, by["aa"])
    row["end"] = share(sum(any(h.pos == x.at for h in hits.get(x.sid, []))
                           for x in by["endspike"]), len(by["endspike"]))
    early = [any(h.pos == x.at and (not directional or h.kind == "regression")
                 for h in hits.get(x.sid, [])) for x in by["earlyspike"]]
    row["early"] = share(sum(early), len(early))
    return row


def markers_row(labels: list[Labelled], hits: dict[int, list[Hit]]) -> list[str]:
    """Ours only: are recent findings marked unconfirmed with the right commits_after?"""
    found = [(x, matched(x, hits.get(x.sid, []), True)) for x in labels if x.kind == "recent"]
    found = [(x, h) for x, h in found if h is not None]
    spikes = [h for x in labels if x.kind == "endspike"
              for h in hits.get(x.sid, []) if h.pos == x.at]
    known = [h for _, h in found if h.confirmed is not None]
    after = [(x, h) for x, h in found if h.commits_after is not None]
    return [str(len(found)),
            share(sum(h.confirmed is False for h in known), len(known)) if known else "n/a",
            share(sum(h.commits_after == x.k for x, h in after), len(after)) if after else "n/a",
            share(sum(h.kind == "regression" and h.confirmed is False for h in spikes),
                  len(spikes)) if spikes and spikes[0].confirmed is not None else "n/a"]


def peer_subset(labels: list[Labelled], series: dict[int, Series], aa: int) -> dict[int, Series]:
    """Every labelled series and the first ``aa`` A/A ones (peers are slow)."""
    keep, seen = {}, 0
    for x in labels:
        if x.kind == "aa":
            seen += 1
            if seen > aa:
                continue
        if x.sid in series:
            keep[x.sid] = series[x.sid]
    return keep


def run_recent(seed: int, args: argparse.Namespace, parts: set[str], peers: Mapping[str, Peer]
               ) -> tuple[list[list[str]], list[list[str]], list[list[str]]]:
    """Rows of the recent-steps, markers and latency tables for one seed."""
    rows, marks, lat = [], [], []
    for commits, band in BANDS:
        corpus = recent_corpus(commits, band, args.labelled, args.aa, seed)
        with tempfile.TemporaryDirectory(prefix="eval-users-") as tmp:
            results, repo, _ = write_corpus(Path(tmp), corpus)
            run = run_on_files(results, repo)
        series = {sid_of(s.key): s for s in run.series}
        hits, env = hits_of(run.report.findings, run.order, sid_of)
        name = f"{commits} commits, CV <= {band:.0%}"
        cols = ["k1", "k2", "k3", "last3", "mid", "f1", "fa", "end", "early"]
        if "recent" in parts:
            r = recent_row(corpus.labels, hits, True)
            rows.append([seed_label(seed), name, OURS, *[r[c] for c in cols],
                         str(len(env)), f"{run.seconds:.1f}"])
            marks.append([seed_label(seed), name, *markers_row(corpus.labels, hits)])
        subset = peer_subset(corpus.labels, series, args.peer_aa)
        chosen = [x for x in corpus.labels if x.kind == "step" and x.at + HORIZON <= commits
                  and x.sid in series][:args.latency]
        if "latency" in parts and chosen:
            context = [series[x.sid] for x in corpus.labels if x.kind == "aa"][:args.peer_aa]
            t0 = time.perf_counter()
            lat.append([seed_label(seed), name, OURS,
                        *latency_cells(latency_ours(series, chosen, context), chosen),
                        f"{time.perf_counter() - t0:.1f}"])
        for peer, fn in peers.items():
            if "recent" in parts:
                got = peer_flags(peer, fn, subset)
                if got is None:
                    continue
                flags, t = got
                phits = {sid: [Hit("flag", p) for p in ps] for sid, ps in flags.items()}
                labs = [x for x in corpus.labels if x.sid in subset]
                r = recent_row(labs, phits, False)
                rows.append([seed_label(seed), name, peer, *[r[c] for c in cols], "-",
                             f"{t:.1f}"])
            if "latency" in parts and chosen:
                t0 = time.perf_counter()
                try:
                    found = latency_peer(fn, series, chosen)
                except ImportError:
                    continue
                lat.append([seed_label(seed), name, peer, *latency_cells(found, chosen),
                            f"{time.perf_counter() - t0:.1f}"])
        print(f"recent/latency {name}, seed {seed}: done", file=sys.stderr)
    return rows, marks, lat


def run_throughput(seed: int, args: argparse.Namespace) -> list[list[str]]:
    corpus: Corpus = throughput_corpus(120, args.throughput, seed)
    with tempfile.TemporaryDirectory(prefix="eval-users-tp-") as tmp:
        results, repo, _ = write_corpus(Path(tmp), corpus)
        run = run_on_files(results, repo)
    hits, _ = hits_of(run.report.findings, run.order, sid_of)
    out = []
    for stats_only, what in ((False, "samples recorded"), (True, "result only")):
        labs = [x for x in corpus.labels if x.stats_only == stats_only]
        cells = []
        for kind, want in (("down", "regression"), ("up", "improvement")):
            sel = [x for x in labs if x.kind == kind]
            at = [[h for h in hits.get(x.sid, []) if h.pos == x.at] for x in sel]
            cells += [share(sum(any(h.kind == want for h in a) for a in at), len(sel)),
                      str(sum(any(h.kind in ("regression", "improvement") and h.kind != want
                                  for h in a) for a in at))]
        aa = [x for x in labs if x.kind == "aa"]
        out.append([seed_label(seed), what, *cells, aa_alarms(hits, aa),
                    f"{run.seconds:.1f}"])
    return out


def aa_alarms(hits: Mapping[int, list[Hit]], aa: list[Labelled]) -> str:
    """False alarms per 1000 A/A series, and how many of them rest on the
    newest commit alone (``commits_after`` 1: a spike there and a step there
    look alike, so the detector reports it, unconfirmed)."""
    found = [h for x in aa for h in hits.get(x.sid, [])]
    newest = sum(1 for h in found if h.commits_after == 1)
    n = max(1, len(aa))
    tail = f"; {1000.0 * newest / n:.1f} on the newest commit alone" if newest else ""
    return f"{1000.0 * len(found) / n:.1f} (of {len(aa)}{tail})"


RECENT_HEAD = ["seed", "corpus", "detector", "last 1 (k=1)", "last 2 (k=2)", "last 3 (k=3)",
               "recall last 3", "recall earlier steps", "F1 all steps (m0)",
               "false alarms / 1000 A/A", "end spikes flagged", "spikes at <= n-4 as regression",
               "environment findings", "time (s)"]
MARK_HEAD = ["seed", "corpus", "recent steps found", "marked unconfirmed",
             "commits_after = k",
             "flagged end spikes as unconfirmed regression"]
LAT_HEAD = ["seed", "corpus", "detector", *[f"x{f:g} median commits (found)" for f in FACTORS],
            "time (s)"]
TP_HEAD = ["seed", "series", "steps down found as regression", "down reported as improvement",
           "steps up found as improvement", "up reported as regression",
           "false alarms / 1000 A/A", "time (s)"]


def emit(args: argparse.Namespace, name: str, title: str, lines: list[str]) -> None:
    text = "\n".join([title, "", *lines, ""])
    print(text)
    if args.doc:
        write_section(args.doc, name, text)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog=f"python -m {__spec__.name}" if __spec__ else None,
                                 description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", default="1,101",
                    help=f"comma-separated (development {DEV_SEEDS}, held out {HELD_OUT})")
    ap.add_argument("--parts", default=",".join(PARTS), help=f"any of {','.join(PARTS)}")
    ap.add_argument("--labelled", type=int, default=600,
                    help="labelled series per recent corpus (30 %% of them A/A)")
    ap.add_argument("--aa", type=int, default=1000, help="extra A/A series per recent corpus")
    ap.add_argument("--peer-aa", type=int, default=300,
                    help="A/A series the peers run on (and latency context)")
    ap.add_argument("--latency", type=int, default=120, help="step series timed per corpus")
    ap.add_argument("--throughput", type=int, default=400, help="throughput series")
    ap.add_argument("--machines", type=int, default=20, help="machines of the shared corpus")
    ap.add_argument("--django", type=Path, default=None,
                    help="django-asv cache dir (see python -m evaluation.django_replay)")
    ap.add_argument("--django-mirror", type=Path, default=None,
                    help="a django-asv clone to extract results/ from into --django")
    ap.add_argument("--no-peers", action="store_true",
                    help="ours only (quick iterations): skip asv step_detect and Otava")
    ap.add_argument("--doc", type=Path, default=None, help="write the tables into this file")
    args = ap.parse_args(argv)
    try:
        seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    except ValueError:
        ap.error(f"--seeds: not a list of integers: {args.seeds!r}")
    parts = {p.strip() for p in args.parts.split(",") if p.strip()}
    if not parts <= set(PARTS) or not seeds:
        ap.error(f"--parts must be among {','.join(PARTS)} and --seeds not empty")
    peers: dict[str, Peer] = {} if args.no_peers else dict(USER_PEERS)
    command = " ".join(["python -m evaluation.users",
                        *(argv if argv is not None else sys.argv[1:])])
    seed_text = ", ".join(seed_label(s) for s in seeds)
    stamp = (f"Seeds {seed_text}; `{command}`,"
             f" {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.")
    if parts & {"recent", "latency"}:
        rows, marks, lat = [], [], []
        for seed in seeds:
            r, m, la = run_recent(seed, args, parts, peers)
            rows, marks, lat = rows + r, marks + m, lat + la
        if "recent" in parts:
            emit(args, "eval-users-recent", f"**Recent steps and spikes.** {stamp}",
                 md_table(RECENT_HEAD, rows) + ["", "Our recent-step findings:", ""]
                 + md_table(MARK_HEAD, marks))
        if "latency" in parts:
            emit(args, "eval-users-latency", f"**Latency** (commits after the step, max"
                 f" {HORIZON}, exact commit). {stamp}", md_table(LAT_HEAD, lat))
    if "shared" in parts:
        emit(args, "eval-users-shared", f"**Shared shifts.** {stamp}",
             run_shared(seeds, args.machines, seed_label, peers))
    if "throughput" in parts:
        rows = [r for s in seeds for r in run_throughput(s, args)]
        emit(args, "eval-users-throughput", f"**Throughput (higher is better).** {stamp}",
             md_table(TP_HEAD, rows))
    if args.django is not None:
        try:
            lines = replay_django(args.django, args.django_mirror)
        except ReplayError as exc:
            print(f"error: {exc}", file=sys.stderr)
            raise SystemExit(2) from None
        emit(args, "eval-users-django", "**django-asv, replayed in date order.**", lines)


if __name__ == "__main__":
    main()
