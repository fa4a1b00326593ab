"""WebGPU path: WGSL shaders on lavapipe (or a GPU) equal the wasm CPU path; fallback without adapter."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rustorch_wasm.webgpu import OPS, WebGPU

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def gpu() -> WebGPU:
    g = WebGPU()
    if not g.status.available:
        pytest.skip(f"no WebGPU adapter here: {g.status.reason}")
    return g


@pytest.fixture(scope="module")
def rng() -> np.random.Generator:
    return np.random.default_rng(11)


@pytest.mark.parametrize("n", [1, 255, 257, 10_007])
def test_elementwise_gpu_equals_cpu(gpu: WebGPU, rng: np.random.Generator, n: int) -> None:
    a = (rng.standard_normal(n) * 10).astype(np.float32)
    b = rng.standard_normal(n).astype(np.float32)
    np.testing.assert_array_equal(gpu.add(a, b, device="gpu"), gpu.add(a, b, device="cpu"))
    np.testing.assert_array_equal(gpu.relu(a, device="gpu"), gpu.relu(a, device="cpu"))
    np.testing.assert_allclose(gpu.sigmoid(a, device="gpu"), gpu.sigmoid(a, device="cpu"),
                               rtol=2e-6, atol=1e-7)


def test_shapes_are_kept_and_extremes_saturate(gpu: WebGPU) -> None:
    a = np.array([[-1e30, -100.0, 0.0], [100.0, 1e30, -0.0]], np.float32)
    out = gpu.sigmoid(a, device="gpu")
    assert out.shape == (2, 3)
    np.testing.assert_allclose(out, [[0, 0, 0.5], [1, 1, 0.5]], atol=1e-30)
    assert gpu.relu(np.zeros((0, 3), np.float32), device="gpu").shape == (0, 3)


@pytest.mark.parametrize("m,k,n", [(1, 1, 1), (16, 16, 16), (17, 33, 15), (70, 5, 129)])
def test_tiled_matmul_equals_cpu(gpu: WebGPU, rng: np.random.Generator, m: int, k: int, n: int) -> None:
    a = rng.standard_normal((m, k)).astype(np.float32)
    b = rng.standard_normal((k, n)).astype(np.float32)
    got = gpu.matmul(a, b, device="gpu")
    assert got.shape == (m, n)
    np.testing.assert_allclose(got, gpu.matmul(a, b, device="cpu"), rtol=1e-5, atol=1e-5 * np.sqrt(k))
    np.testing.assert_allclose(got, a.astype(np.float64) @ b, rtol=1e-5, atol=1e-5 * np.sqrt(k))


def test_more_workgroups_than_one_grid_row(gpu: WebGPU) -> None:
    n = 256 * 65535 + 300  # folds the dispatch into 2 rows of workgroups
    a = np.linspace(-1, 1, n, dtype=np.float32)
    out = gpu.relu(a, device="gpu")
    np.testing.assert_array_equal(out, np.maximum(a, 0))


def test_threshold_routes_by_measured_crossover(gpu: WebGPU, monkeypatch: pytest.MonkeyPatch) -> None:
    table = {"devices": {gpu.status.device: {"thresholds": {"add": 1000, "relu": None}}}}
    g = WebGPU(crossover=table)
    assert g.threshold("add") == 1000 and g.threshold("relu") is None and g.threshold("matmul") is None
    taken: list[str] = []
    real = g._elementwise
    monkeypatch.setattr(g, "_elementwise", lambda op, *a: taken.append(op) or real(op, *a))
    x = np.ones(999, np.float32)
    g.add(x, x)
    assert taken == []
    y = np.ones(1000, np.float32)
    np.testing.assert_array_equal(g.add(y, y), 2 * y)
    assert taken == ["add"]
    g.relu(np.ones(10**6, np.float32))  # no crossover: stays on the CPU
    assert taken == ["add"]
    monkeypatch.setenv("RUSTORCH_WASM_WEBGPU_THRESHOLD", "5")
    assert g.threshold("relu") == 5 and g.uses_gpu("relu", 5) and not g.uses_gpu("relu", 4)
    assert not g.uses_gpu("relu", 10**9, device="cpu")


@pytest.mark.parametrize("how", ["param", "env"])
def test_no_adapter_falls_back_to_wasm(how: str, monkeypatch: pytest.MonkeyPatch, rng: np.random.Generator) -> None:
    if how == "env":
        monkeypatch.setenv("RUSTORCH_WASM_WEBGPU", "off")
        g = WebGPU()
    else:
        g = WebGPU(adapter="none")
    assert not g.status.available and "disabled" in g.status.reason
    assert all(g.threshold(op) is None for op in OPS)
    a = rng.standard_normal(300).astype(np.float32)
    b = rng.standard_normal(300).astype(np.float32)
    np.testing.assert_array_equal(g.add(a, b, device="gpu"), a + b)  # forced GPU still falls back
    np.testing.assert_array_equal(g.relu(a), np.maximum(a, 0))
    np.testing.assert_allclose(g.sigmoid(a), 1 / (1 + np.exp(-a)), rtol=1e-6, atol=1e-7)
    ma, mb = a.reshape(15, 20), b.reshape(20, 15)
    np.testing.assert_allclose(g.matmul(ma, mb), ma @ mb, rtol=1e-5, atol=1e-5)


def test_bad_input_is_a_clear_error() -> None:
    g = WebGPU(adapter="none")
    with pytest.raises(TypeError, match="float32"):
        g.relu(np.zeros(3))
    with pytest.raises(TypeError, match="numpy array"):
        g.relu([1.0, 2.0])
    with pytest.raises(ValueError, match="shape mismatch"):
        g.add(np.zeros(3, np.float32), np.zeros(4, np.float32))
    with pytest.raises(ValueError, match="cannot multiply"):
        g.matmul(np.zeros((2, 3), np.float32), np.zeros((2, 3), np.float32))
    with pytest.raises(ValueError, match="device must be"):
        g.relu(np.zeros(3, np.float32), device="tpu")
    with pytest.raises(ValueError, match="adapter must be"):
        WebGPU(adapter="vulkan")


def test_crossover_script_writes_thresholds(gpu: WebGPU, tmp_path: Path) -> None:
    out = tmp_path / "crossover.json"
    out.write_text(json.dumps({"devices": {"other gpu": {"thresholds": {"add": 7}}}}))
    proc = subprocess.run([sys.executable, str(ROOT / "scripts/webgpu_crossover.py"), "--quick",
                           "--repeat", "1", "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    doc = json.loads(out.read_text())
    assert doc["devices"]["other gpu"] == {"thresholds": {"add": 7}}  # other devices kept
    entry = doc["devices"][gpu.status.device]
    assert set(entry["thresholds"]) == set(OPS) and set(entry["measured"]) == set(OPS)
    for op, points in entry["measured"].items():
        assert len(points) == 2 and all(p["cpu_ms"] > 0 and p["gpu_ms"] > 0 for p in points)
        t = entry["thresholds"][op]
        assert t is None or t in [p["work"] for p in points]
    assert doc["command"].startswith("python scripts/webgpu_crossover.py --quick")


def test_crossover_rule() -> None:
    from reports.webgpu_crossover import crossover

    assert crossover([(1, 1.0, 2.0), (10, 1.0, 0.5), (100, 5.0, 1.0)]) == 10
    assert crossover([(1, 1.0, 0.5), (10, 1.0, 2.0), (100, 5.0, 1.0)]) == 100  # must win at all larger
    assert crossover([(1, 1.0, 2.0), (10, 1.0, 2.0)]) is None
