"""Triage (issue #24, item 4): ``rustorch-regress triage ack|invalid|reopen ID``
records a decision in the project's ``regress-triage.json``; an acknowledged
or invalid regression is shown as such and fails neither ``detect`` nor the
gate; a finding's id is the same in every run."""
from __future__ import annotations

import json
import math
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from rustorch_wasm.regress.cli import main
from rustorch_wasm.regress.io.synth import Row, make_history, write_benchmarks_json, write_result_file
from rustorch_wasm.regress.io.triage import TRIAGE_NAME, Decision, load_triage
from rustorch_wasm.regress.model.findings import Finding, Report, finding_id
from rustorch_wasm.regress.model.series import SeriesKey

N, STEP, MORE = 40, 30, 8


def write_results(results: Path, shas: list[str], start: int = 0) -> None:
    """time_a(size=100) +40 % and its instruction count +30 % from commit STEP on."""
    write_benchmarks_json(results, {
        "mod.C.time_a": (["size"], [["10", "100"]], "seconds"),
        "mod.C.track_a_instructions": (["size"], [["10", "100"]], "unit")})
    for i, sha in enumerate(shas):
        if i < start:
            continue
        rng = np.random.default_rng(1000 + i)       # one commit's numbers never change
        level = 1e-3 * math.exp(rng.normal(0, 0.02))
        slow = 1.4 if i >= STEP else 1.0
        samples = [list(level * np.exp(rng.normal(0, 0.02, 8))),
                   list(level * 3 * slow * np.exp(rng.normal(0, 0.02, 8)))]
        write_result_file(results, "box", sha, "venv-py3.10", {
            "mod.C.time_a": Row([float(np.median(s)) for s in samples], [["10", "100"]], samples),
            "mod.C.track_a_instructions": Row([1000.0, 50000.0 * (1.3 if i >= STEP else 1.0)],
                                              [["10", "100"]])})


@pytest.fixture()
def project(tmp_path, monkeypatch) -> tuple[Path, Path, list[str]]:
    repo = tmp_path / "repo"
    shas = make_history(repo, N)
    results = tmp_path / "results"
    write_results(results, shas)
    monkeypatch.chdir(repo)              # the triage command's default file: the repo's root
    return repo, results, shas


def detect(repo: Path, results: Path, tmp_path: Path, capsys, name: str = "r") -> tuple[int, str, dict]:
    out = tmp_path / f"{name}.json"
    md = tmp_path / f"{name}.md"
    code = main(["detect", "--results", str(results), "--repo", str(repo), "--json", str(out),
                 "--markdown", str(md)])
    text = capsys.readouterr().out
    doc = json.loads(out.read_text())
    doc["markdown"] = md.read_text()
    return code, text, doc


