"""Generated sections of a Markdown document, so that several report scripts
can share one file (docs/benchmarks.md) without overwriting each other.

A section is the text between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->``;
writing it replaces that block, or appends it when the file has none. The
file is replaced atomically (temp file, then rename).
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def document_with_section(document: str, name: str, body: str) -> str:
    """``document`` with the section ``name`` set to ``body``."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{body.rstrip()}\n{end}"
    i, j = document.find(start), document.find(end)
    if i >= 0 and j > i:
        return document[:i] + block + document[j + len(end):]
    return (document.rstrip() + "\n\n" if document.strip() else "") + block + "\n"


def write_section(path: Path, name: str, body: str) -> None:
    """Set section ``name`` of the Markdown file at ``path`` (created if missing)."""
    old = path.read_text() if path.exists() else ""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(document_with_section(old, name, body))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
