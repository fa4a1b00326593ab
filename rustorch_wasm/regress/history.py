"""Commit order from git: the first-parent history of a branch, oldest first.

Revisions come from the command line, so a rev starting with ``-`` is refused
(it would be read as an option) and git is always called with
``--end-of-options`` before it.
"""
from __future__ import annotations

from pathlib import Path

import git


class HistoryError(ValueError):
    """The repository or a revision cannot be used; one-line message."""


def checked_rev(rev: str) -> str:
    """``rev`` if it is safe to hand to git."""
    if not isinstance(rev, str) or not rev.strip():
        raise HistoryError("empty revision")
    if rev.startswith("-"):
        raise HistoryError(f"refusing revision {rev!r}: it starts with '-'")
    if any(c in rev for c in "\0\n\r"):
        raise HistoryError(f"refusing revision {rev!r}: control characters")
    return rev


def open_repo(path: Path) -> git.Repo:
    """The git repository at ``path`` (or one of its parents)."""
    try:
        return git.Repo(Path(path), search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise HistoryError(f"{path}: not a git repository") from None


def first_parent_commits(repo_path: Path, branch: str = "main") -> list[str]:
    """Full shas of ``branch``'s first-parent history, oldest first."""
    repo = open_repo(repo_path)
    rev = checked_rev(branch)
    try:
        out = repo.git.rev_list("--first-parent", "--reverse", "--end-of-options", rev, "--")
    except git.GitCommandError:
        raise HistoryError(f"{repo.working_dir}: unknown branch or revision {rev!r}") from None
    return out.split()


def resolve_commit(repo_path: Path, rev: str) -> str:
    """The full sha ``rev`` names; unknown revisions raise HistoryError."""
    repo = open_repo(repo_path)
    rev = checked_rev(rev)
    try:
        return repo.git.rev_parse("--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}")
    except git.GitCommandError:
        raise HistoryError(f"{repo.working_dir}: unknown commit {rev!r}") from None


def unknown_commits(repo_path: Path, commits: set[str]) -> set[str]:
    """Which of ``commits`` (full shas) the repository does not contain."""
    repo = open_repo(repo_path)
    known = set(repo.git.rev_list("--all").split()) if commits else set()
    missing = set()
    for c in commits - known:              # unreachable from any ref: ask the object store
        try:
            repo.git.cat_file("-e", "--end-of-options", f"{checked_rev(c)}^{{commit}}")
        except (git.GitCommandError, HistoryError):
            missing.add(c)
    return missing
