"""Benchmark a set of commits with asv into a private results directory.

Used by the PR gate: the project's ``asv.conf.json`` is read (asv's JSON
with comments) and rewritten to a temporary config whose ``results_dir``
and ``html_dir`` are private, while ``env_dir`` (and so the build cache)
stays the project's, so wheels and environments are reused across runs.
``asv run HASHFILE:... --record-samples --interleave-rounds`` then builds
every commit and runs the benchmark rounds interleaved across commits, as
``asv continuous`` does, so a slow drift of the machine during the run
affects both sides alike. The suite's own setting is one contiguous round
per benchmark (``benchmarks/_harness.py``: a history run compares commits
measured minutes apart anyway, and one window rarely straddles a shift of
the machine's speed); for two commits compared head to head the gate asks
for :data:`INTERLEAVED` instead, about as many samples in 4 rounds.

The results are read back with :func:`.results.load_results`.
:class:`PairRunner` is the re-measurement runner of :mod:`.confirm` (used by
the gate and by ``make run``): each call is one such interleaved run of two
commits, with ``-a rounds=N``, of just the benchmarks asked for.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Collection, Sequence

from ..model.series import SeriesKey
from ..analysis.confirm import Samples

INTERLEAVED = ("-a", "rounds=4", "-a", "repeat=(5,8,1.5)")

_PROGRESS = re.compile(r"^\[\s*\d+(\.\d+)?%\]")
_COMMIT_LINE = re.compile(r"For \S+ commit ([0-9a-f]{8})")
_FAILED_LINE = re.compile(r"·+ (Building\b.*?|[\w.]+(?:\([^)]*\))?)\s+failed\s*$")


class AsvRunError(Exception):
    """asv could not be run or produced no usable results (one-line message)."""


def asv_env() -> dict[str, str]:
    """asv finds ``python3.10`` (and the build tools) in this interpreter's bin dir."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def load_asv_config(repo: Path) -> dict:
    """``repo/asv.conf.json`` as asv reads it (JSON with comments)."""
    try:
        from asv import util  # asv is not a dependency of the detector: only measuring runs it
    except ModuleNotFoundError:
        raise AsvRunError("asv is not installed; benchmarking needs it "
                          "(pip install asv==0.6.6)") from None
    source = Path(repo) / "asv.conf.json"
    if not source.is_file():
        raise AsvRunError(f"{source} not found (not an asv project)")
    try:
        conf = util.load_json(str(source), js_comments=True)
    except Exception as exc:  # asv raises several types for bad JSON
        raise AsvRunError(f"{source}: cannot read: {exc}".splitlines()[0]) from None
    if not isinstance(conf, dict):
        raise AsvRunError(f"{source}: not a JSON object")
    return conf


def environments(repo: Path, conf: dict | None = None) -> dict[str, dict]:
    """Every asv environment of the project at ``repo`` (its name -> an asv
    ``exclude`` rule that matches it and no other), from asv's own matrix
    expansion; {} when asv cannot list them."""
    from asv import config, environment  # asv is needed only to measure

    conf = dict(conf if conf is not None else load_asv_config(repo))
    conf.setdefault("repo", str(repo))
    try:
        envs = list(environment.get_environments(config.Config.from_json(conf), [],
                                                 verbose=False))
    except Exception:  # asv raises several types for a config it cannot expand
        return {}
    out = {}
    for e in envs:
        rule: dict = {"python": re.escape(str(e._python))}
        rule["req"] = {k: re.escape(str(v)) for k, v in (e._requirements or {}).items()}
        for (kind, name), value in (e._tagged_env_vars or {}).items():
            rule.setdefault("env_nobuild" if kind == "nobuild" else "env", {})[name] = \
                re.escape(str(value))
        out[e.name] = rule
    return out


def private_config(repo: Path, workdir: Path, results: Path | None = None,
                   envs: Collection[str] | None = None) -> Path:
    """A copy of ``repo/asv.conf.json`` with private results/html dirs (or the
    given ``results`` directory), and, with ``envs``, every other environment
    excluded from the matrix; returns its path."""
    conf = load_asv_config(repo)
    if envs is not None:
        others = [rule for name, rule in environments(repo, conf).items() if name not in envs]
        conf["exclude"] = [*conf.get("exclude", []), *others]
    conf["repo"] = str(repo)
    conf["benchmark_dir"] = str((repo / conf.get("benchmark_dir", "benchmarks")).resolve())
    conf["env_dir"] = str((repo / conf.get("env_dir", "env")).resolve())
    conf["results_dir"] = str(Path(results).resolve() if results is not None else workdir / "results")
    conf["html_dir"] = str(workdir / "html")
    path = workdir / "asv.conf.json"
    path.write_text(json.dumps(conf, indent=2))
    return path


