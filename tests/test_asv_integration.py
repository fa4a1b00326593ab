"""asv over a real three-commit history: builds per commit, records samples,
and the instruction-count companion pins the commit that slowed a kernel.

The project is copied into a temporary git repository; commit 2 changes only
the README, commit 3 makes `ew_relu` do its pass twice. asv (virtualenv
environment, per-commit wheel builds) runs a small `-b` selection over the
three commits. This takes a couple of minutes: it is the real pipeline.
"""
from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from asv.results import Results

ROOT = Path(__file__).resolve().parent.parent
SLOW_RELU = """#[no_mangle]
pub unsafe extern "C" fn ew_relu(a: *const f32, out: *mut f32, n: usize) {
    // Deliberately slowed for the asv integration test: two passes.
    unary::<Relu>(a, out, n);
    unary::<Relu>(a, out, n);
}
export_unary!(ew_sigmoid => Sigmoid,"""


def git(repo: Path, *args: str) -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t.invalid",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@t.invalid")
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True,
                          capture_output=True, text=True).stdout.strip()


def commit_file(repo: Path, path: str, text: str) -> str:
    """Write ``path`` in ``repo`` and commit it; the new commit's sha."""
    (repo / path).parent.mkdir(parents=True, exist_ok=True)
    (repo / path).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", f"touch {path}")
    return git(repo, "rev-parse", "HEAD")


def copy_project(dst: Path) -> None:
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True,
                           capture_output=True).stdout.decode().split("\0")
    for rel in filter(None, files):
        src = ROOT / rel
        if src.is_file():
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst / rel)


def keep_two_engines(repo: Path) -> None:
    """Cut the copy's engine matrix to wasmer and node: two values are what the
    matrix tests need, and the browser engines' npm drivers (js/node_modules) are
    not part of a copy of the tracked files; each value costs an asv environment."""
    conf = repo / "asv.conf.json"
    text = conf.read_text(encoding="utf-8")
    cut = re.sub(r'"RUSTORCH_WASM_ENGINE": \[[^\]]*\]', '"RUSTORCH_WASM_ENGINE": ["wasmer", "node"]', text)
    assert cut != text or '["wasmer", "node"]' in text, "asv.conf.json has no RUSTORCH_WASM_ENGINE list"
    conf.write_text(cut, encoding="utf-8")


def project_history(repo: Path) -> None:
    """A git repo at ``repo`` holding this project: commit ``base``, then a
    README-only commit ``docs only`` (an A/A pair with base)."""
    repo.mkdir(parents=True)
    copy_project(repo)
    keep_two_engines(repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    (repo / "README.md").write_text((repo / "README.md").read_text() + "\nA harmless change.\n")
    git(repo, "commit", "-qam", "docs only")


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> tuple[Path, list[str]]:
    repo = tmp_path_factory.mktemp("asvrepo") / "project"
    project_history(repo)
    ew = repo / "rustorch_wasm" / "kernels" / "src" / "elementwise.rs"
    text = ew.read_text()
    slowed = re.sub(r"export_unary!\(ew_relu => Relu, ew_sigmoid => Sigmoid,", SLOW_RELU, text)
    assert slowed != text, "the slow-down patch no longer applies to elementwise.rs"
    ew.write_text(slowed)
    git(repo, "commit", "-qam", "slow relu")
    shas = git(repo, "rev-list", "--reverse", "HEAD").split()
    return repo, shas


@pytest.fixture(scope="module")
def results(history, tmp_path_factory) -> Path:
    repo, shas = history
    home = tmp_path_factory.mktemp("home")
    env = dict(os.environ, HOME=str(home),
               PIP_CACHE_DIR=os.environ.get("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip")),
               XDG_CACHE_HOME=os.environ.get("XDG_CACHE_HOME", str(Path.home() / ".cache")),
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    asv = [sys.executable, "-m", "asv"]
    subprocess.run([*asv, "machine", "--yes", "--machine", "testbox"], cwd=repo, env=env,
                   check=True, capture_output=True)
    hashfile = repo.parent / "hashes.txt"
    hashfile.write_text("\n".join(shas) + "\n")
    proc = subprocess.run(
        [*asv, "run", f"HASHFILE:{hashfile}", "--machine", "testbox", "--record-samples",
         "-b", r"^tensor_ops\.Add\.", "-b", r"^activations\.ReLU\.", "-b", r"^engines\.",
         "-a", "repeat=3"],
        cwd=repo, env=env, capture_output=True, text=True, timeout=1500,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return repo / ".asv" / "results" / "testbox"


def load(results: Path, sha: str, engine: str = "wasmer") -> Results:
    """The result file of one commit in one engine's environment."""
    (path,) = results.glob(f"{sha[:8]}-*RUSTORCH_WASM_ENGINE{engine}.json")
    return Results.load(str(path))


def values(res: Results, key: str) -> list:
    return res.get_result_value(key, res.get_result_params(key))


def test_every_commit_has_results_with_samples(history, results):
    _, shas = history
    for sha in shas:
        res = load(results, sha)
        for key in ("tensor_ops.Add.time_add", "activations.ReLU.time_relu"):
            samples = res.get_result_samples(key, res.get_result_params(key))
            assert samples and all(s and len(s) >= 2 for s in samples), (sha[:8], key)
            assert all(v is not None and v > 0 for v in values(res, key))
    assert json.loads((results.parent / "benchmarks.json").read_text())[
        "activations.ReLU.track_relu_instructions"]["unit"] == "instructions"


def test_engines_are_kept_apart(history, results):
    # The engine is a matrix dimension: one result file per engine and commit;
    # in node the in-process suite is skipped and the engine suite measured.
    _, shas = history
    for sha in shas:
        node = load(results, sha, "node")
        key = "engines.EngineKernels.track_seconds"
        seconds = dict(zip(node.get_result_params(key)[0], values(node, key)))
        assert seconds["'add_100'"] is not None and seconds["'add_100'"] > 0
        # asv records a skipped benchmark as NaN
        assert all(v is None or math.isnan(v) for v in values(node, "tensor_ops.Add.time_add"))
        wasmer = load(results, sha)
        assert all(v is not None for v in values(wasmer, "tensor_ops.Add.time_add"))


def test_instruction_counts_pin_the_slowed_kernel(history, results):
    _, (base, docs, slow) = history
    add = [values(load(results, sha), "tensor_ops.Add.track_add_instructions") for sha in (base, docs, slow)]
    assert add[0] == add[1] == add[2], "an unchanged kernel must count the same instructions"
    relu = [values(load(results, sha), "activations.ReLU.track_relu_instructions") for sha in (base, docs, slow)]
    assert relu[0] == relu[1]
    for before, after in zip(relu[1], relu[2]):
        assert after > 1.8 * before, (before, after)

