"""Links to the code: the commit URL template (asv.conf.json's show_commit_url,
the profile's commit_url, a GitHub remote, none), commit dates without a
repository, and the links in the Markdown report, the gate's Markdown and
the titles of the reports."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from _synthetic import fake_sha, make_series, regression_at
from rustorch_wasm.regress.cli.commit_links import (asv_commit_url, commit_details,
                                                    commit_url_template, read_asv_conf)
from rustorch_wasm.regress.io.repository import (CommitInfo, github_commit_url, make_history,
                                                 remote_url)
from rustorch_wasm.regress.model.findings import Report
from rustorch_wasm.regress.model.profile import (Profile, ProfileError, commit_link, load_profile,
                                                 url_template)
from rustorch_wasm.regress.render.markdown import commit_md
from rustorch_wasm.regress.render.report import render_markdown

SHA = "0123456789abcdef0123456789abcdef01234567"
GITHUB = "https://github.com/django/django/commit/{commit}"


@pytest.mark.parametrize("remote", [
    "https://github.com/django/django", "https://github.com/django/django.git",
    "https://github.com/django/django.git/", "http://github.com/django/django",
    "https://user:token@github.com/django/django.git", "git@github.com:django/django.git",
    "git@github.com:django/django", "ssh://git@github.com/django/django.git",
    "ssh://git@github.com:22/django/django.git", "git://github.com/django/django.git",
])
def test_a_github_remote_in_any_form_gives_the_commit_url(remote):
    assert github_commit_url(remote) == GITHUB


@pytest.mark.parametrize("remote", [
    None, "", "https://gitlab.com/django/django", "https://github.com/django",
    "https://github.com/django/django/tree/main", "https://evil.example/github.com/django/django",
    "git@github.com:django/..", "/srv/git/django.git", 'https://github.com/o/r"><script>',
])
def test_other_remotes_give_none(remote):
    assert github_commit_url(remote) is None


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def test_the_template_comes_from_asv_then_the_profile_then_the_remote(tmp_path):
    repo = tmp_path / "repo"
    make_history(repo, 2)
    assert remote_url(repo) is None
    assert commit_url_template(Profile(), repo=repo, project_dirs=(repo,)) is None     # none
    git(repo, "remote", "add", "origin", "git@github.com:django/django.git")
    assert remote_url(repo) == "git@github.com:django/django.git"
    assert commit_url_template(Profile(), repo=repo) == GITHUB                        # the remote
    profile = load_profile({"commit_url": "https://git.example.org/p/commit/{commit}"})
    assert commit_url_template(profile, repo=repo) == "https://git.example.org/p/commit/{commit}"
    (repo / "asv.conf.json").write_text(
        '{\n  // asv allows comments\n  "version": 1, /* and these */\n'
        '  "show_commit_url": "https://asv.example.org/c/",\n  "branches": ["main",],\n}\n')
    assert read_asv_conf(repo / "asv.conf.json")["branches"] == ["main"]
    assert commit_url_template(profile, repo=repo, project_dirs=(None, repo)) == \
        "https://asv.example.org/c/"                                                   # asv first
    assert commit_link("https://asv.example.org/c/", SHA) == f"https://asv.example.org/c/{SHA}"


def test_asv_placeholders_and_bad_files_give_no_template(tmp_path, capsys):
    (tmp_path / "asv.conf.json").write_text('{"show_commit_url": "#"}')
    assert asv_commit_url([tmp_path]) is None
    (tmp_path / "asv.conf.json").write_text('{"show_commit_url": ')
    assert asv_commit_url([tmp_path]) is None
    assert "cannot read" in capsys.readouterr().err


def test_the_profile_refuses_a_template_that_is_not_a_web_url():
    for bad in ("javascript:alert(1)", "github.com/o/r/commit/", 42, "#"):
        with pytest.raises(ProfileError, match="commit_url"):
            load_profile({"commit_url": bad})
    assert load_profile({"commit_url": None}).commit_url is None
    # what cannot stand raw in HTML or a Markdown link is %-encoded
    assert url_template('https://x.org/c/{commit}?q="<a> (b)') == \
        "https://x.org/c/{commit}?q=%22%3Ca%3E%20%28b%29"
    assert commit_link(GITHUB, "--all") is None and commit_link(None, SHA) is None


def test_without_a_repository_dates_come_from_asv(tmp_path):
    from test_site_command import write_results
    from rustorch_wasm.regress.io.history import load_history
    shas = [fake_sha(i) for i in range(40)]
    write_results(tmp_path / "results", shas)
    history = load_history(tmp_path / "results", search=None)
    info = commit_details(history)
    assert set(info) == set(shas)
    first = info[shas[0]]
    assert first.subject == "" and first.date == "2023-11-14" and first.time == 1_700_000_000


def test_the_markdown_report_links_and_dates_its_commits():
    s = make_series("m.C.time_x", n=40, step_at=30, step=1.4)
    f = regression_at(s, 30, 1.4)
    report = Report(0.2, 0.01, 1, [f])
    info = {f.commit: CommitInfo(f.commit, "Speed up | the `x` [path](evil)", "2026-11-30", 1)}
    text = render_markdown(report, "django: findings", commit_url=GITHUB, commit_info=info,
                           plots="plots/")
    heading = next(line for line in text.splitlines() if line.startswith("## "))
    assert heading.startswith(f"## ▲ [`{f.commit[:10]}`]({GITHUB.format(commit=f.commit)}) "
                              "2026-11-30 Speed up \\| the \\`x\\` \\[path\\](evil): 1 finding(s)")
    assert f"[`{f.previous_commit[:10]}`]({GITHUB.format(commit=f.previous_commit)})" in text
    assert "[plot](plots/m.C.time_x-" in text
    plain = render_markdown(report, "django: findings")
    assert f"## ▲ `{f.commit[:10]}`: 1 finding(s)" in plain and "](" not in plain


def test_the_gate_links_base_and_head():
    from test_gate_markdown import BASE, HEAD, result
    from rustorch_wasm.regress.render.gate_markdown import render_markdown as gate_markdown
    res = result([], [])
    linked = gate_markdown(res, commit_url=GITHUB).splitlines()
    assert linked[2] == (f"Commits: base {commit_md(BASE, GITHUB)} → head "
                         f"{commit_md(HEAD, GITHUB)}.")
    assert "Commits:" not in gate_markdown(res)


def test_detect_titles_its_markdown_by_what_it_is(tmp_path, monkeypatch, capsys):
    from test_site_command import write_results
    from rustorch_wasm.regress.cli.main import main
    write_results(tmp_path / "results", [fake_sha(i) for i in range(40)])
    (tmp_path / "regress.json").write_text(json.dumps(
        {"profile": {"title": "demo benchmarks", "commit_url": GITHUB}}))
    monkeypatch.chdir(tmp_path)
    main(["detect", "--results", "results", "--markdown", "findings.md"])
    text = (tmp_path / "findings.md").read_text()
    assert text.startswith("# demo benchmarks: findings over the commits asv measured, by their "
                           "recorded dates (40 commits measured)\n")
    assert f"]({GITHUB.format(commit=fake_sha(30))}) 2023-11-14" in text
    assert capsys.readouterr().out.startswith("detect: ")
