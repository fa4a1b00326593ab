"""``rustorch-regress merge``: a synthetic asv results directory split into
shards by benchmark merges back to exactly the original (per file, per entry,
per column), reads the same in ``detect``, and overlapping shards are an
error naming both."""
from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from _synthetic import PROJECT
from rustorch_wasm.regress.cli.merge_command import exact_test
from rustorch_wasm.regress.io.merge import MergeError, merge_dirs
from rustorch_wasm.regress.io.repository import make_history

COLUMNS = ["result", "params", "version", "started_at", "duration", "stats_ci_99_a",
           "stats_ci_99_b", "stats_q_25", "stats_q_75", "stats_number", "stats_repeat",
           "samples", "profile"]
ENVS = ("virtualenv-py3.10-RUSTORCH_WASM_ENGINEwasmer", "virtualenv-py3.10-RUSTORCH_WASM_ENGINEnode")
#: benchmark -> (module, param values or [], unit)
BENCHES = {
    "mod_a.A.time_x": (["100", "1000"], "seconds"),
    "mod_a.A.track_x_instructions": (["100", "1000"], "instructions"),
    "mod_b.B.time_y": ([], "seconds"),
    "mod_b.B.track_y_instructions": ([], "instructions"),
    "mod_c.C.time_z": (["1", "2", "3"], "seconds"),
}
N, STEP = 14, 7
IS_EXACT = exact_test(PROJECT.profile)


def row(name: str, i: int, env: str, rng: np.random.Generator) -> list:
    params, _ = BENCHES[name]
    k = max(1, len(params))
    slow = 1.5 if i >= STEP and name.startswith("mod_a") else 1.0
    if "instructions" in name:
        values = [float(1000 * (j + 1) * slow) for j in range(k)]
        samples = None
    else:
        samples = [list(1e-4 * slow * np.exp(rng.normal(0, 0.02, 6))) for _ in range(k)]
        values = [float(np.median(s)) for s in samples]
    if name == "mod_c.C.time_z" and env == ENVS[1]:
        values[1], samples[1] = math.nan, None          # a skipped combination
    cells = {"result": values, "params": [params] if params else [], "version": "ab" * 32,
             "started_at": 1700000000000 + i, "duration": 0.25 + 0.01 * i,
             "stats_ci_99_a": [v * 0.9 for v in values], "stats_ci_99_b": [v * 1.1 for v in values],
             "stats_q_25": values, "stats_q_75": values, "stats_number": [1] * k,
             "stats_repeat": [6] * k, "samples": samples, "profile": None}
    out = [cells[c] for c in COLUMNS]
    while out and out[-1] is None:
        out.pop()
    return out


@pytest.fixture(scope="module")
def original(tmp_path_factory) -> tuple[Path, Path, list[str]]:
    root = tmp_path_factory.mktemp("merge")
    shas = make_history(root / "repo", N)
    results = root / "results"
    (results / "box").mkdir(parents=True)
    (results / "benchmarks.json").write_text(json.dumps({**{
        name: {"name": name, "params": [p] if p else [], "param_names": ["n"] if p else [],
               "unit": unit, "type": "time" if ".time_" in name else "track", "version": "ab" * 32}
        for name, (p, unit) in BENCHES.items()}, "version": 2}))
    (results / "box" / "machine.json").write_text(json.dumps({"machine": "box", "version": 1}))
    rng = np.random.default_rng(3)
    for i, sha in enumerate(shas):
        for env in ENVS:
            data = {"commit_hash": sha, "env_name": env, "date": 1700000000000 + 60000 * i,
                    "params": {"machine": "box", "cpu": "x", "python": "3.10"}, "python": "3.10",
                    "requirements": {}, "env_vars": {"RUSTORCH_WASM_ENGINE": env[-6:]},
                    "result_columns": COLUMNS,
                    "results": {name: row(name, i, env, rng) for name in BENCHES},
                    "durations": {"<setup_cache mod_a:60>": 0.5 + i, "<setup_cache mod_c:60>": 0.25,
                                  "<build>": 3.0}, "version": 2}
            (results / "box" / f"{sha[:8]}-{env}.json").write_text(json.dumps(data))
    return root / "repo", results, shas


