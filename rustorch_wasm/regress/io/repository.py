"""Everything the detector needs from git (the only module that calls git).

* Commit order: the first-parent history of a branch or a range, oldest first.
* Build identity: :func:`build_keys` gives each commit a key of the paths
  its build and benchmark suite are made from (tree and blob ids, no
  checkout, no build); :func:`same_build` maps every commit whose key equals
  its first parent's to the commit that last changed the key, so such a
  commit is neither benchmarked nor given a change point.

Revisions come from the command line, so a rev starting with ``-`` is refused
(it would be read as an option) and git is always called with
``--end-of-options`` before it; shas fed to git on stdin are checked to be
full hexadecimal shas first. No shell is involved anywhere.
"""
from __future__ import annotations

import fnmatch
import hashlib
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import git

from ..model.profile import GENERIC_BUILD_PATHS


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


def toplevel(path: Path) -> Path:
    """The root of the work tree that ``path`` is in."""
    repo = open_repo(path)
    if repo.working_tree_dir is None:
        raise HistoryError(f"{path}: a bare repository has no work tree")
    return Path(repo.working_tree_dir)


def changed_files(path: Path) -> list[str]:
    """Tracked files of the work tree with uncommitted changes."""
    repo = open_repo(path)
    try:
        out = repo.git.status("--porcelain", "--untracked-files=no")
    except git.GitCommandError as exc:
        first = (str(exc.stderr).strip().splitlines() or ["failed"])[0]
        raise HistoryError(f"{repo.working_dir}: git status: {first}") from None
    return [line[3:] for line in out.splitlines() if line.strip()]


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


def range_commits(repo_path: Path, spec: str) -> list[str]:
    """Full shas of the first-parent commits of ``A..B`` (or one rev), oldest first.

    The range is bounded by the history that exists: ``HEAD~50..HEAD`` on a
    12-commit history gives those 12 commits, not an error."""
    repo = open_repo(repo_path)
    if ".." not in spec:
        return [resolve_commit(repo_path, spec)]
    start, end = spec.split("..", 1)
    end_sha = resolve_commit(repo_path, end or "HEAD")
    try:
        start_sha: str | None = resolve_commit(repo_path, start or "HEAD")
    except HistoryError as exc:
        if "unknown commit" not in str(exc):
            raise
        start_sha = None  # start lies before the first commit: all the history there is
    revs = [f"{start_sha}..{end_sha}"] if start_sha else [end_sha]
    out = repo.git.rev_list("--first-parent", "--reverse", "--end-of-options", *revs, "--")
    return out.split()


# ---------------------------------------------------------------------------
# Build identity: which commits can differ in what they measure.

# A project names its build inputs in its profile (``build_paths``); without
# one, everything but docs, tests, Markdown and CI files
# (:data:`~..model.profile.GENERIC_BUILD_PATHS`).

_SHA = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")
_HEX = re.compile(r"^[0-9a-f]{7,40}$")


@dataclass(frozen=True)
class BuildInputs:
    """The paths a build depends on, as ``build_keys`` reads them.

    ``include``: paths relative to the repository root (``"."`` is all of
    it); a trailing ``/`` is allowed. ``exclude``: gitignore-like patterns
    (written ``!pattern`` in the path list): a trailing ``/`` matches a
    directory and everything below it, a pattern with another ``/`` is
    anchored at the root (``/docs/``), one without matches a name at any
    depth (``*.md``); ``*``, ``?`` and ``[...]`` as in :mod:`fnmatch`."""

    include: tuple[str, ...]
    exclude: tuple[str, ...] = ()

    @classmethod
    def parse(cls, paths: Sequence[str] | None) -> "BuildInputs":
        include, exclude = [], []
        for p in GENERIC_BUILD_PATHS if paths is None else paths:
            if not isinstance(p, str) or not p.strip() or any(c in p for c in "\0\n\r"):
                raise HistoryError(f"bad build path {p!r}")
            if p.startswith("!"):
                exclude.append(p[1:])
            else:
                p = p.strip("/") or "."
                if p.startswith("-") or p.startswith(":"):
                    raise HistoryError(f"bad build path {p!r}")
                include.append(p)
        if not include:
            raise HistoryError("no build path to include")
        return cls(tuple(dict.fromkeys(include)), tuple(exclude))

    def excluded(self, path: str, is_dir: bool) -> bool:
        """Does an exclude pattern match ``path`` (relative to the root)?"""
        name = path.rsplit("/", 1)[-1]
        for pattern in self.exclude:
            dir_only = pattern.endswith("/")
            pat = pattern.rstrip("/")
            if dir_only and not is_dir:
                continue
            if "/" in pat:
                if fnmatch.fnmatchcase(path, pat.lstrip("/")):
                    return True
            elif fnmatch.fnmatchcase(name, pat):
                return True
        return False


def _checked_shas(commits: Sequence[str]) -> list[str]:
    for c in commits:
        if not isinstance(c, str) or not _SHA.match(c):
            raise HistoryError(f"not a commit sha: {c!r}")
    return list(commits)


