"""Confirmation verdicts with a stubbed runner (no benchmarking)."""
from __future__ import annotations

import numpy as np
import pytest

from rustorch_wasm.regress.analysis.confirm import (RemeasureError, Samples, Suspect, confirm,
                                                    instruction_backed)
from rustorch_wasm.regress.model.config import DetectorConfig
from rustorch_wasm.regress.model.series import SeriesKey

P, C = "a" * 40, "b" * 40


def key(name: str) -> SeriesKey:
    return SeriesKey("box", "venv", f"mod.C.time_{name}", (("size", "10"),))


class Stub:
    """Samples per round drawn around a level per (key, side); records the calls."""

    def __init__(self, levels: dict[SeriesKey, tuple[float, float]], spread: float = 0.02,
                 per_round: int = 6) -> None:
        self.levels, self.spread, self.per_round = levels, spread, per_round
        self.calls: list[tuple[str, str, list[SeriesKey], int]] = []

    def __call__(self, parent, commit, keys, rounds) -> Samples:
        self.calls.append((parent, commit, list(keys), rounds))
        # a fixed spread of values (evenly spaced quantiles), the same each call
        q = np.linspace(-1, 1, self.per_round * rounds)
        out: Samples = {}
        for k in keys:
            if k in self.levels:
                a, b = self.levels[k]
                out[k] = (list(a * (1 + self.spread * q)), list(b * (1 + self.spread * q[::-1])))
        return out


def test_a_real_slowdown_is_confirmed_in_one_look():
    stub = Stub({key("x"): (1e-3, 1.5e-3)})
    [c] = confirm([Suspect(key("x"), C, P)], stub)
    assert c.verdict == "confirmed" and c.rounds == 4 and 1.45 < c.ratio < 1.55
    assert c.p_value < 0.01 / 3 and c.samples == (24, 24)
    assert stub.calls == [(P, C, [key("x")], 4)]
    assert c.evidence.startswith("confirmed by re-measurement: x1.5")


def test_noise_is_refuted_with_its_ratio():
    stub = Stub({key("x"): (1e-3, 1.01e-3)})
    [c] = confirm([Suspect(key("x"), C, P)], stub)
    assert c.verdict == "refuted" and c.rounds == 4 and 1.0 < c.ratio < 1.02
    assert c.ci[1] < 1.2 and "excludes a change of 20% for the worse" in c.reason


def test_undecided_goes_on_to_the_bound_then_says_so():
    # x1.1 (below the guard, 1.15) with a +-60 % spread: neither rule can decide
    stub = Stub({key("x"): (1e-3, 1.1e-3)}, spread=0.6, per_round=2)
    [c] = confirm([Suspect(key("x"), C, P)], stub)
    assert c.verdict == "inconclusive" and c.rounds == 12
    assert [call[3] for call in stub.calls] == [4, 4, 4]
    assert "after 12 rounds" in c.reason and c.ci[1] >= 1.2


def test_the_bound_is_the_rules():
    stub = Stub({key("x"): (1e-3, 1.1e-3)}, spread=0.6, per_round=3)
    config = DetectorConfig(confirm_rounds_per_look=2, confirm_max_rounds=5)
    [c] = confirm([Suspect(key("x"), C, P)], stub, config)
    assert [call[3] for call in stub.calls] == [2, 2, 1] and c.rounds == 5


def test_instruction_backed_is_confirmed_without_measuring():
    stub = Stub({key("y"): (1e-3, 1.5e-3)})
    backed = Suspect(key("x"), C, P, instructions=(1000.0, 1350.0))
    small = Suspect(key("y"), C, P, instructions=(1000.0, 1010.0))  # +1 %: re-measured
    out = confirm([backed, small], stub)
    assert [c.verdict for c in out] == ["confirmed", "confirmed"]
    assert out[0].rounds == 0 and out[0].ratio == pytest.approx(1.35)
    assert "instruction count x1.350" in out[0].evidence
    assert stub.calls == [(P, C, [key("y")], 4)]   # only the unbacked one was re-measured
    assert not instruction_backed(small, DetectorConfig())


