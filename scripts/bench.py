"""Benchmark each distinct build of a commit range with asv, with progress for the whole job.

    python scripts/bench.py [--range HEAD~50..HEAD] [--bench REGEX] [--quick]
        [--machine NAME] [--all-commits] [--build-path PATH ...]

1. The range's first-parent commits, bounded by the history that exists
   (``HEAD~50..HEAD`` on a 12-commit history means those 12 commits).
2. Build keys (:func:`rustorch_wasm.regress.io.repository.same_build`): a commit
   whose build inputs (``rustorch_wasm/``, ``benchmarks/``,
   ``pyproject.toml``, ``hatch_build.py``, ``asv.conf.json``; ``--build-path``
   overrides, ``!pattern`` excludes) equal its first parent's builds the same
   wheel and runs the same suite, so it is not measured: the commit that
   last changed the key (its representative) is, even when that lies before
   the range (the build the range starts with). ``--all-commits`` measures
   every commit.
3. Builds with a result file for this machine are not measured again; with
   nothing new, asv is not even started.
4. ``asv run HASHFILE:<the builds to measure> --record-samples
   --skip-existing-commits``; asv's output is passed through, and at each
   commit asv starts a line ``bench: commit i/N <sha> (elapsed, about T
   left)`` gives the progress of the whole job (T: the time per commit so
   far, from the first commit on, times the commits left).

Exit status is asv's (0 when there was nothing to measure), 2 on a bad range.
"""
from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rustorch_wasm.regress.cli.asv_runner import asv_env  # noqa: E402
from rustorch_wasm.regress.model.config import ConfigError, config_path, load_config  # noqa: E402
from rustorch_wasm.regress.io.repository import (HistoryError, range_commits,  # noqa: E402
                                              same_build)

_COMMIT_LINE = re.compile(r"For \S+ commit ([0-9a-f]{8})")


@dataclass(frozen=True)
class Plan:
    """What a benchmark run over a range measures, and why the rest is skipped."""

    commits: list[str]                 # the range, oldest first
    representative: dict[str, str]     # same-build commit -> the commit that made its build
    builds: list[str]                  # one commit per distinct build, oldest first
    to_measure: list[str]              # builds without results on this machine

    @property
    def same_build(self) -> int:
        return sum(1 for c in self.commits if c in self.representative)

    @property
    def before_range(self) -> int:
        inside = set(self.commits)
        return sum(1 for b in self.builds if b not in inside)

    def summary(self, spec: str) -> str:
        return (f"{spec}: {len(self.commits)} commit(s), {len(self.builds)} distinct build(s) "
                f"({self.same_build} commit(s) skipped as the same build as an earlier one"
                + (f"; {self.before_range} build(s) from before the range" if self.before_range
                   else "")
                + f"); {len(self.builds) - len(self.to_measure)} measured already, "
                f"{len(self.to_measure)} to measure")


def plan(repo: Path, commits: list[str], measured: set[str], *, paths: Sequence[str] | None = None,
         every_commit: bool = False) -> Plan:
    """The builds of ``commits`` and those of them not in ``measured`` (sha prefixes)."""
    reps = {} if every_commit else same_build(repo, commits, paths)
    builds = list(dict.fromkeys(reps.get(c, c) for c in commits))
    todo = [b for b in builds if b[:8] not in measured]
    return Plan(commits, reps, builds, todo)


def measured_commits(results: Path, machine: str) -> set[str]:
    """Short shas (8 characters, asv's file names) with a result file for ``machine``."""
    directory = results / machine
    if not directory.is_dir():
        return set()
    return {p.name[:8] for p in directory.glob("*.json")
            if p.name != "machine.json" and re.match(r"^[0-9a-f]{8}-", p.name)}


def clock_text(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


class Progress:
    """Turns asv's "For <project> commit <sha8>" lines into whole-job progress."""

    def __init__(self, total: int, clock: Callable[[], float] = time.monotonic,
                 out: Callable[[str], None] = print) -> None:
        self.total, self.clock, self.out = total, clock, out
        self.started = self.first = clock()
        self.seen: list[str] = []

    def line(self, text: str) -> None:
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


def asv_machine(machine: str | None) -> None:
    cmd = [sys.executable, "-m", "asv", "machine", "--yes"]
    subprocess.run(cmd + (["--machine", machine] if machine else []), cwd=ROOT, env=asv_env(),
                   check=False, stdout=subprocess.DEVNULL)


def run_asv(cmd: list[str], progress: Progress) -> int:
    """Run asv, passing its output through and feeding it to ``progress``."""
    with subprocess.Popen(cmd, cwd=ROOT, env=asv_env(), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, errors="replace") as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            progress.line(line)
        code = proc.wait()
    progress.done()
    return code


def results_dir() -> Path:
    from asv import util

    conf = util.load_json(str(ROOT / "asv.conf.json"), js_comments=True)
    return ROOT / conf.get("results_dir", "results")


def project_build_paths() -> tuple[str, ...]:
    """This project's build inputs: its profile's ``build_paths`` (regress.json)."""
    return load_config(config_path(None, ROOT)).profile.build_paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--range", default="HEAD~50..HEAD", help="git range (default HEAD~50..HEAD)")
    parser.add_argument("--bench", "-b", action="append", default=[], help="asv -b regex (repeatable)")
    parser.add_argument("--quick", action="store_true", help="asv --quick (one sample; smoke test)")
    parser.add_argument("--show-stderr", action="store_true")
    parser.add_argument("--machine", help="asv machine name (default: the host name)")
    parser.add_argument("--all-commits", action="store_true",
                        help="measure every commit, also those with their parent's build")
    parser.add_argument("--build-path", action="append", metavar="PATH",
                        help="a build input path (repeatable; '!PATTERN' excludes); "
                             "default: this project's")
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        commits = range_commits(ROOT, args.range)
        if not commits:
            print(f"nothing to benchmark in {args.range}")
            return 0
        machine = args.machine or platform.node()
        work = plan(ROOT, commits, measured_commits(results_dir(), machine),
                    paths=args.build_path or project_build_paths(), every_commit=args.all_commits)
    except (HistoryError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"bench: {work.summary(args.range)} [{clock_text(time.monotonic() - started)}]",
          flush=True)
    if not work.to_measure:
        return 0
    asv_machine(args.machine)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as fh:
        fh.write("".join(f"{c}\n" for c in work.to_measure))
        hashfile = fh.name
    try:
        cmd = [sys.executable, "-m", "asv", "run", f"HASHFILE:{hashfile}", "--record-samples",
               "--skip-existing-commits", *(["--machine", args.machine] if args.machine else [])]
        for regex in args.bench:
            cmd += ["-b", regex]
        if args.quick:
            cmd.append("--quick")
        if args.show_stderr:
            cmd.append("--show-stderr")
        return run_asv(cmd, Progress(len(work.to_measure)))
    finally:
        os.unlink(hashfile)


if __name__ == "__main__":
    sys.exit(main())
