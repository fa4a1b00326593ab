"""django-asv's public asv results, replayed in date order into a local git repository.

    python -m evaluation.django_replay --cache DIR [--mirror GITDIR]
                                       [--machine ubuntu-latest|all] [--no-repo-check]
                                       [--out DIR] [--markdown FILE]

``DIR/results`` holds django-asv's ``results/`` (github django/django-asv).
Nothing is downloaded here: with ``--mirror`` (a clone, bare or not) the
results are extracted from its HEAD into ``DIR`` first; without it and
without ``DIR/results`` the script stops with a one-line error.

The django repository itself is not at hand, so its commits cannot be
ordered by git. Each distinct ``commit_hash`` of the machine's result files
becomes one commit of a new linear history, in the order of asv's ``date``
(the commit's date, ms; ties by sha), and its files are rewritten with that
commit's new sha (file name ``<sha8>-<env>.json`` and ``commit_hash``),
everything else kept. ``commit_order.tsv`` maps position, new sha, original
sha and date. Then ``python -m rustorch_wasm.regress detect --results DIR
--repo REPO --branch main`` runs on it, timed.

With ``--machine all`` every machine's files go into one history. With
``--no-repo-check`` the same detect also runs on the original results with no
repository at all (commits ordered by asv's dates), timed, and its findings
are compared one by one (kind, machine, env, benchmark, params, commit) with
the replay's, mapped back to the original shas.

Report: files, series, findings by kind, the run's time; the commits where
at least ``--together`` (10) series moved the same way together (a series
*moves* at a commit when its value is off its previous value and the median
of its previous 5, the same way, by at least 20 % and by 4 sigmas of its own
commit-to-commit noise), how many
findings fall at them and how many carry an environment finding; and the
commits holding at least ``--together`` findings, each with its movers.
"""
from __future__ import annotations

import argparse
import io
import json
import math
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from rustorch_wasm.regress.io.history import load_history
from rustorch_wasm.regress.io.synth import make_history

from .scoring import md_table

MOVE = math.log(1.2)


class ReplayError(Exception):
    """Missing or unusable input; one-line message."""


def ensure_results(cache: Path, mirror: Path | None) -> Path:
    """``cache/results``, extracted from ``mirror``'s HEAD when absent."""
    results = cache / "results"
    if results.is_dir():
        return results
    if mirror is None:
        raise ReplayError(f"{results}: no django-asv results; extract them (git --git-dir=MIRROR"
                          f" archive HEAD results | tar -x -C {cache}) or name a django-asv clone"
                          " to extract from (--mirror; --django-mirror in evaluation.users)")
    out = subprocess.run(["git", "--git-dir", str(mirror), "archive", "HEAD", "results"],
                         capture_output=True, check=False)
    if out.returncode != 0:
        git_dir = mirror / ".git"
        if git_dir.is_dir():
            return ensure_results(cache, git_dir)
        raise ReplayError(f"{mirror}: git archive failed: "
                          f"{out.stderr.decode(errors='replace').strip().splitlines()[-1:]}")
    cache.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(out.stdout)) as tar:
        tar.extractall(cache, filter="data") if hasattr(tarfile, "data_filter") \
            else tar.extractall(cache)
    return results


@dataclass
class Replay:
    results: Path
    repo: Path
    files: int
    order: list[tuple[str, str, int]]        # (new sha, original sha, date ms), oldest first


def machines_of(source: Path, machine: str) -> list[str]:
    """``[machine]``, or every machine directory of ``source`` for ``all``."""
    names = sorted(d.name for d in source.iterdir() if d.is_dir()) if machine == "all" else [machine]
    for name in names:
        if not (source / name).is_dir():
            raise ReplayError(f"{source / name}: no such machine directory")
    if not names:
        raise ReplayError(f"{source}: no machine directories")
    return names


