"""The reference guide's benchmark tables in the guide's own layout, its figure and ours side by side in every cell.

Run by ``python scripts/seed_tables.py`` (``make seed-tables``; the command
and docs/seed_tables.md keep the name "seed tables"). Ours come from the
peer report's JSON (``make peers`` writes docs/peers.json: every cell of one
run of the peer report, with machine, versions and date); ``measure`` runs
that report first (its default run, several minutes) instead of reading an
existing one. The guide's columns map to our engines: Chrome WebGPU -> our
WebGPU path (wgpu on whatever adapter there is), Chrome CPU -> ours in
headless Chromium (V8), Firefox CPU -> ours in headless Firefox ESR
(SpiderMonkey), Safari CPU -> ours in WebKitGTK (JavaScriptCore, Safari's
engine; the jsc shell when no browser can run, which the versions line then
says). The guide's figures are in :mod:`reports.guide_claims`; the
document's own text calls them "the seed's".
"""
from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path
from typing import Any

from reports.guide_claims import guide_claim
from reports.paths import DOCS
from reports.peers.render import fmt_ms
from reports.peers.report import PeerOptions
from reports.peers.report import run as run_peer_report
from rustorch_wasm.regress.io.atomic import write_atomic

DEFAULT_PEERS = DOCS / "peers.json"
DEFAULT_OUT = DOCS / "seed_tables.md"

BROWSER_COLUMNS = (("webgpu", "Chrome WebGPU", "webgpu"), ("chrome", "Chrome CPU", "ours:chromium"),
                   ("firefox", "Firefox CPU", "ours:firefox"), ("safari", "Safari CPU", "ours:webkit"))
CPU_COLUMNS = BROWSER_COLUMNS[1:]
# The guide's own precision column, and the bound our tests assert for the same function.
PRECISION = {"gamma": ("1e-12", "1e-12 (relative, vs mpmath)"), "bessel_j": ("1e-10", "1e-10 (absolute)"),
             "erf": ("1e-14", "1e-14 (relative)"), "beta": ("1e-12", "1e-12 (relative)")}


def pair(claim: float | None, ours: float | None) -> str:
    """One cell: "seed X · ours Y" (ms): the guide's claim X, ours Y."""
    return f"seed {fmt_ms(claim)} · ours {fmt_ms(ours)}"


def tensor_tables(rows: dict[str, dict[str, Any]], ids: list[list[str]], first: str) -> list[str]:
    """Tensor-op and activation tables: one row a size, the four browser columns."""
    head = [first, "Size", *[title for _, title, _ in BROWSER_COLUMNS]]
    out: list[str] = []
    for group in ids:
        out += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for rid in group:
            r = rows.get(rid)
            if r is None:
                continue
            cells = [pair(guide_claim(rid, b), r["cells"].get(col)) for b, _, col in BROWSER_COLUMNS]
            out.append("| " + " | ".join([f"**{r['label']}**", r["size"].replace(",000", "K"), *cells]) + " |")
        out.append("")
    return out


def special_table(rows: dict[str, dict[str, Any]]) -> list[str]:
    """The special-function table: single value, 1K and 10K arrays, precision."""
    head = ["Function", "Single Value", "1K Array", "10K Array", "Precision"]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for op, label in (("gamma", "Gamma"), ("bessel_j", "Bessel J"), ("erf", "Error Function"), ("beta", "Beta")):
        cells = []
        for size in ("single", "1000", "10000"):
            rid = f"{op}_{size}"
            r = rows.get(rid, {"cells": {}})
            ours = " / ".join(fmt_ms(r["cells"].get(col)) for _, _, col in CPU_COLUMNS)
            cells.append(f"seed {fmt_ms(guide_claim(rid, 'any'))} · ours {ours}")
        claimed, ours_p = PRECISION[op]
        out.append("| " + " | ".join([f"**{label}**", *cells, f"seed {claimed} · ours {ours_p}"]) + " |")
    return out + [""]


def layer_table(rows: dict[str, dict[str, Any]]) -> list[str]:
    """Layer forward pass: Linear (ours at batch 1 and 32), Conv2d, LSTM."""
    head = ["Layer Type", "Input Size", *[title for _, title, _ in CPU_COLUMNS]]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for label, size, guide_id, ours_ids in (
            ("Linear", "784→128", "linear_784_128", ("linear_784_128_b1", "linear_784_128_b32")),
            ("Linear", "2048→512", "linear_2048_512", ("linear_2048_512_b1", "linear_2048_512_b32")),
            ("Conv2d", "224x224x3→64", "conv2d_224", ("conv2d_224",)),
            ("LSTM", "seq=100, hidden=256", "lstm_100_256", ("lstm_100_256",))):
        cells = []
        for browser, _, col in CPU_COLUMNS:
            claim = fmt_ms(guide_claim(guide_id, browser))
            values = [fmt_ms(rows.get(i, {"cells": {}})["cells"].get(col)) for i in ours_ids]
            ours = values[0] if len(values) == 1 else f"{values[0]} (batch 1), {values[1]} (batch 32)"
            cells.append(f"seed {claim} · ours {ours}")
        out.append("| " + " | ".join([f"**{label}**", size, *cells]) + " |")
    return out + [""]


