"""``rustorch-regress backfill run`` over 3 builds of this repository, 2 local
shards, the tensor_ops and activations benchmarks in the wasmer environment:
each build is compiled once, the merged instruction counts equal number for
number those of one ``run`` over the same builds, and ``detect`` finds the
same change points in them (where the history was slowed on purpose).

The project is copied into a temporary repository (as test_asv_integration
does): base, a README-only commit (the same build), ew_relu doing its pass
twice, ew_add doing its pass twice. Both the backfill and the single run use
asv's ``--quick`` (one timing call each: the counts do not depend on it, and
the machine has two shared cores); the backfill runs its jobs one after
another (``--jobs 1``). This is the real pipeline: a few minutes.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from test_asv_integration import SLOW_RELU, copy_project, git
from rustorch_wasm.regress.cli.asv_runner import AsvRunError
from rustorch_wasm.regress.cli.prebuilt import NO_BUILD, seed_wheels, shard_config

ROOT = Path(__file__).resolve().parent.parent
MACHINE = "backfill-test"
BENCH = ("--bench", r"^tensor_ops\.", "--bench", r"^activations\.")
SLOW_ADD = """#[no_mangle]
pub unsafe extern "C" fn ew_add(a: *const f32, b: *const f32, out: *mut f32, n: usize) {
    // Deliberately slowed for the backfill test: two passes.
    binary::<Add>(a, b, out, n);
    binary::<Add>(a, b, out, n);
}
export_binary!(ew_sub => Sub,"""
BUILT = re.compile(r"Building ([0-9a-f]{8}) ")     # asv's line when it compiles a commit


def patch(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"the slow-down patch no longer applies to {path.name}"
    path.write_text(text.replace(old, new))


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> tuple[Path, list[str]]:
    repo = tmp_path_factory.mktemp("backfill") / "project"
    repo.mkdir()
    copy_project(repo)
    patch(repo / "asv.conf.json", re.search(r'"RUSTORCH_WASM_ENGINE": \[[^\]]*\]',
                                            (repo / "asv.conf.json").read_text()).group(0),
          '"RUSTORCH_WASM_ENGINE": ["wasmer"]')
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    (repo / "README.md").write_text((repo / "README.md").read_text() + "\nA harmless change.\n")
    git(repo, "commit", "-qam", "docs only")
    kernels = repo / "rustorch_wasm" / "kernels" / "src" / "elementwise.rs"
    patch(kernels, "export_unary!(ew_relu => Relu, ew_sigmoid => Sigmoid,", SLOW_RELU)
    git(repo, "commit", "-qam", "slow relu")
    patch(kernels, "export_binary!(ew_add => Add, ew_sub => Sub,", SLOW_ADD)
    git(repo, "commit", "-qam", "slow add")
    return repo, git(repo, "rev-list", "--reverse", "HEAD").split()


def regress(repo: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    proc = subprocess.run([sys.executable, "-m", "rustorch_wasm.regress", *args], cwd=repo,
                          env=env, capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


@pytest.fixture(scope="module")
def backfilled(project) -> Path:
    """The merged results of a 2-shard local backfill; its work dir beside them."""
    repo, _ = project
    merged = repo.parent / "merged"
    proc = regress(repo, "backfill", "run", "--range", "HEAD~4..HEAD", "--shards", "2",
                   "--jobs", "1", "--machine", MACHINE, *BENCH, "--results", str(merged),
                   "--work", str(repo.parent / "work"), "--asv-arg=--quick")
    assert "3 distinct build(s) (1 commit(s) skipped" in proc.stderr
    assert "8 benchmark(s) in 2 shard(s)" in proc.stderr
    return merged


@pytest.fixture(scope="module")
def single(project, backfilled) -> Path:
    """One ``run`` over the same builds (its own environments and builds)."""
    repo, _ = project
    regress(repo, "run", "--no-analysis", "--range", "HEAD~4..HEAD", "--machine", MACHINE,
            *BENCH, "--asv-arg=--quick")
    return repo / ".asv" / "results"


def counts(results: Path) -> dict[tuple[str, str, str], tuple[list, list]]:
    """(commit, env, benchmark) -> (values, params) of every track_*_instructions."""
    out = {}
    for path in results.glob(f"{MACHINE}/*-*.json"):
        data = json.loads(path.read_text())
        cols = data["result_columns"]
        for name, row in data["results"].items():
            method = name.rsplit(".", 1)[-1]
            if method.startswith("track_") and method.endswith("_instructions"):
                out[(data["commit_hash"], data["env_name"], name)] = (
                    row[cols.index("result")], row[cols.index("params")])
    return out


def test_each_build_is_compiled_once(project, backfilled):
    repo, shas = project
    builds = [shas[0], shas[2], shas[3]]                   # the README commit is base's build
    work = repo.parent / "work"
    wheels = sorted(work.glob("wheels/*/*/*.whl"))
    assert sorted(w.parent.name for w in wheels) == sorted(builds)
    assert len({w.parent.parent.name for w in wheels}) == 1    # one build env (engines share it)
    built = [m.group(1) for log in work.glob("logs/build-*.log")
             for m in BUILT.finditer(log.read_text())]
    assert sorted(built) == sorted(b[:8] for b in builds)      # each compiled, once
    shard_logs = sorted(work.glob("logs/shard-*.log"))
    assert len(shard_logs) == 2
    for log in shard_logs:
        text = log.read_text()
        assert not BUILT.search(text) and "shards never build" not in text, log
    # every shard measured every build (a shard that had to build would have failed)
    for shard in sorted(work.glob("shards/shard-*")):
        files = {p.name[:8] for p in shard.glob(f"{MACHINE}/*-*.json")}
        assert files == {b[:8] for b in builds}, shard


def test_merged_counts_equal_a_single_run(project, backfilled, single):
    _, shas = project
    merged, one = counts(backfilled), counts(single)
    assert len(one) == 3 * 4                                # 3 builds x 4 count benchmarks
    assert merged == one
    relu = [merged[(c, env, "activations.ReLU.track_relu_instructions")][0]
            for c in (shas[0], shas[2]) for env in {k[1] for k in merged}]
    assert all(after > 1.8 * before for before, after in zip(*relu))   # the slowed kernel


def count_changes(report: dict) -> set[tuple]:
    return {(f["benchmark"], json.dumps(f["params"]), f["env"], f["commit"], f["kind"])
            for f in report["findings"] if f["benchmark"].endswith("_instructions")} | {
        (s["benchmark"], json.dumps(s["params"]), s["env"], cp, "change point")
        for s in report["series"] if s["benchmark"].endswith("_instructions")
        for cp in s["change_points"]}


def test_detect_finds_the_same_count_changes(project, backfilled, single):
    repo, shas = project
    reports = []
    for results in (backfilled, single):
        out = repo.parent / f"detect-{results.name}.json"
        proc = subprocess.run([sys.executable, "-m", "rustorch_wasm.regress", "detect",
                               "--results", str(results), "--repo", str(repo), "--branch", "main",
                               "--json", str(out)], cwd=repo, capture_output=True, text=True,
                              timeout=600)
        assert proc.returncode in (0, 1), proc.stderr
        reports.append(json.loads(out.read_text()))
    merged, one = (count_changes(r) for r in reports)
    assert merged == one
    assert {(b, c) for b, _, _, c, _ in merged} == {
        ("activations.ReLU.track_relu_instructions", shas[2]),
        ("tensor_ops.Add.track_add_instructions", shas[3])}


def test_site_and_asv_publish_read_the_merged_results(project, backfilled, tmp_path):
    repo, _ = project
    site = tmp_path / "site"
    regress(repo, "site", "--results", str(backfilled), "--repo", str(repo), "--branch", "main",
            "--out", str(site))
    assert (site / "index.html").is_file() and (site / "asv" / "index.json").is_file()
    graphs = {p.name for p in (site / "asv" / "graphs").rglob("*.json")}
    assert "activations.ReLU.track_relu_instructions.json" in graphs


def test_a_shard_without_its_wheel_stops_before_asv(tmp_path):
    config = shard_config(ROOT, tmp_path / "cfg", results=tmp_path / "results",
                          env_dir=tmp_path / "env", builds=1, build=False)
    assert NO_BUILD in json.loads(config.read_text())["build_command"]
    with pytest.raises(AsvRunError, match="no single prebuilt wheel"):
        seed_wheels(config, ["0" * 40], tmp_path / "no-wheels")
    assert not (tmp_path / "env").exists() and not (tmp_path / "results").exists()