def replay(source: Path, machine: str, out: Path) -> Replay:
    """Rewrite ``source/machine``'s result files (``all``: every machine's) over
    a new date-ordered history in ``out``."""
    machines = machines_of(source, machine)
    files: list[tuple[Path, dict]] = []
    for path in sorted(p for m in machines for p in (source / m).glob("*.json")):
        if path.name == "machine.json":
            continue
        try:
            data = json.loads(path.read_text())
            data["commit_hash"], int(data["date"])  # both must be there
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ReplayError(f"{path}: not an asv result file ({exc})") from None
        files.append((path, data))
    if not files:
        raise ReplayError(f"{source}/{machine}: no result files")
    dates: dict[str, int] = {}
    for _, data in files:
        c = data["commit_hash"]
        dates[c] = min(dates.get(c, int(data["date"])), int(data["date"]))
    originals = sorted(dates, key=lambda c: (dates[c], c))
    repo, results = out / "repo", out / "results"
    shas = make_history(repo, len(originals))
    new_of = dict(zip(originals, shas))
    results.mkdir(parents=True, exist_ok=True)
    for name in ("benchmarks.json",):
        if (source / name).is_file():
            shutil.copy(source / name, results / name)
    for m in machines:
        (results / m).mkdir(parents=True, exist_ok=True)
        if (source / m / "machine.json").is_file():
            shutil.copy(source / m / "machine.json", results / m / "machine.json")
    for path, data in files:
        new = new_of[data["commit_hash"]]
        data["commit_hash"] = new
        (results / path.parent.name / f"{new[:8]}-{data['env_name']}.json").write_text(json.dumps(data))
    order = [(new_of[c], c, dates[c]) for c in originals]
    (out / "commit_order.tsv").write_text("".join(
        f"{i}\t{n}\t{c}\t{iso(d)}\n" for i, (n, c, d) in enumerate(order)))
    return Replay(results, repo, len(files), order)


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%d")


def co_moving(rp: Replay) -> tuple[int, dict[int, tuple[int, int]]]:
    """(series, {position: (series measured, series moved the same way)}) from the data
    alone: a series moves at a commit when its value is off both its previous value and
    the median of its previous 5, the same way, by at least 20 % and by 4 of its own
    noise sigmas (MAD of first differences): a step counts at its first commit only."""
    series = load_history(rp.results, repo=rp.repo, branch="main").series
    measured: Counter[int] = Counter()
    moved: dict[int, Counter[int]] = {1: Counter(), -1: Counter()}
    for s in series:
        pos = np.array([p.position for p in s.points])
        y = np.log(np.maximum(np.asarray(s.medians, dtype=float), 1e-300))
        d = np.diff(y)
        sigma = 1.4826 * float(np.median(np.abs(d - np.median(d)))) / math.sqrt(2) if d.size else 0
        need = max(MOVE, 4.0 * sigma)
        for i in range(1, y.size):
            measured[int(pos[i])] += 1
            dev = y[i] - np.median(y[max(0, i - 5):i])
            if abs(dev) >= need and abs(y[i] - y[i - 1]) >= need and dev * (y[i] - y[i - 1]) > 0:
                moved[1 if dev > 0 else -1][int(pos[i])] += 1
    return len(series), {p: (measured[p], max(moved[1][p], moved[-1][p])) for p in measured}


def run_detect(rp: Replay, out: Path) -> tuple[dict, float, int]:
    return _detect(["--results", str(rp.results), "--repo", str(rp.repo), "--branch", "main"],
                   out, out / "report.json")


def _detect(args: list[str], cwd: Path, report: Path) -> tuple[dict, float, int]:
    """``detect ARGS --json REPORT`` run in ``cwd`` (no regress.json there): report, time, exit."""
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "rustorch_wasm.regress", "detect", *args,
                           "--json", str(report)], cwd=cwd,
                          capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        raise ReplayError(f"detect failed (exit {proc.returncode}): "
                          f"{proc.stderr.strip().splitlines()[-1:]}")
    return json.loads(report.read_text()), elapsed, proc.returncode


def summary(rp: Replay, doc: dict, elapsed: float, code: int, together: int) -> list[str]:
    pos = {n: i for i, (n, _, _) in enumerate(rp.order)}
    n_series, moves = co_moving(rp)
    findings = doc.get("findings", [])
    kinds = Counter(f["kind"] for f in findings)
    at: dict[int, Counter[str]] = {}
    for f in findings:
        at.setdefault(pos.get(f["commit"], -1), Counter())[f["kind"]] += 1
    hot = sorted(p for p, (_, mv) in moves.items() if mv >= together)
    in_hot = sum(sum(at.get(p, Counter()).values()) for p in hot)
    env_at = {p for p, c in at.items() if c.get("environment")}
    env_share: dict[int, list[str]] = {}
    for f in findings:
        if f["kind"] == "environment":
            share = f.get("share")
            env_share.setdefault(pos.get(f["commit"], -1), []).append(
                f"{f.get('env', '?')} {share:.0%}" if isinstance(share, (int, float)) else "?")
    dense = sorted(p for p, c in at.items() if sum(c.values()) >= together)
    lines = md_table(["files", "commits", "series", "findings", "by kind", "detect time (s)",
                      "exit", f"commits where >= {together} series moved the same way",
                      "findings at them", "of them with an environment finding"],
                     [[rp.files, len(rp.order), n_series, len(findings),
                       ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) or "none",
                       f"{elapsed:.1f}", code, len(hot), f"{in_hot} of {len(findings)}",
                       len(env_at & set(hot))]])
    rows = []
    for p in dense:
        _, orig, date = rp.order[p]
        c = at.get(p, Counter())
        rows.append([p, orig[:10], iso(date), moves.get(p, (0, 0))[0], moves.get(p, (0, 0))[1],
                     ", ".join(f"{k} {v}" for k, v in sorted(c.items())),
                     ", ".join(env_share.get(p, [])) or "none"])
    in_dense = sum(sum(at[p].values()) for p in dense)
    return lines + ["", "A series *moved* at a commit when its value is >= 20 % and >= 4 noise"
                    " sigmas (MAD of its first differences) off both its previous value and"
                    " the median of its previous 5, the same way."
                    f" Commits holding >= {together} findings ({in_dense} of the"
                    f" {len(findings)} findings):", ""] + md_table(
        ["position", "django commit", "date", "series measured", "moved the same way",
         "findings there", "environment findings (env, share moved)"], rows)


