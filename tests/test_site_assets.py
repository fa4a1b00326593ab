"""The site's browser assets: the vendored uPlot is the pinned npm package's
own files with its licence, and the plot script sets text, never HTML.

``make setup`` installs the pinned package into ``tools/site-vendor/`` (npm
ci from its lock file); ``make vendor-site`` copies it into the package.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from rustorch_wasm.regress.render.series_data import ASSETS, SITE_ASSETS

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "tools" / "site-vendor"
INSTALLED = VENDOR / "node_modules" / "uplot"
#: vendored file -> the package's file it copies
COPIES = {"uplot/uPlot.iife.min.js": "dist/uPlot.iife.min.js",
          "uplot/uPlot.min.css": "dist/uPlot.min.css", "uplot/LICENSE": "LICENSE"}


def pinned() -> str:
    return json.loads((VENDOR / "package.json").read_text())["dependencies"]["uplot"]


def test_the_vendored_uplot_is_the_pinned_package():
    lock = json.loads((VENDOR / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/uplot"]["version"] == pinned()
    assert lock["packages"]["node_modules/uplot"]["license"] == "MIT"
    if not INSTALLED.is_dir():
        pytest.fail(f"{INSTALLED} missing: run `make setup` (npm ci in tools/site-vendor)")
    assert json.loads((INSTALLED / "package.json").read_text())["version"] == pinned()
    for mine, theirs in COPIES.items():
        assert (ASSETS / mine).read_bytes() == (INSTALLED / theirs).read_bytes(), mine
    licence = (ASSETS / "uplot" / "LICENSE").read_text()
    assert licence.startswith("The MIT License") and "Leon Sorokin" in licence
    assert set(SITE_ASSETS) == {"series.js", *COPIES}      # every asset is copied into the site


def test_the_plot_script_sets_text_only_and_parses():
    script = (ASSETS / "series.js").read_text()
    assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(", script)
    assert "textContent" in script
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (make setup installs it)")
    proc = subprocess.run([node, "--check", str(ASSETS / "series.js")], capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr
