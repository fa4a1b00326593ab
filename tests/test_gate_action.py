"""The reusable gate action (issue #24, item 5: ``action.yml``, composite) and
the two workflows around it.

actionlint lints workflows, not action metadata, so the action's steps are
linted as the steps of a job of a generated workflow whose
``workflow_call`` inputs are the action's (expressions, contexts, step ids
and outputs are checked as in a workflow); its structure is checked here,
and its two shell steps that decide what is reported (the gate's arguments,
the verdict) are run with bash on made-up gate results.
"""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")          # PyYAML (asv's dependency, in the dev extras)

from test_workflows import ROOT, run_lint  # noqa: E402

ACTION = ROOT / "action.yml"
WORKFLOWS = ROOT / ".github" / "workflows"


def load(path: Path) -> dict:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in doc:                          # YAML 1.1 reads the key `on` as a boolean
        doc["on"] = doc.pop(True)
    return doc


def steps_of(doc: dict) -> list[dict]:
    return doc["runs"]["steps"]


def step(doc: dict, ident: str) -> dict:
    return next(s for s in steps_of(doc) if s.get("id") == ident)


def test_the_actions_steps_pass_actionlint_as_a_job(tmp_path):
    action = load(ACTION)
    workflow = {"name": "action.yml as a job",
                "on": {"workflow_call": {"inputs": {name: {"type": "string", "required": False}
                                                    for name in action["inputs"]}}},
                "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": steps_of(action)}}}
    path = tmp_path / "action-as-workflow.yml"
    text = yaml.safe_dump(workflow, sort_keys=False, allow_unicode=True, width=1000)
    path.write_text(text)
    proc = run_lint(path)
    numbered = "\n".join(f"{i + 1:4d} {line}" for i, line in enumerate(text.splitlines()))
    assert proc.returncode == 0 and "0 finding(s)" in proc.stdout, \
        proc.stdout + proc.stderr + "\n" + numbered


def test_the_actions_structure():
    action = load(ACTION)
    text = ACTION.read_text(encoding="utf-8")
    assert action["runs"]["using"] == "composite"
    assert {"base", "head", "benches", "threshold", "config", "python-version"} <= set(action["inputs"])
    assert all(spec.get("description") for spec in action["inputs"].values())
    assert set(action["outputs"]) >= {"exit-code", "verdict", "report"}
    ids = [s.get("id") for s in steps_of(action)]
    seen: set[str] = set()
    for s in steps_of(action):
        body = yaml.safe_dump(s)
        for used in re.findall(r"steps\.([\w-]+)\.", body):
            assert used in seen, f"step {s.get('name')!r} uses {used!r} before it runs"
        if "run" in s:
            assert s.get("shell") == "bash", s.get("name")      # composite steps need a shell
            assert "${{" not in s["run"], f"{s['name']}: values reach scripts through env only"
        if s.get("id"):
            seen.add(s["id"])
    for out in action["outputs"].values():
        [used] = re.findall(r"steps\.([\w-]+)\.outputs", out["value"])
        assert used in ids
    used = set(re.findall(r"inputs\.([\w-]+)", text))
    assert used == set(action["inputs"])                 # none undeclared, none unused
    uses = [s["uses"] for s in steps_of(action) if "uses" in s]
    assert {"actions/cache/restore@v4", "actions/cache/save@v4", "actions/setup-python@v5",
            "actions/upload-artifact@v4"} <= set(uses)
    saved = [s for s in steps_of(action) if s.get("uses") == "actions/cache/save@v4"]
    assert len(saved) == 3 and all(s["if"].startswith("always()") for s in saved)  # any verdict
    restore = {s["id"]: s for s in steps_of(action) if s.get("uses") == "actions/cache/restore@v4"}
    assert set(restore) == {"pip-cache", "npm-cache", "asv-cache"}
    assert "asv.conf.json" in restore["asv-cache"]["with"]["key"]
    assert "package-lock.json" in restore["npm-cache"]["with"]["key"]
    assert "pyproject.toml" in restore["pip-cache"]["with"]["key"]
    install = step(action, "install")["run"]
    assert '"$GITHUB_ACTION_PATH/packaging/rustorch-regress"' in install


def test_this_repositorys_gate_uses_the_action_and_can_only_read():
    gate = load(WORKFLOWS / "benchmark-gate.yml")
    action = load(ACTION)
    assert gate["permissions"] == {"contents": "read"}
    [job] = gate["jobs"].values()
    assert "permissions" not in job
    [used] = [s for s in job["steps"] if s.get("uses") == "./"]
    assert set(used["with"]) <= set(action["inputs"])
    assert used["with"]["artifact-name"] == action["inputs"]["artifact-name"]["default"]