def finding_ids(doc: dict, original: dict[str, str]) -> set[tuple[str, ...]]:
    """Each finding as (kind, machine, env, benchmark, params, commit), commits
    mapped through ``original`` (replay sha -> django sha; identity if absent)."""
    return {(f["kind"], f["machine"], f["env"], f["benchmark"],
             json.dumps(f.get("params", {}), sort_keys=True), original.get(f["commit"], f["commit"]))
            for f in doc.get("findings", [])}


def no_repo_check(source: Path, rp: Replay, doc: dict, work: Path) -> list[str]:
    """detect on the original results with no repository, against the replay."""
    cwd = work / "no-repo"
    cwd.mkdir()
    bare, elapsed, code = _detect(["--results", str(source)], cwd, cwd / "report.json")
    replayed = finding_ids(doc, {n: o for n, o, _ in rp.order})
    alone = finding_ids(bare, {})
    kinds = Counter(f["kind"] for f in bare.get("findings", []))
    return ["", "The same results with no repository at all (`rustorch-regress detect --results"
            " results`, commits in asv's date order):", ""] + md_table(
        ["files", "series", "findings", "by kind", "detect time (s)", "exit",
         "same as the replay", "only in the replay", "only without a repository"],
        [[rp.files, bare.get("series_checked", "?"), len(alone),
          ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) or "none", f"{elapsed:.1f}",
          code, len(alone & replayed), len(replayed - alone), len(alone - replayed)]])


def evaluate(cache: Path, mirror: Path | None = None, machine: str = "ubuntu-latest",
             together: int = 10, out: Path | None = None, check: bool = False) -> list[str]:
    """The Markdown report (raises ReplayError on missing input)."""
    source = ensure_results(cache, mirror)
    with tempfile.TemporaryDirectory(prefix="django-replay-") as tmp:
        work = out or Path(tmp)
        rp = replay(source, machine, work)
        doc, elapsed, code = run_detect(rp, work)
        lines = summary(rp, doc, elapsed, code, together)
        if check:
            lines += no_repo_check(source, rp, doc, work)
    return [f"`results/{machine}` of github django/django-asv, replayed by"
            f" `python -m evaluation.django_replay` ({time.strftime('%Y-%m-%d', time.gmtime())}):", "",
            *lines]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog=f"python -m {__spec__.name}" if __spec__ else None,
                                 description=__doc__.split("\n")[0])
    ap.add_argument("--cache", type=Path, required=True, help="dir holding (or to hold) results/")
    ap.add_argument("--mirror", type=Path, default=None, help="a django-asv git clone to extract")
    ap.add_argument("--machine", default="ubuntu-latest", help="a machine of results/, or all")
    ap.add_argument("--no-repo-check", action="store_true",
                    help="also detect on the original results with no repository and compare")
    ap.add_argument("--together", type=int, default=10, help="series moving at one commit")
    ap.add_argument("--out", type=Path, default=None, help="keep the replay here (new dir)")
    ap.add_argument("--markdown", type=Path, default=None, help="also write the report here")
    args = ap.parse_args(argv)
    if args.out is not None and args.out.exists() and any(args.out.iterdir()):
        print(f"error: {args.out}: exists and is not empty", file=sys.stderr)
        return 2
    try:
        lines = evaluate(args.cache, args.mirror, args.machine, args.together, args.out,
                         args.no_repo_check)
    except ReplayError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    text = "\n".join(lines) + "\n"
    print(text, end="")
    if args.markdown:
        args.markdown.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
