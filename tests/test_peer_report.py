"""scripts/peer_report.py (reports/peers/): one quick run writes the tables (per section of the
reference guide, ours and TF.js per engine, the guide's claims) naming machine, versions and date."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path


from reports.guide_claims import guide_claim
from reports.peers.render import ratio_lines
from reports.peers.rows import PeerRow
from rustorch_wasm.engines import get_engine

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "peer_report.py"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True,
                          timeout=600, cwd=ROOT)


def test_quick_report_writes_table(tmp_path: Path) -> None:
    out = tmp_path / "peers.md"
    proc = _run("--quick", "--engines", "wasmer,node", "--no-webgpu", "--repeat", "1", "--rounds", "2",
                "--markdown", str(out))
    assert proc.returncode == 0, proc.stderr
    text = out.read_text(encoding="utf-8")
    assert text.strip() == proc.stdout.strip()
    assert re.search(r"one run, \d{4}-\d\d-\d\d \d\d:\d\d UTC, \d+ s", text)
    assert "the least, over 2 round(s)" in text
    assert "* Machine: " in text and "numpy " in text and "scipy " in text
    assert [ln for ln in text.splitlines() if ln.startswith("### ")] == [
        "### Tensor operations", "### Activation functions",
        "### Special functions (f64; TF.js has erf only, in f32)", "### Layer forward pass",
        "### Training step (one call: forward, loss, backward, update)",
        "### Ours / TF.js-wasm in the same engine"]
    tables = text.split("### Ours / TF.js")[0]
    rows = [ln for ln in tables.splitlines() if ln.startswith("| ") and not ln.startswith("| Operation")]
    assert [r.split(" | ")[0].lstrip("| ") for r in rows] == [
        "Add", "Add", "MatMul", "ReLU", "Sigmoid", *[f for f in ("Gamma", "Bessel J", "Error Function", "Beta")
                                                     for _ in range(2)], "Linear", "Linear", "LSTM", "Conv2d",
        "MLP (784→128→10)"]
    add_row = rows[0].split(" | ")
    assert float(add_row[2]) > 0 and float(add_row[3]) > 0   # numpy, ours in Wasmer measured
    assert add_row[-3:] == ["0.08", "0.12", "0.1 |"]          # the guide's Chrome/Firefox/Safari claims
    assert "output differs" not in text
    mlp = next(r for r in rows if r.startswith("| MLP")).split(" | ")
    assert mlp[2] == "-" and float(mlp[3]) > 0       # no numpy training step; ours in Wasmer from the image
    doc = json.loads((tmp_path / "peers.json").read_text(encoding="utf-8"))
    assert doc["rows"][0]["id"] == "add_100" and doc["rows"][0]["cells"]["ours:wasmer"] > 0
    if get_engine("node").status().available and (ROOT / "js/node_modules/@tensorflow").is_dir():
        assert "V8 (node) ours · TF.js" in text
        assert "tfjs-backend-wasm 4.22.0, SIMD on, 1 thread" in text
        assert doc["rows"][0]["cells"]["tfjs:node"] > 0
        # the special functions are not in the ratio table: not the same precision
        ratios = text.split("### Ours / TF.js")[1]
        assert "| Add | 100 |" in ratios and "Error Function" not in ratios.split("Ours slower")[0]
    else:
        assert "Not measured:" in text


def test_unknown_engine_is_a_one_line_error() -> None:
    proc = _run("--engines", "wasmer,spidermonkey", "--no-markdown")
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("error: unknown engine 'spidermonkey'")


def test_guide_claims_follow_the_reference_guide_tables() -> None:
    assert guide_claim("matmul_1024", "chrome") == 350.0
    assert guide_claim("matmul_1024", "safari") == 420.0
    assert guide_claim("matmul_1024", "webgpu") == 30.0
    assert guide_claim("linear_2048_512_b32", "firefox") == 1.2   # layer rows: the guide gives no batch
    assert guide_claim("erf_10000", "safari") == 6                 # special functions: no browser named
    assert guide_claim("conv2d_16", "chrome") is None              # not a size of the guide


def test_bad_repeat_is_a_one_line_error() -> None:
    proc = _run("--repeat", "0", "--no-markdown")
    assert proc.returncode == 2
    assert proc.stderr.strip() == "error: --repeat must be at least 1"


def test_bad_rounds_is_a_one_line_error() -> None:
    proc = _run("--rounds", "0", "--no-markdown")
    assert proc.returncode == 2
    assert proc.stderr.strip() == "error: --rounds must be at least 1"


def test_a_slower_row_says_by_how_much_with_the_rounds_and_the_previous_run() -> None:
    row = PeerRow("matmul_64", "matmul", "MatMul", "64x64", {"m": 64, "k": 64, "n": 64})
    row.cells = {"ours:firefox": 0.021, "tfjs:firefox": 0.020, "ours:node": 0.01, "tfjs:node": 0.02}
    row.rounds = {"ours:firefox": [0.021, 0.025], "tfjs:firefox": [0.020, 0.022]}
    previous = {"info": {"date": "2026-12-01 20:00 UTC"}, "command": "python scripts/peer_report.py",
                "rows": [{"id": "matmul_64", "cells": {"ours:firefox": 0.018, "tfjs:firefox": 0.020}}]}
    present = ["ours:node", "tfjs:node", "ours:firefox", "tfjs:firefox"]
    text = "\n".join(ratio_lines([row], present, previous))
    assert "| MatMul | 64x64 | 0.50 | **1.05** |" in text
    assert ("MatMul 64x64 in Firefox (SpiderMonkey): ×1.05 (ours 0.021–0.025 ms, TF.js 0.02–0.022 ms over "
            "the rounds; previous run ×0.90)") in text
    assert "The previous run: 2026-12-01 20:00 UTC" in text
