"""Generated sections of this repository's Markdown documents, shared by the
reports (``reports/kernel.py``, ``reports/noise/report.py``) and the
evaluation (``evaluation/``), so that several generators can share one file
(docs/benchmarks.md, docs/detector.md) without overwriting each other.

A section is the text between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->``;
writing it replaces that block, or appends it when the file has none. The
file is replaced atomically by the detector's one file writer
(:func:`rustorch_wasm.regress.io.atomic.write_atomic`).

It lives at the top level, beside ``evaluation/`` and ``reports/``, because
both import it and neither imports the other (nor ``scripts/``, the thin
commands over ``reports/``). Like them it is importable in the development
install (``pip install -e .``: the repository root is on ``sys.path``) and is
in neither wheel.
"""
from __future__ import annotations

from pathlib import Path

from rustorch_wasm.regress.io.atomic import write_atomic


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
    write_atomic(path, document_with_section(old, name, body))
