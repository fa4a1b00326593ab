"""``rustorch-regress backfill plan`` over 1,000 synthetic builds and 8 shards:
every benchmark in exactly one shard, the shards within 20 % of each other
in expected time (the benchmarks' true costs, not the plan's own figures),
measured builds left out, and balanced by count when nothing was measured."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rustorch_wasm.regress.io.repository import make_history
from rustorch_wasm.regress.io.shards import BackfillPlan, balance, batches_of

SHARDS, BUILDS, MEASURED = 8, 1000, 20
ENVS = ("virtualenv-py3.10-ENGINEwasmer", "virtualenv-py3.10-ENGINEnode")
COLUMNS = ["result", "params", "version", "started_at", "duration"]


def spread(times: list[float]) -> float:
    return max(times) / min(times)


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> tuple[Path, list[str], dict[str, float]]:
    """A repository of MEASURED + BUILDS commits (each its own build), and a
    results dir with benchmarks.json and the first MEASURED commits measured:
    each benchmark's rows take its true cost (split over two environments)
    with 5 % noise. Returns the repository, the shas and the true costs."""
    root = tmp_path_factory.mktemp("plan")
    shas = make_history(root / "repo", MEASURED + BUILDS)
    rng = np.random.default_rng(11)
    names = [f"suite_{m}.Case{k}.{kind}_{k}" for m in range(12) for k in range(10)
             for kind in ("time",)]
    true = {n: float(c) for n, c in zip(names, rng.lognormal(0.0, 0.6, len(names)))}
    results = root / "results"
    (results / "ci").mkdir(parents=True)
    (results / "benchmarks.json").write_text(json.dumps(
        {**{n: {"name": n, "params": [], "unit": "seconds", "type": "time"} for n in names},
         "version": 2}))
    for sha in shas[:MEASURED]:
        for env, share in zip(ENVS, (0.6, 0.4)):
            rows = {n: [[1e-3], [], "v", 0, true[n] * share * (1 + 0.05 * rng.standard_normal())]
                    for n in names}
            (results / "ci" / f"{sha[:8]}-{env}.json").write_text(json.dumps(
                {"commit_hash": sha, "env_name": env, "result_columns": COLUMNS,
                 "results": rows, "durations": {}, "version": 2}))
    return root, shas, true


def plan(root: Path, results: Path, *args: str) -> tuple[BackfillPlan, dict]:
    out = root / "plan.json"
    proc = subprocess.run([sys.executable, "-m", "rustorch_wasm.regress", "backfill", "plan",
                           "--project", str(root / "repo"), "--results", str(results),
                           "--machine", "ci", "--out", str(out), *args],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return BackfillPlan.load(out), json.loads(out.read_text())


def test_a_thousand_builds_in_eight_shards_within_twenty_percent(history):
    root, shas, true = history
    made, doc = plan(root, root / "results", "--range", f"{shas[MEASURED - 11]}..{shas[-1]}",
                     "--shards", str(SHARDS))
    # the range holds 10 measured commits: they are not built again
    assert list(made.builds) == shas[MEASURED:] and len(made.builds) == BUILDS
    assert sorted(c for b in made.batches for c in b) == sorted(made.builds)
    assert len(made.batches) == 40                        # one build job per 25 builds
    assert made.balanced_by == "durations" and len(made.shards) == SHARDS
    # every benchmark in exactly one shard, every shard one fixed machine name
    placed = [n for s in made.shards for n in s.benchmarks]
    assert sorted(placed) == sorted(true) and len(placed) == len(set(placed))
    assert {s.machine for s in made.shards} == {"ci"}
    # expected time from the true costs, over all builds
    expected = [sum(true[n] for n in s.benchmarks) * BUILDS for s in made.shards]
    assert spread(expected) <= 1.2, expected
    # what the plan says agrees with the truth (5 % noise on 20 commits)
    for s, want in zip(doc["shards"], expected):
        assert s["expected_seconds"] == pytest.approx(want, rel=0.05)
    # the check can fail: the same benchmarks dealt out in name order are not balanced
    naive = [sorted(true)[i::SHARDS] for i in range(SHARDS)]
    assert spread([sum(true[n] for n in part) for part in naive]) > 1.2
    assert doc["matrix"] == {"build": {"batch": list(range(40))},
                             "measure": {"shard": list(range(SHARDS))}}


def test_shard_patterns_select_exactly_their_benchmarks(history):
    root, shas, true = history
    made, _ = plan(root, root / "results", "--range", f"{shas[-30]}..{shas[-1]}",
                   "--shards", "3", "--bench", "^suite_1[01]\\.")
    chosen = sorted(n for n in true if re.search(r"^suite_1[01]\.", n))
    assert sorted(n for s in made.shards for n in s.benchmarks) == chosen
    for s in made.shards:
        mine = {n for n in true if any(re.search(p, n) or re.search(p, f"{n}(1, 2)")
                                       for p in s.bench_regexes)}
        assert mine == set(s.benchmarks)


def test_without_earlier_results_shards_are_balanced_by_count(history, tmp_path):
    root, shas, true = history
    bare = tmp_path / "results"
    bare.mkdir()
    (bare / "benchmarks.json").write_bytes((root / "results" / "benchmarks.json").read_bytes())
    made, _ = plan(root, bare, "--range", f"{shas[MEASURED - 1]}..{shas[-1]}",
                   "--shards", str(SHARDS), "--build-jobs", "7")
    assert made.balanced_by == "count" and len(made.builds) == BUILDS
    sizes = [len(s.benchmarks) for s in made.shards]
    assert max(sizes) - min(sizes) <= 1 and sum(sizes) == len(true)
    assert [len(b) for b in made.batches] == [143] * 6 + [142]


def test_balance_and_batches_keep_every_item_once():
    costs = {f"b{i}": float(i % 7 + 1) for i in range(50)}
    parts = balance(costs, 6)
    assert sorted(n for p in parts for n in p) == sorted(costs)
    loads = [sum(costs[n] for n in p) for p in parts]
    assert max(loads) - min(loads) <= max(costs.values())
    assert batches_of(list("abcde"), 9) == [("a",), ("b",), ("c",), ("d",), ("e",)]
    assert batches_of(list("abcdefg"), 3) == [tuple("abc"), tuple("de"), tuple("fg")]
