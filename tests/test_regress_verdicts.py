"""Verdicts users meet, end to end on asv result files in a temporary git repo:
a step at the newest commit, a shift many series share (and one series
beyond it), a slow stretch of the host, and a throughput that falls."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rustorch_wasm.regress.cli import main
from rustorch_wasm.regress.io.synth import Row, make_history, write_benchmarks_json, write_result_file

ENV = "venv-py3.10"


def history(tmp: Path, n: int, levels: np.ndarray, names: list[str], units: list[str],
            seed: int = 1, envs: list[str] | None = None,
            runner_from: int | None = None) -> tuple[Path, Path, list[str]]:
    """``levels[i, j]``: series ``j`` at commit ``i``; 10 samples each with 1.5 %
    within-run and 1 % run-to-run noise, one benchmark per series, measured in
    ``envs[j]`` (default: all in ``ENV``); from commit ``runner_from`` on the
    result files record another runner (asv's machine params)."""
    repo, results = tmp / "repo", tmp / "results"
    shas = make_history(repo, n)
    write_benchmarks_json(results, {name: ([], [], unit) for name, unit in zip(names, units)})
    rng = np.random.default_rng(seed)
    envs = envs or [ENV] * len(names)
    for i, sha in enumerate(shas):
        rows: dict[str, dict[str, Row]] = {e: {} for e in envs}
        for j, name in enumerate(names):
            level = levels[i, j] * np.exp(rng.normal(0, 0.01))
            samples = list(level * np.exp(rng.normal(0, 0.015, 10)))
            rows[envs[j]][name] = Row([float(np.median(samples))], [], [samples])
        for env, env_rows in rows.items():
            path = write_result_file(results, "box", sha, env, env_rows)
            if runner_from is not None and i >= runner_from:
                data = json.loads(path.read_text())
                data["params"]["cpu"] = "another runner"
                path.write_text(json.dumps(data))
    return repo, results, shas


def detect_json(repo: Path, results: Path, tmp: Path, capsys) -> tuple[int, dict]:
    out = tmp / "report.json"
    code = main(["detect", "--results", str(results), "--repo", str(repo), "--json", str(out)])
    capsys.readouterr()
    return code, json.loads(out.read_text())


def kinds_at(doc: dict, sha: str) -> list[tuple[str, str]]:
    return sorted((f["kind"], f["benchmark"]) for f in doc["findings"] if f["commit"] == sha)


def test_a_step_at_the_newest_commit_is_reported_at_once_unconfirmed(tmp_path, capsys):
    n = 40
    levels = np.ones((n, 2)) * 1e-3
    levels[-1, 0] *= 1.3
    repo, results, shas = history(tmp_path, n, levels, ["m.S.time_a", "m.S.time_b"],
                                  ["seconds", "seconds"])
    code, doc = detect_json(repo, results, tmp_path, capsys)
    assert code == 1
    [f] = [f for f in doc["findings"] if f["kind"] == "regression"]
    assert f["benchmark"] == "m.S.time_a" and f["commit"] == shas[-1]
    assert f["commits_after"] == 1 and f["confirmed"] is False
    assert 1.2 < f["ratio"] < 1.4
    assert len(doc["findings"]) == 1


@pytest.mark.parametrize("recorded", [True, False])
def test_a_shared_shift_is_one_finding_and_a_series_beyond_it_a_regression(
        tmp_path, capsys, recorded):
    """20 of 24 series x1.5 at one commit: with asv's metadata recording a new
    runner there, one environment finding; without any evidence of the
    cause, one shared shift of unknown cause (it fails detect). Either way
    the series that moved x2.25 is a regression beyond it."""
    n, at = 40, 25
    names = [f"m.S.time_{j}" for j in range(24)]
    levels = np.ones((n, 24)) * 1e-3
    levels[at:, :20] *= 1.5                 # 20 of 24 series: the runner got slower
    levels[at:, 3] *= 1.5                   # ... and one of them x2.25 in all
    levels[12:, 22] *= 1.4                  # a real regression at a quiet commit
    repo, results, shas = history(tmp_path, n, levels, names, ["seconds"] * 24,
                                  runner_from=at if recorded else None)
    code, doc = detect_json(repo, results, tmp_path, capsys)
    assert code == 1
    kind = "environment" if recorded else "shift"
    assert kinds_at(doc, shas[at]) == sorted([(kind, ""), ("regression", "m.S.time_3")])
    [env] = [f for f in doc["findings"] if f["kind"] == kind]
    assert env["decided_by"] == ("metadata" if recorded else "history")
    assert env["moved"] == 20 and env["share"] == pytest.approx(20 / 24)
    assert 1.4 < env["ratio"] < 1.6 and env["end_commit"] is None
    assert sorted(m["benchmark"] for m in env["members"]) == sorted(names[:20])
    assert all(1.3 < m["ratio"] < 2.5 for m in env["members"])     # only those that moved
    [beyond] = [f for f in doc["findings"] if f["benchmark"] == "m.S.time_3"]
    assert 2.0 < beyond["ratio"] < 2.5 and 1.4 < beyond["shared_ratio"] < 1.6
    assert kinds_at(doc, shas[12]) == [("regression", "m.S.time_22")]
    assert len(doc["findings"]) == 3
    [group] = [g for g in doc["alert_groups"] if g["commit"] == shas[at]]
    assert group["counts"] == {kind: 1, "regression": 1}


@pytest.mark.parametrize("sibling_moved", [True, False])
def test_a_runner_change_seen_in_one_env_is_looked_for_in_its_siblings(tmp_path, capsys,
                                                                       sibling_moved):
    """One machine, two envs of 24 series. The runner gets slower at one commit:
    20 series of py3.12 show it, only 6 of py3.11 (below the 30 % an event
    needs alone). Both are environment findings, none a regression. Without
    the py3.12 event, the same 6 moves in py3.11 stay regressions."""
    n, at = 40, 25
    names = [f"m.S.time_{j}" for j in range(24)] * 2
    envs = ["conda-py3.12"] * 24 + ["conda-py3.11"] * 24
    levels = np.ones((n, 48)) * 1e-3
    if sibling_moved:
        levels[at:, :20] *= 1.5
    levels[at:, 24:30] *= 1.5
    repo, results, shas = history(tmp_path, n, levels, names, ["seconds"] * 48, envs=envs,
                                  runner_from=at)
    code, doc = detect_json(repo, results, tmp_path, capsys)
    found = sorted((f["kind"], f["env"]) for f in doc["findings"] if f["commit"] == shas[at])
    if sibling_moved:
        assert found == [("environment", "conda-py3.11"), ("environment", "conda-py3.12")]
        [py311] = [f for f in doc["findings"] if f["env"] == "conda-py3.11"]
        assert py311["moved"] == 6 and 1.4 < py311["ratio"] < 1.6
        assert code == 0
    else:
        assert found == [("regression", "conda-py3.11")] * 6 and code == 1


@pytest.mark.parametrize("stretch", [False, True])
def test_each_env_has_one_finding_for_a_runner_change_however_many_siblings_see_it(
        tmp_path, capsys, stretch):
    """Two envs show the host's change (a lasting shift, or a 3-commit slow
    stretch) on their own, a third only with their help: one environment
    finding per env, never the same event twice."""
    n, at = 40, 25
    names = [f"m.S.time_{j}" for j in range(24)] * 3
    envs = ["conda-py3.12"] * 24 + ["conda-py3.10"] * 24 + ["conda-py3.11"] * 24
    levels = np.ones((n, 72)) * 1e-3
    rows = slice(at, at + 3 if stretch else n)
    levels[rows, :20] *= 1.5
    levels[rows, 24:44] *= 1.5
    levels[rows, 48:54] *= 1.5
    repo, results, shas = history(tmp_path, n, levels, names, ["seconds"] * 72, envs=envs,
                                  runner_from=None if stretch else at)
    code, doc = detect_json(repo, results, tmp_path, capsys)
    found = sorted((f["kind"], f["env"]) for f in doc["findings"])
    assert found == [("environment", e) for e in ("conda-py3.10", "conda-py3.11", "conda-py3.12")]
    assert code == 0


def test_a_slow_stretch_of_the_host_raises_no_regression(tmp_path, capsys):
    """Commits 20-23 slow on every series; asv measures one benchmark after
    another, so the stretch began while commit 20 was measured (only its
    last 10 series slow) and ended during commit 23 (only its first 14)."""
    n, names = 40, [f"m.S.time_{j}" for j in range(24)]
    levels = np.ones((n, 24)) * 1e-3
    levels[20, 14:] *= 1.6
    levels[21:23, :] *= 1.6
    levels[23, :14] *= 1.6
    repo, results, shas = history(tmp_path, n, levels, names, ["seconds"] * 24)
    code, doc = detect_json(repo, results, tmp_path, capsys)
    assert code == 0
    assert not [f for f in doc["findings"] if f["kind"] != "environment"]
    [env] = [f for f in doc["findings"] if f["kind"] == "environment"]
    assert env["commit"] in (shas[20], shas[21]) and env["end_commit"] in (shas[23], shas[24])
    assert env["moved"] >= 20


def test_a_throughput_that_falls_is_a_regression(tmp_path, capsys):
    n, at = 40, 28
    names = ["m.S.track_samples_per_second", "m.S.time_x"]
    levels = np.ones((n, 2))
    levels[:, 0] = 5e6
    levels[:, 1] = 1e-3
    levels[at:, 0] *= 0.7
    repo, results, shas = history(tmp_path, n, levels, names, ["samples/s", "seconds"])
    code, doc = detect_json(repo, results, tmp_path, capsys)
    assert code == 1
    [f] = doc["findings"]
    assert (f["kind"], f["commit"], f["better"]) == ("regression", shas[at], "higher")
    assert 0.6 < f["ratio"] < 0.8 and f["before"] > f["after"]
    # ... and one that rises is an improvement
    levels[at:, 0] /= 0.7 * 0.7
    repo2, results2, shas2 = history(tmp_path / "up", n, levels, names, ["samples/s", "seconds"])
    code, doc = detect_json(repo2, results2, tmp_path, capsys)
    assert code == 0
    assert [(f["kind"], f["commit"]) for f in doc["findings"]] == [("improvement", shas2[at])]


def test_compare_judges_a_throughput_by_its_direction():
    from rustorch_wasm.regress.analysis.compare import compare_samples
    from rustorch_wasm.regress.model.series import SeriesKey
    rng = np.random.default_rng(3)
    key = SeriesKey("box", ENV, "m.S.track_points_per_second")
    base = list(1e6 * np.exp(rng.normal(0, 0.01, 12)))
    slower = list(0.7e6 * np.exp(rng.normal(0, 0.01, 12)))
    units = {key: "points/s"}
    [f] = compare_samples({key: base}, {key: slower}, units, "a" * 40, "b" * 40).findings
    assert f.kind == "regression" and f.better == "higher" and 0.65 < f.ratio < 0.75
    [g] = compare_samples({key: slower}, {key: base}, units, "a" * 40, "b" * 40).findings
    assert g.kind == "improvement"


def test_a_change_at_a_same_build_commit_is_not_the_codes():
    """With ``same_build`` (commit -> the commit whose build it shares), a
    step between two measurements of one build raises no regression, and a
    step first measured at a same-build commit belongs to the commit that
    changed the build."""
    from rustorch_wasm.regress.analysis.detect import detect
    from rustorch_wasm.regress.model.series import Point, Series, SeriesKey
    rng = np.random.default_rng(5)
    n, at = 40, 30

    def series(name: str, present: list[int]) -> Series:
        pts = []
        for i in present:
            level = 1e-3 * (1.5 if i >= at else 1.0) * np.exp(rng.normal(0, 0.01))
            s = level * np.exp(rng.normal(0, 0.01, 10))
            pts.append(Point(f"{i:040x}", i, tuple(s), float(np.median(s)), 0.0, 0.0))
        return Series(SeriesKey("box", ENV, name), "seconds", pts)

    sha = [f"{i:040x}" for i in range(n)]
    every = list(range(n))
    plain = detect([series("m.S.time_a", every)])
    assert [(f.kind, f.commit) for f in plain.findings] == [("regression", sha[at])]
    # commit 30 only touched docs: its build is commit 29's, so the step is not code
    docs_only = {sha[at]: sha[at - 1]}
    assert detect([series("m.S.time_a", every)], same_build=docs_only).findings == []
    # commit 28 changed the build, 29 and 30 only docs; 28 and 29 were not measured
    later = {sha[29]: sha[28], sha[30]: sha[28]}
    gapped = [i for i in every if i not in (28, 29)]
    [f] = detect([series("m.S.time_a", gapped)], same_build=later).findings
    assert f.commit == sha[28] and f.previous_commit == sha[27]
    assert any("has the build of" in e for e in f.evidence)


def test_status_words_follow_the_evidence():
    from rustorch_wasm.regress.model.findings import Finding
    from rustorch_wasm.regress.model.kinds import failing_kinds
    from rustorch_wasm.regress.model.series import SeriesKey

    def f(kind: str, n: int, **kw) -> Finding:
        key = SeriesKey("box", "venv", "m.C.peakmem_x" if kw.pop("mem", False) else "m.C.time_x")
        return Finding(kind, key, "c" * 40, "p" * 40, 1.0, 1.5, kw.pop("ratio", 1.5), (1.4, 1.6),
                       1e-4, "seconds", commits_after=n, **kw)

    assert failing_kinds() == ("regression", "drift", "shift")
    assert f("regression", 1).status == "unconfirmed: history, 1 commit"
    assert f("regression", 2, decided_by="two-sample").status == "unconfirmed: two-sample, 2 commits"
    assert f("regression", 9).status == "history, 9 commits"
    assert f("regression", 9, mem=True).status == "history, 9 commits"   # no "timing only"
    assert f("drift", 9, confirmed=True, decided_by="exact counts").status == \
        "confirmed by exact counts"
    assert f("regression", 9, fixed_by="f" * 40).status == "fixed at ffffffffff"
    assert f("environment", 1).status == "" and f("refuted", 1).status == ""
    assert f("regression", 3).fails and not f("regression", 3, fixed_by="f" * 40).fails
    assert f("shift", 3).fails and not f("shift", 3, ratio=0.7).fails   # only for the worse
    assert not f("inconclusive", 1).fails and not f("environment", 3).fails


def test_regressions_crowding_the_newest_commits_are_each_reported(tmp_path, capsys):
    """Half of a machine's series regress, each at one of its three newest
    commits: many series move the same way within two commits, but spread
    over neighbouring commits rather than at one, so each is its own
    regression, not an environment finding."""
    n, names = 40, [f"m.S.time_{j}" for j in range(24)]
    levels = np.ones((n, 24)) * 1e-3
    for j in range(12):
        levels[n - 1 - j % 3:, j] *= (1.3, 1.5, 2.0)[j % 3]
    repo, results, shas = history(tmp_path, n, levels, names, ["seconds"] * 24)
    code, doc = detect_json(repo, results, tmp_path, capsys)
    assert code == 1
    assert not [f for f in doc["findings"] if f["kind"] == "environment"]
    found = {(f["benchmark"], f["commit"]) for f in doc["findings"] if f["kind"] == "regression"}
    assert found == {(names[j], shas[n - 1 - j % 3]) for j in range(12)}


def test_a_stretch_of_the_host_does_not_hide_a_step_that_stayed(tmp_path, capsys):
    """20 of 24 series x1.5 for three commits, then back (the host was slow);
    two of them changed for good at the stretch's first commit (the code did
    it while the host wobbled). The stretch is an environment finding of the
    series that came back; the two that stayed are regressions, not members."""
    n, at = 40, 25
    names = [f"m.S.time_{j}" for j in range(24)]
    levels = np.ones((n, 24)) * 1e-3
    levels[at:at + 3, :20] *= 1.5
    levels[at + 3:, 3] *= 1.5
    levels[at + 3:, 7] *= 1.5
    repo, results, shas = history(tmp_path, n, levels, names, ["seconds"] * 24)
    code, doc = detect_json(repo, results, tmp_path, capsys)
    assert code == 1
    found = kinds_at(doc, shas[at])
    assert ("regression", "m.S.time_3") in found and ("regression", "m.S.time_7") in found
    [env] = [f for f in doc["findings"] if f["commit"] == shas[at] and not f["benchmark"]]
    assert env["kind"] == "environment" and env["decided_by"] == "history"
    members = {m["benchmark"] for m in env["members"]}
    assert len(members) >= 15 and not members & {"m.S.time_3", "m.S.time_7"}
    assert 1.4 < env["ratio"] < 1.6


def test_members_that_outlast_a_stretch_together_are_a_shift_of_their_own(tmp_path, capsys):
    """20 of 30 series x1.5 for three commits; 9 of them (a third of the
    machine's series, fewer than half of the event's) stay there. Those that
    came back are the stretch; the 9 moved together and stayed: a shared
    shift of unknown cause, not 9 regressions and not the stretch's."""
    n, at = 44, 25
    names = [f"m.S.time_{j}" for j in range(30)]
    levels = np.ones((n, 30)) * 1e-3
    levels[at:at + 3, :20] *= 1.5
    levels[at + 3:, :9] *= 1.5
    repo, results, shas = history(tmp_path, n, levels, names, ["seconds"] * 30)
    code, doc = detect_json(repo, results, tmp_path, capsys)
    at_commit = [f for f in doc["findings"] if f["commit"] == shas[at]]
    assert not [f for f in at_commit if f["kind"] in ("regression", "drift")]
    [env] = [f for f in at_commit if f["kind"] == "environment"]
    [shift] = [f for f in at_commit if f["kind"] == "shift"]
    assert env["decided_by"] == "history"
    assert {m["benchmark"] for m in env["members"]} == set(names[9:20])
    assert {m["benchmark"] for m in shift["members"]} == set(names[:9])
    assert 1.4 < shift["ratio"] < 1.6 and shift["end_commit"] is None
    assert env["p_value"] < shift["p_value"] < 1.0     # its own 9 series, not the event's 20
    assert code == 1


def test_a_later_change_many_members_share_does_not_hide_the_two_that_stayed(tmp_path, capsys):
    """16 of 24 series x1.5 for three commits; two of them (3 and 7) stayed.
    Six commits after the stretch the code makes 14 of the other members x1.4
    slower: more than half of the machine's series are higher after the
    stretch than before it, but the 8 series the stretch did not move say
    the host itself came back. The two are regressions at the stretch."""
    n, at = 48, 20
    names = [f"m.S.time_{j}" for j in range(24)]
    levels = np.ones((n, 24)) * 1e-3
    levels[at:at + 3, :16] *= 1.5
    levels[at + 3:, [3, 7]] *= 1.5
    later = [j for j in range(16) if j not in (3, 7)]
    levels[at + 9:, later] *= 1.4
    repo, results, shas = history(tmp_path, n, levels, names, ["seconds"] * 24)
    code, doc = detect_json(repo, results, tmp_path, capsys)
    found = kinds_at(doc, shas[at])
    assert ("regression", "m.S.time_3") in found and ("regression", "m.S.time_7") in found
    [env] = [f for f in doc["findings"] if f["commit"] == shas[at] and f["kind"] == "environment"]
    assert not {m["benchmark"] for m in env["members"]} & {"m.S.time_3", "m.S.time_7"}
    assert code == 1