def training_table(rows: dict[str, dict[str, Any]]) -> list[str]:
    """The training table: the guide's Chrome figure and ours in Chromium (Firefox, WebKit after it)."""
    head = ["Model", "Batch Size", "Chrome CPU", "Memory Usage", "Notes"]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for label, batch, rid, mem, notes in (("MLP (784→128→10)", "32", "train_mlp", "12MB", "MNIST"),
                                           ("CNN (3→64→128→10)", "16", "train_cnn", "45MB", "CIFAR-10"),
                                           ("Simple RNN", "seq=50", "train_rnn", "25MB", "time series")):
        cells = rows.get(rid, {"cells": {}})["cells"]
        others = f"Firefox {fmt_ms(cells.get('ours:firefox'))}, WebKit {fmt_ms(cells.get('ours:webkit'))}"
        out.append(f"| **{label}** | {batch} | seed {fmt_ms(guide_claim(rid, 'chrome'))} · ours "
                   f"{fmt_ms(cells.get('ours:chromium'))} ({others}) | seed {mem} | {notes} |")
    return out + [""]


def render(doc: dict[str, Any]) -> str:
    """docs/seed_tables.md from the peer report's JSON."""
    info = doc["info"]
    rows = {r["id"]: r for r in doc["rows"]}
    tensor = [[f"add_{n}" for n in (100, 1000, 10000, 100000)], [f"matmul_{n}" for n in (64, 256, 512, 1024)]]
    acts = [[f"{op}_{n}" for op in ("relu", "sigmoid") for n in (1000, 10000)]]
    missing = f"\n\nNot measured in that run: {info['missing']}." if info.get("missing") else ""
    return "\n".join([
        "# The seed's benchmark tables, with ours", "",
        f"Generated by `python scripts/seed_tables.py` from `{doc['command'].strip()}` "
        f"(one run, {info['date']}, {info['seconds']} s).", "",
        f"* Machine: {info['cpu']}",
        f"* Ours: `_kernels.wasm` sha256 {info['wasm_sha'][:12]}; {info['engines']}",
        f"* WebGPU: {info['webgpu']}",
        f"* TF.js (in docs/peers.md, not here): {info['tfjs']}", "",
        "Every cell is the seed's claimed figure, then ours on this machine (ms per call; the least of the "
        "report's rounds, each the median of its samples; ours time the raw export on data already in wasm "
        "memory, the engine's own clock). Columns: Chrome WebGPU = our WebGPU path through wgpu "
        "(upload and read-back included; on a CPU adapter such as llvmpipe it is no GPU), Chrome CPU = ours "
        "in headless Chromium (V8), Firefox CPU = ours in headless Firefox ESR (SpiderMonkey), Safari CPU = "
        "ours in WebKitGTK (JavaScriptCore, Safari's engine, on Linux: not Safari itself). The seed does not "
        "say what its machine was, nor its batch size for Linear." + missing, "",
        "## Tensor operations", "", *tensor_tables(rows, tensor, "Operation"),
        "## Activation functions", "", *tensor_tables(rows, acts, "Function"),
        "## Special functions", "",
        "The seed names no browser here; ours are given as Chromium / Firefox / WebKit (f64). Our precision "
        "is what tests/test_special.py asserts against mpmath at 50 digits.", "",
        *special_table(rows),
        "## Layer forward pass", "", *layer_table(rows),
        "## Training", "",
        "One call does forward, loss, backward and the update. The model is built by `rustorch_wasm.nn` "
        "in Wasmer (as `rustorch_wasm/nn/cases.py` builds the seed's cases) and each engine runs the call on "
        "a copy of that wasm memory. The seed gives Chrome only; ours in Firefox and WebKit follow in "
        "brackets. Memory: the seed's figure (ours per case: docs/nn.md).", "",
        *training_table(rows),
    ])


def measure_peers(peers: Path) -> int:
    """The peer report's default run, writing ``peers`` and the Markdown beside
    it (its printed document discarded); its exit status."""
    md = peers.with_suffix(".md")
    argv = ["--markdown", str(md), "--json", str(peers)]
    with contextlib.redirect_stdout(io.StringIO()):
        return run_peer_report(PeerOptions(markdown=md, json=peers), argv)


def run(peers: Path = DEFAULT_PEERS, measure: bool = False, out: Path = DEFAULT_OUT) -> int:
    """Write ``out`` from the peer report's JSON at ``peers`` (measured first
    with ``measure``); 2 after a one-line error when there is none to read."""
    if measure:
        status = measure_peers(peers)
        if status != 0:
            print(f"error: peer_report.py exited {status}", file=sys.stderr)
            return 2
    try:
        doc = json.loads(peers.read_text(encoding="utf-8"))
    except FileNotFoundError:
        print(f"error: {peers} not found: run `make peers` (or pass --measure)", file=sys.stderr)
        return 2
    except json.JSONDecodeError as exc:
        print(f"error: {peers}: not JSON ({exc})", file=sys.stderr)
        return 2
    text = render(doc)
    write_atomic(out, text + "\n")
    print(f"wrote {out}", file=sys.stderr)
    return 0
