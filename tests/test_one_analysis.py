"""One analysis behind every command: `detect --json`, the site's
`findings.json` and `run --no-bench` give the same findings, byte for byte,
on a history with same-build commits, an off-branch result file and a
metadata change (asv's requirements) at a shared shift."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rustorch_wasm.regress.io.synth import Row, write_benchmarks_json, write_result_file
from test_asv_integration import commit_file as commit, git

N = 44
BENCHES = [f"mod.C.time_b{i}" for i in range(8)]
SAME_BUILD_STEP = 21      # a docs-only commit: it shares the build of commit 20
BUILD_STEP = 24           # a commit that changes src/
META = 32                 # numpy 1 -> 2 in the result files' requirements; every series x1.3


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> tuple[Path, Path, list[str]]:
    root = tmp_path_factory.mktemp("one")
    repo = root / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    shas = [commit(repo, "src/k.txt" if i % 4 == 0 else "docs/n.md", f"{i}\n") for i in range(N)]
    git(repo, "checkout", "-q", "-b", "side", shas[10])
    side = commit(repo, "src/k.txt", "side\n")
    git(repo, "checkout", "-q", "main")
    (repo / "regress.json").write_text(json.dumps({"profile": {"build_paths": ["src/"]}}))
    results = root / "results"
    write_benchmarks_json(results, {b: ([], [], "seconds") for b in BENCHES})
    rng = np.random.default_rng(11)
    for i, sha in enumerate([*shas, side]):
        rows = {}
        for j, b in enumerate(BENCHES):
            level = 1e-4 * (1 + j)
            if j == 0 and i >= SAME_BUILD_STEP and sha != side:
                level *= 1.5
            if j == 1 and i >= BUILD_STEP and sha != side:
                level *= 1.6
            if i >= META and sha != side:
                level *= 1.3
            s = list(level * np.exp(rng.normal(0, 0.02, 8)))
            rows[b] = Row([float(np.median(s))], [], [s])
        path = write_result_file(results, "box", sha, "venv", rows,
                                 date=1700000000000 + 60_000 * (i if sha != side else 11))
        if i >= META and sha != side:
            data = json.loads(path.read_text())
            data["requirements"] = {"numpy": "2.0"}
            path.write_text(json.dumps(data))
    return repo, results, shas


def cli(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rustorch_wasm.regress", *args], cwd=repo,
                          capture_output=True, text=True, timeout=600)


def test_detect_site_and_run_give_the_same_findings(project, tmp_path):
    repo, results, shas = project
    detect = cli(repo, "detect", "--results", str(results), "--branch", "main",
                 "--json", str(tmp_path / "detect.json"))
    assert detect.returncode == 1, detect.stdout + detect.stderr
    assert "is not on 'main'" in detect.stderr           # the side branch's file, skipped
    site = cli(repo, "site", "--results", str(results), "--branch", "main", "--no-asv-publish",
               "--out", str(tmp_path / "site"))
    assert site.returncode == 0, site.stderr
    run = cli(repo, "run", "--no-bench", "--no-confirm", "--no-asv-publish", "--results",
              str(results), "--branch", "main", "--out", str(tmp_path / "run"),
              "--json", str(tmp_path / "run.json"))
    assert run.returncode == 0, run.stdout + run.stderr

    def findings(path: Path) -> str:
        return json.dumps(json.loads(path.read_text())["findings"], indent=1)

    one = findings(tmp_path / "detect.json")
    assert one == findings(tmp_path / "site" / "findings.json")
    assert one == findings(tmp_path / "run" / "findings.json") == findings(tmp_path / "run.json")
    found = json.loads(one)
    kinds = {(f["benchmark"], f["kind"], f["commit"]) for f in found}
    # b1's step at a build commit is its own; b0's at a docs-only commit is not
    # the code's: a change between two measurements of one build
    assert ("mod.C.time_b1", "regression", shas[BUILD_STEP]) in kinds
    assert not any(f["benchmark"] == "mod.C.time_b0" and f["commit"] == shas[SAME_BUILD_STEP]
                   for f in found)
    [env] = [f for f in found if f["kind"] == "environment"]
    assert env["commit"] == shas[META]
    assert any("numpy" in e for e in env["evidence"])     # the metadata that changed
