"""scripts/seed_tables.py (reports/guide_tables.py): the reference guide's tables, its figure and ours
in every cell, from the peer JSON."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "seed_tables.py"


def _peers_doc() -> dict:
    cells = {"add_100000": {"ours:chromium": 0.0202, "ours:firefox": 0.0191, "ours:webkit": 0.0194,
                            "webgpu": 1.5},
             "matmul_1024": {"ours:chromium": 62.7, "ours:firefox": 82.5, "ours:webkit": 58.0},
             "gamma_10000": {"ours:chromium": 0.35, "ours:firefox": 0.36, "ours:webkit": 0.37},
             "linear_784_128_b1": {"ours:chromium": 0.01}, "linear_784_128_b32": {"ours:chromium": 0.2},
             "train_mlp": {"ours:chromium": 0.7, "ours:firefox": 0.8}}
    labels = {"add": "Add", "matmul": "MatMul"}
    rows = [{"id": rid, "label": labels.get(rid.split("_")[0], rid), "size": size, "cells": c}
            for (rid, c), size in zip(cells.items(), ("100,000", "1024x1024", "10,000 array", "b1", "b32", "32"))]
    info = {"date": "2026-12-01 21:00 UTC", "seconds": "300", "cpu": "Test CPU", "wasm_sha": "ab" * 32,
            "engines": "chromium: c; firefox: f; webkit: w", "webgpu": "llvmpipe", "tfjs": "t",
            "missing": "tfjs in webkit (x)"}
    return {"info": info, "command": "python scripts/peer_report.py", "rows": rows}


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=120)


def test_every_cell_pairs_the_guide_figure_with_ours(tmp_path: Path) -> None:
    peers = tmp_path / "peers.json"
    peers.write_text(json.dumps(_peers_doc()), encoding="utf-8")
    out = tmp_path / "seed_tables.md"
    proc = _run("--peers", str(peers), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    text = out.read_text(encoding="utf-8")
    assert "* Machine: Test CPU" in text and "2026-12-01 21:00 UTC" in text and "abababababab" in text
    assert "Not measured in that run: tfjs in webkit (x)." in text
    lines = text.splitlines()
    head = next(ln for ln in lines if ln.startswith("| Operation"))
    assert head == "| Operation | Size | Chrome WebGPU | Chrome CPU | Firefox CPU | Safari CPU |"
    add = next(ln for ln in lines if ln.startswith("| **Add** | 100K"))
    assert add.split(" | ")[2:] == ["seed 1.2 · ours 1.5", "seed 8.5 · ours 0.0202", "seed 12 · ours 0.0191",
                                    "seed 10.5 · ours 0.0194 |"]
    mm = next(ln for ln in lines if ln.startswith("| **MatMul** | 1024x1024"))
    assert "seed 350 · ours 62.7" in mm and "seed 500 · ours 82.5" in mm and "seed 420 · ours 58" in mm
    gamma = next(ln for ln in lines if ln.startswith("| **Gamma**"))
    assert "seed 8 · ours 0.35 / 0.36 / 0.37" in gamma
    linear = next(ln for ln in lines if ln.startswith("| **Linear** | 784→128"))
    assert "seed 0.15 · ours 0.01 (batch 1), 0.2 (batch 32)" in linear
    assert "| **MLP (784→128→10)** | 32 | seed 2.5 · ours 0.7 (Firefox 0.8, WebKit -) |" in text


def test_missing_peer_json_is_a_one_line_error(tmp_path: Path) -> None:
    proc = _run("--peers", str(tmp_path / "none.json"), "--out", str(tmp_path / "x.md"))
    assert proc.returncode == 2
    assert proc.stderr.strip().endswith("none.json not found: run `make peers` (or pass --measure)")
    assert not (tmp_path / "x.md").exists()


def test_measure_runs_the_default_peer_report_first(tmp_path: Path, monkeypatch, capsys) -> None:
    """``--measure``: the peer report's default run writes the JSON (and the Markdown beside it)
    that the tables are then made from; its printed document is not shown."""
    from reports import guide_tables

    peers, out = tmp_path / "peers.json", tmp_path / "seed_tables.md"
    seen = []

    def fake_peer_report(options, argv):
        seen.append((options, list(argv)))
        print("the whole peer document")
        options.json.write_text(json.dumps(_peers_doc()), encoding="utf-8")
        return 0

    monkeypatch.setattr(guide_tables, "run_peer_report", fake_peer_report)
    assert guide_tables.run(peers=peers, measure=True, out=out) == 0
    (options, argv), = seen
    assert (options.markdown, options.json, options.quick, options.rounds) == (tmp_path / "peers.md", peers, False, 5)
    assert argv == ["--markdown", str(tmp_path / "peers.md"), "--json", str(peers)]
    assert "* Machine: Test CPU" in out.read_text(encoding="utf-8")
    assert capsys.readouterr().out == ""


def test_a_failed_measurement_is_a_one_line_error(tmp_path: Path, monkeypatch, capsys) -> None:
    from reports import guide_tables

    monkeypatch.setattr(guide_tables, "run_peer_report", lambda options, argv: 2)
    assert guide_tables.run(peers=tmp_path / "peers.json", measure=True, out=tmp_path / "x.md") == 2
    assert capsys.readouterr().err.strip() == "error: peer_report.py exited 2"
    assert not (tmp_path / "x.md").exists()
