"""What a command will write, checked before it reads or analyses anything.

Every command lists its outputs (``--json``, ``--markdown``, a site's
``--out``, the ``--baselines`` directory of ``baseline set``) and its inputs
(``--results``, ``--config``, stored ``--baselines``) and calls
:func:`check_outputs` first, so that a run that cannot write its reports
fails in a second with one line, before an analysis (or an hour of
benchmarking) whose reports would be lost. Refused, naming the path:

* an output file that is an input, or lies inside an input directory
  (``--json results/benchmarks.json``; for stored ``--baselines``, whose
  ``*.json`` files are read, a ``.json`` file directly in it), or inside the site being
  built (which is replaced as a whole); two outputs at one path;
* a site ``--out`` equal to, inside, or around an input (``--results``
  inside the previous site), or holding anything the tool did not write
  there (a ``.git``, a ``CNAME``: :func:`.ownership.foreign_entry`);
* a path whose first existing ancestor is a file, or a directory the
  process cannot write in; an output file that is a directory.

Then what interrupted runs of this tool left beside the outputs (temporary
files, staging workspaces) is removed (:func:`.atomic.remove_stale`).
The outputs themselves are written together at the end
(:func:`.atomic.staged_outputs`).
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from .atomic import remove_stale
from .ownership import OutputError, refuse_foreign

#: An output: (flag, path or None, kind) with kind "file", "site" (a
#: directory replaced as a whole) or "dir" (a directory files are written into).
Output = tuple[str, "Path | None", str]
#: An input: (flag, path or None, kind) with kind "tree" (a directory read
#: whole, as ``--results``), "json-files" (a directory whose ``*.json`` files
#: are read, not its subdirectories, as stored ``--baselines``) or "file".
Input = tuple[str, "Path | None", str]


def real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def within(path: Path, directory: Path) -> bool:
    return path == directory or directory in path.parents


def existing_ancestor(path: Path) -> Path:
    while not os.path.lexists(path) and path != path.parent:
        path = path.parent
    return path


def writable_place(flag: str, given: Path, path: Path) -> None:
    """``path`` can be created or replaced: its first existing ancestor (its
    parent, when it exists) is a directory this process can write in."""
    place = existing_ancestor(path.parent if os.path.lexists(path) else path)
    if not place.is_dir():
        raise OutputError(f"{flag} {given}: {place} is not a directory")
    if not os.access(place, os.W_OK | os.X_OK):
        raise OutputError(f"{flag} {given}: cannot write in {place} (permission denied)")


def check_against_inputs(flag: str, given: Path, path: Path, kind: str,
                         inputs: Sequence[tuple[str, Path, Path, str]]) -> None:
    for in_flag, in_given, source, in_kind in inputs:
        if path == source:
            raise OutputError(f"{flag} {given}: is the input {in_flag} {in_given}; "
                              "refusing to overwrite it")
        if in_kind == "tree" and within(path, source) or in_kind == "json-files" \
                and kind == "file" and path.parent == source and path.suffix == ".json":
            raise OutputError(f"{flag} {given}: lies inside the input {in_flag} {in_given}; "
                              "refusing to write there")
        if kind == "site" and within(source, path):
            raise OutputError(f"{in_flag} {in_given}: lies inside {flag} {given}, which is "
                              "replaced as a whole; refusing to build the site there")


def check_outputs(outputs: Sequence[Output], inputs: Sequence[Input] = ()) -> list[Path]:
    """Refuse (:class:`OutputError`, one line) outputs that would overwrite an
    input, lose a file the tool did not write, or fail to be written (see the
    module docstring); then remove stale leftovers of interrupted runs beside
    them. Returns what was removed."""
    sources = [(flag, given, real(given), kind) for flag, given, kind in inputs
               if given is not None]
    wanted = [(flag, Path(given), real(given), kind) for flag, given, kind in outputs
              if given is not None and str(given) != "-"]
    seen: dict[Path, str] = {}
    sites = [(flag, given, path) for flag, given, path, kind in wanted if kind == "site"]
    for flag, given, path, kind in wanted:
        if path in seen:
            raise OutputError(f"{flag} {given}: also named by {seen[path]}")
        seen[path] = flag
        check_against_inputs(flag, given, path, kind, sources)
        for site_flag, site_given, site in sites:
            if kind != "site" and within(path, site):
                raise OutputError(f"{flag} {given}: lies inside {site_flag} {site_given}, which "
                                  "is replaced as a whole")
        if kind == "file" and path.is_dir():
            raise OutputError(f"{flag} {given}: is a directory")
        if kind == "dir" and os.path.lexists(path) and not path.is_dir():
            raise OutputError(f"{flag} {given}: is not a directory")
        if kind == "site":
            refuse_foreign(path)
        writable_place(flag, given, path)
    removed: list[Path] = []
    for _, _, path, kind in wanted:
        removed += remove_stale(path if kind == "dir" else path.parent)
    return removed


__all__ = ["Input", "Output", "OutputError", "check_outputs"]