def triage(args: list[str], capsys) -> tuple[int, str, str]:
    code = main(["triage", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_the_id_names_benchmark_params_machine_env_and_commit():
    key = SeriesKey("box", "venv-py3.10", "mod.C.time_a", (("size", "100"),))
    ident = finding_id(key, "c" * 40)
    assert len(ident) == 12 and int(ident, 16) >= 0
    assert finding_id(key, "c" * 40) == ident                      # pure
    others = [SeriesKey("box2", "venv-py3.10", "mod.C.time_a", (("size", "100"),)),
              SeriesKey("box", "venv-py3.11", "mod.C.time_a", (("size", "100"),)),
              SeriesKey("box", "venv-py3.10", "mod.C.time_b", (("size", "100"),)),
              SeriesKey("box", "venv-py3.10", "mod.C.time_a", (("size", "10"),))]
    assert len({finding_id(k, "c" * 40) for k in others} | {ident, finding_id(key, "d" * 40)}) == 6
    f = Finding("regression", key, "c" * 40, "b" * 40, 1.0, 1.4, 1.4, (1.3, 1.5), 1e-4, "seconds")
    g = Finding("improvement", key, "c" * 40, "a" * 40, 2.0, 1.0, 0.5, (0.4, 0.6), 1e-9, "seconds")
    assert f.id == g.id == ident                 # not the kind or the statistics
    assert f.to_json()["id"] == ident and f.to_json()["triage"] is None


def test_ack_makes_detect_pass_and_shows_the_finding_as_acknowledged(project, tmp_path, capsys):
    repo, results, shas = project
    code, text, doc = detect(repo, results, tmp_path, capsys)
    assert code == 1
    regs = [f for f in doc["findings"] if f["kind"] == "regression"]
    assert {f["benchmark"] for f in regs} == {"mod.C.time_a", "mod.C.track_a_instructions"}
    for f in regs:
        key = SeriesKey(f["machine"], f["env"], f["benchmark"], tuple(sorted(f["params"].items())))
        assert f["id"] == finding_id(key, f["commit"]) and f["commit"] == shas[STEP]
        assert any(line.strip().startswith(f"{f['id']} regression") for line in text.splitlines())
    report = tmp_path / "r.json"
    for i, f in enumerate(regs):
        verb = "ack" if i == 0 else "invalid"
        code, out, err = triage([verb, f["id"], "--note", f"expected | <b>{i}</b>",
                                 "--report", str(report)], capsys)
        assert code == 0 and err == "" and f["id"] in out and TRIAGE_NAME in out
    saved = json.loads((repo / TRIAGE_NAME).read_text())
    assert saved["schema"] == 1 and set(saved["decisions"]) == {f["id"] for f in regs}
    first = saved["decisions"][regs[0]["id"]]
    assert first["status"] == "acknowledged" and first["note"] == "expected | <b>0</b>"
    assert first["finding"] == {k: regs[0][k] for k in ("kind", "benchmark", "params", "machine",
                                                        "env", "commit")}
    assert first["date"].endswith("Z")
    assert saved["decisions"][regs[1]["id"]]["status"] == "invalid"

    code, text, doc = detect(repo, results, tmp_path, capsys, "after")
    assert code == 0                                  # nothing fails: both are triaged
    after = {f["id"]: f for f in doc["findings"]}
    assert after[regs[0]["id"]]["triage"] == {"status": "acknowledged", "note": "expected | <b>0</b>"}
    assert after[regs[1]["id"]]["triage"]["status"] == "invalid"
    assert after[regs[0]["id"]]["kind"] == "regression"          # still listed, as what it is
    assert "acknowledged: expected | <b>0</b>" in text and "invalid: expected" in text
    md = doc["markdown"]
    assert "acknowledged: expected \\| &lt;b&gt;0&lt;/b&gt;" in md and "<b>" not in md
    assert f"`{regs[0]['id']}`" in md and "2 triaged" in md

    code, out, _ = triage(["reopen", regs[1]["id"]], capsys)
    assert code == 0 and "reopened" in out and "invalid: expected" in out
    assert set(load_triage(repo / TRIAGE_NAME)) == {regs[0]["id"]}
    code, text, _ = detect(repo, results, tmp_path, capsys, "reopened")
    assert code == 1                                  # the reopened one fails again


def test_the_id_is_stable_across_runs_and_new_commits(project, tmp_path, capsys):
    repo, results, shas = project
    _, _, first = detect(repo, results, tmp_path, capsys, "one")
    _, _, second = detect(repo, results, tmp_path, capsys, "two")
    ids = sorted(f["id"] for f in first["findings"])
    assert ids and ids == sorted(f["id"] for f in second["findings"])
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.invalid",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.invalid")
    for i in range(MORE):                       # new commits on main, then measured
        env["GIT_COMMITTER_DATE"] = env["GIT_AUTHOR_DATE"] = f"{1800000000 + 60 * i} +0000"
        subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", f"new {i}"], cwd=repo,
                       check=True, env=env)
    more = subprocess.run(["git", "rev-list", "--reverse", "main"], cwd=repo, check=True,
                          capture_output=True, text=True).stdout.split()
    assert more[:N] == shas and len(more) == N + MORE
    write_results(results, more, start=N)
    _, _, third = detect(repo, results, tmp_path, capsys, "three")
    assert sorted(f["id"] for f in third["findings"]) == ids


def test_bad_input_is_one_line_and_exit_2(project, tmp_path, capsys):
    repo, results, _ = project
    code, _, err = triage(["ack", "not-an-id", "--note", "x"], capsys)
    assert code == 2 and err.count("\n") == 1 and "not a finding id" in err
    code, _, err = triage(["ack", "0123456789ab"], capsys)
    assert code == 2 and "--note" in err and err.count("\n") == 1
    code, _, err = triage(["reopen", "0123456789ab"], capsys)
    assert code == 2 and "nothing to reopen" in err
    detect(repo, results, tmp_path, capsys)
    code, _, err = triage(["ack", "0123456789ab", "--note", "x", "--report",
                           str(tmp_path / "r.json")], capsys)
    assert code == 2 and "no finding with id 0123456789ab" in err
    assert not (repo / TRIAGE_NAME).exists()               # nothing was written
    (repo / TRIAGE_NAME).write_text('{"schema": 1, "decisions": {"0123456789ab": '
                                    '{"status": "fixed", "note": ""}}}')
    code = main(["detect", "--results", str(results), "--repo", str(repo)])
    err = capsys.readouterr().err
    assert code == 2 and "status must be one of acknowledged, invalid" in err