def split(results: Path, out: Path, shard_of: dict[str, int], shards: int,
          reorder: int | None = None) -> list[Path]:
    """``results`` cut into ``shards`` dirs by benchmark (``shard_of`` maps the
    module); each setup_cache duration goes with its module, the rest to shard 0.
    Shard ``reorder`` writes its result_columns in reverse order."""
    dirs = [out / f"shard-{k}" for k in range(shards)]
    for d in dirs:
        (d / "box").mkdir(parents=True)
        for rel in ("benchmarks.json", "box/machine.json"):
            (d / rel).write_bytes((results / rel).read_bytes())
    for path in sorted((results / "box").glob("*-*.json")):
        data = json.loads(path.read_text())
        for k, d in enumerate(dirs):
            part = dict(data)
            part["results"] = {n: r for n, r in data["results"].items()
                               if shard_of[n.split(".")[0]] == k}
            part["durations"] = {s: v for s, v in data["durations"].items()
                                 if shard_of.get(s.strip("<>").split()[-1].split(":")[0], 0) == k}
            if k == reorder:
                cols = COLUMNS[::-1]
                part["result_columns"] = cols
                part["results"] = {n: [dict(zip(COLUMNS, r)).get(c) for c in cols]
                                   for n, r in part["results"].items()}
            if part["results"]:
                (d / "box" / path.name).write_text(json.dumps(part))
    return dirs


def columns_of(data: dict) -> dict[str, dict[str, object]]:
    """entry -> column -> cell (absent trailing cells as None)."""
    cols = data["result_columns"]
    return {name: {c: (r[i] if i < len(r) else None) for i, c in enumerate(cols)}
            | {c: None for c in cols[len(r):]} for name, r in data["results"].items()}


def same_cell(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_cell(x, y) for x, y in zip(a, b))
    return a == b and type(a) is type(b)


def assert_same_dirs(a: Path, b: Path) -> None:
    files_a = sorted(str(p.relative_to(a)) for p in a.rglob("*") if p.is_file())
    files_b = sorted(str(p.relative_to(b)) for p in b.rglob("*") if p.is_file())
    assert files_a == files_b                                            # per file
    for rel in files_a:
        da, db = json.loads((a / rel).read_text()), json.loads((b / rel).read_text())
        if "results" not in da:
            assert da == db, rel
            continue
        head = lambda d: {k: v for k, v in d.items() if k not in ("results", "result_columns")}
        assert head(da) == head(db), rel                                 # header, durations
        ca, cb = columns_of(da), columns_of(db)
        assert sorted(ca) == sorted(cb), rel                             # per entry
        for name in ca:
            for col in COLUMNS:                                          # per column
                assert same_cell(ca[name].get(col), cb[name].get(col)), (rel, name, col)


def test_split_by_benchmark_merges_back_to_the_original(original, tmp_path):
    repo, results, _ = original
    shards = split(results, tmp_path, {"mod_a": 0, "mod_b": 1, "mod_c": 2}, 3, reorder=2)
    out = tmp_path / "merged"
    summary = merge_dirs(shards, out, is_exact=IS_EXACT)
    assert summary.merged_files == 2 * N and summary.shared_counts == 0
    assert_same_dirs(results, out)
    # the check sees a difference: one cell changed in the merged copy fails it
    victim = sorted((out / "box").glob("*-*.json"))[3]
    data = json.loads(victim.read_text())
    data["results"]["mod_b.B.time_y"][4] += 1.0                          # its duration
    victim.write_text(json.dumps(data))
    with pytest.raises(AssertionError):
        assert_same_dirs(results, out)


def detect_json(results: Path, repo: Path, out: Path) -> dict:
    """``detect`` with this project's profile (regress.json: the exact counts)."""
    proc = subprocess.run([sys.executable, "-m", "rustorch_wasm.regress", "detect", "--results",
                           str(results), "--repo", str(repo), "--branch", "main",
                           "--json", str(out)], capture_output=True, text=True, timeout=300,
                          cwd=Path(__file__).resolve().parent.parent)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(out.read_text())