def _run_logged(cmd: list[str], repo: Path, env: dict[str, str], log: Path, echo: bool) -> int:
    """Run ``cmd``; all output goes to ``log``; asv's progress lines also to stderr."""
    with open(log, "a", encoding="utf-8") as out, subprocess.Popen(
            cmd, cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, errors="replace") as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            out.write(line)
            if echo and _PROGRESS.match(line):
                print(f"  {line.rstrip()}", file=sys.stderr, flush=True)
        return proc.wait()


def run_commits(repo: Path, commits: Sequence[str], workdir: Path, *, benches: Sequence[str] = (),
                extra: Sequence[str] = (), log: Path | None = None,
                echo_progress: bool = False, envs: Collection[str] | None = None) -> Path:
    """Build and benchmark ``commits`` with asv (in ``envs`` only, when given);
    returns the private results dir."""
    workdir.mkdir(parents=True, exist_ok=True)
    log = log or workdir / "asv.log"
    config = private_config(repo, workdir, envs=envs)
    asv = [sys.executable, "-m", "asv"]
    env = asv_env()
    if _run_logged([*asv, "machine", "--yes", "--config", str(config)], repo, env, log, False) != 0:
        raise AsvRunError(f"'asv machine --yes' failed; see {log}")
    hashfile = workdir / "commits.txt"
    hashfile.write_text("".join(f"{c}\n" for c in commits))
    cmd = [*asv, "run", f"HASHFILE:{hashfile}", "--config", str(config), "--record-samples",
           "--interleave-rounds", "--show-stderr", *INTERLEAVED]
    for regex in benches:
        cmd += ["--bench", regex]
    cmd += list(extra)  # after INTERLEAVED: a caller's -a wins
    code = _run_logged(cmd, repo, env, log, echo_progress)
    results = workdir / "results"
    if not results.is_dir():
        raise AsvRunError(f"asv run exited {code} and wrote no results; see {log}")
    return results


