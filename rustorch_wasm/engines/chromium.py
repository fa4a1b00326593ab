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

import os
from pathlib import Path
from typing import Any

from .node import NodeScriptEngine, node_status
from .programs import find_program, program_version
from .spec import EngineStatus

CHROMIUM_ENV = "RUSTORCH_WASM_CHROMIUM"
NODE_MODULES_ENV = "RUSTORCH_WASM_NODE_MODULES"
REPO_NODE_MODULES = Path(__file__).resolve().parents[2] / "js" / "node_modules"


def chromium_binary() -> str | None:
    """Path of the Chromium executable, or None."""
    return find_program(CHROMIUM_ENV, "chromium", "chromium-browser")


def chromium_version(path: str) -> str:
    """``chromium --version`` (first line), or "" when it does not answer."""
    return program_version(path)


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


def page_engine_status(name: str, browser: str | None, not_found: str, driver_package: str,
                       engine_label: str = "") -> EngineStatus:
    """Status of a browser engine driven by a node script: node, the browser
    (``not_found`` is the reason when ``browser`` is None) and the npm package
    that drives it must all be there. The version names browser, engine and node."""
    status, node = node_status(name)
    if node is None:
        return status
    if browser is None:
        return EngineStatus(name, False, not_found)
    if not (node_modules_dir() / driver_package / "package.json").is_file():
        return EngineStatus(name, False, f"{driver_package} not in {node_modules_dir()} (run `npm ci` in js/)")
    version = program_version(browser) or f"{Path(browser).name} (version unknown)"
    return EngineStatus(name, True, "", f"{version}{engine_label}; {status.version}")


class ChromiumEngine(NodeScriptEngine):
    """V8 in a headless Chromium page."""

    name = "chromium"
    script = "chromium.mjs"

    def status(self) -> EngineStatus:
        """Available when node, Chromium and playwright-core are all present."""
        return page_engine_status(self.name, chromium_binary(),
                                  "chromium not found (apt-get install chromium, or set $RUSTORCH_WASM_CHROMIUM)",
                                  "playwright-core")

    def extra_request(self) -> dict[str, Any]:
        """The browser path and the node_modules directory for the script."""
        return {"chromium": chromium_binary(), "node_modules": str(node_modules_dir())}