def test_one_run_per_commit_pair_and_order_kept():
    other = "c" * 40
    stub = Stub({key("x"): (1e-3, 1.5e-3), key("y"): (1e-3, 1.0e-3)})
    cands = [Suspect(key("y"), C, P), Suspect(key("x"), other, C), Suspect(key("x"), C, P)]
    out = confirm(cands, stub)
    assert [c.suspect for c in out] == cands
    assert [c.verdict for c in out] == ["refuted", "confirmed", "confirmed"]
    assert sorted((p, c) for p, c, *_ in stub.calls) == sorted([(P, C), (C, other)])


def test_nothing_measured_or_a_failed_run_is_inconclusive():
    stub = Stub({})
    [c] = confirm([Suspect(key("x"), C, P)], stub)
    assert c.verdict == "inconclusive" and "measured nothing" in c.reason and len(stub.calls) == 1

    def failing(*_):
        raise RemeasureError("asv exited 1")

    [c] = confirm([Suspect(key("x"), C, P)], failing)
    assert c.verdict == "inconclusive" and c.reason == "re-measurement failed: asv exited 1"
    assert c.to_json()["ratio"] is None and c.to_json()["verdict"] == "inconclusive"


def test_an_improvement_is_held_to_the_same_rule():
    stub = Stub({key("x"): (1.5e-3, 1e-3), key("y"): (1e-3, 0.99e-3)})
    real = Suspect(key("x"), C, P, worse=False)
    noise = Suspect(key("y"), C, P, worse=False)
    out = confirm([real, noise], stub)
    assert [c.verdict for c in out] == ["confirmed", "refuted"]
    assert "for the better" in out[1].reason


def test_a_throughput_drop_is_judged_as_a_regression():
    """Higher is better: a throughput that fell by a third is a confirmed
    regression, not refuted because its raw ratio is below 1."""
    name = SeriesKey("box", "venv", "mod.C.track_rate", ())
    stub = Stub({name: (3000.0, 2000.0)})
    [c] = confirm([Suspect(name, C, P, unit="samples/s", better="higher")], stub)
    assert c.verdict == "confirmed" and 0.6 < c.ratio < 0.7


def test_one_value_per_round_waits_for_enough_rounds():
    """A track_ benchmark gives one value a round: 4 a side after the first look
    is too few to decide, the next look (8 a side) confirms a clear change."""
    stub = Stub({key("x"): (1e-3, 1.5e-3)}, per_round=1)
    [c] = confirm([Suspect(key("x"), C, P)], stub)
    assert c.verdict == "confirmed" and c.samples == (8, 8) and c.rounds == 8
    assert [call[3] for call in stub.calls] == [4, 4]


def test_the_asv_runner_gets_one_value_per_round_for_a_track_benchmark(monkeypatch, tmp_path):
    """asv records one value per run for a track_ benchmark: the pair runner
    runs it again, alone, once per further round, alternating the commits'
    order, so both sides get a value a round; timing keys run once."""
    from rustorch_wasm.regress.cli import asv_runner

    timing, track = key("t"), SeriesKey("box", "venv", "mod.C.track_x", (("size", "10"),))
    calls: list[tuple[list[str], list[str], str]] = []

    def run_commits(repo, order, workdir, *, benches, extra, log, echo_progress, envs):
        calls.append((list(order), list(benches), extra[1]))
        return workdir / "|".join(order)

    def samples_at(results, commit):
        n = len(calls)
        out = {track: [float(n)]}
        if n == 1:
            out[timing] = [1.0] * 6
        return out

    monkeypatch.setattr(asv_runner, "run_commits", run_commits)
    monkeypatch.setattr(asv_runner, "samples_at", samples_at)
    got = asv_runner.PairRunner(tmp_path, tmp_path)(P, C, [timing, track], 4)
    assert got[timing] == ([1.0] * 6, [1.0] * 6)
    assert got[track] == ([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0])
    assert [c[0] for c in calls] == [[P, C], [C, P], [P, C], [C, P]]
    assert [c[2] for c in calls] == ["rounds=4", "rounds=1", "rounds=1", "rounds=1"]
    assert all("track_x" in c[1][0] for c in calls[1:]) and len(calls[1][1]) == 1
