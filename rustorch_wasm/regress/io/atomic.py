"""Replacing files and directories: the detector's one home for it.

Nothing else replaces, renames or removes what a command writes (a layout
test checks that ``os.replace`` and ``rename`` appear only here).

* **A file** is written to a temporary file beside it (flushed, fsynced,
  the mode of the file it replaces or ``0666`` less the umask), then moved
  over it with ``os.replace``: a reader sees the old file or the new one.
  With ``backup=True`` the previous version is kept as ``<name>.bak``:
  the old file is hard-linked to a second temporary name before the
  replace and moved to ``.bak`` after it, so ``.bak`` is always the
  version before the current one, never a copy of the current one; an
  unchanged file is not rewritten at all.
* **A directory** (the site) is built in a staging workspace beside it and
  exchanged with the old one in one system call (``renameat2`` with
  ``RENAME_EXCHANGE`` on Linux, ``renamex_np`` with ``RENAME_SWAP`` on
  macOS): there is no moment without a complete directory, and
  ``site/index.html`` stays a plain path. Where the system has no such
  call, two renames are used and an interruption between them is undone
  by the next run. The new tree gets a marker file listing every file the
  tool wrote (:data:`SITE_MARKER`), which is what allows the next build
  to replace it (:mod:`.outputs` refuses any other non-empty directory).
* **All outputs of a run together**: :func:`staged_outputs` collects the
  staged files and directories of one command and moves them into place
  only when the command's body succeeded (directories first, then files);
  on any error every staged file and workspace is removed and nothing is
  replaced.
* **Interrupted runs**: every temporary name carries the tool's tag, the
  host and the process id (``.<name>.rustorch-regress.<host>.<pid>.<rand>.
  <tmp|prev|stage>``), and a workspace holds :data:`STAGING_MARKER`.
  :func:`remove_stale` removes those of processes of this host that no
  longer run, and nothing else.
"""
from __future__ import annotations

import ctypes
import errno
import functools
import json
import os
import shutil
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from .ownership import (SITE_MARKER, STAGING_MARKER, TEMP_NAME, TOOL, OutputError,  # noqa: F401
                        foreign_entry, host_tag, manifest, refuse_foreign, temp_path)


def default_mode(existing: Path | None = None) -> int:
    """The mode of the file being replaced, else ``0666`` less the umask."""
    if existing is not None:
        try:
            return stat.S_IMODE(os.stat(existing).st_mode)
        except OSError:
            pass
    return 0o666 & ~current_umask()


def current_umask() -> int:
    """The process's umask, read without changing it where the system says
    it (Linux: /proc/self/status), else set and restored at once."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# ----------------------------------------------------------------- files
class StagedFile:
    """New content written and synced beside ``target``, not yet in place."""

    def __init__(self, target: Path, data: bytes, backup: bool) -> None:
        self.target, self.backup = Path(target), backup
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self.temp = temp_path(self.target, "tmp")
        fd = os.open(self.temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.fchmod(fd, default_mode(self.target))
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        except BaseException:
            self.discard()
            raise
        self.size = len(data)

    def unchanged(self) -> bool:
        try:
            if os.stat(self.target).st_size != self.size:
                return False
            return self.target.read_bytes() == self.temp.read_bytes()
        except OSError:
            return False

    def commit(self) -> None:
        previous = None
        if self.backup and self.target.is_file():
            if self.unchanged():              # .bak keeps the version before this one
                self.discard()
                return
            previous = temp_path(self.target, "prev")
            try:
                os.link(self.target, previous)
            except OSError:                   # no hard links here: a copy
                shutil.copy2(self.target, previous)
        os.replace(self.temp, self.target)
        if previous is not None:
            os.replace(previous, self.target.with_name(self.target.name + ".bak"))

    def discard(self) -> None:
        try:
            self.temp.unlink()
        except FileNotFoundError:
            pass


def write_bytes_atomic(path: Path, data: bytes, *, backup: bool = False) -> None:
    """Replace ``path`` with ``data``; the previous version in ``.bak`` if asked."""
    staging = _CURRENT.get()
    if staging is not None and staging.inside_directory(Path(path)) is not None:
        staging.write(path, data, backup=backup)
        return
    staged = StagedFile(Path(path), data, backup)
    try:
        staged.commit()
    except BaseException:
        staged.discard()
        raise


def copy_atomic(src: Path, dst: Path) -> None:
    """Replace ``dst`` with a copy of the file ``src`` (as :func:`write_bytes_atomic`)."""
    write_bytes_atomic(dst, Path(src).read_bytes())


def write_atomic(path: Path, text: str, *, backup: bool = False) -> None:
    """Replace ``path`` with ``text`` (UTF-8); the previous version in ``.bak`` if asked."""
    write_bytes_atomic(path, text.encode("utf-8"), backup=backup)


# ----------------------------------------------------------- directories
@functools.lru_cache(maxsize=None)
def _exchange_call():
    """The system's atomic exchange of two paths, or None."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None
    if sys.platform.startswith("linux") and hasattr(libc, "renameat2"):
        fn = libc.renameat2
        fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
        return lambda a, b: fn(-100, a, -100, b, 2)          # AT_FDCWD, RENAME_EXCHANGE
    if sys.platform == "darwin" and hasattr(libc, "renamex_np"):
        fn = libc.renamex_np
        fn.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_uint]
        return lambda a, b: fn(a, b, 2)                       # RENAME_SWAP
    return None


def exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths atomically; False where the system cannot."""
    call = _exchange_call()
    if call is None:
        return False
    if call(os.fsencode(a), os.fsencode(b)) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
        return False
    raise OSError(code, os.strerror(code), str(b))


class StagedDir:
    """A workspace beside ``out`` whose ``tree`` becomes ``out`` on commit.

    ``own``: ``out`` is the tool's own (a site): anything in it that the tool
    did not write refuses the build, and the tree gets the marker listing
    what it wrote. Not ``own`` (a merged asv results directory), the caller
    has carried everything of ``out`` into the tree, and no marker is added."""

    def __init__(self, out: Path, own: bool = True) -> None:
        self.out = Path(os.path.realpath(out))
        self.own = own
        if own:
            refuse_foreign(self.out)
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.work = temp_path(self.out, "stage")
        os.mkdir(self.work, 0o700)
        (self.work / STAGING_MARKER).write_text(json.dumps(
            {"tool": TOOL, "out": self.out.name, "pid": os.getpid()}) + "\n")
        self.tree = self.work / "tree"
        os.mkdir(self.tree)                   # 0777 less the umask: 0755 by default

    def commit(self) -> None:
        if self.own:
            files = manifest(self.tree)
            (self.tree / SITE_MARKER).write_text(json.dumps(
                {"tool": TOOL, "kind": "site", "files": files}, indent=0) + "\n")
            refuse_foreign(self.out)          # (written since the check?)
        if not os.path.lexists(self.out):
            os.rename(self.tree, self.out)
        elif not exchange(self.tree, self.out):
            os.rename(self.out, self.work / "old")   # undone by remove_stale if cut here
            os.rename(self.tree, self.out)
        self.discard()

    def discard(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)


# ------------------------------------------------------ one run's outputs
class Staging:
    """The outputs of one command, moved into place together by :meth:`commit`."""

    def __init__(self) -> None:
        self.files: list[StagedFile] = []
        self.dirs: list[StagedDir] = []

    def inside_directory(self, path: Path) -> Path | None:
        """Where ``path`` lies in a staged directory's tree, if it lies in one."""
        real = Path(os.path.realpath(path))
        for d in self.dirs:
            if real == d.out or d.out in real.parents:
                return d.tree / real.relative_to(d.out)
        return None

    def write(self, path: Path, data: str | bytes, *, backup: bool = False) -> None:
        data = data.encode("utf-8") if isinstance(data, str) else data
        inside = self.inside_directory(Path(path))
        if inside is not None:                # part of a staged directory
            inside.parent.mkdir(parents=True, exist_ok=True)
            inside.write_bytes(data)
            return
        self.files.append(StagedFile(Path(path), data, backup))

    def directory(self, out: Path, own: bool = True) -> Path:
        staged = StagedDir(out, own)
        self.dirs.append(staged)
        return staged.tree

    def commit(self) -> None:
        todo = [*self.dirs, *self.files]
        try:
            while todo:
                todo[0].commit()
                todo.pop(0)
        finally:
            for left in todo:
                left.discard()

    def discard(self) -> None:
        for staged in [*self.dirs, *self.files]:
            staged.discard()


_CURRENT: ContextVar[Staging | None] = ContextVar("rustorch_regress_staging", default=None)


@contextmanager
def staged_outputs() -> Iterator[Staging]:
    """A :class:`Staging` for the body; committed when the body succeeds,
    discarded (nothing replaced) when it raises. :func:`staged_directory`
    and :func:`write_bytes_atomic` of a path inside a staged directory join it."""
    staging = Staging()
    token = _CURRENT.set(staging)
    try:
        yield staging
    except BaseException:
        staging.discard()
        raise
    finally:
        _CURRENT.reset(token)
    staging.commit()


@contextmanager
def staged_directory(out: Path, own: bool = True) -> Iterator[Path]:
    """A fresh tree to build ``out`` in; it replaces ``out`` when the body
    succeeds (or, inside :func:`staged_outputs`, when that commits); on an
    error it is removed and ``out`` is left as it was (``own``: see
    :class:`StagedDir`)."""
    staging = _CURRENT.get()
    if staging is not None:
        yield staging.directory(out, own)
        return
    with staged_outputs() as staging:
        yield staging.directory(out, own)


# --------------------------------------------------- interrupted runs
def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale(directory: Path) -> list[Path]:
    """Remove what interrupted runs of this tool on this host left in
    ``directory``: temporary files, and staging workspaces holding
    :data:`STAGING_MARKER`. A half-done backup rotation is completed (the
    previous version goes to ``.bak``), a half-done two-rename swap undone.
    Returns what was removed."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    host = host_tag()
    for entry in entries:
        m = TEMP_NAME.match(entry.name)
        if m is None or m["host"] != host or _alive(int(m["pid"])):
            continue
        path, target = Path(entry.path), Path(directory) / m["name"]
        kind = m["kind"]
        if kind in ("tmp", "prev") and entry.is_file(follow_symlinks=False):
            if kind == "prev" and not (target.exists() and os.path.samefile(path, target)):
                os.replace(path, target.with_name(target.name + ".bak"))   # finish the rotation
            else:
                path.unlink()
            removed.append(path)
        elif kind == "stage" and entry.is_dir(follow_symlinks=False) \
                and (path / STAGING_MARKER).is_file():
            old = path / "old"
            if old.is_dir() and not os.path.lexists(target):
                os.rename(old, target)        # the previous tree back in place
            shutil.rmtree(path)
            removed.append(path)
    return removed


__all__ = ["OutputError", "SITE_MARKER", "STAGING_MARKER", "Staging", "StagedDir", "StagedFile",
           "exchange", "foreign_entry", "manifest", "refuse_foreign", "remove_stale",
           "staged_directory", "staged_outputs", "write_atomic", "write_bytes_atomic"]
