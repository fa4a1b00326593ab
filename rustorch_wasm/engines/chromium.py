"""Run kernel calls in a real headless Chromium page (V8 as in Chrome).

``engines/js/chromium.mjs`` (driven like the node harness, see
:mod:`.node`) serves the page, ``core.mjs``, the wasm and the inputs from an
HTTP server on 127.0.0.1, launches Debian's ``chromium`` through
playwright-core with a fresh profile and the flags ``--headless --no-sandbox
--disable-gpu --disable-quic --no-first-run --disable-background-networking
--disable-component-update --disable-sync``, and runs the calls in the page.
No browser is ever downloaded.

``$RUSTORCH_WASM_CHROMIUM`` names the browser (default: ``chromium`` or
``chromium-browser`` on PATH); ``$RUSTORCH_WASM_NODE_MODULES`` the directory
holding ``playwright-core`` (default: ``js/node_modules`` of this checkout or
of ``$ASV_CONF_DIR``, filled by ``npm ci`` in ``make setup``).
"""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from .node import NodeScriptEngine, node_status
from .spec import EngineStatus

CHROMIUM_ENV = "RUSTORCH_WASM_CHROMIUM"
NODE_MODULES_ENV = "RUSTORCH_WASM_NODE_MODULES"
REPO_NODE_MODULES = Path(__file__).resolve().parents[2] / "js" / "node_modules"


def chromium_binary() -> str | None:
    """Path of the Chromium executable, or None."""
    env = os.environ.get(CHROMIUM_ENV)
    if env:
        return env if Path(env).is_file() and os.access(env, os.X_OK) else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


@functools.lru_cache(maxsize=8)
def chromium_version(path: str) -> str:
    """``chromium --version`` (first line), or "" when it does not answer."""
    try:
        proc = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    lines = proc.stdout.strip().splitlines()
    return lines[0].strip() if proc.returncode == 0 and lines else ""


def node_modules_dir() -> Path:
    """Where playwright-core is looked for: ``$RUSTORCH_WASM_NODE_MODULES``, else
    ``js/node_modules`` of this checkout, else of ``$ASV_CONF_DIR`` (the repository
    asv runs from, when this package is an installed wheel in an asv environment)."""
    env = os.environ.get(NODE_MODULES_ENV)
    if env:
        return Path(env)
    asv_dir = os.environ.get("ASV_CONF_DIR")
    if not REPO_NODE_MODULES.is_dir() and asv_dir:
        return Path(asv_dir) / "js" / "node_modules"
    return REPO_NODE_MODULES


class ChromiumEngine(NodeScriptEngine):
    """V8 in a headless Chromium page."""

    name = "chromium"
    script = "chromium.mjs"

    def status(self) -> EngineStatus:
        """Available when node, Chromium and playwright-core are all present."""
        status, node = node_status(self.name)
        if node is None:
            return status
        if chromium_binary() is None:
            return EngineStatus(self.name, False,
                                "chromium not found (apt-get install chromium, or set $RUSTORCH_WASM_CHROMIUM)")
        if not (node_modules_dir() / "playwright-core" / "package.json").is_file():
            return EngineStatus(self.name, False,
                                f"playwright-core not in {node_modules_dir()} (run `npm ci` in js/)")
        browser = chromium_version(str(chromium_binary())) or "chromium (version unknown)"
        return EngineStatus(self.name, True, "", f"{browser}; {status.version}")

    def extra_request(self) -> dict[str, Any]:
        """The browser path and the node_modules directory for the script."""
        return {"chromium": chromium_binary(), "node_modules": str(node_modules_dir())}
