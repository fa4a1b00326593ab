"""Which files and directories are this tool's: the names of its temporary
files and staging workspaces, the marker of a built site, and the check that
a directory holds nothing else (what may be replaced, :mod:`.atomic`; what
may be written, :mod:`.outputs`).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import socket
from pathlib import Path

TOOL = "rustorch-regress"
SITE_MARKER = ".rustorch-regress-site"          # in a built site: the files the tool wrote
STAGING_MARKER = ".rustorch-regress-staging"    # in a staging workspace
TEMP_NAME = re.compile(r"^\.(?P<name>.+)\.rustorch-regress\.(?P<host>[0-9a-f]{8})\."
                       r"(?P<pid>\d+)\.[0-9a-f]+\.(?P<kind>tmp|prev|stage)$")


class OutputError(ValueError):
    """An output the command must not write (one line); exit status 2."""


def host_tag() -> str:
    return hashlib.sha1(socket.gethostname().encode()).hexdigest()[:8]


def temp_path(target: Path, kind: str) -> Path:
    """A fresh name beside ``target``: ``.<name>.rustorch-regress.<host>.<pid>.<rand>.<kind>``."""
    return target.with_name(f".{target.name}.{TOOL}.{host_tag()}.{os.getpid()}."
                            f"{secrets.token_hex(4)}.{kind}")


def manifest(tree: Path) -> list[str]:
    """Every file and link under ``tree`` (relative, POSIX), the marker left out."""
    out = []
    for root, dirs, files in os.walk(tree):
        rel = Path(root).relative_to(tree)
        out += [(rel / f).as_posix() for f in files]
        out += [(rel / d).as_posix() for d in dirs if os.path.islink(os.path.join(root, d))]
    return sorted(p for p in out if p != SITE_MARKER)


#: What a site of an earlier version (before the marker) held at its top level.
LEGACY_SITE_NAMES = frozenset({
    "index.html", "style.css", "findings.json", "findings.md", "confirmations.json", "commit",
    "findings", "benchmarks.html", "bench", "heatmap.html", "baseline.html", "builds.html",
    "plots", "asv"})


def foreign_entry(out: Path) -> str | None:
    """The first path under the existing directory ``out`` that this tool did
    not write there (None: ``out`` is missing, empty, or all the tool's).
    The tool's: the files its :data:`SITE_MARKER` lists, or, without a
    marker (a site of an earlier version), top-level names of a site only,
    with its ``index.html`` and ``findings.json``."""
    if not os.path.lexists(out):
        return None
    if not os.path.isdir(out):
        return str(out)
    names = sorted(os.listdir(out))
    if not names:
        return None
    marker = Path(out) / SITE_MARKER
    if not marker.is_file():
        if {"index.html", "findings.json"} <= set(names):
            return next((str(Path(out) / n) for n in names if n not in LEGACY_SITE_NAMES), None)
        return str(Path(out) / names[0])
    try:
        doc = json.loads(marker.read_text(encoding="utf-8"))
        files = set(doc["files"]) if doc.get("tool") == TOOL else set()
    except (OSError, ValueError, KeyError, TypeError):
        files = set()
    dirs = {p.as_posix() for f in files for p in Path(f).parents if p != Path(".")}
    for root, subdirs, found in os.walk(out):
        rel = Path(root).relative_to(out)
        for name in sorted(found) + sorted(d for d in subdirs if os.path.islink(Path(root) / d)):
            if (rel / name).as_posix() not in files and (rel / name).as_posix() != SITE_MARKER:
                return str(Path(root) / name)
        for name in sorted(subdirs):
            if (rel / name).as_posix() not in dirs and not os.path.islink(Path(root) / name):
                return str(Path(root) / name)
        subdirs[:] = sorted(d for d in subdirs if (rel / d).as_posix() in dirs)
    return None


def refuse_foreign(out: Path) -> None:
    """OutputError naming the first entry of ``out`` the tool did not write."""
    if os.path.lexists(out) and not os.path.isdir(out):
        raise OutputError(f"{out}: is a file, not a site directory")
    found = foreign_entry(out)
    if found is not None:
        raise OutputError(f"{found}: not written by {TOOL}; refusing to replace {out} "
                          "(give an empty directory, or one this command built)")



__all__ = ["LEGACY_SITE_NAMES", "OutputError", "SITE_MARKER", "STAGING_MARKER", "TEMP_NAME",
           "TOOL", "foreign_entry", "host_tag", "manifest", "refuse_foreign", "temp_path"]
