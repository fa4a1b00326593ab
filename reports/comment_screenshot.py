"""The gate's PR comment as GitHub shows it, for docs/gate_and_site.md.

Run by ``python scripts/comment_screenshot.py GATE.md OUT.png``: the body is
composed exactly as ``rustorch-regress comment`` posts it (the hidden marker
line, then the report, cut to GitHub's limit), rendered by cmark-gfm
(``cmarkgfm``: GitHub's own Markdown implementation, with its table,
strikethrough, autolink and tag-filter extensions), framed as one comment in
a page of our own stylesheet, and screenshotted in headless Chromium with
:func:`.site_screenshots.shoot`. The comment is expanded (``<details open>``)
when ``--open`` is given. GitHub's sanitiser keeps ``<details>``,
``<summary>`` and the comment marker; cmark-gfm's tag filter stands in for
it here, so the report's raw HTML is passed through as GitHub passes it.
"""
from __future__ import annotations

import html
import tempfile
from pathlib import Path

from rustorch_wasm.regress.cli.comment_command import compose, marker_of
from . import site_screenshots

STYLE = """
body { background: #f6f8fa; margin: 0; padding: 24px;
       font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif;
       color: #1f2328; }
.comment { max-width: 1280px; margin: 0 auto; background: #fff; border: 1px solid #d0d7de;
           border-radius: 6px; }
.head { background: #f6f8fa; border-bottom: 1px solid #d0d7de; padding: 8px 16px;
        border-radius: 6px 6px 0 0; color: #59636e; }
.head b { color: #1f2328; }
.body { padding: 16px; overflow-x: auto; }
h2 { font-size: 1.5em; border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; margin-top: 0; }
table { border-collapse: collapse; display: block; width: max-content; max-width: 100%;
        overflow: auto; margin: 0 0 16px; }
th, td { border: 1px solid #d1d9e0; padding: 6px 13px; }
th { text-align: inherit; }
th { font-weight: 600; } tr:nth-child(2n) { background: #f6f8fa; }
code { background: rgba(129,139,152,.12); border-radius: 6px; padding: .2em .4em; font-size: 85%;
       font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
a { color: #0969da; text-decoration: none; }
summary { cursor: pointer; }
"""


def render(report: str, expand: bool = False) -> str:
    """The HTML page of the comment that ``rustorch-regress comment`` would post."""
    import cmarkgfm
    from cmarkgfm.cmark import Options

    body = compose(report, marker_of("rustorch-regress-gate"))
    if expand:
        body = body.replace("<details>", "<details open>")
    inner = cmarkgfm.github_flavored_markdown_to_html(body, options=Options.CMARK_OPT_UNSAFE)
    who = html.escape("github-actions (bot) commented")
    return (f"<!doctype html><html><head><meta charset=\"utf-8\"><style>{STYLE}</style></head>"
            f"<body><div class=\"comment\"><div class=\"head\"><b>{who}</b></div>"
            f"<div class=\"body\">{inner}</div></div></body></html>")


def run(report: Path, out: Path, expand: bool, size: str) -> int:
    width, _, height = size.partition("x")
    with tempfile.TemporaryDirectory(prefix="comment-") as tmp:
        (Path(tmp) / "comment.html").write_text(render(report.read_text(), expand))
        site_screenshots.shoot(Path(tmp), out, "comment.html", size=(int(width), int(height)))
    print(out)
    return 0
