"""Run kernel calls in JavaScriptCore, Safari's engine: a WebKitGTK page, or the ``jsc`` shell.

Two modes, chosen by what is installed (``$RUSTORCH_WASM_WEBKIT_MODE`` =
``browser`` or ``jsc`` forces one):

``browser``
    ``engines/js/webkit.mjs`` serves the page from 127.0.0.1 (``pagehost.mjs``,
    as for Chromium and Firefox) and drives WebKitGTK's ``MiniBrowser`` through
    ``WebKitWebDriver`` (Debian's ``webkit2gtk-driver``). WebKitGTK cannot run
    without a display, so the script starts a private ``Xvfb`` (package
    ``xvfb``) unless ``$RUSTORCH_WASM_WEBKIT_DISPLAY`` names one to use.
``jsc``
    The fallback that needs no display: ``jsc -m engines/js/jsc_harness.mjs``
    (Debian's ``libjavascriptcoregtk-4.0-bin``), the same engine without a
    browser around it. Its version string says "jsc shell, no browser", so a
    result from it is never mistaken for a page's.

Both time with the engine's own clock (``performance.now()`` in the page,
``preciseTime()`` in the shell) around the raw export, through ``core.mjs``.
"""
from __future__ import annotations

import gzip
import os
from pathlib import Path
from typing import Any

from .. import runtime as _rt
from .node import JS_DIR, NodeScriptEngine, node_status
from .programs import find_program
from .spec import EngineStatus

MODE_ENV = "RUSTORCH_WASM_WEBKIT_MODE"
DISPLAY_ENV = "RUSTORCH_WASM_WEBKIT_DISPLAY"
MINIBROWSER = ("/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser",
               "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.0/MiniBrowser",
               "/usr/lib/aarch64-linux-gnu/webkit2gtk-4.1/MiniBrowser")
JSC_LABEL = "JavaScriptCore (jsc shell, no browser)"


def webkit_programs() -> dict[str, str | None]:
    """Paths of WebKitWebDriver, MiniBrowser, Xvfb and jsc (None where missing)."""
    return {
        "driver": find_program("RUSTORCH_WASM_WEBKITDRIVER", "WebKitWebDriver"),
        "browser": find_program("RUSTORCH_WASM_MINIBROWSER", *MINIBROWSER),
        "xvfb": find_program("RUSTORCH_WASM_XVFB", "Xvfb"),
        "jsc": find_program("RUSTORCH_WASM_JSC", "jsc"),
    }


def webkit_version() -> str:
    """The WebKitGTK version, read from the first line of Debian's changelog of
    webkit2gtk-driver (the library's file name carries only its ABI); "" when unknown."""
    doc = Path("/usr/share/doc/webkit2gtk-driver/changelog.Debian.gz")
    try:
        with gzip.open(doc, "rt", encoding="utf-8", errors="replace") as fh:
            first = fh.readline()
    except OSError:
        return ""
    if "(" in first and ")" in first:
        return first.split("(", 1)[1].split(")", 1)[0].split("-")[0]
    return ""


class WebKitEngine(NodeScriptEngine):
    """JavaScriptCore in a WebKitGTK page, or in the jsc shell as the fallback."""

    name = "webkit"
    script = "webkit.mjs"

    def __init__(self, wasm: Path | None = None, jsc_options: tuple[str, ...] = ()) -> None:
        """``jsc_options``: JSC options for the jsc mode, e.g. ``--useWasmSIMD=false``
        (a real engine without SIMD128, for the probe's negative test)."""
        super().__init__(wasm)
        self.jsc_options = tuple(jsc_options)

    def mode(self) -> tuple[str | None, str]:
        """("browser" | "jsc", "") when runnable, else (None, the reason)."""
        progs = webkit_programs()
        forced = os.environ.get(MODE_ENV, "")
        if forced not in ("", "browser", "jsc"):
            return None, f"${MODE_ENV}={forced!r}: expected 'browser' or 'jsc'"
        has_display = bool(progs["xvfb"] or os.environ.get(DISPLAY_ENV))
        why_not_browser = (
            "node not found" if node_status(self.name)[1] is None else
            "WebKitWebDriver not found (apt-get install webkit2gtk-driver)" if not progs["driver"] else
            "MiniBrowser not found (apt-get install webkit2gtk-driver)" if not progs["browser"] else
            "no display: Xvfb not found (apt-get install xvfb)" if not has_display else "")
        why_not_jsc = "" if progs["jsc"] else "jsc not found (apt-get install libjavascriptcoregtk-4.0-bin)"
        if forced != "jsc" and not why_not_browser:
            return "browser", ""
        if forced != "browser" and not why_not_jsc:
            return "jsc", ""
        return None, "; ".join(r for r in (why_not_browser if forced != "jsc" else "",
                                           why_not_jsc if forced != "browser" else "") if r)

    def status(self) -> EngineStatus:
        """Available in browser mode, else in jsc mode, else the reasons for both."""
        mode, reason = self.mode()
        if mode is None:
            return EngineStatus(self.name, False, reason)
        if mode == "jsc":
            return EngineStatus(self.name, True, "", f"{JSC_LABEL} {webkit_version()}".strip())
        return EngineStatus(self.name, True, "",
                            f"WebKitGTK {webkit_version() or '?'} (JavaScriptCore, MiniBrowser under WebKitWebDriver)")

    def launcher(self) -> str:
        """node for the browser mode, jsc for the fallback."""
        mode, reason = self.mode()
        if mode is None:
            raise _rt.EngineUnavailable(reason)
        if mode == "jsc":
            jsc = webkit_programs()["jsc"]
            assert jsc is not None
            return jsc
        return super().launcher()

    def command(self, program: str, req_path: Path) -> list[str]:
        """node webkit.mjs REQUEST, or jsc -m jsc_harness.mjs -- REQUEST."""
        if self.mode()[0] == "jsc":
            return [program, *self.jsc_options, "-m", str(JS_DIR / "jsc_harness.mjs"), "--", str(req_path)]
        return super().command(program, req_path)

    def extra_request(self) -> dict[str, Any]:
        """Driver, browser and display for webkit.mjs (jsc_harness.mjs ignores them)."""
        progs = webkit_programs()
        display = os.environ.get(DISPLAY_ENV) or None
        return {"driver": progs["driver"], "browser": progs["browser"], "display": display,
                "xvfb": None if display else progs["xvfb"], "webkit_version": webkit_version()}
