"""Links to the code: where a commit's page is, and what is known of each commit.

The commit URL template (:func:`commit_url_template`) is, in this order:

1. ``show_commit_url`` of the project's ``asv.conf.json`` (asv's own setting;
   its placeholder ``"#"`` counts as none);
2. the profile's ``commit_url`` (``regress.json``'s ``"profile"`` object,
   :mod:`..model.profile`);
3. derived from a GitHub ``origin`` remote of the repository (https, ssh
   and git forms; :func:`..io.repository.github_commit_url`);
4. none: commits are shown, not linked.

The Markdown reports, the site and the gate link every commit through it
(:func:`..model.profile.commit_link`). Commit subjects and dates come from the
repository when there is one, else the date asv recorded in each result file
(:func:`commit_details`).
"""
from __future__ import annotations

import json
import re
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

from ..model.profile import Profile, url_template
from ..io.history import History
from ..io.repository import CommitInfo, commit_infos, github_commit_url, remote_url

#: ``//`` and ``/* */`` comments and strings, as asv's reader (json5) skips them.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|//[^\n]*|/\*.*?\*/', re.S)
_TRAILING_COMMA = re.compile(r',(\s*[}\]])')


def read_asv_conf(path: Path) -> dict | None:
    """``asv.conf.json`` (JSON with comments and trailing commas, as asv
    reads it) as a dict; None when it is missing or unreadable (a warning)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError:
        return None
    parts = []
    for piece in re.split(r'("(?:[^"\\]|\\.)*")', _TOKENS.sub(
            lambda m: m.group(0) if m.group(0).startswith('"') else " ", text)):
        parts.append(piece if piece.startswith('"') else _TRAILING_COMMA.sub(r"\1", piece))
    try:
        conf = json.loads("".join(parts))
    except ValueError as exc:
        print(f"warning: {path}: cannot read ({exc}); its show_commit_url is not used",
              file=sys.stderr)
        return None
    return conf if isinstance(conf, dict) else None


def asv_commit_url(project_dirs: Iterable[Path | None]) -> str | None:
    """``show_commit_url`` of the first ``asv.conf.json`` among ``project_dirs``."""
    for d in project_dirs:
        if d is None or not (Path(d) / "asv.conf.json").is_file():
            continue
        conf = read_asv_conf(Path(d) / "asv.conf.json")
        if conf is not None:
            return url_template(conf.get("show_commit_url"))
    return None


def commit_url_template(profile: Profile, *, project_dirs: Iterable[Path | None] = (),
                        repo: Path | None = None) -> str | None:
    """The commit URL template (see the module docstring): asv's
    ``show_commit_url`` of ``project_dirs``' first ``asv.conf.json``, the
    profile's ``commit_url``, a GitHub ``origin`` of ``repo``, or None."""
    return (asv_commit_url(project_dirs) or profile.commit_url
            or (github_commit_url(remote_url(repo)) if repo is not None else None))


def history_url_template(history: History, profile: Profile,
                         project: Path | None = None) -> str | None:
    """The template for a results directory read as ``history``: the
    ``asv.conf.json`` of ``project``, of the history's repository, or beside
    the results (asv's default ``results_dir`` lies next to it)."""
    root = history.result_set.root
    return commit_url_template(profile, repo=history.repo, project_dirs=(
        project, history.repo, Path(root).parent if root is not None else None))


def asv_date(ms: int) -> CommitInfo:
    """What asv recorded of a commit: its date (milliseconds, UTC)."""
    stamp = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    return CommitInfo("", "", stamp.strftime("%Y-%m-%d"), int(ms // 1000))


def commit_details(history: History, shas: Iterable[str] | None = None) -> dict[str, CommitInfo]:
    """Subject and date of each commit of ``shas`` (default: the measured ones
    and those with an earlier commit's build): from the repository when the
    history has one, else the date asv recorded in the commit's result files."""
    wanted = list(dict.fromkeys(shas if shas is not None
                                else [*history.measured, *history.unmeasured_builds]))
    info = commit_infos(history.repo, wanted) if history.repo is not None else {}
    dates = history.result_set.dates
    for sha in wanted:
        if sha not in info and sha in dates:
            recorded = asv_date(dates[sha])
            info[sha] = CommitInfo(sha, "", recorded.date, recorded.time)
    return info


__all__ = ["asv_commit_url", "commit_details", "commit_url_template", "history_url_template",
           "read_asv_conf"]
