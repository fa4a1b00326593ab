"""`rustorch-regress run`'s confirmation stage with a stubbed re-measurement,
the confirmation policy, and the order of what it reports: confirmed,
environment, refuted, inconclusive, unconfirmed."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rustorch_wasm.regress.analysis import policy
from rustorch_wasm.regress.analysis.confirm import Confirmation
from rustorch_wasm.regress.cli import run_command
from rustorch_wasm.regress.cli.main import main
from rustorch_wasm.regress.model.config import DetectorConfig
from rustorch_wasm.regress.model.findings import Finding, Report
from rustorch_wasm.regress.model.series import SeriesKey
from rustorch_wasm.regress.io.synth import Row, make_history, write_benchmarks_json, write_result_file

N = 30
STEPS = {"mod.C.time_a": 20, "mod.C.time_noise": 24, "mod.C.time_real": 15}


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> tuple[Path, Path, list[str]]:
    root = tmp_path_factory.mktemp("confirm")
    repo = root / "repo"
    shas = make_history(repo, N)
    results = root / "results"
    benches = {name: (["size"], [["100"]], "seconds") for name in STEPS}
    benches["mod.C.track_a_instructions"] = (["size"], [["100"]], "instructions")
    write_benchmarks_json(results, benches)
    rng = np.random.default_rng(3)
    for i, sha in enumerate(shas):
        rows = {}
        for name, at in STEPS.items():
            s = list(1e-4 * (1.4 if i >= at else 1.0) * np.exp(rng.normal(0, 0.02, 10)))
            rows[name] = Row([float(np.median(s))], [["100"]], [s])
        rows["mod.C.track_a_instructions"] = Row([1000.0 * (1.4 if i >= STEPS["mod.C.time_a"]
                                                            else 1.0)], [["100"]])
        write_result_file(results, "box", sha, "venv-py3.10", rows)
    (repo / "regress.json").write_text(json.dumps({"profile": {   # the project's profile
        "exact_counts": {"prefix": "track_", "suffix": "_instructions", "timing_prefix": "time_"},
        "build_paths": ["f.txt"]}}))
    return repo, results, shas


class StubRemeasure:
    """time_noise re-measures the same on both commits; time_real 1.4x slower."""

    calls: list[tuple[str, str, list[str], int]] = []

    def __init__(self, repo: Path, workdir: Path) -> None:
        pass

    def __call__(self, parent, commit, keys, rounds):
        StubRemeasure.calls.append((parent, commit, [k.benchmark for k in keys], rounds))
        q = np.linspace(0.98, 1.02, 6 * rounds)
        return {k: (list(1e-4 * q), list(1e-4 * q * (1.4 if "real" in k.benchmark else 1.0)))
                for k in keys}


def test_timing_only_regressions_are_re_measured_and_listed_by_verdict(history, tmp_path,
                                                                       monkeypatch, capsys):
    repo, results, shas = history
    monkeypatch.setattr(run_command, "Remeasure", StubRemeasure)
    out = tmp_path / "site"
    code = main(["run", "--no-bench", "--no-asv-publish", "--results", str(results),
                 "--project", str(repo), "--branch", "main", "--out", str(out),
                 "--baselines", str(tmp_path / "none")])
    printed = capsys.readouterr().out
    assert code == 0, printed
    # the instruction-backed time_a was not re-measured; one run per timing-only candidate
    assert sorted(c[2][0] for c in StubRemeasure.calls) == ["mod.C.time_noise", "mod.C.time_real"]
    assert all(c[3] == 4 for c in StubRemeasure.calls)
    doc = json.loads((out / "confirmations.json").read_text())
    listed = [(e["section"], e["benchmark"]) for e in doc["listing"]]
    assert listed == [("confirmed", "mod.C.time_real"), ("confirmed", "mod.C.time_a"),
                      ("confirmed", "mod.C.track_a_instructions"),
                      ("refuted", "mod.C.time_noise")]
    noise = next(c for c in doc["confirmations"] if c["benchmark"] == "mod.C.time_noise")
    assert noise["verdict"] == "refuted" and noise["commit"] == shas[STEPS["mod.C.time_noise"]]
    assert 0.99 < noise["ratio"] < 1.01
    end = printed[printed.index("Confirmed regressions (3):"):]
    assert end.index("mod.C.time_real") < end.index("Refuted by re-measurement (noise) (1):") \
        < end.index("mod.C.time_noise")
    assert "refuted by re-measurement: x1.000" in end
    assert all("build key changed" in e["evidence"] for e in doc["listing"])  # f.txt changed
    md = (out / "findings.md").read_text()
    assert md.startswith("# ") and md.index("### Confirmed regressions (3)") \
        < md.index("### Refuted by re-measurement (noise) (1)")


def test_without_re_measurement_timing_only_regressions_are_listed_last(history, tmp_path,
                                                                        capsys):
    repo, results, _ = history
    code = main(["run", "--no-bench", "--no-asv-publish", "--no-confirm", "--results",
                 str(results), "--project", str(repo), "--branch", "main",
                 "--out", str(tmp_path / "s"), "--baselines", str(tmp_path / "none")])
    printed = capsys.readouterr().out
    assert code == 0
    assert "Timing-only regressions not re-measured (2):" in printed
    assert "note: 2 timing-only suspect(s) not re-measured (--no-confirm)" in printed
    # the repository's build inputs: everything but docs, tests and Markdown (f.txt here)
    assert "build key changed" in printed and "build key unchanged" not in printed


def finding(kind: str, name: str, commit: str, prev: str = "0" * 40) -> Finding:
    key = SeriesKey("box", "venv", f"mod.C.{name}")
    return Finding(kind, key, commit, prev, 1.0, 1.5, 1.5, (1.4, 1.6), 1e-6, "seconds")


def test_listing_order_and_evidence():
    c1, c2 = "1" * 40, "2" * 40
    fs = [finding("improvement", "time_i", c1), finding("regression", "time_u", c1),
          finding("regression", "time_n", c2), finding("environment", "time_e", c2),
          finding("regression", "time_q", c1), finding("regression", "time_b", c2),
          finding("regression", "time_c", c2)]
    report = Report(0.2, 0.01, 7, fs)
    counts = {"mod.C.time_b": (100.0, 150.0)}
    todo = policy.suspects(report, lambda f: counts.get(f.key.benchmark), DetectorConfig())
    # both directions are suspects: the improvement too
    assert [s.key.benchmark[6:] for s in todo] == ["time_i", "time_u", "time_n", "time_q",
                                                  "time_b", "time_c"]
    assert [s.worse for s in todo] == [True] * 6       # these test findings all read x1.5
    conf = {"time_n": "refuted", "time_q": "inconclusive", "time_c": "confirmed"}
    confirmations = [Confirmation(c, conf[c.key.benchmark[6:]], 1.0, (0.9, 1.1), 0.5, 4, (24, 24))
                     for c in todo if c.key.benchmark[6:] in conf]
    confirmations.append(Confirmation(todo[4], "confirmed", 1.5, (1.5, 1.5), 0.0, 0, (0, 0),
                                      "instruction count x1.500 (exact): not re-measured"))
    applied = policy.apply_verdicts(report, confirmations)
    kinds = {f.key.benchmark[6:]: f.kind for f in applied.findings}
    assert kinds == {"time_i": "improvement", "time_u": "regression", "time_n": "refuted",
                     "time_e": "environment", "time_q": "inconclusive", "time_b": "regression",
                     "time_c": "regression"}
    assert applied.failing == [f for f in applied.findings if f.kind == "regression"]
    keys = {c1: "k1", c2: "k1", "0" * 40: "k0"}
    entries = policy.listing(applied, confirmations, keys)
    assert [(e.section, e.finding.key.benchmark[6:]) for e in entries] == [
        ("confirmed", "time_b"), ("confirmed", "time_c"), ("environment", "time_e"),
        ("refuted", "time_n"), ("inconclusive", "time_q"), ("unconfirmed", "time_u")]
    refuted = entries[3]
    assert "refuted by re-measurement: x1.000, p=0.5, 4 interleaved rounds (24+24 samples)" \
        in refuted.evidence
    assert "build key changed" in refuted.evidence
    assert f"alert group {c2[:10]}: 4 finding(s)" in refuted.evidence


def test_the_gate_and_run_apply_one_policy():
    """The gate's verdicts are the policy's: a refuted or inconclusive suspect
    is listed as such, not counted and not shown as a change."""
    from rustorch_wasm.regress.analysis.gate_result import GateResult, Row as GateRow
    from rustorch_wasm.regress.cli.gate import suspects_of, with_verdicts

    c = "1" * 40
    fs = [finding("regression", "time_n", c), finding("regression", "time_q", c),
          finding("regression", "time_c", c)]
    result = GateResult("0" * 40, c, Report(0.2, 0.01, 3, fs),
                        [GateRow(f.key, "seconds", 1.0, 1.5, f) for f in fs])
    todo = suspects_of(result, DetectorConfig())
    assert [s.key for s in todo] == [f.key for f in fs]
    verdict = {"time_n": "refuted", "time_q": "inconclusive", "time_c": "confirmed"}
    final = with_verdicts(result, [Confirmation(s, verdict[s.key.benchmark[6:]], 1.0,
                                                (0.9, 1.1), 0.5, 4, (24, 24)) for s in todo])
    assert [f.key.benchmark[6:] for f in final.report.regressions] == ["time_c"]
    assert final.exit_code == 1 and sorted(final.unconfirmed) == ["mod.C.time_n", "mod.C.time_q"]
    assert final.report.findings == policy.apply_verdicts(result.report, final.confirmations).findings
