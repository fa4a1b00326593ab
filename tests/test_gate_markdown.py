"""The gate's Markdown report from synthetic results: verdict, tables, escaping."""
from __future__ import annotations

from rustorch_wasm.regress.model.config import DetectorConfig
from rustorch_wasm.regress.model.findings import Finding, Report
from rustorch_wasm.regress.analysis.gate_result import EXIT_CLEAN, EXIT_ERROR, EXIT_REGRESSION, GateResult, Row
from rustorch_wasm.regress.render.gate_markdown import render_markdown
from rustorch_wasm.regress.model.kinds import KINDS
from rustorch_wasm.regress.model.series import SeriesKey

BASE, HEAD = "a" * 40, "b" * 40


def key(bench: str, size: str = "10000") -> SeriesKey:
    return SeriesKey("box", "py3.10", bench, (("size", size),))


def result(findings: list[Finding], rows: list[Row], **kw) -> GateResult:
    return GateResult(BASE, HEAD, Report(0.2, 0.01, len(rows), findings), rows, **kw)


def test_regression_report():
    t = key("activations.Sigmoid.time_sigmoid")
    i = key("activations.Sigmoid.track_sigmoid_instructions")
    u = key("activations.ReLU.time_relu")
    ft = Finding("regression", t, HEAD, BASE, 3.7e-5, 5.0e-5, 1.351, (1.30, 1.40), 1.2e-7, "seconds")
    fi = Finding("regression", i, HEAD, BASE, 1e5, 1.35e5, 1.35, (1.35, 1.35), 0.0, "instructions")
    rows = [Row(t, "seconds", 3.7e-5, 5.0e-5, ft, (100000.0, 135000.0)),
            Row(i, "instructions", 1e5, 1.35e5, fi),
            Row(u, "seconds", 4e-6, 4.1e-6, None, (20000.0, 20000.0))]
    res = result([ft, fi], rows)
    assert res.exit_code == EXIT_REGRESSION
    md = render_markdown(res)
    lines = md.splitlines()
    assert lines[0] == "## ❌ Benchmark gate: 2 regression(s) (base `aaaaaaaaaa` → head `bbbbbbbbbb`)"
    row = next(line for line in lines if "time_sigmoid" in line)
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[0] == f"{KINDS['regression'].icon} regression" and cells[2] == "size=10000"
    assert cells[3:6] == ["37 µs", "50 µs", "×1.351"]
    assert cells[6] == "1.300 – 1.400" and cells[7] == "1.2e-07"
    assert cells[8] == "+35.0% (100,000 → 135,000)"
    details = md.split("<details>")[1]
    assert "activations.ReLU.time_relu" in details and "unchanged (20,000)" in details
    assert "time_sigmoid" not in details


def test_clean_report_and_escaping():
    evil = key("<script>alert(1)</script>|x")
    res = result([], [Row(evil, "seconds", 1e-3, 1.01e-3)])
    assert res.exit_code == EXIT_CLEAN
    md = render_markdown(res)
    assert md.startswith("## ✅ Benchmark gate: no regression")
    assert "<script>" not in md and "&lt;script&gt;alert(1)&lt;/script&gt;\\|x" in md
    assert "1 unchanged benchmark series" in md


def test_failure_on_head_is_an_error():
    t = key("m.C.time_x")
    res = result([], [Row(t, "seconds", 1.0, 1.0)], failed_on_head=["m.C.time_y(size=1)"])
    assert res.exit_code == EXIT_ERROR
    md = render_markdown(res)
    assert md.startswith("## ⚠️ Benchmark gate: error, 1 benchmark(s) fail on head")
    assert "m.C.time_y(size=1)" in md
    assert res.to_json()["gate"]["failed_on_head"] == ["m.C.time_y(size=1)"]


def test_recheck_keeps_only_confirmed_timing_regressions():
    from rustorch_wasm.regress.analysis.confirm import Confirmation, confirm
    from rustorch_wasm.regress.cli.gate import suspects_of, with_verdicts

    noisy = key("m.C.time_noisy")
    real = key("m.C.time_real")
    backed = key("m.C.time_backed")
    fn = Finding("regression", noisy, HEAD, BASE, 1.0, 1.3, 1.3, (1.2, 1.4), 1e-4, "seconds")
    fr = Finding("regression", real, HEAD, BASE, 1.0, 1.4, 1.4, (1.3, 1.5), 1e-4, "seconds")
    fb = Finding("regression", backed, HEAD, BASE, 1.0, 1.4, 1.4, (1.3, 1.5), 1e-4, "seconds")
    first = result([fn, fr, fb], [Row(noisy, "seconds", 1.0, 1.3, fn, (10.0, 10.0)),
                                  Row(real, "seconds", 1.0, 1.4, fr, None),
                                  Row(backed, "seconds", 1.0, 1.4, fb, (10.0, 14.0))])
    todo = suspects_of(first, DetectorConfig())
    assert [s.key for s in todo] == [noisy, real, backed]
    measured: list = []

    def runner(parent, commit, keys, rounds):   # the count backs the third (+40 %)
        measured.extend(keys)
        return {}

    [_, _, by_counts] = confirm(todo, runner, DetectorConfig())
    assert by_counts.by_counts and measured == [noisy, real]
    verdicts = [Confirmation(todo[0], "refuted", 1.02, (0.99, 1.05), 0.3, 4, (24, 24)),
                Confirmation(todo[1], "confirmed", 1.38, (1.3, 1.5), 2e-4, 4, (24, 24)),
                by_counts]
    final = with_verdicts(first, verdicts)
    assert {f.key for f in final.report.regressions} == {real, backed}
    assert final.unconfirmed == [noisy.label] and final.exit_code == EXIT_REGRESSION
    confirmed = next(f for f in final.report.findings if f.key == real)
    assert confirmed.evidence[-1] == ("confirmed by re-measurement: x1.380, p=0.0002, "
                                      "4 interleaved rounds (24+24 samples)")
    gate_json = final.to_json()["gate"]
    assert [c["verdict"] for c in gate_json["confirmations"]] == ["refuted", "confirmed",
                                                                  "confirmed"]
    md = render_markdown(final)
    assert "1 of 2 confirmed. Not confirmed (not counted): m.C.time_noisy(size=10000)" in md
    held_back = md.split("### Not confirmed (1)")[1]
    assert "m.C.time_noisy" in held_back and "✕ refuted" in held_back
    assert "m.C.time_noisy" not in md.split("### Changed")[1].split("### Not confirmed")[0]
    # every flagged timing regression inconclusive: the gate passes
    clean = with_verdicts(first, [
        Confirmation(s, "inconclusive", 1.3, (0.9, 1.6), 0.05, 12, (72, 72)) for s in todo])
    assert clean.report.regressions == [] and clean.exit_code == EXIT_CLEAN


def test_a_small_instruction_rise_does_not_spare_re_measurement():
    from rustorch_wasm.regress.analysis.confirm import instruction_backed
    from rustorch_wasm.regress.cli.gate import suspects_of

    t = key("m.C.time_x")
    f = Finding("regression", t, HEAD, BASE, 1.0, 1.5, 1.5, (1.4, 1.6), 1e-5, "seconds")

    def rise(counts):
        return suspects_of(result([f], [Row(t, "seconds", 1.0, 1.5, f, counts)]), DetectorConfig())

    [small] = rise((1000.0, 1010.0))
    assert not instruction_backed(small, DetectorConfig())   # +1 %: could be the host
    [large] = rise((1000.0, 1200.0))
    assert instruction_backed(large, DetectorConfig())       # +20 %: the code does more work
