"""``.github/workflows/backfill.yml`` (actionlint checks it with the others in
test_workflows.py): its stages in order, the artifacts that carry wheels and
shards between them, and every ``rustorch-regress`` command in it accepted by
the real command-line parser."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

from rustorch_wasm.regress.cli.main import build_parser

#: What the workflow's shell variables stand for, as the jobs set them.
VALUES = {"RANGE": "HEAD~100..HEAD", "SHARDS": "4", "ASV_MACHINE": "github-actions",
          "BATCH": "0", "SHARD": "1"}
WORKFLOW = Path(__file__).resolve().parent.parent / ".github" / "workflows" / "backfill.yml"


@pytest.fixture(scope="module")
def flow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def steps(flow: dict, job: str) -> list[dict]:
    return flow["jobs"][job]["steps"]


def uses(flow: dict, job: str) -> list[tuple[str, dict]]:
    return [(s["uses"].split("@")[0], s.get("with", {})) for s in steps(flow, job) if "uses" in s]


def commands(flow: dict) -> list[tuple[str, list[str]]]:
    """(job, argv) of every rustorch-regress call; shell variables as placeholders."""
    found = []
    for job in flow["jobs"]:
        for step in steps(flow, job):
            script = step.get("run", "").replace("\\\n", " ")
            for line in script.splitlines():
                if "rustorch-regress" not in line:
                    continue
                line = re.sub(r'"\$(\w+)"', lambda m: VALUES[m.group(1)], line)
                found.append((job, shlex.split(line.split("rustorch-regress", 1)[1])))
    return found


def test_dispatched_with_a_range_and_shards(flow):
    trigger = flow[True] if True in flow else flow["on"]        # YAML 1.1 reads `on` as True
    assert set(trigger) == {"workflow_dispatch"}
    assert set(trigger["workflow_dispatch"]["inputs"]) == {"range", "shards"}


def test_plan_build_measure_merge_in_order(flow):
    jobs = flow["jobs"]
    assert list(jobs) == ["plan", "build", "measure", "merge", "deploy"]
    assert jobs["build"]["needs"] == "plan"
    assert set(jobs["measure"]["needs"]) == {"plan", "build"}
    assert set(jobs["merge"]["needs"]) == {"plan", "measure"}
    assert jobs["build"]["strategy"]["matrix"] == "${{ fromJSON(needs.plan.outputs.build_matrix) }}"
    assert jobs["measure"]["strategy"]["matrix"] == \
        "${{ fromJSON(needs.plan.outputs.measure_matrix) }}"
    assert set(jobs["plan"]["outputs"]) == {"builds", "build_matrix", "measure_matrix"}


def test_artifacts_carry_wheels_and_shards(flow):
    up = {w["name"]: w["path"] for u, w in uses(flow, "build") if u == "actions/upload-artifact"}
    assert up == {"wheels-${{ matrix.batch }}": "wheels"}
    down = [w for u, w in uses(flow, "measure") if u == "actions/download-artifact"]
    assert {"pattern": "wheels-*", "merge-multiple": True, "path": "wheels"} in down
    up = {w["name"]: w["path"] for u, w in uses(flow, "measure") if u == "actions/upload-artifact"}
    assert up == {"shard-${{ matrix.shard }}": "shard-results"}
    down = [w for u, w in uses(flow, "merge") if u == "actions/download-artifact"]
    assert down == [{"pattern": "shard-*", "path": "shards"}]
    assert ("actions/upload-pages-artifact", {"path": "site"}) in uses(flow, "merge")
    assert [u for u, _ in uses(flow, "deploy")] == ["actions/deploy-pages"]


def test_every_command_is_one_the_cli_accepts(flow):
    calls = commands(flow)
    assert [(job, argv[:2] if argv[0] == "backfill" else argv[:1]) for job, argv in calls] == [
        ("plan", ["backfill", "plan"]), ("build", ["backfill", "build"]),
        ("measure", ["backfill", "shard"]), ("merge", ["merge"]), ("merge", ["detect"]),
        ("merge", ["site"])]
    parser = build_parser()
    for job, argv in calls:
        args = parser.parse_args(argv)                         # SystemExit(2) on a bad option
        assert callable(args.func), (job, argv)
    merge = parser.parse_args(calls[3][1])
    assert [str(p) for p in merge.shards] == ["shards/shard-*"] and str(merge.out) == ".asv/results"