def test_detect_reads_the_merged_directory_as_the_original(original, tmp_path):
    repo, results, shas = original
    shards = split(results, tmp_path, {"mod_a": 1, "mod_b": 0, "mod_c": 1}, 2)
    proc = subprocess.run([sys.executable, "-m", "rustorch_wasm.regress", "merge",
                           *map(str, shards), "--out", str(tmp_path / "merged")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert f"{2 * N} result file(s) combined entry by entry" in proc.stdout
    before = detect_json(results, repo, tmp_path / "before.json")
    after = detect_json(tmp_path / "merged", repo, tmp_path / "after.json")
    assert after["findings"] == before["findings"] and after["series"] == before["series"]
    counted = {(f["env"], f["params"]["n"], f["commit"]) for f in after["findings"]
               if f["benchmark"] == "mod_a.A.track_x_instructions"}
    assert counted == {(env, n, shas[STEP]) for env in ENVS for n in ("100", "1000")}


def test_overlapping_shards_are_an_error_naming_both(original, tmp_path):
    _, results, _ = original
    a, b = split(results, tmp_path, {"mod_a": 0, "mod_b": 1, "mod_c": 1}, 2)
    # shard b also measured mod_a's timing in one file
    name = sorted(p.name for p in (a / "box").glob("*-*.json"))[5]
    part = json.loads((b / "box" / name).read_text())
    part["results"]["mod_a.A.time_x"] = json.loads((a / "box" / name).read_text())[
        "results"]["mod_a.A.time_x"]
    (b / "box" / name).write_text(json.dumps(part))
    with pytest.raises(MergeError) as err:
        merge_dirs([a, b], tmp_path / "out", is_exact=IS_EXACT)
    assert str(a) in str(err.value) and str(b) in str(err.value)
    assert "mod_a.A.time_x" in str(err.value)
    assert not (tmp_path / "out").exists()                               # nothing half-written
    proc = subprocess.run([sys.executable, "-m", "rustorch_wasm.regress", "merge", str(a), str(b),
                           "--out", str(tmp_path / "out")], capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.startswith("error: ")
    assert str(a) in proc.stderr and str(b) in proc.stderr and "Traceback" not in proc.stderr


def overlap_count(tmp_path: Path, results: Path, change: float) -> tuple[Path, Path]:
    a, b = split(results, tmp_path, {"mod_a": 0, "mod_b": 1, "mod_c": 1}, 2)
    name = sorted(p.name for p in (a / "box").glob("*-*.json"))[2]
    counted = json.loads((a / "box" / name).read_text())["results"]["mod_a.A.track_x_instructions"]
    again = list(counted)
    again[0] = [v * change for v in again[0]]
    again[3] += 12345                                                    # another started_at
    part = json.loads((b / "box" / name).read_text())
    part["results"]["mod_a.A.track_x_instructions"] = again
    (b / "box" / name).write_text(json.dumps(part))
    return a, b


def test_equal_exact_counts_in_two_shards_are_kept_once(original, tmp_path):
    _, results, _ = original
    a, b = overlap_count(tmp_path, results, 1.0)
    summary = merge_dirs([a, b], tmp_path / "out", is_exact=IS_EXACT)
    assert summary.shared_counts == 1
    assert_same_dirs(results, tmp_path / "out")                          # the first row kept
    with pytest.raises(MergeError, match="is in both"):                  # not a count: refused
        merge_dirs([a, b], tmp_path / "out2", is_exact=lambda name: False)


def test_unequal_exact_counts_are_an_error_naming_both(original, tmp_path):
    _, results, _ = original
    a, b = overlap_count(tmp_path, results, 2.0)
    with pytest.raises(MergeError) as err:
        merge_dirs([a, b], tmp_path / "out", is_exact=IS_EXACT)
    assert str(a) in str(err.value) and str(b) in str(err.value)


def test_other_result_columns_are_refused(original, tmp_path):
    _, results, _ = original
    a, b = split(results, tmp_path, {"mod_a": 0, "mod_b": 1, "mod_c": 1}, 2)
    path = sorted((b / "box").glob("*-*.json"))[0]
    data = json.loads(path.read_text())
    data["result_columns"] = COLUMNS[:-1] + ["flamegraph"]
    path.write_text(json.dumps(data))
    with pytest.raises(MergeError, match="different result_columns"):
        merge_dirs([a, b], tmp_path / "out", is_exact=IS_EXACT)


def test_merging_into_an_existing_directory_keeps_what_is_there(original, tmp_path):
    _, results, shas = original
    a, b = split(results, tmp_path, {"mod_a": 0, "mod_b": 1, "mod_c": 1}, 2)
    out = tmp_path / "out"
    merge_dirs([a], out, is_exact=IS_EXACT)
    summary = merge_dirs([b], out, is_exact=IS_EXACT)                    # out is an input
    assert summary.inputs == 2
    assert_same_dirs(results, out)


def test_earlier_benchmark_descriptions_give_way_but_shards_must_agree(original, tmp_path):
    _, results, _ = original
    a, b = split(results, tmp_path, {"mod_a": 0, "mod_b": 1, "mod_c": 1}, 2)
    out = tmp_path / "out"
    out.mkdir()
    old = json.loads((results / "benchmarks.json").read_text())
    old["mod_a.A.time_x"]["version"] = "old" * 8                   # the suite has changed since
    old["mod_gone.G.time_g"] = {"name": "mod_gone.G.time_g", "params": [], "version": "1"}
    (out / "benchmarks.json").write_text(json.dumps(old))
    merge_dirs([a, b], out, is_exact=IS_EXACT)
    merged = json.loads((out / "benchmarks.json").read_text())
    assert merged["mod_a.A.time_x"]["version"] == "ab" * 32        # the shards' discovery
    assert "mod_gone.G.time_g" in merged                            # still describes old rows
    changed = json.loads((b / "benchmarks.json").read_text())
    changed["mod_b.B.time_y"]["version"] = "cd" * 32
    (b / "benchmarks.json").write_text(json.dumps(changed))
    with pytest.raises(MergeError, match="mod_b.B.time_y") as err:
        merge_dirs([a, b], tmp_path / "out2", is_exact=IS_EXACT)
    assert str(a) in str(err.value) and str(b) in str(err.value)
