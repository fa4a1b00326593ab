"""Firefox (SpiderMonkey) and WebKit (JavaScriptCore) give numpy's answers, with SIMD128 on.

Each browser costs a launch (about 3 s for Firefox, under 1 s for WebKitGTK
here), so every engine runs all its kernel checks in ONE run, made once per
module (the ``runs`` fixture), and the tests read that run. An engine that is
not installed is skipped with its reason. ``webkit-jsc`` is the WebKit
engine forced into its fallback, the ``jsc`` shell.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest

from rustorch_wasm import runtime
from rustorch_wasm.engines import get_engine
from rustorch_wasm.engines import node as node_mod
from rustorch_wasm.engines.node import EngineError
from rustorch_wasm.engines.simd import SIMD_PROBE, wasmer_validates, wasmtime_validates
from rustorch_wasm.engines.spec import EngineRun, I32, In, KernelCall, Out, binary_call, unary_call
from rustorch_wasm.engines.webkit import MODE_ENV, WebKitEngine

ENGINES = ("firefox", "webkit", "webkit-jsc")
N = 1001
M, K, P = 33, 47, 29
# The same module without its SIMD op: i32.const 0 returning i32 (type 0x7f).
NO_SIMD_MODULE = bytes([0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00,
                        0x01, 0x7F, 0x03, 0x02, 0x01, 0x00, 0x0A, 0x06, 0x01, 0x04, 0x00, 0x41, 0x00, 0x0B])


@contextmanager
def _env(name: str, value: str | None) -> Iterator[None]:
    old = os.environ.get(name)
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old


def _mode(label: str) -> str | None:
    return "jsc" if label == "webkit-jsc" else None


@pytest.fixture(scope="module")
def model_image() -> tuple[np.ndarray, str, tuple[int, ...], float]:
    """A small MLP built in Wasmer: its whole memory, the train-step call, and the
    loss of the SECOND step (the engines run one timed step, then return one more)."""
    from rustorch_wasm.nn import Model
    from rustorch_wasm.nn.optim import SGD
    from rustorch_wasm.runtime import Runtime

    rt = Runtime("wasmer")
    model = Model(runtime=rt).add_layer("linear", 20, 16).add_layer("relu").add_layer("linear", 16, 4)
    rng = np.random.default_rng(5)
    x, y = rng.standard_normal((8, 20)).astype(np.float32), rng.integers(0, 4, 8)
    export, args = model.train_step_call(x, y, SGD(0.05, 0.9))
    image = np.array(rt.u8(), copy=True)
    fn = rt.fn(export)
    fn(*args)
    return image, export, args, float(fn(*args))


@pytest.fixture(scope="module")
def data(model_image: tuple[np.ndarray, str, tuple[int, ...], float]) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(11)
    return {"a": rng.standard_normal(N).astype(np.float32) * 4, "b": rng.standard_normal(N).astype(np.float32),
            "ma": rng.standard_normal((M, K)).astype(np.float32),
            "mb": rng.standard_normal((K, P)).astype(np.float32), "image": model_image[0]}


def _image_call(export: str, args: tuple[int, ...]) -> KernelCall:
    return KernelCall("train_step", export, tuple(I32(a) for a in args), warmup=0, repeat=1,
                      memory="image", return_value=True)


def _calls() -> list[KernelCall]:
    return [binary_call("ew_add", N), unary_call("ew_sigmoid", N),
            KernelCall("matmul", "matmul_f32", (In("ma"), In("mb"), Out("out", M * P), I32(M), I32(K), I32(P)),
                       repeat=2),
            KernelCall("relu_batched", "ew_relu", (In("a"), Out("out", N), I32(N)), repeat=2,
                       min_sample_ms=0.5)]


@pytest.fixture(scope="module")
def runs(data: dict[str, np.ndarray], model_image: tuple[np.ndarray, str, tuple[int, ...], float],
         ) -> dict[str, EngineRun | str]:
    """One run per engine label; the skip reason in place of a run when it is absent."""
    out: dict[str, EngineRun | str] = {}
    calls = [*_calls(), _image_call(model_image[1], model_image[2])]
    for label in ENGINES:
        with _env(MODE_ENV, _mode(label)):
            engine = get_engine(label.split("-")[0])
            status = engine.status()
            out[label] = engine.run(calls, data) if status.available else \
                f"engine {label} not available here: {status.reason}"
    return out


def _run_or_skip(runs: dict[str, EngineRun | str], label: str) -> EngineRun:
    run = runs[label]
    if isinstance(run, str):
        pytest.skip(run)
    return run


@pytest.mark.parametrize("label", ENGINES)
def test_add_matmul_sigmoid_match_numpy(runs: dict[str, EngineRun | str], label: str,
                                        data: dict[str, np.ndarray]) -> None:
    run = _run_or_skip(runs, label)
    a, b = data["a"], data["b"]
    assert run.engine == label.split("-")[0]
    np.testing.assert_array_equal(run.result("ew_add").outputs["out"], a + b)
    np.testing.assert_allclose(run.result("ew_sigmoid").outputs["out"], 1 / (1 + np.exp(-a)),
                               rtol=1e-5, atol=1e-6)
    expected = (data["ma"].astype(np.float64) @ data["mb"]).ravel()
    np.testing.assert_allclose(run.result("matmul").outputs["out"], expected, rtol=1e-4, atol=1e-4)
    assert "matmul_f32" in run.exports


@pytest.mark.parametrize("label", ENGINES)
def test_times_come_from_the_engine_clock(runs: dict[str, EngineRun | str], label: str,
                                          data: dict[str, np.ndarray]) -> None:
    run = _run_or_skip(runs, label)
    assert [len(r.times_ms) for r in run.results] == [5, 5, 2, 2, 1]
    assert all(t >= 0 and np.isfinite(t) for r in run.results for t in r.times_ms)
    batched = run.result("relu_batched")
    # one relu of 1K floats is far under 0.5 ms, so the batch grew by doublings
    assert batched.inner > 1 and batched.inner & (batched.inner - 1) == 0
    assert batched.min_ms > 0
    np.testing.assert_array_equal(batched.outputs["out"], np.maximum(data["a"], 0))


@pytest.mark.parametrize("label", ENGINES)
def test_a_model_built_in_wasmer_trains_the_same_from_its_memory_image(
        runs: dict[str, EngineRun | str], label: str,
        model_image: tuple[np.ndarray, str, tuple[int, ...], float]) -> None:
    run = _run_or_skip(runs, label)
    value = run.result("train_step").value
    # the same wasm on the same memory: the second step's loss, to f32 rounding
    assert value is not None and value == pytest.approx(model_image[3], rel=1e-6)


@pytest.mark.parametrize("name", ["wasmer", "node"])
def test_memory_image_in_wasmer_and_node(name: str, data: dict[str, np.ndarray],
                                         model_image: tuple[np.ndarray, str, tuple[int, ...], float]) -> None:
    engine = get_engine(name)
    if not engine.status().available:
        pytest.skip(f"engine {name} not available here: {engine.status().reason}")
    run = engine.run([_image_call(model_image[1], model_image[2])], {"image": data["image"]})
    assert run.results[0].value == pytest.approx(model_image[3], rel=1e-6)


@pytest.mark.parametrize("label", ENGINES)
def test_engine_reports_simd128_on(runs: dict[str, EngineRun | str], label: str) -> None:
    run = _run_or_skip(runs, label)
    assert run.simd is True


def test_the_jsc_fallback_is_labelled_as_such(runs: dict[str, EngineRun | str]) -> None:
    _run_or_skip(runs, "webkit-jsc")
    with _env(MODE_ENV, "jsc"):
        assert "jsc shell, no browser" in get_engine("webkit").status().version


def test_the_probe_module_uses_simd_and_validates_only_with_it() -> None:
    assert wasmer_validates(SIMD_PROBE)
    assert wasmtime_validates(SIMD_PROBE)
    # wasmtime with its SIMD proposal off is an engine without SIMD128: the probe fails
    # there, while the same module without the SIMD op still validates.
    assert not wasmtime_validates(SIMD_PROBE, simd=False)
    assert wasmtime_validates(NO_SIMD_MODULE, simd=False)


def test_a_jsc_without_simd_is_reported_and_refused() -> None:
    engine = WebKitEngine(jsc_options=("--useWasmSIMD=false",))
    with _env(MODE_ENV, "jsc"):
        status = engine.status()
        if not status.available:
            pytest.skip(f"jsc not available here: {status.reason}")
        assert WebKitEngine().probe_simd() is True
        assert engine.probe_simd() is False
        with pytest.raises(EngineError, match="SIMD128 is off"):
            engine.run([unary_call("ew_relu", 4)], {"a": np.zeros(4, np.float32)})


def test_a_probe_that_does_not_validate_is_reported_by_the_js_host(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = get_engine("node")
    if not engine.status().available:
        pytest.skip(f"node not available here: {engine.status().reason}")
    broken = bytearray(SIMD_PROBE)
    broken[-3:-1] = b"\xfd\xff"  # no such SIMD opcode
    monkeypatch.setattr(node_mod, "SIMD_PROBE", bytes(broken))
    assert engine.probe_simd() is False
    with pytest.raises(EngineError, match="SIMD128 is off"):
        engine.run([unary_call("ew_relu", 4)], {"a": np.zeros(4, np.float32)})


@pytest.mark.parametrize("label", ENGINES)
def test_a_trap_in_a_browser_engine_is_an_error(runs: dict[str, EngineRun | str], label: str) -> None:
    _run_or_skip(runs, label)
    call = KernelCall("trap", "ew_relu", (In("a"), Out("out", 1), I32(2**30)), warmup=1, repeat=1)
    with _env(MODE_ENV, _mode(label)):
        with pytest.raises((EngineError, runtime.WasmTrap), match="(?i)out of bounds|trap|unreachable"):
            get_engine(label.split("-")[0]).run([call], {"a": np.zeros(1, np.float32)})


def test_missing_firefox_is_unavailable_with_reason(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("RUSTORCH_WASM_FIREFOX", str(tmp_path / "no-such-firefox"))
    status = get_engine("firefox").status()
    assert not status.available and "firefox not found" in status.reason
    with pytest.raises(runtime.EngineUnavailable, match="firefox not found"):
        get_engine("firefox").run([unary_call("ew_relu", 4)], {"a": np.zeros(4, np.float32)})


def test_missing_webkit_names_both_modes(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    for var in ("RUSTORCH_WASM_WEBKITDRIVER", "RUSTORCH_WASM_JSC"):
        monkeypatch.setenv(var, str(tmp_path / "missing"))
    status = get_engine("webkit").status()
    assert not status.available
    assert "WebKitWebDriver not found" in status.reason and "jsc not found" in status.reason
    monkeypatch.setenv(MODE_ENV, "jsc")
    assert get_engine("webkit").status().reason == "jsc not found (apt-get install libjavascriptcoregtk-4.0-bin)"
    monkeypatch.setenv(MODE_ENV, "safari")
    assert "expected 'browser' or 'jsc'" in get_engine("webkit").status().reason
