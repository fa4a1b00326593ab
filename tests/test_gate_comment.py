"""The PR comment (issue #24, item 1) against a recorded GitHub API exchange:
a fake GitHub on loopback (``http.server`` in a thread, no network) records
every request. First run: the comments are listed and the comment is
created; second run: it is found by its hidden marker and updated. Methods,
paths, headers and bodies are asserted, and the token is never printed.
Also: the gate's "no verdict" report (exit 2 and 3), which the comment posts."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from rustorch_wasm.regress.cli import main
from rustorch_wasm.regress.cli.comment_command import GITHUB_LIMIT, compose, marker_of

TOKEN = "ghs_test0123456789secret"
REPO, PR = "octo/bench", 7
HEAD = "c0ffee" + "0" * 34
MARKER = marker_of("benchmark-gate")
REPORT = "## ❌ Benchmark gate: 1 regression(s) (base `aaaaaaaaaa` → head `bbbbbbbbbb`)\n\nrows\n"


class FakeGitHub:
    """Issue comments of one pull request, and every request it was sent."""

    def __init__(self) -> None:
        self.comments: list[dict] = []
        self.requests: list[dict] = []
        self.fail: int | None = None        # answer every request with this status
        self.next_id = 1001
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):      # quiet
                pass

            def reply(self, status: int, doc, headers: dict | None = None) -> None:
                raw = json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(raw)

            def handle_one(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                fake.requests.append({"method": method, "path": self.path, "body": body,
                                      "headers": {k.lower(): v for k, v in self.headers.items()}})
                if fake.fail is not None:
                    return self.reply(fake.fail, {"message": f"Failure {fake.fail}"})
                base = f"/repos/{REPO}"
                if method == "GET" and self.path.startswith(f"{base}/issues/{PR}/comments?"):
                    page = int(self.path.rsplit("page=", 1)[1])
                    chunk = fake.comments[(page - 1) * 100:page * 100]
                    more = len(fake.comments) > page * 100
                    link = {"Link": f'<{base}/issues/{PR}/comments?page={page + 1}>; rel="next"'}
                    return self.reply(200, chunk, link if more else None)
                if method == "POST" and self.path == f"{base}/issues/{PR}/comments":
                    c = {"id": fake.next_id, "body": body["body"], "user": {"type": "Bot"},
                         "html_url": f"https://github.com/{REPO}/pull/{PR}#issuecomment-{fake.next_id}"}
                    fake.next_id += 1
                    fake.comments.append(c)
                    return self.reply(201, c)
                if method == "PATCH" and self.path.startswith(f"{base}/issues/comments/"):
                    cid = int(self.path.rsplit("/", 1)[1])
                    c = next(c for c in fake.comments if c["id"] == cid)
                    c["body"] = body["body"]
                    return self.reply(200, c)
                if method == "GET" and self.path == f"{base}/pulls/{PR}":
                    return self.reply(200, {"number": PR, "head": {"sha": HEAD}})
                if method == "GET" and self.path == f"{base}/pulls/8":
                    self.send_response(302)
                    self.send_header("Location", "/elsewhere")
                    self.send_header("Content-Length", "0")
                    return self.end_headers()
                if method == "GET" and self.path == "/elsewhere":
                    return self.reply(200, {"number": 8, "head": {"sha": "1" * 40}})
                return self.reply(404, {"message": "Not Found"})

            def do_GET(self):
                self.handle_one("GET")

            def do_POST(self):
                self.handle_one("POST")

            def do_PATCH(self):
                self.handle_one("PATCH")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def github(monkeypatch):
    fake = FakeGitHub()
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.delenv("GITHUB_API_URL", raising=False)
    yield fake
    fake.close()


def comment(fake: FakeGitHub, body: Path, capsys, *extra: str, pr: int = PR) -> tuple[int, str, str]:
    code = main(["comment", "--repo", REPO, "--pr", str(pr), "--body", str(body),
                 "--api", fake.url, *extra])
    out = capsys.readouterr()
    assert TOKEN not in out.out + out.err              # the token is never printed
    return code, out.out, out.err


def test_created_then_updated_by_its_marker(github, tmp_path, capsys):
    github.comments.append({"id": 5, "body": "LGTM, but what about " + MARKER,
                            "user": {"type": "User"}})         # a human quoting the marker
    report = tmp_path / "gate-report.md"
    report.write_text(REPORT)
    code, out, err = comment(github, report, capsys, "--gate-report")
    assert code == 0 and err == ""
    assert out == f"comment: created on {REPO}#{PR}: https://github.com/{REPO}/pull/{PR}#issuecomment-1001\n"
    listed, created = github.requests
    assert (listed["method"], listed["path"]) == ("GET", f"/repos/{REPO}/issues/{PR}/comments?per_page=100&page=1")
    assert listed["body"] is None
    assert (created["method"], created["path"]) == ("POST", f"/repos/{REPO}/issues/{PR}/comments")
    for r in github.requests:
        h = r["headers"]
        assert h["authorization"] == f"Bearer {TOKEN}"
        assert h["accept"] == "application/vnd.github+json"
        assert h["x-github-api-version"] == "2022-11-28"
        assert h["user-agent"].startswith("rustorch-regress")
    assert created["headers"]["content-type"] == "application/json"
    assert "content-type" not in listed["headers"]
    assert created["body"] == {"body": f"{MARKER}\n{REPORT}"}
    assert [c["id"] for c in github.comments] == [5, 1001]

    report.write_text(REPORT.replace("1 regression(s)", "2 regression(s)"))
    github.requests.clear()
    code, out, err = comment(github, report, capsys, "--gate-report")
    assert code == 0 and out.startswith(f"comment: updated on {REPO}#{PR}")
    listed, updated = github.requests
    assert listed["method"] == "GET"
    assert (updated["method"], updated["path"]) == ("PATCH", f"/repos/{REPO}/issues/comments/1001")
    assert updated["headers"]["authorization"] == f"Bearer {TOKEN}"
    assert updated["body"] == {"body": f"{MARKER}\n" + REPORT.replace("1 regression", "2 regression")}
    assert len(github.comments) == 2 and github.comments[0]["body"].startswith("LGTM")


def test_the_marker_is_found_on_a_later_page(github, tmp_path, capsys):
    github.comments += [{"id": i, "body": f"chatter {i}"} for i in range(1, 151)]
    github.comments.append({"id": 999, "body": f"{MARKER}\nold"})
    body = tmp_path / "b.md"
    body.write_text(REPORT)
    code, out, _ = comment(github, body, capsys)
    assert code == 0 and "updated" in out
    assert [r["path"].rsplit("page=", 1)[-1] for r in github.requests[:2]] == ["1", "2"]
    assert github.requests[-1]["path"] == f"/repos/{REPO}/issues/comments/999"


def test_head_sha_must_be_the_pull_requests_head(github, tmp_path, capsys):
    body = tmp_path / "b.md"
    body.write_text(REPORT)
    code, _, err = comment(github, body, capsys, "--head-sha", "d" * 40)
    assert code == 2 and "not posting" in err and err.count("\n") == 1
    assert [r["method"] for r in github.requests] == ["GET"]          # nothing posted
    assert github.requests[0]["path"] == f"/repos/{REPO}/pulls/{PR}"
    code, out, _ = comment(github, body, capsys, "--head-sha", HEAD)
    assert code == 0 and "created" in out


def test_the_token_does_not_follow_a_redirect(github, tmp_path, capsys):
    body = tmp_path / "b.md"
    body.write_text(REPORT)
    code, _, err = comment(github, body, capsys, "--head-sha", "d" * 40, pr=8)
    assert code == 2 and "#8's head is 111111111111" in err
    first, moved = github.requests
    assert first["headers"]["authorization"] == f"Bearer {TOKEN}"
    assert moved["path"] == "/elsewhere" and "authorization" not in moved["headers"]


@pytest.mark.parametrize("content, expect", [
    (b"# not a gate report\n", "not a gate report"),
    (b"\xff\xfe## \x00", "not UTF-8"),
    (b"   \n", "empty body"),
    (b"## \xe2\x9c\x85 Benchmark gate: x\n" + b"y" * (1 << 20), "over the 1,048,576-byte limit"),
])
def test_bodies_that_are_refused(github, tmp_path, capsys, content, expect):
    body = tmp_path / "b.md"
    body.write_bytes(content)
    code, _, err = comment(github, body, capsys, "--gate-report")
    assert code == 2 and expect in err and err.count("\n") == 1 and github.requests == []


def test_no_token_is_one_line_and_no_request(github, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("GITHUB_TOKEN")
    body = tmp_path / "b.md"
    body.write_text(REPORT)
    code, out, err = comment(github, body, capsys)
    assert code == 2 and out == "" and err == ("error: GITHUB_TOKEN is not set: posting needs a "
                                               "token with pull-requests: write in the environment\n")
    assert github.requests == []


def test_api_failures_exit_2_or_3_with_githubs_message(github, tmp_path, capsys):
    body = tmp_path / "b.md"
    body.write_text(REPORT)
    github.fail = 403
    code, _, err = comment(github, body, capsys)
    assert code == 2 and err == (f"error: GitHub API GET /repos/{REPO}/issues/{PR}/comments: "
                                 "403 Failure 403\n")
    github.fail = 502
    code, _, err = comment(github, body, capsys)
    assert code == 3 and "502" in err
    github.close()
    code, _, err = comment(github, body, capsys)
    assert code == 3 and "cannot reach" in err


@pytest.mark.parametrize("args, expect", [
    (["--repo", "not a repo"], "expected OWNER/NAME"),
    (["--pr", "0"], "positive integer"),
    (["--head-sha", "HEAD"], "not a full commit sha"),
    (["--api", "http://example.com"], "refusing to send the token"),
    (["--marker", "a b"], "--marker"),
])
def test_bad_arguments(github, tmp_path, capsys, args, expect):
    body = tmp_path / "b.md"
    body.write_text(REPORT)
    base = {"--repo": REPO, "--pr": str(PR), "--body": str(body), "--api": github.url}
    base.update(dict(zip(args[::2], args[1::2])))
    code = main(["comment", *[x for kv in base.items() for x in kv]])
    err = capsys.readouterr().err
    assert code == 2 and expect in err and TOKEN not in err and github.requests == []


def test_a_long_report_is_cut_at_a_line_inside_githubs_limit():
    rows = "\n".join(f"| row {i} | {'x' * 60} |" for i in range(2000))
    body = compose(f"## ✅ Benchmark gate: no regression\n\n<details>\n{rows}\n</details>\n", MARKER)
    assert len(body) <= GITHUB_LIMIT and body.startswith(MARKER + "\n## ✅")
    assert body.count("<details>") == body.count("</details>") == 1
    assert "cut to fit GitHub's comment limit" in body
    assert compose("short", MARKER) == f"{MARKER}\nshort\n"


def test_the_gate_reports_no_verdict_apart_from_regression(tmp_path, capsys, monkeypatch):
    """Exit 2 (bad input) and 3 (an internal error) write a report that says
    "no verdict", the body the comment posts; --debug keeps the traceback."""
    from rustorch_wasm.regress.cli import gate as gate_module
    from rustorch_wasm.regress.io.synth import make_history

    repo = tmp_path / "repo"
    make_history(repo, 2)
    md, js = tmp_path / "gate.md", tmp_path / "gate.json"
    args = ["gate", "--repo", str(repo), "--base", "no-such-rev", "--head", "HEAD",
            "--markdown", str(md), "--json", str(js), "--quiet"]
    assert main(args) == 2
    err = capsys.readouterr().err
    text = md.read_text()
    assert text.startswith("## ⚠️ Benchmark gate: no verdict, bad input (exit 2)")
    assert "regression(s)" not in text and "no-such-rev" in text and "no-such-rev" in err
    assert json.loads(js.read_text())["gate"] == {"exit_code": 2, "verdict": None,
                                                  "error": err.strip()[len("error: "):]}

    from rustorch_wasm.regress.cli.asv_runner import AsvRunError

    def no_asv_project(*a, **k):
        raise AsvRunError("asv.conf.json not found (not an asv project)")

    monkeypatch.setattr(gate_module, "gate", no_asv_project)
    assert main(args) == 2                      # an input error of asv's: bad input, not a bug
    assert md.read_text().startswith("## ⚠️ Benchmark gate: no verdict, bad input (exit 2)")
    capsys.readouterr()

    def broken(*a, **k):
        raise RuntimeError("bug <here>")

    monkeypatch.setattr(gate_module, "gate", broken)
    assert main(args) == 3
    err = capsys.readouterr().err               # the CLI's one line for every command's bug
    assert err.startswith("error: internal error at ") and err.count("\n") == 1
    assert "RuntimeError: bug <here>" in err and "please report" in err
    text = md.read_text()
    assert text.startswith("## ⚠️ Benchmark gate: no verdict, internal error (exit 3)")
    assert "bug &lt;here&gt;" in text and json.loads(js.read_text())["gate"]["exit_code"] == 3
    from rustorch_wasm.regress.cli.main import build_parser

    parsed = build_parser().parse_args(args)
    with pytest.raises(RuntimeError):           # to cli/main.py's handler (--debug: traceback)
        gate_module.run(parsed)