def clock_text(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


class Progress:
    """Turns asv's "For <project> commit <sha8>" lines into whole-job progress:
    ``bench: commit i/N <sha> (elapsed, about T left)``, T the time per commit
    so far (from the first commit on) times the commits left."""

    def __init__(self, total: int, clock: Callable[[], float] = time.monotonic,
                 out: Callable[[str], None] = print) -> None:
        self.total, self.clock, self.out = total, clock, out
        self.started = self.first = clock()
        self.seen: list[str] = []
        self.failed: list[tuple[str, str]] = []     # (commit, benchmark or "build") asv said failed

    def line(self, text: str) -> None:
        bad = _FAILED_LINE.search(text)
        if bad is not None:
            what = "build" if bad.group(1).startswith("Building") else bad.group(1)
            self.failed.append((self.seen[-1] if self.seen else "?", what))
        m = _COMMIT_LINE.search(text)
        if m is None or m.group(1) in self.seen:
            return
        self.seen.append(m.group(1))
        now = self.clock()
        if len(self.seen) == 1:
            self.first = now   # asv's setup (environments, discovery) is not a commit's cost
        i, elapsed = len(self.seen), now - self.started
        per_commit = (now - self.first) / (i - 1) if i > 1 else 0.0
        left = f", about {clock_text(per_commit * (self.total - i + 1))} left" if i > 1 else ""
        self.out(f"bench: commit {i}/{self.total} {m.group(1)} (elapsed {clock_text(elapsed)}"
                 f"{left})")

    def done(self) -> None:
        self.out(f"bench: {len(self.seen)} of {self.total} commit(s) benchmarked in "
                 f"{clock_text(self.clock() - self.started)}")


def _passed_through(cmd: list[str], repo: Path, progress: Progress) -> int:
    """Run asv, passing its output through and feeding it to ``progress``."""
    with subprocess.Popen(cmd, cwd=repo, env=asv_env(), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, errors="replace") as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            progress.line(line)
        code = proc.wait()
    progress.done()
    return code


def run_history(repo: Path, commits: Sequence[str], *, benches: Sequence[str] = (),
                machine: str | None = None, extra: Sequence[str] = (),
                failed: list[tuple[str, str]] | None = None) -> int:
    """``asv run`` of ``commits`` in the project at ``repo``, into its own results
    directory, samples recorded, commits that have results skipped; asv's
    output passed through with whole-job progress. Returns asv's exit status;
    ``failed`` gets the (commit, benchmark or "build") asv reported as failed."""
    asv = [sys.executable, "-m", "asv"]
    subprocess.run([*asv, "machine", "--yes", *(["--machine", machine] if machine else [])],
                   cwd=repo, env=asv_env(), check=False, stdout=subprocess.DEVNULL)
    with tempfile.TemporaryDirectory(prefix="rustorch-run-") as tmp:
        hashfile = Path(tmp) / "commits.txt"
        hashfile.write_text("".join(f"{c}\n" for c in commits))
        cmd = [*asv, "run", f"HASHFILE:{hashfile}", "--record-samples", "--skip-existing-commits",
               *(["--machine", machine] if machine else [])]
        for regex in benches:
            cmd += ["-b", regex]
        progress = Progress(len(commits))
        code = _passed_through([*cmd, *extra], repo, progress)
        if failed is not None:
            failed.extend(progress.failed)
        return code


def samples_at(results: Path, commit: str) -> dict[SeriesKey, list[float]]:
    """Samples per series measured at ``commit`` (asv's value when none were recorded)."""
    from ..io.results import load_results

    return {m.key: m.values for m in load_results(results).at_commit(commit)}


def matched(keys: Sequence[SeriesKey],
            found: dict[SeriesKey, list[float]]) -> dict[SeriesKey, list[float]]:
    """``found`` under the keys asked for; a key of another machine (results
    copied from elsewhere) takes this machine's series of the same env,
    benchmark and params."""
    loose = {(k.env, k.benchmark, k.params): v for k, v in found.items()}
    out = {}
    for k in keys:
        v = found.get(k, loose.get((k.env, k.benchmark, k.params)))
        if v is not None:
            out[k] = v
    return out


@dataclass
class PairRunner:
    """:class:`.confirm.Runner` with asv: ``rounds`` interleaved rounds of two commits.

    asv records samples for timing benchmarks only: a ``track_`` benchmark
    gives one value per run whatever the rounds, which no two-sample test
    can use. Keys that came back with one value a side are therefore run
    again, alone, once per further round, the two commits' order alternating
    (parent first, then the culprit first, ...), so that they too get one
    value per round, interleaved like the samples of the others."""

    repo: Path
    workdir: Path
    extra: Sequence[str] = ()
    log: Path | None = None
    echo_progress: bool = False
    runs: int = 0

    def _measure(self, order: list[str], keys: Sequence[SeriesKey],
                 rounds: int) -> dict[str, dict[SeriesKey, list[float]]]:
        self.runs += 1
        # asv matches -b against "name(p1, p2)" for parameterized benchmarks
        regexes = sorted({f"^{re.escape(k.benchmark)}(\\(|$)" for k in keys})
        results = run_commits(self.repo, order, self.workdir / f"look-{self.runs}",
                              benches=regexes, extra=("-a", f"rounds={rounds}", *self.extra),
                              log=self.log, echo_progress=self.echo_progress,
                              envs={k.env for k in keys})
        return {c: matched(keys, samples_at(results, c)) for c in order}

    def __call__(self, parent: str, commit: str, keys: Sequence[SeriesKey], rounds: int) -> Samples:
        got = self._measure([parent, commit], keys, rounds)
        before, after = got[parent], got[commit]
        single = [k for k in keys if len(before.get(k, ())) == 1 and len(after.get(k, ())) == 1]
        for i in range(1, rounds if single else 1):
            order = [commit, parent] if i % 2 else [parent, commit]
            more = self._measure(order, single, 1)
            for k in single:
                before[k] = [*before.get(k, []), *more[parent].get(k, [])]
                after[k] = [*after.get(k, []), *more[commit].get(k, [])]
        return {k: (before.get(k, []), after.get(k, [])) for k in keys}


def asv_publish(repo: Path, out: Path, results: Path | None = None) -> Path | None:
    """Run ``asv publish`` into ``out``; returns it, or None when asv failed.
    With ``results``, asv publishes that directory (through a copy of the
    project's config), else the config's own ``results_dir``."""
    if importlib.util.find_spec("asv") is None:
        print("warning: asv is not installed: no asv pages", file=sys.stderr)
        return None
    cmd = [sys.executable, "-m", "asv", "publish", "--no-pull", "--html-dir", str(out)]
    if results is not None:
        workdir = Path(out).parent / "asv-config"
        workdir.mkdir(parents=True, exist_ok=True)
        try:
            cmd += ["--config", str(private_config(Path(repo).resolve(), workdir, results))]
        except AsvRunError as exc:
            print(f"warning: asv publish not run: {exc}", file=sys.stderr)
            return None
    proc = subprocess.run(cmd, cwd=repo, env=asv_env(), capture_output=True, text=True, check=False)
    if proc.returncode != 0 or not (out / "index.html").is_file():
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        print(f"warning: asv publish failed: {tail[0]}", file=sys.stderr)
        return None
    return out