def test_list_and_an_explicit_file(project, tmp_path, capsys):
    other = tmp_path / "elsewhere" / "t.json"
    code, _, _ = triage(["ack", "0123456789ab", "--note", "known", "--file", str(other)], capsys)
    assert code == 0 and load_triage(other)["0123456789ab"].note == "known"
    code, out, _ = triage(["ack", "0123456789AB", "--note", "still known", "--file", str(other)],
                          capsys)
    assert code == 0 and "was acknowledged: known" in out       # replaced, id case-folded
    code, out, _ = triage(["list", "--file", str(other)], capsys)
    assert code == 0 and out.startswith("0123456789ab acknowledged") and "still known" in out


def test_the_gate_and_the_site_honour_triage():
    from rustorch_wasm.regress.analysis.gate_result import EXIT_CLEAN, EXIT_REGRESSION, GateResult
    from rustorch_wasm.regress.analysis.gate_result import Row as GateRow
    from rustorch_wasm.regress.cli.gate import with_decisions
    from rustorch_wasm.regress.render.gate_markdown import render_markdown
    from rustorch_wasm.regress.render.site_base import status_html

    key = SeriesKey("box", "py3.10", "m.C.time_x", (("size", "1"),))
    f = Finding("regression", key, "b" * 40, "a" * 40, 1.0, 1.5, 1.5, (1.4, 1.6), 1e-5, "seconds")
    result = GateResult("a" * 40, "b" * 40, Report(0.2, 0.01, 1, [f]),
                        [GateRow(key, "seconds", 1.0, 1.5, f)])
    assert result.exit_code == EXIT_REGRESSION
    md = render_markdown(result)
    assert md.startswith("## ❌ Benchmark gate: 1 regression(s)") and f"`{f.id}`" in md
    acked = with_decisions(result, {f.id: Decision("acknowledged", "the new <algorithm>")})
    assert acked.exit_code == EXIT_CLEAN
    md = render_markdown(acked)
    assert md.startswith("## ✅ Benchmark gate: no regression, 1 triaged (acknowledged or invalid)")
    row = next(line for line in md.splitlines() if "m.C.time_x" in line)
    assert "regression (acknowledged: the new &lt;algorithm&gt;)" in row
    assert acked.to_json()["gate"]["exit_code"] == EXIT_CLEAN
    [g] = acked.report.findings
    assert not g.fails and not g.fails_gate and acked.report.failing == []
    assert "acknowledged: the new &lt;algorithm&gt;" in status_html(g)


def test_a_triaged_finding_is_not_measured_again(project, tmp_path, capsys):
    """run's and the gate's confirmation skip a finding people have decided."""
    from rustorch_wasm.regress.analysis.gate_result import GateResult
    from rustorch_wasm.regress.analysis.gate_result import Row as GateRow
    from rustorch_wasm.regress.analysis.pipeline import analyse
    from rustorch_wasm.regress.cli.gate import suspects_of, with_decisions
    from rustorch_wasm.regress.cli.run_command import confirmation
    from rustorch_wasm.regress.io.history import load_history
    from rustorch_wasm.regress.model.config import DetectorConfig

    repo, results, _ = project
    history = load_history(results, repo=repo)
    config = DetectorConfig()
    report = analyse(history, config, {})
    regs = [f for f in report.findings if f.kind == "regression"]
    assert len(regs) == 2
    _, note = confirmation(report, history, None, config, no_confirm=True)
    assert note.startswith("2 timing-only suspect(s) not re-measured")
    decided = analyse(history, config, {regs[0].id: Decision("invalid", "runner swap")})
    _, note = confirmation(decided, history, None, config, no_confirm=True)
    assert note.startswith("1 timing-only suspect(s)")

    key = SeriesKey("box", "py3.10", "m.C.time_x")
    f = Finding("regression", key, "b" * 40, "a" * 40, 1.0, 1.5, 1.5, (1.4, 1.6), 1e-5, "seconds")
    result = GateResult("a" * 40, "b" * 40, Report(0.2, 0.01, 1, [f]),
                        [GateRow(key, "seconds", 1.0, 1.5, f)])
    assert [s.key for s in suspects_of(result, config)] == [key]
    acked = with_decisions(result, {f.id: Decision("acknowledged", "known")})
    assert suspects_of(acked, config) == []
