"""Run asv over a commit range, bounded by the history that exists.

    python scripts/bench.py [--range HEAD~50..HEAD] [--bench REGEX] [--quick] [--machine NAME]

The range is resolved with ``git rev-list --first-parent`` here (so
``HEAD~50..HEAD`` on a 12-commit history means those 12 commits instead of an
error), written to a hash file, and handed to ``asv run HASHFILE:...`` with
``--record-samples`` (the detector needs the samples) and
``--skip-existing-commits`` (already measured commits are not rerun).
Exit status is asv's.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def git(*args: str) -> str:
    out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"error: git {' '.join(args)}: {out.stderr.strip() or 'failed'}")
    return out.stdout.strip()


def commits_in(spec: str) -> list[str]:
    """Full shas of ``A..B`` (or a single rev), oldest first, bounded by history."""
    if spec.startswith("-") or any(part.startswith("-") for part in spec.split("..")):
        raise SystemExit(f"error: range {spec!r} must not start with '-'")
    if ".." not in spec:
        return [git("rev-parse", "--verify", "--end-of-options", f"{spec}^{{commit}}")]
    start, end = spec.split("..", 1)
    end_sha = git("rev-parse", "--verify", "--end-of-options", f"{end or 'HEAD'}^{{commit}}")
    start_ok = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", "--end-of-options", f"{start}^{{commit}}"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    if start_ok.returncode == 0:
        listed = git("rev-list", "--first-parent", f"{start_ok.stdout.strip()}..{end_sha}")
    else:  # start lies before the first commit: take all the history there is
        print(f"note: {start} does not exist; using all of {end or 'HEAD'}'s history", file=sys.stderr)
        listed = git("rev-list", "--first-parent", end_sha)
    return list(reversed(listed.split())) if listed else []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--range", default="HEAD~50..HEAD", help="git range (default HEAD~50..HEAD)")
    parser.add_argument("--bench", "-b", action="append", default=[], help="asv -b regex (repeatable)")
    parser.add_argument("--quick", action="store_true", help="asv --quick (one sample; smoke test)")
    parser.add_argument("--show-stderr", action="store_true")
    parser.add_argument("--machine", help="asv machine name (default: the host name)")
    args = parser.parse_args(argv)

    commits = commits_in(args.range)
    if not commits:
        print(f"nothing to benchmark in {args.range}")
        return 0
    print(f"benchmarking {len(commits)} commit(s): {commits[0][:8]}..{commits[-1][:8]}", flush=True)
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    asv = [sys.executable, "-m", "asv"]
    machine = ["--machine", args.machine] if args.machine else []
    subprocess.run([*asv, "machine", "--yes", *machine], cwd=ROOT, env=env, check=False,
                   stdout=subprocess.DEVNULL)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as fh:
        fh.write("\n".join(commits) + "\n")
        hashfile = fh.name
    try:
        cmd = [*asv, "run", f"HASHFILE:{hashfile}", "--record-samples", "--skip-existing-commits",
               *machine]
        for regex in args.bench:
            cmd += ["-b", regex]
        if args.quick:
            cmd.append("--quick")
        if args.show_stderr:
            cmd.append("--show-stderr")
        return subprocess.run(cmd, cwd=ROOT, env=env, check=False).returncode
    finally:
        os.unlink(hashfile)


if __name__ == "__main__":
    sys.exit(main())
