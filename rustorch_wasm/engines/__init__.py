"""The same ``_kernels.wasm`` in several WebAssembly engines.

=============  =====================================================
``wasmer``     Wasmer 1.1 + cranelift, in this process (the default)
``wasmtime``   wasmtime, in this process
``node``       V8 in node, via ``engines/js/harness.mjs``
``chromium``   V8 in a headless Chromium page, via ``engines/js/chromium.mjs``
``firefox``    SpiderMonkey in a headless Firefox ESR page, via ``engines/js/firefox.mjs``
``webkit``     JavaScriptCore in a WebKitGTK page (``engines/js/webkit.mjs``),
               or in the ``jsc`` shell where no browser can run (labelled so)
=============  =====================================================

Every engine takes the same :class:`~.spec.KernelCall` list and input arrays
and returns an :class:`~.spec.EngineRun` (outputs and per-call times), so a
result can be compared across engines and a slowdown told apart as ours (all
engines) or one engine's. ``$RUSTORCH_WASM_ENGINE`` selects the engine for
:func:`selected_engine` (the asv matrix dimension).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

import numpy as np

from .spec import EngineRun, EngineStatus, KernelCall

ENGINE_NAMES = ("wasmer", "wasmtime", "node", "chromium", "firefox", "webkit")
BROWSER_ENGINES = ("chromium", "firefox", "webkit")
ENGINE_ENV = "RUSTORCH_WASM_ENGINE"


class Engine(Protocol):
    """What every engine offers."""

    name: str

    def status(self) -> EngineStatus: ...

    def run(self, calls: list[KernelCall], inputs: dict[str, np.ndarray]) -> EngineRun: ...

    def probe_simd(self) -> bool: ...


def get_engine(name: str, wasm: Path | None = None) -> Engine:
    """The engine called ``name`` (ValueError for an unknown name)."""
    if name in ("wasmer", "wasmtime"):
        from .inprocess import InProcessEngine
        return InProcessEngine(name, wasm)
    if name == "node":
        from .node import NodeEngine
        return NodeEngine(wasm)
    if name == "chromium":
        from .chromium import ChromiumEngine
        return ChromiumEngine(wasm)
    if name == "firefox":
        from .firefox import FirefoxEngine
        return FirefoxEngine(wasm)
    if name == "webkit":
        from .webkit import WebKitEngine
        return WebKitEngine(wasm)
    raise ValueError(f"unknown engine {name!r}: expected one of {', '.join(ENGINE_NAMES)}")


def selected_engine() -> Engine:
    """The engine named by ``$RUSTORCH_WASM_ENGINE`` (default wasmer)."""
    return get_engine(os.environ.get(ENGINE_ENV) or "wasmer")


def engine_statuses() -> list[EngineStatus]:
    """Availability of every engine on this machine, with the reason when missing."""
    return [get_engine(name).status() for name in ENGINE_NAMES]
