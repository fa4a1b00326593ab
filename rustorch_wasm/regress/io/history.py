"""A results directory along one commit order: the input of every analysis.

:func:`load_history` is the one way from an asv results directory to the
series the detector reads, for every command (``detect``, ``site``,
``run``, the evaluation):

1. The order. With a repository: the first-parent history of ``branch``.
   The repository is the one named (``repo``), else the working
   directory's (``search``) when its ``branch`` holds at least one of the
   results' commits; otherwise (no repository, or another project's, or
   one without that branch or without any commit yet) asv's recorded
   commit dates order the results, with one warning saying so. Files
   without a date are then left out, counted in one warning line; when no
   file has a date, that is one error line (no message names a branch
   when no repository gives the order).
2. Files of commits the repository lacks, or that are not on the branch
   (rebased or force-pushed away: asv keeps their files), are skipped with
   one warning line each.
3. Build identity. With a repository, every commit from the first measured
   one on whose build key (the profile's build paths, else
   :data:`~..model.profile.GENERIC_BUILD_PATHS`) equals its first parent's
   is mapped to the commit that made its build
   (:func:`.repository.same_build`): such a commit cannot change a
   measurement.

Warnings are collected in ``result_set.warnings``; the commands print them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from ..model.config import DEFAULT_MAX_RESULT_BYTES
from ..model.series import Series
from .columns import build_series
from .repository import (HistoryError, checked_rev, first_parent_commits, open_repo,
                         same_build, unknown_commits)
from .results import ResultSet, ResultsError, load_results


@dataclass
class History:
    """The results of one directory along the chosen commit order, as series."""

    result_set: ResultSet
    repo: Path | None            # the repository that gave the order (None: asv's dates)
    order: list[str]             # every commit of that order, oldest first
    series: list[Series]
    same_build: dict[str, str] = field(default_factory=dict)  # commit -> the commit of its build

    @property
    def measured(self) -> list[str]:
        """The commits of the order that have results, oldest first."""
        have = self.result_set.commits
        return [c for c in self.order if c in have]

    @property
    def unmeasured_builds(self) -> dict[str, str]:
        """Commits after the first measured one that have no results of their
        own, each with the commit whose build it has."""
        measured = self.measured
        if not measured:
            return {}
        have = self.result_set.commits
        start = self.order.index(measured[0])
        return {c: self.same_build[c] for c in self.order[start:]
                if c in self.same_build and c not in have}


def skip_off_branch(result_set: ResultSet, repo: Path, order: list[str], branch: str) -> None:
    """Files of commits the repository lacks or that are not on ``branch``
    are skipped, one warning line each."""
    off = result_set.commits - set(order)
    if not off:
        return
    missing = unknown_commits(repo, off)
    result_set.skip_commits(missing, f"is not in the repository {repo}")
    result_set.skip_commits(off - missing, f"is not on {branch!r}")


def date_order(result_set: ResultSet, why: str = "no git repository here") -> list[str]:
    """Commits ordered by the commit date asv records in each result file.
    Files without a date are skipped, counted in one warning line (none
    dated: one error line); commits that share a date are ordered by sha,
    with one warning saying how many."""
    undated = result_set.commits - set(result_set.dates)
    if undated and undated == result_set.commits:
        raise ResultsError(f"{result_set.root}: no result file has a commit date, and no "
                           f"repository gives the order ({why}; --repo names one)")
    if undated:
        files = sum(len(result_set.commit_files[c]) for c in undated)
        result_set.skip_commits(undated, "", quiet=True)
        result_set.warnings.append(f"{result_set.root}: {files} result file(s) of "
                                   f"{len(undated)} commit(s) have no commit date, and no "
                                   "repository gives the order; skipped")
    dates = result_set.dates
    order = sorted(result_set.commits, key=lambda c: (dates[c], c))
    tied = len(order) - len({dates[c] for c in order})
    result_set.warnings.append(f"{result_set.root}: {why}, commits ordered by "
                               "asv's commit dates (--repo gives first-parent order)"
                               + (f"; {tied} commit(s) share a date with another, ordered by sha"
                                  if tied else ""))
    return order


def working_repo(search: Path | None) -> Path | None:
    """``search`` when it lies in a git repository, else None."""
    if search is None:
        return None
    try:
        open_repo(search)
    except HistoryError:
        return None
    return search


def load_history(results: Path, *, repo: Path | None = None, search: Path | None = Path("."),
                 branch: str = "main", build_paths: Sequence[str] | None = None,
                 result_set: ResultSet | None = None,
                 max_bytes: int = DEFAULT_MAX_RESULT_BYTES) -> History:
    """Read ``results`` (or take the already read ``result_set``; files over
    ``max_bytes`` are skipped unread) and order its commits (see the module
    docstring). ``build_paths``: the build inputs of the repository (default
    :data:`GENERIC_BUILD_PATHS`)."""
    result_set = result_set if result_set is not None else load_results(results, max_bytes)
    chosen = repo if repo is not None else working_repo(search)
    order: list[str] = []
    why = "no git repository here"
    if chosen is not None:
        checked_rev(branch)                    # a bad name is an error, repository or not
        try:
            order = first_parent_commits(chosen, branch)
        except HistoryError:
            if repo is not None:
                raise                          # named on the command line: its error
            order = []                         # no such branch, or no commit yet
        if repo is None and result_set.commits and not result_set.commits & set(order):
            why = f"none of its commits is on {branch!r} of the working directory's repository"
            chosen = None
        else:
            skip_off_branch(result_set, chosen, order, branch)
    if chosen is None:
        order = date_order(result_set, why)
    series = [s for s in build_series(result_set, order) if len(s)]
    if not series:
        raise ResultsError(f"{results}: no results for any commit of {branch!r}" if chosen
                           else f"{results}: no results to analyse ({why})")
    builds: dict[str, str] = {}
    if chosen is not None:
        have = result_set.commits
        first = next((i for i, c in enumerate(order) if c in have), len(order))
        builds = same_build(chosen, order[first:], build_paths)
    return History(result_set, chosen, order, series, builds)


__all__ = ["History", "date_order", "load_history", "skip_off_branch", "working_repo"]
