"""Runtime: engines, module cache, traps, the kernel heap, fuel, the build."""
from __future__ import annotations

import hashlib
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from rustorch_wasm import _build
from rustorch_wasm import runtime as rtm
from rustorch_wasm.runtime import Runtime, WasmTrap


@pytest.fixture
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "rustorch_wasm"


@pytest.mark.parametrize("engine", ["wasmer", "wasmtime"])
def test_each_engine_runs_the_same_module(engine):
    r = Runtime(engine)
    assert r.engine == engine
    ptr = r.alloc(64)
    r.array(ptr, 16, np.float32)[:] = np.arange(16)
    assert r.array(ptr, 16, np.float32).sum() == 120
    r.free(ptr)


def test_engine_env_var_selects_wasmtime(monkeypatch):
    monkeypatch.setenv(rtm.ENGINE_ENV, "wasmtime")
    assert Runtime().engine == "wasmtime"


def test_unknown_engine_is_a_clear_error(monkeypatch):
    monkeypatch.setenv(rtm.ENGINE_ENV, "v8")
    with pytest.raises(ValueError, match="RUSTORCH_WASM_ENGINE"):
        Runtime()


def test_missing_wasmer_falls_back_to_wasmtime_and_says_so(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "wasmer", None)  # import fails as with the stub
    monkeypatch.setattr(rtm, "_SAID", set())
    r = Runtime("wasmer")
    assert r.engine == "wasmtime"
    Runtime("wasmer")
    err = capsys.readouterr().err
    assert err.count("using wasmtime") == 1


def test_module_cache_is_private_and_reused(private_cache):
    Runtime("wasmer")
    entries = list(private_cache.glob("wasmer-*.bin"))
    assert len(entries) == 1
    assert (private_cache.stat().st_mode & 0o777) == 0o700
    before = entries[0].stat().st_mtime_ns
    Runtime("wasmer")
    assert entries[0].stat().st_mtime_ns == before  # hit: not rewritten


@pytest.mark.parametrize("engine", ["wasmer", "wasmtime"])
def test_corrupt_cache_entry_is_discarded_and_rebuilt(private_cache, engine):
    Runtime(engine)
    (entry,) = private_cache.glob(f"{engine}-*.bin")
    data = bytearray(entry.read_bytes())
    data[-100] ^= 0xFF  # payload no longer matches its digest
    entry.write_bytes(bytes(data))
    r = Runtime(engine)
    assert r.alloc(16) > 0
    assert entry.read_bytes() != bytes(data)


def test_foreign_writable_cache_entry_is_not_trusted(private_cache):
    Runtime("wasmer")
    (entry,) = private_cache.glob("wasmer-*.bin")
    good = entry.read_bytes()
    entry.write_bytes(b"RTWASM1\n" + b"\0" * 32 + b"garbage")
    os.chmod(entry, 0o666)  # writable by others: never trusted
    Runtime("wasmer")
    assert entry.read_bytes()[:8] == good[:8]
    assert (entry.stat().st_mode & 0o022) == 0


@pytest.mark.parametrize("engine", ["wasmer", "wasmtime"])
def test_trap_becomes_exception_naming_the_operation(engine):
    r = Runtime(engine)
    end = r.memory_bytes()
    with pytest.raises(WasmTrap, match="^relu: wasm trap"):
        r.call("relu", "ew_relu", end - 8, end - 8, 1024)
    assert r.alloc(16) > 0  # the instance is still usable


def test_missing_export_is_attribute_error(rt):
    with pytest.raises(AttributeError, match="no export 'nope'"):
        rt.fn("nope")


def test_double_free_is_refused(rt):
    p = rt.alloc(100)
    rt.free(p)
    with pytest.raises(ValueError, match="not a live wasm allocation"):
        rt.free(p)
    with pytest.raises(ValueError):
        rt.free(12345)


def test_huge_allocation_is_memory_error(rt):
    with pytest.raises(MemoryError, match="4 GiB"):
        rt.alloc(2**32)
    with pytest.raises(MemoryError, match="heap exhausted"):
        rt.alloc(2**32 - 16)


def test_100k_alloc_free_cycles_leave_memory_bounded():
    r = Runtime("wasmer")
    r.free(r.alloc(1 << 20))
    start = r.memory_bytes()
    rng = np.random.default_rng(0)
    sizes = rng.integers(1, 300_000, size=100_000)
    live: list[int] = []
    for i, size in enumerate(sizes):
        live.append(r.alloc(int(size)))
        if len(live) > 8 or i % 3 == 0:
            r.free(live.pop(int(rng.integers(len(live)))))
    for p in live:
        r.free(p)
    assert r.heap_stats().in_use == 0
    # 8 live blocks of < 300 KB can never need more than a few MB.
    assert r.memory_bytes() - start < 16 * 2**20


def test_allocations_never_overlap_and_are_aligned():
    r = Runtime("wasmer")
    rng = np.random.default_rng(1)
    live: dict[int, tuple[int, int]] = {}
    for step in range(3000):
        if live and rng.random() < 0.45:
            ptr = list(live)[int(rng.integers(len(live)))]
            n, tag = live.pop(ptr)
            assert np.all(r.array(ptr, n, np.uint8) == tag), "block was overwritten"
            r.free(ptr)
        else:
            n = int(rng.choice([1, 15, 64, 1000, 5000, 70_000, 300_000]))
            ptr = r.alloc(n)
            assert ptr % 16 == 0
            tag = step % 251
            r.array(ptr, n, np.uint8)[:] = tag
            live[ptr] = (n, tag)
    for ptr, (n, tag) in live.items():
        assert np.all(r.array(ptr, n, np.uint8) == tag)
        r.free(ptr)


def test_views_are_retaken_after_memory_growth(rt):
    small = rt.alloc(16)
    before = rt.memory_bytes()
    big = rt.alloc(before + (1 << 20))  # forces memory.grow
    assert rt.memory_bytes() > before
    view = rt.array(big, 16, np.float32)  # would fail on a stale view
    view[:] = 7
    assert rt.array(big, 16, np.float32)[15] == 7
    rt.free(big)
    rt.free(small)


def test_instruction_counts_are_exact_and_repeatable():
    from rustorch_wasm.runtime import fueled_runtime

    r = fueled_runtime()
    a = r.alloc(4096 * 4)
    counts = {r.instructions(lambda: r.fn("ew_relu")(a, a, 4096)) for _ in range(3)}
    assert len(counts) == 1
    small = r.instructions(lambda: r.fn("ew_relu")(a, a, 1024))
    assert counts.pop() > 2 * small > 0
    r.free(a)


def _copy_crate(dst: Path) -> Path:
    shutil.copytree(_build.CRATE_DIR / "src", dst / "src")
    return dst


def test_same_source_gives_same_bytes(tmp_path):
    a = _build.build_wasm(tmp_path / "a.wasm", crate=_copy_crate(tmp_path / "one" / "kernels"))
    b = _build.build_wasm(tmp_path / "b.wasm", crate=_copy_crate(tmp_path / "two" / "x" / "kernels"))
    assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()
    assert _build.is_fresh(a, tmp_path / "one" / "kernels")


def test_missing_toolchain_names_the_fix(monkeypatch):
    monkeypatch.setenv("RUSTC", "/bin/false")
    with pytest.raises(_build.BuildError, match="apt-get install rustc libstd-rust-dev-wasm32 lld"):
        _build.find_rustc()
    monkeypatch.delenv("RUSTC")
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(_build, "candidate_rustcs", lambda: [])
    with pytest.raises(_build.BuildError, match="rustup target add wasm32-unknown-unknown"):
        _build.find_rustc()
