"""Which commits of a range a benchmark run measures: one per distinct build.

A commit whose build key (:func:`.repository.build_keys`: the tree and blob
ids of the profile's build paths) equals its first parent's builds the same
wheel and runs the same suite, so it is not measured: the commit that last
changed the key (its representative) is, even when that lies before the
range (the build the range starts with). Builds with a result file for the
machine already are not measured again.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from .repository import same_build

_RESULT_FILE = re.compile(r"^[0-9a-f]{8}-")


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
    directory = Path(results) / machine
    if not directory.is_dir():
        return set()
    return {p.name[:8] for p in directory.glob("*.json")
            if p.name != "machine.json" and _RESULT_FILE.match(p.name)}


__all__ = ["Plan", "measured_commits", "plan"]
