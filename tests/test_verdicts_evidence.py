"""Verdicts that say what decided them (issue 22): the newest build of a short
history judged by two samples, "not enough evidence" instead of silence,
honest p-values for a change resting on one commit, a fixed regression,
memory in its own words."""
from __future__ import annotations

import json
import math

import numpy as np

from rustorch_wasm.regress.analysis.detect import detect
from rustorch_wasm.regress.model.config import DetectorConfig
from rustorch_wasm.regress.model.series import Point, Series, SeriesKey

ENV = "venv-py3.10"


def series(name: str, levels: list[float], unit: str = "seconds", samples: int = 10,
           seed: int = 1, spread: float = 0.01) -> Series:
    rng = np.random.default_rng(seed)
    pts = []
    for i, level in enumerate(levels):
        s = tuple(level * np.exp(rng.normal(0, spread, samples))) if samples else ()
        value = float(np.median(s)) if s else level
        pts.append(Point(f"{i:040x}", i, s, value, value, value))
    return Series(SeriesKey("box", ENV, name), unit, pts)


def test_the_newest_build_of_a_short_history_is_judged_by_two_samples():
    """Three builds, the newest x1.5 slower: too short for the commit-level
    tests, so the two runs' samples decide; unconfirmed, one commit."""
    s = series("m.C.time_x", [1e-3, 1e-3, 1.5e-3])
    quiet = series("m.C.time_y", [1e-3, 1e-3, 1e-3], seed=2)
    [f] = detect([s, quiet]).findings
    assert (f.kind, f.commit, f.previous_commit) == ("regression", s.commits[2], s.commits[1])
    assert f.decided_by == "two-sample" and f.commits_after == 1 and not f.confirmed
    assert 1.4 < f.ratio < 1.6 and f.status == "unconfirmed: two-sample, 1 commit"


def test_the_previous_build_is_the_last_one_with_another_build():
    """The newest two points share one build: the newest is compared with the
    last point of another build, not with its twin."""
    s = series("m.C.time_x", [1e-3, 1.5e-3, 1.5e-3])
    same = {s.commits[2]: s.commits[1]}
    [f] = detect([s], same_build=same).findings
    assert f.previous_commit == s.commits[0]


def test_every_build_change_of_a_short_history_is_judged_not_only_the_newest():
    """Four builds, x3 slower from the second on (the fresh-clone blind
    spot: the change was not at the newest build, and the history is too
    short to segment): the two-sample rule judges every build change, so the
    change is found at the second build and nowhere else; a re-run of one
    build (same build) is not a change."""
    s = series("m.C.time_x", [1e-3, 3e-3, 3e-3, 3e-3, 3e-3], seed=3)
    same = {s.commits[3]: s.commits[2]}
    report = detect([s, series("m.C.time_y", [1e-3] * 5, seed=4)], same_build=same)
    [f] = report.findings
    assert (f.kind, f.commit, f.previous_commit) == ("regression", s.commits[1], s.commits[0])
    assert f.decided_by == "two-sample" and 2.8 < f.ratio < 3.2
    # and a change that is undone within the short history is two findings
    back = series("m.C.time_z", [1e-3, 2e-3, 1e-3], seed=5)
    kinds = [(f.kind, f.commit) for f in detect([back]).findings]
    assert kinds == [("regression", back.commits[1]), ("improvement", back.commits[2])]


def test_one_value_per_run_is_not_enough_evidence_never_a_verdict():
    """A track_ series with one value per run (no samples) moved x2: no test
    can decide it, so it is listed as inconclusive, failing nothing."""
    s = series("m.C.track_rate_seconds", [1.0, 1.0, 2.0], samples=0)
    [f] = detect([s]).findings
    assert f.kind == "inconclusive" and not f.fails and math.isnan(f.p_value)
    assert "no two-sample test possible" in f.evidence[0]
    assert f.status == "not enough evidence: two-sample, 1 commit"


def test_a_change_resting_on_one_commit_has_an_honest_p_value():
    """Seven quiet commits, then a x1.4 step at the newest: the tail test's
    p rests on the noise estimated from seven commits (Student's t), so it is
    modest rather than 1e-40, and it is a number, never NaN."""
    levels = [1e-3 * f for f in (1.0, 1.002, 0.999, 1.001, 1.0, 0.998, 1.001)] + [1.4e-3]
    report = detect([series("m.C.time_x", levels, spread=0.001)])
    [f] = [f for f in report.findings if f.commit == f"{7:040x}"]
    assert f.commits_after == 1 and math.isfinite(f.p_value)
    assert f.p_value > 1e-12
    assert json.loads(report.dumps())["findings"][0]["p_value"] is not None


def test_a_regression_undone_later_is_fixed_and_fails_nothing():
    levels = [1e-3] * 20 + [1.5e-3] * 10 + [1e-3] * 15
    report = detect([series("m.C.time_x", levels)])
    kinds = [(f.kind, int(f.commit, 16)) for f in report.findings]
    assert kinds == [("regression", 20), ("improvement", 30)]
    reg, fix = report.findings
    assert reg.fixed_by == fix.commit and not reg.fails and report.failing == []
    assert reg.status == f"fixed at {fix.commit[:10]}"
    assert any("fixes the regression" in e for e in fix.evidence)