def _git_batch(repo: git.Repo, args: Sequence[str], lines: Sequence[str]) -> list[str]:
    """One git process fed ``lines`` on stdin; its output lines (no shell)."""
    proc = subprocess.run(["git", "--git-dir", repo.git_dir, *args], input="".join(
        f"{line}\n" for line in lines), capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        first = (proc.stderr.strip().splitlines() or ["no message"])[0]
        raise HistoryError(f"git {args[0]} failed: {first}")
    return proc.stdout.splitlines()


class _TreeKeys:
    """Keys of trees with the excluded entries left out, memoized per (tree, path)."""

    def __init__(self, repo: git.Repo, inputs: BuildInputs) -> None:
        self.repo, self.inputs = repo, inputs
        self.memo: dict[tuple[str, str], str] = {}

    def key(self, oid: str, path: str) -> str:
        if not self.inputs.exclude:
            return oid
        found = self.memo.get((oid, path))
        if found is None:
            tree = git.Tree(self.repo, bytes.fromhex(oid), path=path)
            lines = []
            for item in tree:
                sub = item.name if path in ("", ".") else f"{path}/{item.name}"
                is_dir = item.type == "tree"
                if self.inputs.excluded(sub, is_dir):
                    continue
                lines.append(f"{item.mode:o} {item.name}\0"
                             f"{self.key(item.hexsha, sub) if is_dir else item.hexsha}")
            found = hashlib.sha1("\n".join(lines).encode()).hexdigest()
            self.memo[(oid, path)] = found
        return found


def build_keys(repo_path: Path, commits: list[str],
               paths: Sequence[str] | None = None) -> dict[str, str]:
    """For each commit (a sha), a key of the build inputs at that commit.

    The key is a hash of the object ids of ``paths`` (the profile's
    ``build_paths``; default :data:`GENERIC_BUILD_PATHS`) at the commit, computed from git alone: equal keys mean
    byte-identical inputs, so (with a deterministic build) identical
    measurements up to noise. One ``git cat-file --batch-check`` serves all
    commits; trees are read only when there are exclude patterns, each
    distinct tree once."""
    repo = open_repo(repo_path)
    inputs = BuildInputs.parse(paths)
    shas = list(dict.fromkeys(_checked_shas(commits)))
    if not shas:
        return {}
    specs = [f"{c}^{{tree}}" if p == "." else f"{c}:{p}" for c in shas for p in inputs.include]
    answers = _git_batch(repo, ["cat-file", "--batch-check"], specs)
    if len(answers) != len(specs):
        raise HistoryError("git cat-file --batch-check: unexpected output")
    trees = _TreeKeys(repo, inputs)
    keys: dict[str, str] = {}
    n = len(inputs.include)
    for i, c in enumerate(shas):
        parts = []
        for path, answer in zip(inputs.include, answers[i * n:(i + 1) * n]):
            fields = answer.split()
            if answer.endswith(" missing") or len(fields) != 3:
                if path == ".":
                    raise HistoryError(f"unknown commit {c!r}")
                parts.append(f"{path}\0-")
            elif fields[1] == "tree":
                parts.append(f"{path}\0{trees.key(fields[0], path)}")
            elif fields[1] == "blob" and inputs.excluded(path, False):
                parts.append(f"{path}\0excluded")
            else:
                parts.append(f"{path}\0{fields[0]}")
        keys[c] = hashlib.sha1("\n".join(parts).encode()).hexdigest()
    return keys


def first_parents(repo_path: Path, commits: Sequence[str]) -> dict[str, str | None]:
    """Each commit's first parent (``None`` for a root commit)."""
    repo = open_repo(repo_path)
    shas = list(dict.fromkeys(_checked_shas(commits)))
    if not shas:
        return {}
    out: dict[str, str | None] = {}
    for line in _git_batch(repo, ["rev-list", "--no-walk=unsorted", "--parents", "--stdin"], shas):
        fields = line.split()
        if fields:
            out[fields[0]] = fields[1] if len(fields) > 1 else None
    return {c: out[c] for c in shas if c in out}


def _first_parent_chain(repo: git.Repo, start: str, count: int) -> dict[str, str | None]:
    """``start`` and up to ``count - 1`` first-parent ancestors, each with its first parent."""
    out = repo.git.rev_list("--first-parent", "--parents", f"--max-count={count}",
                            "--end-of-options", start, "--")
    chain: dict[str, str | None] = {}
    for line in out.splitlines():
        fields = line.split()
        chain[fields[0]] = fields[1] if len(fields) > 1 else None
    return chain


def same_build(repo_path: Path, commits: list[str],
               paths: Sequence[str] | None = None) -> dict[str, str]:
    """Commits whose build key equals their first parent's, each mapped to its
    representative: the nearest commit on its first-parent chain that changed
    the key (a root commit changes it). Commits that changed the key are not
    in the mapping."""
    repo = open_repo(repo_path)
    shas = list(dict.fromkeys(_checked_shas(commits)))
    parent = first_parents(repo_path, shas)
    missing = [c for c in shas if c not in parent]
    if missing:
        raise HistoryError(f"{repo.working_dir}: unknown commit {missing[0]!r}")
    keys = build_keys(repo_path, [*parent, *{p for p in parent.values() if p}], paths)
    origin: dict[str, str] = {}
    for c in shas:
        chain, cur = [], c
        while cur not in origin:
            if cur not in parent:  # walked past what is known: the next stretch of history
                parent.update(_first_parent_chain(repo, cur, 256))
            p = parent[cur]
            if p is not None and p not in keys:
                more = [x for x in parent if x not in keys] + [p]
                keys.update(build_keys(repo_path, list(dict.fromkeys(more)), paths))
            if p is None or keys[cur] != keys[p]:
                origin[cur] = cur
                break
            chain.append(cur)
            cur = p
        for x in chain:
            origin[x] = origin[cur]
    return {c: origin[c] for c in shas if origin[c] != c}


@dataclass(frozen=True)
class CommitInfo:
    """A commit's subject, date (``YYYY-MM-DD``) and time (Unix s, 0: unknown)."""

    sha: str
    subject: str = ""
    date: str = ""
    time: int = 0


def commit_infos(repo: Path, shas: Iterable[str]) -> dict[str, CommitInfo]:
    """Subject and committer date of each (hex) sha, read with ``git log --no-walk``."""
    wanted = [s for s in dict.fromkeys(shas) if _HEX.match(s)]
    if not wanted:
        return {}
    proc = subprocess.run(
        ["git", "log", "--no-walk=unsorted", "--format=%H%x00%s%x00%cs%x00%ct%x00", "--stdin"],
        cwd=repo, input="\n".join(wanted) + "\n", capture_output=True, text=True, check=False)
    out: dict[str, CommitInfo] = {}
    if proc.returncode != 0:
        return out
    fields = proc.stdout.split("\x00")
    for i in range(0, len(fields) - 3, 4):
        sha, stamp = fields[i].strip(), fields[i + 3].strip()
        out[sha] = CommitInfo(sha, fields[i + 1], fields[i + 2], int(stamp) if stamp.isdigit() else 0)
    return out


#: A GitHub remote: https, ssh (scp-like or ``ssh://``), git; credentials are never kept.
_GITHUB_REMOTE = re.compile(
    r"^(?:(?:https?|git|ssh|git\+ssh)://(?:[^@/]+@)?github\.com(?::\d+)?/|(?:[^@/:]+@)?github\.com:)"
    r"(?P<owner>\w[\w.-]*)/(?P<name>(?!\.\.?(?:\.git)?/?$)[\w.-]+?)(?:\.git)?/?$", re.A)


def remote_url(repo_path: Path, name: str = "origin") -> str | None:
    """``git remote get-url name`` (None: no repository or no such remote)."""
    try:
        return open_repo(repo_path).git.remote("get-url", "--", checked_rev(name)).strip() or None
    except (HistoryError, git.GitCommandError):
        return None


def github_commit_url(remote: str | None) -> str | None:
    """``https://github.com/<owner>/<name>/commit/{commit}`` for a GitHub remote, else None."""
    m = _GITHUB_REMOTE.match((remote or "").strip())
    return f"https://github.com/{m['owner']}/{m['name']}/commit/{{commit}}" if m else None


GIT_ENV = {"GIT_AUTHOR_NAME": "synth", "GIT_AUTHOR_EMAIL": "synth@example.invalid",
           "GIT_COMMITTER_NAME": "synth", "GIT_COMMITTER_EMAIL": "synth@example.invalid"}


def make_history(repo: Path, n: int, branch: str = "main") -> list[str]:
    """A new repository at ``repo`` with ``n`` commits; their shas, oldest first."""
    if n < 1:
        raise ValueError("need at least one commit")
    repo.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, **GIT_ENV)
    subprocess.run(["git", "init", "-q", "-b", branch, str(repo)], check=True, env=env)
    lines = []
    for i in range(n):
        msg = f"commit {i}\n".encode()
        lines.append(f"commit refs/heads/{branch}\nmark :{i + 1}\n"
                     f"committer synth <synth@example.invalid> {1700000000 + 60 * i} +0000\n"
                     f"data {len(msg)}\n".encode() + msg)
        if i:
            lines.append(f"from :{i}\n".encode())
        lines.append(f"M 644 inline f.txt\ndata {len(str(i))}\n{i}\n\n".encode())
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, input=b"".join(lines),
                   check=True, env=env)
    subprocess.run(["git", "checkout", "-q", branch], cwd=repo, check=True, env=env)
    out = subprocess.run(["git", "rev-list", "--reverse", "--end-of-options", branch, "--"],
                         cwd=repo, check=True, env=env, capture_output=True, text=True)
    return out.stdout.split()
