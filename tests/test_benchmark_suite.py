"""The asv suite covers every row of the seed's tables, and every timed
kernel has a deterministic instruction-count companion.

Discovery is asv's own (``asv check``); the table of seed rows below is the
contract of issue 4: module, class, and the seed's sizes as asv ``params``.
"""
from __future__ import annotations

import importlib
import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# (module, class) -> the seed's parameter values, as asv params
SEED_ROWS: dict[tuple[str, str], list] = {
    ("tensor_ops", "Add"): [100, 1_000, 10_000, 100_000],
    ("tensor_ops", "MatMul"): [64, 256, 512, 1024],
    ("activations", "ReLU"): [1_000, 10_000],
    ("activations", "Sigmoid"): [1_000, 10_000],
    ("special_functions", "Gamma"): ["single", 1_000, 10_000],
    ("special_functions", "BesselJ"): ["single", 1_000, 10_000],
    ("special_functions", "Erf"): ["single", 1_000, 10_000],
    ("special_functions", "Beta"): ["single", 1_000, 10_000],
    ("layers", "LayerForward"): ["linear_784_128", "linear_2048_512", "conv2d_224x224x3_64",
                                 "lstm_seq100_h256"],
    ("training", "TrainStep"): ["mlp_784_128_10_b32", "cnn_3_64_128_10_b16", "rnn_seq50_b16"],
    ("real_world", "ImageClassification"): ["single", "batch_10"],
    ("real_world", "AnomalyDetection"): ["single", "batch"],
    ("op_fusion", "FusedChain"): ["fused", "unfused"],
}
# Seed rows reported as throughput or memory rather than time: (module, class, track).
SEED_TRACKS = [
    ("training", "TrainStep", "track_peak_wasm_mb", "MB"),
    ("real_world", "AnomalyDetection", "track_points_per_second", "points/s"),
    ("real_world", "AnomalyRate", "track_anomaly_rate", "%"),
    ("real_world", "MLPTraining", "track_samples_per_second", "samples/s"),
]


def benchmark_classes() -> list[type]:
    out = []
    for path in sorted((ROOT / "benchmarks").glob("*.py")):
        if path.name.startswith("_"):
            continue
        module = importlib.import_module(f"benchmarks.{path.stem}")
        out += [c for _, c in inspect.getmembers(module, inspect.isclass)
                if c.__module__ == module.__name__ and not c.__name__.startswith("_")]
    return out


def flat_params(cls: type) -> list:
    params = getattr(cls, "params", [])
    return list(params[0]) if params and isinstance(params[0], list) else list(params)


@pytest.mark.parametrize("module,cls", sorted(SEED_ROWS))
def test_seed_row_exists_with_seed_params(module: str, cls: str) -> None:
    bench = getattr(importlib.import_module(f"benchmarks.{module}"), cls)
    assert flat_params(bench) == SEED_ROWS[(module, cls)]
    assert [n for n in dir(bench) if n.startswith("time_")], f"{cls} has no time benchmark"


@pytest.mark.parametrize("module,cls,track,unit", SEED_TRACKS)
def test_seed_track_exists_with_unit(module: str, cls: str, track: str, unit: str) -> None:
    bench = getattr(importlib.import_module(f"benchmarks.{module}"), cls)
    assert getattr(getattr(bench, track), "unit", None) == unit


def test_every_time_benchmark_has_an_instruction_companion() -> None:
    classes = benchmark_classes()
    assert len(classes) >= len(SEED_ROWS)
    for cls in classes:
        for name in dir(cls):
            if name.startswith("time_"):
                companion = f"track_{name[len('time_'):]}_instructions"
                assert hasattr(cls, companion), f"{cls.__name__}.{name} lacks {companion}"
                assert getattr(getattr(cls, companion), "unit", None) == "instructions"


@pytest.mark.parametrize("cls", benchmark_classes(), ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_instruction_counts_repeat_exactly(cls: type) -> None:
    # The smallest parameter of each class, counted twice in fresh inputs.
    params = getattr(cls, "params", [])
    combo = tuple(p[0] for p in params) if params and isinstance(params[0], list) else (
        (params[0],) if params else ())
    tracks = [n for n in dir(cls) if n.startswith("track_") and n.endswith("_instructions")]
    for name in tracks:
        first = getattr(cls(), name)(*combo)
        second = getattr(cls(), name)(*combo)
        assert isinstance(first, int) and first > 0, (cls.__name__, name, first)
        assert first == second, (cls.__name__, name, first, second)


def test_asv_check_passes() -> None:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    proc = subprocess.run([sys.executable, "-m", "asv", "check", "--python=same"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "No problems found" in proc.stdout


def test_engine_suite_skips_an_unavailable_engine_with_its_reason(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    from benchmarks.engines import EngineKernels

    monkeypatch.setenv("RUSTORCH_WASM_ENGINE", "firefox")
    monkeypatch.setenv("RUSTORCH_WASM_FIREFOX", str(tmp_path / "no-firefox"))
    bench = EngineKernels()
    cache = bench.setup_cache()
    with pytest.raises(NotImplementedError, match="firefox not found"):  # asv records "skipped"
        bench.setup(cache, "add_100")
