"""Hatchling build hook: compile the Rust crate into the wheel.

Runs for both regular and editable wheels (``pip install .``, ``pip install
-e .``, ``python -m build --wheel`` in asv's per-commit builds). The build
logic lives in ``rustorch_wasm/_build.py`` and is loaded by path, because the
package itself is not importable inside an isolated build environment.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


def _build_module():
    path = Path(__file__).resolve().parent / "rustorch_wasm" / "_build.py"
    spec = importlib.util.spec_from_file_location("_rustorch_build", path)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


class KernelBuildHook(BuildHookInterface):
    PLUGIN_NAME = "rustorch-kernels"

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel":
            return
        build = _build_module()
        out = Path(self.root) / "rustorch_wasm" / "_kernels.wasm"
        try:
            if not build.is_fresh(out):
                build.build_wasm(out)
        except build.BuildError as exc:
            raise SystemExit(f"rustorch_wasm: {exc}") from None
        # The wasm is platform independent, so the wheel stays py3-none-any.
        build_data["artifacts"].append("rustorch_wasm/_kernels.wasm")
