"""scripts/peer_report.py: one quick run writes a table naming machine, versions and date."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from rustorch_wasm import runtime
from rustorch_wasm.engines import get_engine
from rustorch_wasm.engines.wasm_exports import function_exports

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "peer_report.py"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True,
                          timeout=600, cwd=ROOT)


def test_quick_report_writes_table(tmp_path: Path) -> None:
    out = tmp_path / "peers.md"
    proc = _run("--quick", "--no-chromium", "--repeat", "1", "--rounds", "2", "--markdown", str(out))
    assert proc.returncode == 0, proc.stderr
    text = out.read_text(encoding="utf-8")
    assert text.strip() == proc.stdout.strip()
    assert re.search(r"one run, \d{4}-\d\d-\d\d \d\d:\d\d UTC", text)
    assert "the least, over 2 rounds" in text
    assert "* Machine: " in text and "numpy " in text
    rows = [ln for ln in text.splitlines() if ln.startswith("| ") and not ln.startswith("| Operation")]
    assert [r.split(" | ")[0].lstrip("| ") for r in rows] == [
        "Add", "Add", "MatMul", "ReLU", "Sigmoid", "Linear", "Linear", "Conv2d"]
    exports = set(function_exports(runtime.wasm_path()))
    add_row = rows[0].split(" | ")
    assert add_row[2] != "n/a (not built)" and float(add_row[2]) > 0   # ours in Wasmer measured
    linear_built = "nn_linear_forward" in exports
    assert ("n/a (not built)" in rows[5]) == (not linear_built)
    assert "output differs" not in text
    if get_engine("node").status().available and (ROOT / "js/node_modules/@tensorflow").is_dir():
        assert "ours V8 (node) ms" in text and "TF.js-wasm ms" in text
        assert "tfjs-backend-wasm 4.22.0, SIMD on, 1 thread" in text
        assert "@tensorflow/tfjs-core 4.22.0" in text
    else:
        assert "Not measured:" in text


def test_bad_repeat_is_a_one_line_error() -> None:
    proc = _run("--repeat", "0", "--no-markdown")
    assert proc.returncode == 2
    assert proc.stderr.strip() == "error: --repeat must be at least 1"


def test_bad_rounds_is_a_one_line_error() -> None:
    proc = _run("--rounds", "0", "--no-markdown")
    assert proc.returncode == 2
    assert proc.stderr.strip() == "error: --rounds must be at least 1"