def test_a_regression_that_stays_is_not_fixed():
    levels = [1e-3] * 20 + [1.5e-3] * 10 + [1.3e-3] * 15    # partly back: no fix
    report = detect([series("m.C.time_x", levels)])
    reg = next(f for f in report.findings if f.kind == "regression")
    assert reg.fixed_by is None and reg.fails


def test_memory_is_larger_in_bytes_not_slower():
    from rustorch_wasm.regress.cli.commands import finding_line
    from rustorch_wasm.regress.model.units import format_value
    levels = [262e6] * 20 + [391e6] * 15
    [f] = detect([series("m.C.peakmem_x", levels, unit="bytes", spread=0.001)],
                 DetectorConfig()).findings
    line = finding_line(f)
    assert "larger" in line and "slower" not in line and "timing" not in line
    assert format_value(f.after, f.unit).endswith("MiB")


def test_a_step_is_placed_on_the_first_commit_of_its_new_level():
    """The shape of NCAR/geocat-comp-asv's peakmem_recomposition (one value per
    run, numbers made here): 262 MB flat, a step to 391 MB, and six commits
    later a second, small step to 394 MB. The step was placed one commit
    late, with a 'before' that was not the previous commit's level."""
    rng = np.random.default_rng(3)
    flat = list(261.7e6 * np.exp(rng.normal(0, 0.0004, 28)))
    after = [391.1, 390.9, 390.9, 390.9, 391.0, 390.7, 394.3, 395.1, 394.0, 394.0, 394.0, 394.2]
    levels = flat + [261.6e6, 261.7e6, 261.7e6, 261.7e6, 261.9e6, 261.6e6, 261.7e6, 261.8e6] \
        + [v * 1e6 for v in after]
    s = series("m.C.peakmem_recomposition", levels, unit="bytes", samples=0)
    [f] = [f for f in detect([s]).findings if f.kind == "regression"]
    assert f.commit == s.commits[36] and f.previous_commit == s.commits[35]
    assert abs(f.before / 261.7e6 - 1) < 0.002 and 1.45 < f.ratio < 1.52


def test_a_crowd_where_many_series_are_measured_does_not_hide_a_clearer_shared_shift():
    """16 of 80 series measured at one commit move together (a share of 0.2,
    below ``env_min_share``; say regressions crowding the newest commit), and
    at another commit 15 of the 40 measured there (0.375). The larger crowd
    is the less significant window: the shared shift is still found."""
    from rustorch_wasm.regress.analysis.shared import GroupData, Move, clusters
    commits = 200
    measured = np.full(commits, 40, dtype=np.int64)
    measured[150] = 80
    moves = [Move(i, 150, 0.3) for i in range(16)] + [Move(40 + i, 50, 0.3) for i in range(15)]
    data = GroupData(("box", "env"), moves, measured, int(measured.sum()), commits)
    found = clusters(moves, data, 5, 1e-4, 0.3, 3.0)
    assert [(min(m.pos for m in members), len(members), n) for members, n, _ in found] == [
        (50, 15, 40)]


def test_a_reboot_or_kernel_patch_of_the_same_machine_names_no_cause():
    """MetPy's Docker host: at one commit its kernel went 4.18.0-553.66 ->
    553.77 and its reported RAM by 12 bytes. That is the same machine; a
    shared shift there stays of unknown cause. A new Python, a new kernel
    series or another machine's RAM does name the environment."""
    from rustorch_wasm.regress.analysis.environment import metadata_changes
    from rustorch_wasm.regress.model.environment_meta import FileMeta, decisive
    assert not decisive("ram", "395591796", "395591808")
    assert decisive("ram", "395591796", "16000000")
    assert not decisive("os", "Linux 4.18.0-553.66.1.el8_10.x86_64",
                        "Linux 4.18.0-553.77.1.el8_10.x86_64")
    assert decisive("os", "Linux 4.18.0-553.66.1.el8_10.x86_64", "Linux 5.14.0-70.el9.x86_64")
    assert decisive("python", "3.10", "3.11") and decisive("req:numpy", "1.26", "2.0")
    group = ("box", "env")
    old = FileMeta((("os", "Linux 4.18.0-553.66.1"), ("ram", "395591796")))
    new = FileMeta((("os", "Linux 4.18.0-553.77.1"), ("ram", "395591808")))
    lines = metadata_changes({(*group, "a"): old, (*group, "b"): new}, group, "b", "a")
    assert len(lines) == 1 and lines[0].startswith("routine change of the same machine")
    newer = FileMeta((("os", "Linux 4.18.0-553.77.1"), ("python", "3.11"), ("ram", "395591808")))
    lines = metadata_changes({(*group, "a"): old, (*group, "b"): newer}, group, "b", "a")
    assert lines[0] == "result metadata changed: python: - -> 3.11"
