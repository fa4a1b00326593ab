"""The one Markdown escaper: text from benchmark names, parameters, machine
and environment names or evidence, made safe for a Markdown table cell
(GitHub's rules): HTML's ``&``, ``<`` and ``>`` as entities, so no name can
inject markup; ``\\``, ``|`` and backticks escaped, so no name can end a
cell or open a code span; ``*``, ``~``, ``[``, ``]`` and an ``_`` that is not
inside a word escaped, so no name opens emphasis, strikethrough or a link
(``time_sigmoid`` stays as it is: GitHub never emphasises inside a word);
line breaks as spaces, so no name can end a row.
A commit is shown as its short sha in a code span, linked to its page when
there is a commit URL template (:func:`commit_md`)."""
from __future__ import annotations

import re
from html import escape

from ..model.profile import commit_link


#: Characters that open markup anywhere, and an underscore at a word's edge.
_MARKUP = re.compile(r"[\\|`*~\[\]]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")


def cell(text: str) -> str:
    """``text`` safe inside a Markdown table cell (or anywhere in a line)."""
    escaped = _MARKUP.sub(lambda m: "\\" + m.group(0), escape(str(text), quote=False))
    return escaped.replace("\r", " ").replace("\n", " ")


def commit_md(sha: str, template: str | None = None, width: int = 10) -> str:
    """```sha[:width]```, linked to the commit's page under ``template`` when
    there is one (the template is %-encoded: no space or parenthesis ends the link)."""
    short = f"`{cell(sha[:width])}`"
    url = commit_link(template, sha)
    return f"[{short}]({url})" if url else short


__all__ = ["cell", "commit_md"]
