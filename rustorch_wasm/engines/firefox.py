"""Run kernel calls in a headless Firefox ESR page: SpiderMonkey, Firefox's engine.

``engines/js/firefox.mjs`` (driven like the node harness, see :mod:`.node`)
serves the page from 127.0.0.1 (``pagehost.mjs``, shared with Chromium) and
drives Debian's ``firefox-esr`` headless over WebDriver BiDi with
puppeteer-core, on a fresh profile whose prefs switch off updates, telemetry
and other network traffic. No browser is ever downloaded. Times come from
``performance.now()`` in the page (cross-origin isolated) around the raw
export.

``$RUSTORCH_WASM_FIREFOX`` names the browser (default: ``firefox-esr`` or
``firefox`` on PATH); puppeteer-core is looked for where
:func:`.chromium.node_modules_dir` says (``js/node_modules``, from ``npm ci``).
"""
from __future__ import annotations

from typing import Any

from .chromium import node_modules_dir, page_engine_status
from .node import NodeScriptEngine
from .programs import find_program
from .spec import EngineStatus

FIREFOX_ENV = "RUSTORCH_WASM_FIREFOX"


def firefox_binary() -> str | None:
    """Path of the Firefox executable, or None."""
    return find_program(FIREFOX_ENV, "firefox-esr", "firefox")


class FirefoxEngine(NodeScriptEngine):
    """SpiderMonkey in a headless Firefox page."""

    name = "firefox"
    script = "firefox.mjs"


    def status(self) -> EngineStatus:
        """Available when node, Firefox and puppeteer-core are all present."""
        return page_engine_status(self.name, firefox_binary(),
                                  "firefox not found (apt-get install firefox-esr, or set $RUSTORCH_WASM_FIREFOX)",
                                  "puppeteer-core", " (SpiderMonkey)")

    def extra_request(self) -> dict[str, Any]:
        """The browser path and the node_modules directory for the script."""
        return {"firefox": firefox_binary(), "node_modules": str(node_modules_dir())}
