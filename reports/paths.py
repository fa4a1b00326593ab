"""Where the reports read and write: the repository root and its docs/.

The reports run from a development install (``pip install -e .`` makes the
repository root importable: pyproject's dev-mode-dirs), so the root is this
package's parent.
"""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