def test_the_comment_workflow_never_runs_the_pull_requests_code():
    gate = load(WORKFLOWS / "benchmark-gate.yml")
    comment = load(WORKFLOWS / "benchmark-comment.yml")
    run = comment["on"]["workflow_run"]
    assert run["workflows"] == [gate["name"]] and run["types"] == ["completed"]
    assert comment["permissions"] == {}
    [job] = comment["jobs"].values()
    assert job["permissions"] == {"actions": "read", "pull-requests": "write"}
    assert "workflow_run.event == 'pull_request'" in job["if"]
    for s in job["steps"]:
        assert s.get("uses") != "./"                        # not the PR's action
        if str(s.get("uses", "")).startswith("actions/checkout"):
            # the default branch: no ref, no repository of the pull request
            assert not {"ref", "repository"} & set(s.get("with", {}))
            assert s["with"]["persist-credentials"] is False
        assert "${{" not in s.get("run", "")
    [download] = [s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/download-artifact")]
    assert download["with"]["run-id"] == "${{ github.event.workflow_run.id }}"
    assert download["with"]["name"] == "benchmark-gate-report"
    steps = [s.get("uses", s.get("run", "")) for s in job["steps"]]
    assert steps.index(download["uses"]) < next(i for i, s in enumerate(steps) if "checkout" in s)
    post = job["steps"][-1]
    assert "rustorch-regress comment" in post["run"]
    assert "--gate-report" in post["run"] and "--head-sha" in post["run"]
    assert post["env"]["HEAD_SHA"] == "${{ github.event.workflow_run.head_sha }}"
    number = next(s for s in job["steps"] if s.get("id") == "pr")["run"]
    assert "^[1-9][0-9]{0,8}$" in number


def bash_step(script: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                          cwd=cwd, env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=60)


def outputs(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


@pytest.mark.parametrize("code, report, verdict, annotation, first", [
    ("0", "## ✅ Benchmark gate: no regression (x)\n", "pass", "::notice", "## ✅ Benchmark gate"),
    ("1", "## ❌ Benchmark gate: 1 regression(s) (x)\n", "regression", "::error", "## ❌"),
    ("2", "## ⚠️ Benchmark gate: no verdict, bad input (exit 2)\n", "no-verdict", "::warning",
     "## ⚠️ Benchmark gate: no verdict, bad input (exit 2)"),
    ("2", None, "no-verdict", "::warning", "## ⚠️ Benchmark gate: no verdict, bad input (exit 2)"),
    ("3", None, "no-verdict", "::warning",
     "## ⚠️ Benchmark gate: no verdict, internal error (exit 3)"),
    ("1", None, "no-verdict", "::warning",             # a crash, not a verdict
     "## ⚠️ Benchmark gate: no verdict, the gate stopped with exit status 1"),
    ("", None, "no-verdict", "::warning",
     "## ⚠️ Benchmark gate: no verdict, the gate did not run"),
])
def test_the_report_step_tells_no_verdict_from_regression(tmp_path, code, report, verdict,
                                                          annotation, first):
    out = tmp_path / "out"
    out.mkdir()
    if report is not None:
        (out / "gate-report.md").write_text(report + "\nrows\n")
    summary, github_output = tmp_path / "summary.md", tmp_path / "output"
    proc = bash_step(step(load(ACTION), "report")["run"],
                     {"CODE": code, "OUT": str(out), "PR_NUMBER": "42", "HEAD": "b" * 40,
                      "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(github_output)},
                     tmp_path)
    assert proc.returncode == 0, proc.stderr
    got = outputs(github_output)
    assert got["verdict"] == verdict and got["exit-code"] == code
    body = (out / "comment.md").read_text()
    assert body.startswith(first) and summary.read_text() == body
    assert got["verdict-line"] == body.splitlines()[0][3:] and got["report"] == str(out / "comment.md")
    assert proc.stdout.startswith(f"{annotation} title=Benchmark gate::{body.splitlines()[0][3:]}")
    if verdict == "no-verdict":
        assert "regression(s)" not in body
        assert report is not None or "not a regression verdict" in body
    assert (out / "pr-number").read_text() == "42\n" and (out / "exit-code").read_text() == f"{code}\n"
    from rustorch_wasm.regress.cli.comment_command import read_body
    assert read_body(out / "comment.md", gate_report=True) == body   # the comment posts it


@pytest.mark.parametrize("exit_status", [0, 1, 2, 3])
def test_the_gate_step_passes_the_inputs_and_keeps_the_exit_code(tmp_path, exit_status):
    fake = tmp_path / "rustorch-regress"
    fake.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$@\" > {tmp_path}/args\nexit {exit_status}\n")
    fake.chmod(0o755)
    github_output = tmp_path / "output"
    env = {"REGRESS": str(fake), "OUT": str(tmp_path / "out"), "BASE": "main~1", "HEAD": "main",
           "BENCHES": "^a\\.\n\n^b c\n", "THRESHOLD": "0.3", "CONFIG": "",
           "ASV_ARGS": "-a\nrepeat=5", "GITHUB_OUTPUT": str(github_output)}
    proc = bash_step(step(load(ACTION), "gate")["run"], env, tmp_path)
    assert proc.returncode == 0, proc.stderr                 # the verdict is an output, not a failure
    assert outputs(github_output) == {"exit-code": str(exit_status)}
    out = tmp_path / "out"
    assert (tmp_path / "args").read_text().splitlines() == [
        "gate", "--base", "main~1", "--head", "main", "--markdown", f"{out}/gate-report.md",
        "--json", f"{out}/gate-report.json", "--bench", "^a\\.", "--bench", "^b c",
        "--asv-arg=-a", "--asv-arg=repeat=5", "--threshold", "0.3"]
