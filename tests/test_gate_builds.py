"""The gate measures only what a pull request can change (issue 27), through a
stubbed asv runner: the same build key on both sides measures nothing; a
change to one environment's inputs measures that environment; an A/A pair
with a burst of load on one side ends with no change at all, for timing
series with samples and for single-value track series."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rustorch_wasm.regress.cli import gate as gate_module
from rustorch_wasm.regress.cli import gate_plan
from rustorch_wasm.regress.cli.main import main
from rustorch_wasm.regress.io.synth import Row, write_benchmarks_json, write_result_file
from test_asv_integration import commit_file as commit, git

WASMER, NODE = "venv-ENGINEwasmer", "venv-ENGINEnode"
PROFILE = {"profile": {
    "build_paths": ["src/", "js/"],
    "env_build_paths": [{"pattern": "ENGINEnode$", "paths": ["js/"]}]}}


@pytest.fixture()
def repo(tmp_path) -> tuple[Path, dict[str, str]]:
    repo = tmp_path / "project"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "regress.json").write_text(json.dumps(PROFILE))
    (repo / ".gitignore").write_text("regress.json\n")
    sha = {"base": commit(repo, "src/k.py", "1\n"),
           "docs": commit(repo, "docs/a.md", "words\n"),
           "js": commit(repo, "js/harness.mjs", "2\n"),
           "src": commit(repo, "src/k.py", "3\n")}
    return repo, sha


class Asv:
    """Stands in for asv: records what it was asked to run, writes results for
    the environments asked (``level``: per env, benchmark, commit -> samples)."""

    def __init__(self, level) -> None:
        self.level, self.calls = level, []

    def __call__(self, repo, commits, workdir, *, benches=(), extra=(), log=None,
                 echo_progress=False, envs=None):
        self.calls.append((list(commits), None if envs is None else sorted(envs), list(extra)))
        results = Path(workdir) / "results"
        write_benchmarks_json(results, {"m.C.time_x": ([], [], "seconds"),
                                        "m.C.track_rate": ([], [], "seconds")})
        rounds = next((int(e.split("=")[1]) for e in extra if str(e).startswith("rounds=")), 4)
        for env in envs or (WASMER, NODE):
            for c in commits:
                t, track = self.level(env, c, len(self.calls), rounds)
                write_result_file(results, "box", c, env, {
                    "m.C.time_x": Row([float(np.median(t))], [], [list(t)]),
                    "m.C.track_rate": Row([float(track)], [])})
        return results


def run_gate(repo: Path, base: str, head: str, monkeypatch, asv: Asv, *extra: str) -> int:
    monkeypatch.setattr(gate_plan, "environments", lambda r: {WASMER: {}, NODE: {}})
    monkeypatch.setattr(gate_module, "run_commits", asv)
    monkeypatch.setattr("rustorch_wasm.regress.cli.asv_runner.run_commits", asv)
    monkeypatch.chdir(repo)
    return main(["gate", "--quiet", "--base", base, "--head", head, "--json",
                 str(repo.parent / "gate.json"), *extra])


def quiet(env, commit, call, rounds):
    rng = np.random.default_rng(call)
    return 1e-3 * np.exp(rng.normal(0, 0.01, 6 * rounds)), 1.0


def test_the_same_build_measures_nothing_and_passes_at_once(repo, monkeypatch, capsys):
    path, sha = repo
    asv = Asv(quiet)
    assert run_gate(path, sha["base"], sha["docs"], monkeypatch, asv) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("## ✅ Benchmark gate: same build, nothing to measure")
    assert asv.calls == []                                    # no benchmark started
    doc = json.loads((path.parent / "gate.json").read_text())
    assert doc["gate"]["same_build"] is True and doc["gate"]["compared"] == 0
    # --force measures anyway, every environment
    assert run_gate(path, sha["base"], sha["docs"], monkeypatch, asv, "--force") == 0
    assert asv.calls[0][1] == sorted([WASMER, NODE])


def test_a_change_to_one_environments_inputs_measures_that_environment(repo, monkeypatch, capsys):
    path, sha = repo
    asv = Asv(quiet)
    assert run_gate(path, sha["docs"], sha["js"], monkeypatch, asv) == 0
    assert asv.calls[0][1] == [NODE]                          # js/ is node's alone
    doc = json.loads((path.parent / "gate.json").read_text())
    status = {e["env"]: e["status"] for e in doc["gate"]["environments"]}
    assert status[NODE] == "2 series compared"
    assert status[WASMER].startswith("same build as base: not measured")
    assert "same build as base" in capsys.readouterr().out
    asv.calls.clear()
    run_gate(path, sha["js"], sha["src"], monkeypatch, asv)    # src/: every environment
    assert asv.calls[0][1] == sorted([WASMER, NODE])


def test_aa_with_a_burst_of_load_on_one_side_reports_no_change(repo, monkeypatch):
    """The first measurement catches the base side under load (x1.4 on every
    sample of the timing, and on the one track value); re-measured, the two
    sides are the same: no regression, no improvement, nothing listed as a
    change; the track series, one value per run, gets one value per round."""
    path, sha = repo

    def burst(env, commit, call, rounds):
        rng = np.random.default_rng(call * 7 + (commit == sha["src"]))
        slow = 1.4 if call == 1 and commit == sha["js"] else 1.0
        return (1e-3 * slow * np.exp(rng.normal(0, 0.01, 6 * rounds)),
                slow * float(np.exp(rng.normal(0, 0.01))))

    asv = Asv(burst)
    code = run_gate(path, sha["js"], sha["src"], monkeypatch, asv)
    doc = json.loads((path.parent / "gate.json").read_text())
    assert code == 0
    kinds = [f["kind"] for f in doc["findings"]]
    assert "regression" not in kinds and "improvement" not in kinds
    assert doc["gate"]["confirmations"] and all(c["verdict"] != "confirmed"
                                                for c in doc["gate"]["confirmations"])
    track = [c for c in doc["gate"]["confirmations"] if c["benchmark"] == "m.C.track_rate"]
    assert track and all(c["samples"][0] >= 4 for c in track)  # a value per round
    # without the re-measurement the burst would read as improvements
    asv2 = Asv(burst)
    run_gate(path, sha["js"], sha["src"], monkeypatch, asv2, "--no-recheck")
    first = json.loads((path.parent / "gate.json").read_text())
    assert "improvement" in [f["kind"] for f in first["findings"]]
