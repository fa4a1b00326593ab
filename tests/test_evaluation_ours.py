"""The evaluation scores the detector ``rustorch-regress detect`` is: on a
history with commits that share a build, an off-branch result file and a
change of asv metadata, evaluation.ours reads and analyses the files into
the same report as ``detect --json``, byte for byte."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from evaluation.ours import analyse_in_memory, run_on_files
from rustorch_wasm.regress.cli import main as cli_main
from rustorch_wasm.regress.io.synth import Row, write_benchmarks_json, write_result_file
from test_asv_integration import git

N = 40
DOCS_ONLY = (21, 22, 23)       # commits touching docs/ only: the build of commit 20
UNMEASURED = 20                # made the build that 21-23 share, never measured itself
MOVED_META = 35                # python 3.10 -> 3.11 from here on, every series x1.3
GIT = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
       "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}


def history(repo: Path) -> tuple[list[str], str]:
    """``N`` commits on main (``DOCS_ONLY`` change docs/ only) and one on a side branch."""
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "docs").mkdir()
    shas = []
    for i in range(N):
        path = repo / ("docs/notes.md" if i in DOCS_ONLY else "src.txt")
        path.write_text(f"{i}\n")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", f"commit {i}")
        shas.append(git(repo, "rev-parse", "HEAD"))
    git(repo, "checkout", "-q", "-b", "side", shas[10])
    (repo / "src.txt").write_text("side\n")
    git(repo, "commit", "-q", "-am", "off the branch")
    side = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", "main")
    return shas, side


def level(name: str, i: int) -> float:
    out = 1.0
    if name == "b.time_x" and i >= DOCS_ONLY[0]:
        out *= 1.6                             # first seen at 21: made by commit 20
    if name == "b.time_y" and i >= 12:
        out *= 1.5
    return out * (1.3 if i >= MOVED_META else 1.0)


def write_results(results: Path, shas: list[str], side: str) -> None:
    names = ["b.time_x", "b.time_y", *[f"b.time_q{j}" for j in range(8)]]
    write_benchmarks_json(results, {n: ([], [], "seconds") for n in names})
    rng = np.random.default_rng(7)
    commits = [(i, sha) for i, sha in enumerate(shas) if i != UNMEASURED] + [(11, side)]
    for i, sha in commits:
        rows = {}
        for n in names:
            samples = (1e-3 * level(n, i) * np.exp(rng.normal(0, 0.01, 10))).tolist()
            rows[n] = Row([float(np.median(samples))], [], [samples])
        path = write_result_file(results, "box", sha, "py3", rows, date=1700000000000 + i)
        if i >= MOVED_META:
            doc = json.loads(path.read_text())
            doc["python"] = doc["params"]["python"] = "3.11"
            path.write_text(json.dumps(doc))


@pytest.fixture(scope="module")
def case(tmp_path_factory) -> tuple[Path, Path, list[str]]:
    tmp = tmp_path_factory.mktemp("ours")
    shas, side = history(tmp / "repo")
    write_results(tmp / "results", shas, side)
    return tmp / "results", tmp / "repo", shas


def test_the_evaluation_reports_what_detect_reports(case, tmp_path, monkeypatch):
    results, repo, shas = case
    run = run_on_files(results, repo)
    assert {shas[i]: shas[UNMEASURED] for i in DOCS_ONLY}.items() <= run.history.same_build.items()
    assert any("is not on 'main'" in w for w in run.history.result_set.warnings)
    monkeypatch.chdir(tmp_path)                 # no regress.json: the default configuration
    out = tmp_path / "report.json"
    cli_main(["detect", "--results", str(results), "--repo", str(repo), "--branch", "main",
              "--json", str(out)])
    assert run.report.dumps() == out.read_text().rstrip("\n")
    assert run.report.findings


def test_build_identity_and_metadata_change_the_findings(case):
    """Not a vacuous equality: without the build identity and the metadata (the
    in-memory adapter) the same series give other findings."""
    results, repo, _ = case
    run = run_on_files(results, repo)
    bare = analyse_in_memory(run.series)
    assert [f.to_json() for f in bare.findings] != [f.to_json() for f in run.report.findings]
