"""``rustorch-regress comment``: the gate's report as one comment per pull request.

    rustorch-regress comment --repo OWNER/NAME --pr N --body FILE
        [--gate-report] [--head-sha SHA] [--marker NAME] [--api URL]

The body (``rustorch-regress gate --markdown FILE``) is posted to the pull
request under a hidden marker line (``<!-- rustorch-regress:NAME -->``,
default NAME ``benchmark-gate``); the next run finds the comment by that
marker and updates it, so a pull request has one such comment whatever the
number of pushes. GitHub's REST API through urllib (no ``gh``), with the
token from ``GITHUB_TOKEN`` (pull-requests: write); ``--api`` (default
``$GITHUB_API_URL``, else https://api.github.com) must be https, or http to
this machine only. The token is sent only to that host (never on a
redirect) and never printed.

For a body that comes from an untrusted run (a fork's pull request,
``.github/workflows/benchmark-comment.yml``): ``--gate-report`` refuses
anything but a gate report (its first line is the gate's verdict line),
bodies over 1 MiB or not UTF-8 are refused, and ``--head-sha`` (the event's
``workflow_run.head_sha``) refuses to post unless pull request N's head is
that commit, so a report cannot be steered to another pull request. A body
over GitHub's 65,536-character limit is cut at a line, saying so.

Exit status 0 when posted, 2 on bad input (no token, a bad repository name
or body, a refused request: 4xx), 3 when GitHub or the network failed (5xx,
no connection, an unreadable reply).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

API = "https://api.github.com"
MAX_BODY_BYTES = 1 << 20            # a bigger body file is refused
GITHUB_LIMIT = 65536                # characters GitHub accepts in a comment
PER_PAGE = 100
MAX_PAGES = 50                      # 5,000 comments searched for the marker
TIMEOUT = 30.0
REPO_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$")
MARKER_NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
VERDICT_LINE = re.compile(r"^## (✅|❌|⚠️) Benchmark gate: ")
SHA = re.compile(r"^[0-9a-f]{40}$")
LOOPBACK = {"127.0.0.1", "::1", "localhost"}
TRUNCATED = ("\n\n*The report was cut to fit GitHub's comment limit; the whole report is "
             "in the job summary and the workflow's artifact.*\n")


class CommentError(Exception):
    """Why nothing was posted (one line) and the exit status (2 or 3)."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def marker_of(name: str) -> str:
    return f"<!-- rustorch-regress:{name} -->"


def read_body(path: Path, gate_report: bool) -> str:
    """The body file's text, checked (size, UTF-8, and with ``gate_report``
    that it is the gate's report)."""
    try:
        size = path.stat().st_size
        if size > MAX_BODY_BYTES:
            raise CommentError(2, f"{path}: {size:,} bytes, over the {MAX_BODY_BYTES:,}-byte "
                                  "limit of a report: not posting")
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise CommentError(2, f"{path}: no such body file") from None
    except UnicodeDecodeError:
        raise CommentError(2, f"{path}: not UTF-8 text: not posting") from None
    except OSError as exc:
        raise CommentError(2, f"{path}: cannot read: {exc.strerror or exc}") from None
    if not text.strip():
        raise CommentError(2, f"{path}: empty body: nothing to post")
    if gate_report and not VERDICT_LINE.match(text):
        raise CommentError(2, f"{path}: not a gate report (its first line is not the gate's "
                              "verdict line): not posting")
    return text


def compose(text: str, marker: str) -> str:
    """The marker line, then ``text``, cut at a line to GitHub's limit."""
    body = f"{marker}\n{text.rstrip()}\n"
    if len(body) <= GITHUB_LIMIT:
        return body
    room = GITHUB_LIMIT - len(TRUNCATED) - len("\n</details>")
    kept = body[:room].rsplit("\n", 1)[0]
    if kept.count("<details>") > kept.count("</details>"):
        kept += "\n</details>"
    return kept + TRUNCATED


