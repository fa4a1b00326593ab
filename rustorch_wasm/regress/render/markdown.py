"""The one Markdown escaper: text from benchmark names, parameters, machine
and environment names or evidence, made safe for a Markdown table cell
(GitHub's rules): HTML's ``&``, ``<`` and ``>`` as entities, so no name can
inject markup; ``\\``, ``|`` and backticks escaped, so no name can end a
cell or open a code span; line breaks as spaces, so no name can end a row."""
from __future__ import annotations

from html import escape


def cell(text: str) -> str:
    """``text`` safe inside a Markdown table cell (or anywhere in a line)."""
    return (escape(str(text), quote=False).replace("\\", "\\\\").replace("|", "\\|")
            .replace("`", "\\`").replace("\r", " ").replace("\n", " "))


__all__ = ["cell"]
