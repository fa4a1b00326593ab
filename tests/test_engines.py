"""The same _kernels.wasm in every engine gives numpy's answers.

An engine that is not installed here is skipped with its reason (never
passed silently); one that is installed must run and match.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from rustorch_wasm import runtime
from rustorch_wasm.engines import ENGINE_NAMES, engine_statuses, get_engine, selected_engine
from rustorch_wasm.engines.node import JS_DIR, EngineError, node_binary
from rustorch_wasm.engines.spec import (F32, I32, In, KernelCall, Out, binary_call, matmul_call,
                                        unary_call)
from rustorch_wasm.engines.wasm_exports import function_exports


# Firefox and WebKit launch a browser per run: their kernels, SIMD probe and traps
# are tested in tests/test_browser_engines.py with one browser run per engine.
PER_TEST_ENGINES = [n for n in ENGINE_NAMES if n not in ("firefox", "webkit")]


def _engine_or_skip(name: str):
    engine = get_engine(name)
    status = engine.status()
    if not status.available:
        pytest.skip(f"engine {name} not available here: {status.reason}")
    return engine


@pytest.fixture(scope="module")
def data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    return {
        "a": rng.standard_normal(1001).astype(np.float32) * 4,
        "b": rng.standard_normal(1001).astype(np.float32),
        "ma": rng.standard_normal((33, 47)).astype(np.float32),
        "mb": rng.standard_normal((47, 29)).astype(np.float32),
    }


@pytest.mark.parametrize("name", PER_TEST_ENGINES)
def test_engine_matches_numpy(name: str, data: dict[str, np.ndarray]) -> None:
    engine = _engine_or_skip(name)
    calls = [
        binary_call("ew_add", 1001),
        unary_call("ew_relu", 1001),
        unary_call("ew_sigmoid", 1001),
        KernelCall("mul_scalar", "ew_mul_scalar", (In("a"), F32(-2.5), Out("out", 1001), I32(1001))),
        KernelCall("matmul", "matmul_f32",
                   (In("ma"), In("mb"), Out("out", 33 * 29), I32(33), I32(47), I32(29)), repeat=2),
    ]
    inputs = {"a": data["a"], "b": data["b"], "ma": data["ma"], "mb": data["mb"]}
    run = engine.run(calls, inputs)
    a, b = data["a"], data["b"]
    assert run.engine == name
    assert [r.id for r in run.results] == ["ew_add", "ew_relu", "ew_sigmoid", "mul_scalar", "matmul"]
    np.testing.assert_array_equal(run.result("ew_add").outputs["out"], a + b)
    np.testing.assert_array_equal(run.result("ew_relu").outputs["out"], np.maximum(a, 0))
    np.testing.assert_allclose(run.result("ew_sigmoid").outputs["out"], 1 / (1 + np.exp(-a)),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(run.result("mul_scalar").outputs["out"], a * np.float32(-2.5))
    expected = (data["ma"].astype(np.float64) @ data["mb"]).ravel()
    np.testing.assert_allclose(run.result("matmul").outputs["out"], expected, rtol=1e-4, atol=1e-4)
    for r in run.results:
        assert len(r.times_ms) == (2 if r.id == "matmul" else 5)
        assert all(t >= 0 for t in r.times_ms)
    assert "matmul_f32" in run.exports and "rt_alloc" in run.exports


@pytest.mark.parametrize("name", PER_TEST_ENGINES)
def test_min_sample_doubles_inner_batch(name: str, data: dict[str, np.ndarray]) -> None:
    engine = _engine_or_skip(name)
    run = engine.run([unary_call("ew_relu", 1001, min_sample_ms=0.5, repeat=2)], {"a": data["a"]})
    res = run.results[0]
    # one relu of 1K floats takes far less than 0.5 ms anywhere, so inner grew
    assert res.inner > 1 and res.inner & (res.inner - 1) == 0
    np.testing.assert_array_equal(res.outputs["out"], np.maximum(data["a"], 0))


def test_statuses_name_every_engine_and_give_reasons() -> None:
    statuses = engine_statuses()
    assert [s.name for s in statuses] == list(ENGINE_NAMES)
    for s in statuses:
        assert s.available or s.reason, s


def test_missing_node_is_unavailable_with_reason(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("RUSTORCH_WASM_NODE", str(tmp_path / "no-such-node"))
    for name in ("node", "chromium"):
        status = get_engine(name).status()
        assert not status.available and "node not found" in status.reason
        with pytest.raises(runtime.EngineUnavailable, match="node not found"):
            get_engine(name).run([unary_call("ew_relu", 4)], {"a": np.zeros(4, np.float32)})


def test_missing_chromium_is_unavailable_with_reason(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("RUSTORCH_WASM_CHROMIUM", str(tmp_path / "no-such-browser"))
    status = get_engine("chromium").status()
    assert not status.available and "chromium not found" in status.reason


def test_bad_requests_are_clear_errors(data: dict[str, np.ndarray]) -> None:
    engine = get_engine("wasmer")
    with pytest.raises(ValueError, match="no input array named 'zz'"):
        engine.run([KernelCall("x", "ew_relu", (In("zz"), Out("out", 4), I32(4)))], {})
    with pytest.raises(TypeError, match="dtype"):
        engine.run([unary_call("ew_relu", 4)], {"a": np.zeros(4, np.complex64)})
    with pytest.raises(ValueError, match="call id"):
        engine.run([KernelCall("../evil", "ew_relu", (In("a"), Out("out", 4), I32(4)))],
                   {"a": np.zeros(4, np.float32)})
    with pytest.raises(ValueError, match="repeat"):
        engine.run([unary_call("ew_relu", 4, repeat=0)], {"a": np.zeros(4, np.float32)})


def test_node_reports_a_missing_export_as_one_line_error() -> None:
    engine = _engine_or_skip("node")
    with pytest.raises(EngineError, match="no export \"no_such_kernel\""):
        engine.run([KernelCall("x", "no_such_kernel", (I32(1),))], {})


def test_harness_cli_rejects_bad_usage_with_exit_2() -> None:
    node = node_binary()
    if node is None:
        pytest.skip("node not found on PATH")
    proc = subprocess.run([node, str(JS_DIR / "harness.mjs")], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "error: usage: node harness.mjs REQUEST.json"


def test_export_list_is_read_from_the_binary() -> None:
    names = function_exports(runtime.wasm_path())
    assert {"ew_add", "matmul_f32", "rt_alloc", "rt_free"} <= set(names)
    assert "memory" not in names
    with pytest.raises(ValueError, match="not a wasm module"):
        function_exports(b"\x7fELF" + bytes(8))


def test_selected_engine_follows_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUSTORCH_WASM_ENGINE", "node")
    assert selected_engine().name == "node"
    monkeypatch.setenv("RUSTORCH_WASM_ENGINE", "spidermonkey")
    with pytest.raises(ValueError, match="unknown engine 'spidermonkey'"):
        selected_engine()


def test_spec_round_trips_to_json() -> None:
    call = matmul_call(2, 3, 4, repeat=3)
    doc = call.to_json()
    assert json.loads(json.dumps(doc)) == doc
    assert doc["args"][2] == {"out": "out", "dtype": "f32", "count": 8}
    assert doc["args"][3:] == [{"i32": 2}, {"i32": 3}, {"i32": 4}]
    assert KernelCall("u", "e", (I32(2**32 - 1),)).to_json()["args"] == [{"i32": -1}]
    with pytest.raises(ValueError, match="32 bits"):
        KernelCall("u", "e", (I32(2**32),)).to_json()


@pytest.mark.parametrize("name", PER_TEST_ENGINES)
def test_seed_suite_times_every_case_in_engine(name: str) -> None:
    from rustorch_wasm.engines.suite import in_engine_seconds, guide_cases

    _engine_or_skip(name)
    calls, inputs = guide_cases(repeat=2, min_sample_ms=0.0, matmul_sizes=(16,), ew_sizes=(100,),
                               act_sizes=(50,))
    times = in_engine_seconds(calls, inputs, name)
    assert sorted(times) == ["add_100", "matmul_16", "relu_50", "sigmoid_50"]
    assert all(t >= 0 and np.isfinite(t) for t in times.values())


@pytest.mark.parametrize("name", PER_TEST_ENGINES)
def test_a_trapping_kernel_is_an_error_not_a_crash(name: str) -> None:
    engine = _engine_or_skip(name)
    # 2^30 floats (4 GiB) run past linear memory: the out-of-bounds access traps
    call = KernelCall("trap", "ew_relu", (In("a"), Out("out", 1), I32(2**30)), warmup=1, repeat=1)
    with pytest.raises((EngineError, runtime.WasmTrap), match="(?i)out of bounds|trap|unreachable"):
        engine.run([call], {"a": np.zeros(1, np.float32)})


def test_playwright_is_found_from_the_asv_conf_dir(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    from rustorch_wasm.engines import chromium

    monkeypatch.delenv("RUSTORCH_WASM_NODE_MODULES", raising=False)
    monkeypatch.setattr(chromium, "REPO_NODE_MODULES", tmp_path / "wheel" / "js" / "node_modules")
    monkeypatch.setenv("ASV_CONF_DIR", str(tmp_path / "repo"))
    assert chromium.node_modules_dir() == tmp_path / "repo" / "js" / "node_modules"
    monkeypatch.setenv("RUSTORCH_WASM_NODE_MODULES", str(tmp_path / "nm"))
    assert chromium.node_modules_dir() == tmp_path / "nm"
    if chromium.chromium_binary() and node_binary():
        status = get_engine("chromium").status()
        assert not status.available and "playwright-core not in" in status.reason


def test_engines_cli_lists_every_engine_with_a_reason_when_missing() -> None:
    proc = subprocess.run([sys.executable, "-m", "rustorch_wasm.engines", "--json"], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "RUSTORCH_WASM_WEBGPU": "off"})
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert [r["name"] for r in rows] == [*ENGINE_NAMES, "webgpu"]
    assert rows[-1]["available"] is False and "RUSTORCH_WASM_WEBGPU=off" in rows[-1]["reason"]
    for r in rows:
        assert r["available"] or r["reason"]


def test_engines_cli_prints_one_clean_line_per_engine() -> None:
    # the WebGPU adapter probe runs for real: its native Vulkan/Mesa warnings must not show
    proc = subprocess.run([sys.executable, "-m", "rustorch_wasm.engines"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0
    assert proc.stderr == ""
    lines = proc.stdout.splitlines()
    assert [ln.split()[0] for ln in lines] == [*ENGINE_NAMES, "webgpu"]
    assert all(ln.split()[1] in ("yes", "no") for ln in lines)


@pytest.mark.parametrize("name", PER_TEST_ENGINES)
def test_a_trap_in_a_timed_call_without_warmup_is_an_error(name: str) -> None:
    engine = _engine_or_skip(name)
    call = KernelCall("trap", "ew_relu", (In("a"), Out("out", 1), I32(2**30)), warmup=0, repeat=1)
    with pytest.raises((EngineError, runtime.WasmTrap), match="(?i)out of bounds|trap"):
        engine.run([call], {"a": np.zeros(1, np.float32)})
