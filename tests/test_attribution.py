"""Engine attribution: a regression in every engine is ours, in one engine only it is that engine's."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from pathlib import Path

from rustorch_wasm.regress.analysis import attribution
from rustorch_wasm.regress.analysis.attribution import verdict
from rustorch_wasm.regress.model.config import load_config

#: This project's profile (regress.json) reads the engine from the env name.
PROFILE = load_config(Path(__file__).resolve().parent.parent / "regress.json").profile
engine_of = PROFILE.label_of


def attribute(findings, measured):
    return attribution.attribute(findings, measured, PROFILE.label_of)


def measured_from_envs(keys, commits_of):
    return attribution.measured_from_envs(keys, commits_of, PROFILE.label_of)

ENV = "virtualenv-py3.10-build-hatchling-numpy-wasmer1.1.0-RUSTORCH_WASM_ENGINE{}"
BENCH = "engines.EngineKernels.track_seconds"
ALL = ("wasmer", "node", "chromium", "firefox", "webkit")


@dataclass(frozen=True)
class Key:
    machine: str
    env: str
    benchmark: str
    params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class F:
    kind: str
    key: Key
    commit: str


def finding(engine: str | None, commit: str = "c2", case: str = "matmul_256", kind: str = "regression",
            machine: str = "host", benchmark: str = BENCH) -> F:
    env = ENV.format(engine) if engine else "virtualenv-py3.10-numpy"
    return F(kind, Key(machine, env, benchmark, (("case", case),)), commit)


def test_engine_is_read_from_the_asv_env_name() -> None:
    assert engine_of(ENV.format("firefox")) == "firefox"
    assert engine_of(ENV.format("webkit") + "-extra") == "webkit"
    assert engine_of("virtualenv-py3.10-numpy") is None
    assert engine_of("x-RUSTORCH_WASM_ENGINE") is None


def test_a_firefox_only_slowdown_is_attributed_to_firefox() -> None:
    measured = {("c2", BENCH): set(ALL)}
    [a] = attribute([finding("firefox")], measured)
    assert a.verdict == "engine"
    assert a.label == "firefox only"
    assert a.engines_seen == ("firefox",)
    assert a.engines_measured == tuple(sorted(ALL))
    assert (a.commit, a.benchmark, a.params) == ("c2", BENCH, (("case", "matmul_256"),))


def test_a_slowdown_in_every_engine_is_ours() -> None:
    [a] = attribute([finding(e) for e in ALL], {("c2", BENCH): set(ALL)})
    assert a.verdict == "ours" and a.label == "ours"


def test_an_engine_that_was_not_measured_does_not_make_it_engine_only() -> None:
    # webkit and chromium were not measured at c2 (off in the matrix): wasmer, node
    # and firefox all regressed, so it is ours
    found = [finding(e) for e in ("wasmer", "node", "firefox")]
    [a] = attribute(found, {("c2", BENCH): {"wasmer", "node", "firefox"}})
    assert a.verdict == "ours"
    [b] = attribute(found, {("c2", BENCH): set(ALL)})
    assert b.verdict == "engines" and b.label == "firefox + node + wasmer only"


def test_groups_are_per_commit_params_kind_and_machine() -> None:
    found = [finding("firefox"), finding("webkit", case="add_100"), finding("wasmer", commit="c3"),
             finding("node", commit="c3"), finding("firefox", kind="improvement"),
             finding("firefox", machine="other")]
    measured = {("c2", BENCH): {"wasmer", "firefox", "webkit"}, ("c3", BENCH): {"wasmer", "node"}}
    got = [(a.machine, a.commit, dict(a.params)["case"], a.kind, a.label) for a in attribute(found, measured)]
    assert got == [("host", "c2", "matmul_256", "regression", "firefox only"),
                   ("host", "c2", "add_100", "regression", "webkit only"),
                   ("host", "c3", "matmul_256", "regression", "ours"),
                   ("host", "c2", "matmul_256", "improvement", "firefox only"),
                   ("other", "c2", "matmul_256", "regression", "firefox only")]


def test_one_engine_measured_or_none_named_is_unattributed() -> None:
    [a] = attribute([finding("wasmer", benchmark="tensor_ops.Add.time_add")], {})
    assert a.verdict == "unattributed" and a.label == "unattributed (only wasmer measured)"
    [b] = attribute([finding(None)], {("c2", BENCH): set(ALL)})
    assert b.verdict == "unattributed" and "no engine" in b.label


def test_params_specific_and_callable_measured_sets() -> None:
    p = (("case", "matmul_256"),)
    measured = {("c2", BENCH, p): {"firefox"}, ("c2", BENCH): set(ALL)}
    assert attribute([finding("firefox")], measured)[0].verdict == "unattributed"
    calls: list[tuple[str, str, tuple]] = []

    def lookup(commit: str, benchmark: str, params: tuple) -> set[str]:
        calls.append((commit, benchmark, params))
        return {"wasmer", "firefox"}

    assert attribute([finding("firefox")], lookup)[0].label == "firefox only"
    assert calls == [("c2", BENCH, p)]


def test_dict_params_are_accepted() -> None:
    f = F("regression", Key("host", ENV.format("webkit"), BENCH, {"case": "add_100"}), "c2")  # type: ignore[arg-type]
    [a] = attribute([f], {("c2", BENCH): {"wasmer", "webkit"}})
    assert a.params == (("case", "add_100"),) and a.label == "webkit only"


@pytest.mark.parametrize("seen, measured, expected", [
    ({"firefox"}, {"firefox", "wasmer"}, "engine"),
    ({"firefox", "wasmer"}, {"firefox", "wasmer"}, "ours"),
    ({"firefox", "wasmer"}, set(), "ours"),          # what was found was measured
    ({"firefox"}, set(), "unattributed"),
    (set(), {"firefox", "wasmer"}, "unattributed"),
])
def test_verdict(seen: set[str], measured: set[str], expected: str) -> None:
    assert verdict(seen, measured) == expected


def test_measured_sets_come_from_the_series_present() -> None:
    keys = [Key("host", ENV.format(e), BENCH) for e in ("wasmer", "firefox")] + [Key("host", "plain", BENCH)]
    commits = {ENV.format("wasmer"): ["c1", "c2"], ENV.format("firefox"): ["c2"], "plain": ["c1"]}
    measured = measured_from_envs(keys, lambda k: commits[k.env])
    assert measured == {("c1", BENCH): {"wasmer"}, ("c2", BENCH): {"wasmer", "firefox"}}


def test_the_analysis_reports_an_engine_only_slowdown_as_that_engines():
    """Every command's analysis carries the attribution: a slowdown seen in the
    firefox environment only, where wasmer and node measured the same
    benchmark at that commit, says "firefox only" in its evidence."""
    import numpy as np

    from rustorch_wasm.regress.analysis.detect import detect
    from rustorch_wasm.regress.analysis.pipeline import with_attribution
    from rustorch_wasm.regress.model.series import Point, Series, SeriesKey

    rng = np.random.default_rng(2)
    env = "virtualenv-py3.10-RUSTORCH_WASM_ENGINE{}"
    series = []
    for engine in ("wasmer", "node", "firefox"):
        pts = []
        for i in range(40):
            level = 1e-3 * (1.5 if engine == "firefox" and i >= 30 else 1.0)
            s = level * np.exp(rng.normal(0, 0.01, 10))
            pts.append(Point(f"{i:040x}", i, tuple(s), float(np.median(s)), 0.0, 0.0))
        series.append(Series(SeriesKey("box", env.format(engine), "engines.K.track_seconds",
                                       (("case", "add"),)), "seconds", pts))
    report = with_attribution(detect(series), series, PROFILE)
    [f] = report.regressions
    assert f.key.env.endswith("firefox") and "engines: firefox only" in f.evidence