def check_api(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url.rstrip("/")
    if parts.scheme == "http" and parts.hostname in LOOPBACK:
        return url.rstrip("/")
    raise CommentError(2, f"--api {url!r}: not an https URL (http only to this machine): "
                          "refusing to send the token there")


class GitHub:
    """The few REST calls the comment needs; errors as :class:`CommentError`."""

    def __init__(self, api: str, token: str, opener: urllib.request.OpenerDirector | None = None):
        self.api = check_api(api)
        self._token = token
        loopback = urllib.parse.urlsplit(self.api).hostname in LOOPBACK
        self._opener = opener or urllib.request.build_opener(
            urllib.request.ProxyHandler({} if loopback else None))

    def call(self, method: str, path: str, payload: Any = None) -> tuple[Any, dict[str, str]]:
        """One request; the decoded JSON reply and the reply's headers."""
        data = None if payload is None else json.dumps(payload).encode("utf-8")
        req = urllib.request.Request(self.api + path, data=data, method=method)
        req.add_header("Accept", "application/vnd.github+json")
        req.add_header("X-GitHub-Api-Version", "2022-11-28")
        req.add_header("User-Agent", "rustorch-regress-comment")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        req.add_unredirected_header("Authorization", f"Bearer {self._token}")  # not on a redirect
        what = f"GitHub API {method} {path.split('?')[0]}"
        try:
            with self._opener.open(req, timeout=TIMEOUT) as reply:
                raw, headers = reply.read(), dict(reply.headers.items())
        except urllib.error.HTTPError as exc:
            message = _message(exc)
            raise CommentError(2 if 400 <= exc.code < 500 else 3,
                               f"{what}: {exc.code} {message}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise CommentError(3, f"{what}: cannot reach {self.api}: {reason}") from None
        try:
            return (json.loads(raw) if raw.strip() else None), headers
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise CommentError(3, f"{what}: the reply is not JSON") from None


def _message(exc: urllib.error.HTTPError) -> str:
    """GitHub's own one-line message of an error reply."""
    try:
        doc = json.loads(exc.read() or b"{}")
        text = str(doc.get("message", "")) if isinstance(doc, dict) else ""
    except (json.JSONDecodeError, UnicodeDecodeError, OSError):
        text = ""
    return " ".join((text or str(exc.reason or "")).split())[:300]


def find_comment(gh: GitHub, repo: str, pr: int, marker: str) -> dict | None:
    """The pull request's first comment that starts with ``marker``."""
    for page in range(1, MAX_PAGES + 1):
        data, headers = gh.call("GET", f"/repos/{repo}/issues/{pr}/comments"
                                       f"?per_page={PER_PAGE}&page={page}")
        if not isinstance(data, list):
            raise CommentError(3, f"GitHub API: comments of #{pr}: not a list")
        for c in data:
            if isinstance(c, dict) and str(c.get("body") or "").startswith(marker):
                return c
        link = {k.lower(): v for k, v in headers.items()}.get("link", "")
        if len(data) < PER_PAGE or 'rel="next"' not in link:
            return None
    return None


def check_head(gh: GitHub, repo: str, pr: int, sha: str) -> None:
    """Refuse unless pull request ``pr``'s head commit is ``sha``."""
    data, _ = gh.call("GET", f"/repos/{repo}/pulls/{pr}")
    head = data.get("head", {}).get("sha") if isinstance(data, dict) else None
    if head != sha:
        raise CommentError(2, f"pull request #{pr}'s head is {str(head)[:12]}, not the gate's "
                              f"{sha[:12]}: not posting (a newer push, or another pull request)")


def post(gh: GitHub, repo: str, pr: int, body: str, marker: str) -> tuple[str, str]:
    """Create or update the comment; ("created"|"updated", its URL)."""
    found = find_comment(gh, repo, pr, marker)
    if found is None:
        data, _ = gh.call("POST", f"/repos/{repo}/issues/{pr}/comments", {"body": body})
        verb = "created"
    else:
        cid = found.get("id")
        if not isinstance(cid, int):
            raise CommentError(3, "GitHub API: the marked comment has no id")
        data, _ = gh.call("PATCH", f"/repos/{repo}/issues/comments/{cid}", {"body": body})
        verb = "updated"
    url = data.get("html_url", "") if isinstance(data, dict) else ""
    return verb, str(url)


def run(args: argparse.Namespace) -> int:
    try:
        if not REPO_NAME.match(args.repo):
            raise CommentError(2, f"--repo {args.repo!r}: expected OWNER/NAME")
        if args.pr <= 0:
            raise CommentError(2, f"--pr {args.pr}: a pull request number is a positive integer")
        if not MARKER_NAME.match(args.marker):
            raise CommentError(2, f"--marker {args.marker!r}: letters, digits, '.', '_', '-' only")
        sha = (args.head_sha or "").lower()
        if args.head_sha is not None and not SHA.match(sha):
            raise CommentError(2, f"--head-sha {args.head_sha!r}: not a full commit sha")
        body = compose(read_body(args.body, args.gate_report), marker_of(args.marker))
        token = os.environ.get("GITHUB_TOKEN", "").strip()
        if not token:
            raise CommentError(2, "GITHUB_TOKEN is not set: posting needs a token with "
                                  "pull-requests: write in the environment")
        gh = GitHub(args.api or os.environ.get("GITHUB_API_URL") or API, token)
        if args.head_sha is not None:
            check_head(gh, args.repo, args.pr, sha)
        verb, url = post(gh, args.repo, args.pr, body, marker_of(args.marker))
    except CommentError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.code
    print(f"comment: {verb} on {args.repo}#{args.pr}" + (f": {url}" if url else ""))
    return 0


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("comment", help="post (or update) the gate's report as one PR comment",
                       description=__doc__.split("\n\n")[0].split(": ", 1)[1],
                       epilog="GITHUB_TOKEN comes from the environment. Exit status 0 posted, "
                              "2 bad input or a refused request, 3 GitHub or the network failed.")
    p.add_argument("--repo", required=True, help="OWNER/NAME of the pull request's repository")
    p.add_argument("--pr", required=True, type=int, metavar="N", help="pull request number")
    p.add_argument("--body", required=True, type=Path, metavar="FILE",
                   help="the Markdown to post (rustorch-regress gate --markdown FILE)")
    p.add_argument("--gate-report", action="store_true",
                   help="refuse a body that is not a gate report (for untrusted artifacts)")
    p.add_argument("--head-sha", metavar="SHA",
                   help="post only if the pull request's head is this commit")
    p.add_argument("--marker", default="benchmark-gate",
                   help="names the hidden marker that finds the comment again "
                        "(default: benchmark-gate)")
    p.add_argument("--api", default=None,
                   help="REST API root (default: $GITHUB_API_URL, else https://api.github.com)")
    p.set_defaults(func=run)
    return p


__all__ = ["CommentError", "GitHub", "add_parser", "compose", "find_comment", "marker_of",
           "post", "read_body", "run"]
