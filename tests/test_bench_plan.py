"""Which commits `rustorch-regress run` hands to asv (one per distinct build), and its progress."""
from __future__ import annotations

from pathlib import Path

import pytest

from rustorch_wasm.regress.cli import run_command
from rustorch_wasm.regress.cli.asv_runner import Progress
from rustorch_wasm.regress.cli.main import main
from rustorch_wasm.regress.io.builds import plan
from test_asv_integration import git

NAMES = ["base", "docs", "kernel", "docs2", "tests", "bench", "docs3"]


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    repo = tmp_path_factory.mktemp("bench") / "r"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    files = {"base": "rustorch_wasm/kernels/src/lib.rs", "docs": "README.md",
             "kernel": "rustorch_wasm/kernels/src/lib.rs", "docs2": "docs/a.md",
             "tests": "tests/t.py", "bench": "benchmarks/b.py", "docs3": "README.md"}
    for name in NAMES:
        path = repo / files[name]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text((path.read_text() if path.exists() else "") + f"{name}\n")
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", name)
    shas = git(repo, "rev-list", "--reverse", "HEAD").split()
    return repo, dict(zip(NAMES, shas))


def test_only_commits_that_change_the_build_are_measured(repo):
    path, sha = repo
    work = plan(path, list(sha.values()), set())
    assert work.to_measure == [sha["base"], sha["kernel"], sha["bench"]]
    assert work.same_build == 4
    assert "7 commit(s), 3 distinct build(s) (4 commit(s) skipped" in work.summary("R")


def test_a_range_starting_inside_a_build_measures_that_builds_commit(repo):
    path, sha = repo
    work = plan(path, [sha["docs2"], sha["tests"], sha["bench"]], set())
    assert work.to_measure == [sha["kernel"], sha["bench"]] and work.before_range == 1


def test_measured_builds_are_not_measured_again(repo):
    path, sha = repo
    work = plan(path, list(sha.values()), {sha["kernel"][:8], sha["base"][:8]})
    assert work.to_measure == [sha["bench"]]
    every = plan(path, list(sha.values()), set(), every_commit=True)
    assert every.to_measure == list(sha.values())


@pytest.fixture
def fake_asv(repo, tmp_path, monkeypatch):
    path, _ = repo
    handed: list[list[str]] = []

    def run_history(repo, commits, **kwargs):
        assert Path(repo) == path
        handed.append(list(commits))
        return 0

    monkeypatch.setattr(run_command, "load_asv_config",
                        lambda root: {"repo": ".", "results_dir": str(tmp_path / "results")})
    monkeypatch.setattr(run_command, "run_history", run_history)
    return tmp_path / "results", handed


def bench_only(path: Path, *args: str) -> int:
    return main(["run", "--no-analysis", "--project", str(path), *args])


def test_the_hash_file_holds_the_builds_to_measure(repo, fake_asv, capsys):
    path, sha = repo
    results, handed = fake_asv
    assert bench_only(path, "--range", "HEAD~4..HEAD", "--machine", "box") == 0
    assert handed == [[sha["kernel"], sha["bench"]]]
    assert "4 commit(s), 2 distinct build(s)" in capsys.readouterr().out
    # once both have results on this machine, asv is not started at all
    (results / "box").mkdir(parents=True)
    for name in ("kernel", "bench"):
        (results / "box" / f"{sha[name][:8]}-venv.json").write_text("{}")
    assert bench_only(path, "--range", "HEAD~4..HEAD", "--machine", "box") == 0
    assert len(handed) == 1 and "0 to measure" in capsys.readouterr().out


def test_a_bad_range_is_one_line(repo, fake_asv, capsys):
    path, _ = repo
    assert bench_only(path, "--range=--all..HEAD") == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1


def test_progress_counts_commits_and_estimates_the_rest():
    now = [0.0]
    lines: list[str] = []
    progress = Progress(3, clock=lambda: now[0], out=lines.append)
    now[0] = 40.0    # asv's setup before the first commit
    progress.line("[ 0.00%] · For rustorch_wasm commit 0123abcd <main>:\n")
    now[0] = 140.0
    progress.line("[10.00%] ·· Benchmarking virtualenv-py3.10\n")
    progress.line("[33.33%] · For rustorch_wasm commit 4567ef01 <main>:\n")
    progress.line("[40.00%] · For rustorch_wasm commit 4567ef01 <main>:\n")   # same commit again
    now[0] = 300.0
    progress.done()
    assert lines == ["bench: commit 1/3 0123abcd (elapsed 40s)",
                     "bench: commit 2/3 4567ef01 (elapsed 2m20s, about 3m20s left)",
                     "bench: 2 of 3 commit(s) benchmarked in 5m00s"]


def test_progress_names_what_asv_reported_failed():
    lines: list[str] = []
    progress = Progress(1, clock=lambda: 0.0, out=lines.append)
    for text in ("[ 0.00%] · For rustorch_wasm commit 0123abcd <main>:\n",
                 "[10.00%] ··· activations.ReLU.time_relu                     failed\n",
                 "[12.00%] ··· tensor_ops.Add.time_add                        ok\n",
                 "[20.00%] ·· Building for virtualenv-py3.10 failed\n"):
        progress.line(text)
    assert progress.failed == [("0123abcd", "activations.ReLU.time_relu"), ("0123abcd", "build")]
