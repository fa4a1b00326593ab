"""The real-history evaluation (evaluation/): injections land in the result files as
planned, scoring counts hits, misses, placement and new false regressions, and
cross-cutting events are classified by what the detector reported.

Everything runs on small asv result directories written here with
``rustorch_wasm.regress.io.synth``; no fetched data.
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:                      # `evaluation` is a top-level package
    sys.path.insert(0, str(ROOT))

from evaluation.injection import (LATE_LAST, Injection, Plan, Truth,  # noqa: E402
                                  plan_injections, scale_row, write_injected)
from evaluation.real_history import evaluate_repo, read_history  # noqa: E402
from evaluation.real_score import Flag, classify_cross, score  # noqa: E402
from rustorch_wasm.regress.io.synth import (Row, write_benchmarks_json,  # noqa: E402
                                            write_result_file)
from rustorch_wasm.regress.model.series import SeriesKey  # noqa: E402

N = 40
ENVS = ("py3.10", "py3.11")
NAMES = [f"suite.Bench.time_{c}" for c in "abcdefghijkl"]
PARAM = "suite.Bench.time_p"


def sha(i: int) -> str:
    return hashlib.sha1(f"commit-{i}".encode()).hexdigest()


def write_history(root: Path, n: int = N, seed: int = 0) -> Path:
    """``n`` commits x two envs of one machine: 12 plain time benchmarks with 5
    samples each and one with two parameter combinations; 1 % noise, no change."""
    rng = np.random.default_rng(seed)
    results = root / "results"
    write_benchmarks_json(results, {**{name: ([], [], "seconds") for name in NAMES},
                                    PARAM: (["size"], [["1", "2"]], "seconds")})

    def entry(level: float) -> tuple[float, list[float], float, float]:
        s = level * (1 + 0.01 * rng.standard_normal(5))
        return float(np.median(s)), s.tolist(), float(np.quantile(s, 0.25)), \
            float(np.quantile(s, 0.75))

    for i in range(n):
        for env in ENVS:
            rows = {}
            for b, name in enumerate(NAMES):
                v, s, q25, q75 = entry(1e-3 * (1 + b))
                rows[name] = Row([v], samples=[s], q25=[q25], q75=[q75],
                                 ci_a=[v * 0.99], ci_b=[v * 1.01])
            (v1, s1, a1, b1), (v2, s2, a2, b2) = entry(2e-3), entry(4e-3)
            rows[PARAM] = Row([v1, v2], params=[["1", "2"]], samples=[s1, s2],
                              q25=[a1, a2], q75=[b1, b2])
            write_result_file(results, "box", sha(i), env, rows,
                              date=1_700_000_000_000 + i * 3_600_000)
    return results


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    return write_history(tmp_path_factory.mktemp("real"))


def raw_row(results: Path, commit: int, env: str, name: str) -> dict:
    data = json.loads((results / "box" / f"{sha(commit)[:8]}-{env}.json").read_text())
    return dict(zip(data["result_columns"], data["results"][name]))


# ----------------------------------------------------------------- injection
def test_injections_are_written_into_the_files_as_planned(history, tmp_path):
    clean = read_history(history)
    plan = plan_injections(clean.series, 7, singles=8, crosses=1)
    singles = [i for i in plan.injections if i.kind == "single"]
    crosses = [i for i in plan.injections if i.kind == "cross"]
    assert len(crosses) == 1 and singles
    assert sum(i.late for i in singles) == round(len(singles) / 4)
    for inj in singles:                          # every env of the benchmark, one factor
        assert {k.env for k in inj.members} == set(ENVS)
        assert len({(k.benchmark, k.params) for k in inj.members}) == 1
        assert 1.3 <= inj.factor <= 2.0
        assert inj.late == any(t.late for t in plan.truths if t.event == inj.ident)
    moved = {k.benchmark for k in crosses[0].members}
    assert {k.env for k in crosses[0].members} == {crosses[0].members[0].env}
    assert len(moved) == round(len(NAMES + [PARAM]) / 3)
    assert not moved & {k.benchmark for i in singles for k in i.members}

    injected = read_history(write_injected(clean.result_set, clean.order, plan,
                                           tmp_path / "results"))
    before = {s.key: s for s in clean.series}
    factor = {k: i.factor for i in plan.injections for k in i.members}
    start = {k: i.position for i in plan.injections for k in i.members}
    for s in injected.series:                    # through the reader: x factor from the culprit on
        ratio = s.medians / before[s.key].medians
        on = s.columns.positions >= start.get(s.key, N + 1)
        np.testing.assert_allclose(ratio[on], factor.get(s.key, 1.0), rtol=1e-9)
        np.testing.assert_allclose(ratio[~on], 1.0, rtol=1e-12)
    for t in plan.truths:                        # truth: the series' first commit from the culprit
        s = before[t.key]
        at = s.commits.index(t.commit)
        assert s.columns.positions[at] >= start[t.key] > s.columns.positions[at - 1]
        assert t.late == (at >= len(s) - LATE_LAST)

    inj = singles[0]                             # every stat and sample of the raw file entry
    key = inj.members[0]
    k = N - 1
    old, new = raw_row(history, k, key.env, key.benchmark), raw_row(tmp_path / "results", k,
                                                                    key.env, key.benchmark)
    j = 0 if key.benchmark != PARAM else ["1", "2"].index(dict(key.params)["size"])
    for col in ("result", "stats_ci_99_a", "stats_ci_99_b", "stats_q_25", "stats_q_75"):
        if old.get(col) is not None:
            assert new[col][j] == pytest.approx(old[col][j] * inj.factor)
    np.testing.assert_allclose(new["samples"][j], np.array(old["samples"][j]) * inj.factor)


def test_a_format_1_entry_is_scaled_in_result_stats_and_samples():
    data = {"version": 1, "results": {
        "a.time_x": {"result": [1.0, None], "params": [["1", "2"]],
                     "stats": [{"ci_99": [0.9, 1.1], "q_25": 0.95, "q_75": 1.05, "min": 0.9,
                                "max": 1.2, "mean": 1.0, "std": 0.1, "number": 100,
                                "repeat": 5}, None],
                     "samples": [[1.0, 0.9], None]},
        "a.time_y": 3.0,
        "a.time_z": {"result": None, "params": [["1", "2"]]}}}
    scale_row(data, "a.time_x", 0, 2.0)
    scale_row(data, "a.time_y", 0, 1.5)
    scale_row(data, "a.time_z", 1, 2.0)
    x = data["results"]["a.time_x"]
    assert x["result"] == [2.0, None]
    assert x["stats"][0] == {"ci_99": [1.8, 2.2], "q_25": 1.9, "q_75": 2.1, "min": 1.8,
                             "max": 2.4, "mean": 2.0, "std": 0.2, "number": 100, "repeat": 5}
    assert x["samples"] == [[2.0, 1.8], None]
    assert data["results"]["a.time_y"] == 4.5
    assert data["results"]["a.time_z"] == {"result": None, "params": [["1", "2"]]}


def test_plans_are_seeded(history):
    series = read_history(history).series
    a, b = plan_injections(series, 3), plan_injections(series, 3)
    assert a.injections == b.injections and a.truths == b.truths
    assert plan_injections(series, 4).injections != a.injections


# ----------------------------------------------------------------- scoring
def toy_plan(history):
    """Three single truths and one cross event on the synthetic history."""
    clean = read_history(history)
    by = {s.key: s for s in clean.series}
    keys = [SeriesKey("box", "py3.10", NAMES[i]) for i in range(3)]
    truths = [Truth(k, by[k].commits[20], 1.5, f"single-{i}", False, 20)
              for i, k in enumerate(keys)]
    injections = [Injection(f"single-{i}", "single", "box", by[k].commits[20], 20, 1.5,
                            False, (k,)) for i, k in enumerate(keys)]
    members = tuple(SeriesKey("box", "py3.11", NAMES[i]) for i in range(6, 10))
    injections.append(Injection("cross-0", "cross", "box", sha(30), 30, 1.4, False, members))
    truths += [Truth(k, sha(30), 1.4, "cross-0", False, 30) for k in members]
    return clean, Plan(injections, truths), keys, members


def test_scoring_counts_hits_misses_placement_and_new_false_regressions(history):
    clean, plan, keys, _ = toy_plan(history)
    other = SeriesKey("box", "py3.10", NAMES[5])
    old = Flag("regression", other, sha(5))               # the real history's own
    flags = [Flag("regression", keys[0], sha(20)),        # hit
             Flag("regression", keys[1], sha(22)),        # 2 commits late
             Flag("improvement", keys[2], sha(20)),       # not a regression: missed
             Flag("regression", keys[2], sha(35)),        # beyond the window: missed, and false
             Flag("regression", other, sha(12)),          # new false regression
             old]
    out = score(plan, clean.series, flags, [old])
    assert (out.truths, out.hits, out.late, out.late_hits) == (3, 1, 0, 0)
    assert out.recall == pytest.approx(1 / 3)
    assert sorted(out.errors) == [0, 2] and out.median_error == 1.0
    assert out.buckets == {"0": 1, "±2-3": 1, "missed": 1}
    assert out.false_new == 2 and out.false_on_injected == 1   # keys[2] at 35; other at 12


def test_a_flag_the_clean_run_raised_is_no_placement_but_its_exact_commit_still_hits(history):
    clean, plan, keys, _ = toy_plan(history)
    earlier = Flag("regression", keys[0], sha(19))        # real step one commit before
    exact = Flag("regression", keys[1], sha(20))          # present in both runs
    out = score(plan, clean.series, [earlier, exact], [earlier, exact])
    assert out.hits == 1 and out.errors == [0] and out.false_new == 0


def test_cross_cutting_events_are_classified_by_what_was_reported(history):
    clean, plan, _, members = toy_plan(history)
    by = {s.key: s for s in clean.series}
    machine = SeriesKey("box", "py3.11", "")
    hit_all = {k for k in members}

    def label(flags, clean_flags=(), hits=frozenset()):
        return classify_cross(plan, "cross-0", list(flags), list(clean_flags), by, set(hits))

    assert label([Flag("environment", machine, sha(30))], hits={members[0]}) \
        == "environment (1/4 regressions)"
    assert label([Flag("environment", machine, sha(32))]).startswith("environment")
    assert label([Flag("environment", machine, sha(33))]) == "missed (0/4)"       # too far
    assert label([Flag("environment", SeriesKey("box", "py3.10", ""), sha(30))]) \
        == "missed (0/4)"                                                           # other env
    assert label([Flag("shared", machine, sha(30))], hits=hit_all) \
        == "shared shift: shared (4/4 regressions)"
    assert label([], hits=hit_all) == "regressions (4/4)"
    assert label([], hits=set(members[:1])) == "partly regressions (1/4)"
    same = Flag("environment", machine, sha(30))     # the real history's own event there
    assert label([same], [same], hits=hit_all) == "regressions (4/4)"
    flags = [Flag("regression", k, sha(30)) for k in members]
    assert score(plan, clean.series, flags, []).cross == ["regressions (4/4)"]
    assert score(plan, clean.series, flags, []).cross_members == (4, 4)


# ----------------------------------------------------------------- end to end
def test_a_quiet_history_with_injections_is_scored_for_both_detectors(history):
    r = evaluate_repo(history.parent, [1], False, singles=8, crosses=1)
    assert r.error is None and r.commits == N
    ours, peer = r.outcomes[(1, "ours")], r.outcomes[(1, "asv step_detect")]
    assert ours.truths == peer.truths == len(r.plans[1].truths_of("single")) > 0
    assert ours.hits >= ours.truths - 1            # x1.3-x2 steps on 1 % noise
    assert ours.false_new == 0
    assert len(ours.cross) == 1


def test_an_unreadable_directory_is_skipped_with_the_readers_error(tmp_path):
    bad = tmp_path / "broken" / "results" / "box"
    bad.mkdir(parents=True)
    (bad / "machine.json").write_text('{"machine": "box", "version": 1}')
    (bad / "0123abcd-py.json").write_text('{"commit_hash": "0123abcd", "resu')
    r = evaluate_repo(tmp_path / "broken", [1], False, singles=4, crosses=1)
    assert r.error is not None and "corrupt or truncated JSON" in r.error
    assert not r.outcomes
