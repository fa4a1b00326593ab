"""The PR gate on a real temporary git repository, plus its refusals.

History made here (a copy of the project): ``base``; ``docs`` (README only:
an A/A pair with base); ``slow`` (``ew_sigmoid`` computes the first 75% of
its input twice: ~1.75x the work, a step that load bursts on a shared
2-core machine cannot hide, where a 1.35x one sometimes went unflagged);
``broken`` (the crate does not compile).
Each gate run builds both commits and runs a small asv selection with
interleaved rounds, so the module takes a few minutes.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from test_asv_integration import git, project_history

ROOT = Path(__file__).resolve().parent.parent
BENCH = [r"^activations\.(Sigmoid|ReLU)\."]
SLOW_SIGMOID = """export_unary!(ew_relu => Relu, ew_tanh => Tanh, ew_exp => Exp, ew_log => Log);

#[no_mangle]
pub unsafe extern "C" fn ew_sigmoid(a: *const f32, out: *mut f32, n: usize) {
    // Deliberately slowed for the gate test: the first 75% is computed twice.
    unary::<Sigmoid>(a, out, n * 3 / 4);
    unary::<Sigmoid>(a, out, n);
}
"""


def gate_cmd(repo: Path, home: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, HOME=str(home), TMPDIR=str(home),  # kept asv logs land in pytest's tmp
               PIP_CACHE_DIR=os.environ.get("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip")),
               XDG_CACHE_HOME=os.environ.get("XDG_CACHE_HOME", str(Path.home() / ".cache")))
    return subprocess.run([sys.executable, "-m", "rustorch_wasm.regress", "gate", "--quiet", *args],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=1200)


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> tuple[Path, Path, dict[str, str]]:
    repo = tmp_path_factory.mktemp("gaterepo") / "project"
    project_history(repo)
    ew = repo / "rustorch_wasm" / "kernels" / "src" / "elementwise.rs"
    text = ew.read_text()
    slowed = text.replace(
        "export_unary!(ew_relu => Relu, ew_sigmoid => Sigmoid, ew_tanh => Tanh, ew_exp => Exp, "
        "ew_log => Log);", SLOW_SIGMOID)
    assert slowed != text, "the slow-down patch no longer applies to elementwise.rs"
    ew.write_text(slowed)
    git(repo, "commit", "-qam", "slow sigmoid")
    ew.write_text(slowed + "\nfn broken( {\n")
    git(repo, "commit", "-qam", "does not build")
    shas = git(repo, "rev-list", "--reverse", "HEAD").split()
    home = tmp_path_factory.mktemp("home")
    return repo, home, dict(zip(["base", "docs", "slow", "broken"], shas))


def test_aa_gate_passes(history, tmp_path):
    """base and docs (README only) build the same: the gate says so at once,
    nothing built; with --force it measures the A/A pair and finds nothing."""
    repo, home, sha = history
    proc = gate_cmd(repo, home, "--base", sha["base"], "--head", sha["docs"], "--bench", *BENCH,
                    "--json", str(tmp_path / "s.json"))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert proc.stdout.startswith("## ✅ Benchmark gate: same build, nothing to measure")
    assert json.loads((tmp_path / "s.json").read_text())["gate"]["same_build"] is True
    proc = gate_cmd(repo, home, "--base", sha["base"], "--head", sha["docs"], "--bench", *BENCH,
                    "--force", "--json", str(tmp_path / "g.json"),
                    "--markdown", str(tmp_path / "g.md"))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    doc = json.loads((tmp_path / "g.json").read_text())
    assert doc["schema"] == 2 and doc["gate"]["head"] == sha["docs"]
    changes = [f for f in doc["findings"] if f["kind"] in ("regression", "improvement")]
    assert changes == []
    assert doc["gate"]["compared"] == 8  # 2 classes x 2 sizes x (time + instructions)
    md = (tmp_path / "g.md").read_text()
    assert md.startswith("## ✅ Benchmark gate: no regression")
    assert "unchanged (" in md  # instruction counts identical on both sides


def test_slower_kernel_fails_the_gate_and_instructions_corroborate(history, tmp_path):
    repo, home, sha = history
    proc = gate_cmd(repo, home, "--base", sha["docs"], "--head", sha["slow"], "--bench", *BENCH,
                    "--json", str(tmp_path / "g.json"), "--markdown", str(tmp_path / "g.md"))
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    regs = [f for f in json.loads((tmp_path / "g.json").read_text())["findings"]
            if f["kind"] == "regression"]
    names = {f["benchmark"] for f in regs}
    assert "activations.Sigmoid.time_sigmoid" in names
    assert "activations.Sigmoid.track_sigmoid_instructions" in names
    assert not any("ReLU" in n for n in names)
    for f in regs:
        assert f["commit"] == sha["slow"] and f["previous_commit"] == sha["docs"]
        if f["benchmark"].endswith("_instructions"):
            assert 1.7 < f["ratio"] < 1.8 and f["p_value"] == 0.0
        else:
            assert f["ratio"] > 1.1 and f["p_value"] < 0.01
    md = (tmp_path / "g.md").read_text()
    assert md.startswith("## ❌ Benchmark gate:")
    row = next(line for line in md.splitlines() if "activations.Sigmoid.time_sigmoid" in line
               and "regression" in line)
    assert re.search(r"\+7\d\.\d% \(", row), row  # the companion instruction count went up ~75%
    assert "<details>" in md and "activations.ReLU.time_relu" in md.split("<details>")[1]


def test_recheck_measures_flagged_timings_again(history, monkeypatch):
    """The confirmation run: forced here for the slowed kernel, whose instruction
    count would otherwise vouch for it."""
    from _synthetic import PROJECT
    from rustorch_wasm.regress.cli import gate as gate_module

    repo, home, sha = history
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setattr("tempfile.tempdir", str(home))
    flagged = []

    real_suspects = gate_module.suspects_of

    def every_timing_regression(result, config):
        found = real_suspects(result, config)
        flagged.extend(s.key for s in found)
        return found

    monkeypatch.setattr(gate_module, "suspects_of", every_timing_regression)
    # and confirm() must re-measure them even though the instruction count backs them
    monkeypatch.setattr("rustorch_wasm.regress.analysis.confirm.instruction_backed", lambda c, cfg: False)
    result = gate_module.gate(repo, sha["docs"], sha["slow"], benches=[r"^activations\.Sigmoid\."],
                              progress=False)
    assert flagged and result.rechecked == [k.label for k in flagged]
    assert result.exit_code == 1
    confirmed = {f.key.label for f in result.report.regressions
                 if not PROJECT.profile.is_exact(f.key)}
    # size=10000 is ~1.7x slower; size=1000 less so (call overhead dilutes the
    # extra work), so the second run is only required to confirm size=10000
    assert "activations.Sigmoid.time_sigmoid(size=10000)" in confirmed
    assert confirmed | set(result.unconfirmed) == set(result.rechecked)
    assert not confirmed & set(result.unconfirmed)
    for f in result.report.regressions:
        if not PROJECT.profile.is_exact(f.key):
            assert f.evidence[-1].startswith("confirmed by re-measurement: x1.")
    verdicts = {c.suspect.key.label: c for c in result.confirmations}
    assert set(verdicts) == set(result.rechecked)
    assert verdicts["activations.Sigmoid.time_sigmoid(size=10000)"].rounds >= 4


def test_head_that_does_not_build_is_an_error(history):
    repo, home, sha = history
    proc = gate_cmd(repo, home, "--base", sha["slow"], "--head", sha["broken"], "--bench", *BENCH)
    assert proc.returncode == 2, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert re.search(rf"error: head commit {sha['broken'][:12]} does not build", proc.stderr), proc.stderr
    assert "unclosed delimiter" in proc.stderr or "error:" in proc.stderr


def two_commit_repo(repo: Path) -> Path:
    """A tiny repo: file ``f`` in commit ``one``, then an empty commit ``two``."""
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "f").write_text("1")
    git(repo, "add", "f")
    git(repo, "commit", "-qm", "one")
    git(repo, "commit", "-q", "--allow-empty", "-m", "two")
    return repo


@pytest.mark.parametrize("args, message", [
    (["--base=--upload-pack=touch /tmp/x", "--head", "HEAD"], "starts with '-'"),
    (["--base", "no-such-rev", "--head", "HEAD"], "unknown commit"),
    (["--base", "HEAD", "--head", "HEAD^{tree}"], "unknown commit"),
    (["--base", "HEAD~1", "--head", "HEAD", "--bench", "("], "bad regular expression"),
    (["--base", "HEAD", "--head", "HEAD"], "same commit"),
])
def test_bad_arguments_are_refused_before_benchmarking(tmp_path, args, message):
    repo = two_commit_repo(tmp_path / "r")
    proc = gate_cmd(repo, tmp_path, *args)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ") and message in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


def test_dirty_tree_is_refused_unless_allowed(tmp_path):
    repo = two_commit_repo(tmp_path / "r")
    (repo / "f").write_text("2")
    proc = gate_cmd(repo, tmp_path, "--base", "HEAD~1", "--head", "HEAD")
    assert proc.returncode == 2 and "uncommitted changes (f)" in proc.stderr, proc.stderr
    proc = gate_cmd(repo, tmp_path, "--base", "HEAD~1", "--head", "HEAD", "--allow-dirty")
    assert proc.returncode == 2 and "asv.conf.json" in proc.stderr  # got past the check


def test_without_asv_the_gate_says_so_in_one_line(tmp_path, monkeypatch):
    """The detector installs without asv; only the gate needs it, and says so."""
    from rustorch_wasm.regress.cli.asv_runner import AsvRunError, private_config

    monkeypatch.setitem(sys.modules, "asv", None)          # import asv fails
    with pytest.raises(AsvRunError, match="asv is not installed") as err:
        private_config(tmp_path, tmp_path / "work")
    assert "\n" not in str(err.value)
