"""The seed's benchmark tables in the seed's own layout, its figure and ours side by side in every cell.

    python scripts/seed_tables.py [--peers docs/peers.json] [--measure] [--out docs/seed_tables.md]

Ours come from the peer report's JSON (``make peers`` writes docs/peers.json:
every cell of one run of scripts/peer_report.py, with machine, versions and
date); ``--measure`` runs that report first (its default run, several
minutes) instead of reading an existing one. The seed's columns map to our
engines: Chrome WebGPU -> our WebGPU path (wgpu on whatever adapter there
is), Chrome CPU -> ours in headless Chromium (V8), Firefox CPU -> ours in
headless Firefox ESR (SpiderMonkey), Safari CPU -> ours in WebKitGTK
(JavaScriptCore, Safari's engine; the jsc shell when no browser can run,
which the versions line then says). The seed's figures are in
scripts/seed_claims.py.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from peer_render import fmt_ms  # noqa: E402
from peer_report import write_atomic  # noqa: E402
from seed_claims import seed_claim  # noqa: E402

BROWSER_COLUMNS = (("webgpu", "Chrome WebGPU", "webgpu"), ("chrome", "Chrome CPU", "ours:chromium"),
                   ("firefox", "Firefox CPU", "ours:firefox"), ("safari", "Safari CPU", "ours:webkit"))
CPU_COLUMNS = BROWSER_COLUMNS[1:]
# The seed's own precision column, and the bound our tests assert for the same function.
PRECISION = {"gamma": ("1e-12", "1e-12 (relative, vs mpmath)"), "bessel_j": ("1e-10", "1e-10 (absolute)"),
             "erf": ("1e-14", "1e-14 (relative)"), "beta": ("1e-12", "1e-12 (relative)")}


def pair(seed: float | None, ours: float | None) -> str:
    """One cell: "seed X · ours Y" (ms)."""
    return f"seed {fmt_ms(seed)} · ours {fmt_ms(ours)}"


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
            cells = [pair(seed_claim(rid, b), r["cells"].get(col)) for b, _, col in BROWSER_COLUMNS]
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
            cells.append(f"seed {fmt_ms(seed_claim(rid, 'any'))} · ours {ours}")
        seed_p, ours_p = PRECISION[op]
        out.append("| " + " | ".join([f"**{label}**", *cells, f"seed {seed_p} · ours {ours_p}"]) + " |")
    return out + [""]


def layer_table(rows: dict[str, dict[str, Any]]) -> list[str]:
    """Layer forward pass: Linear (ours at batch 1 and 32), Conv2d, LSTM."""
    head = ["Layer Type", "Input Size", *[title for _, title, _ in CPU_COLUMNS]]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for label, size, seed_id, ours_ids in (
            ("Linear", "784→128", "linear_784_128", ("linear_784_128_b1", "linear_784_128_b32")),
            ("Linear", "2048→512", "linear_2048_512", ("linear_2048_512_b1", "linear_2048_512_b32")),
            ("Conv2d", "224x224x3→64", "conv2d_224", ("conv2d_224",)),
            ("LSTM", "seq=100, hidden=256", "lstm_100_256", ("lstm_100_256",))):
        cells = []
        for browser, _, col in CPU_COLUMNS:
            seed = fmt_ms(seed_claim(seed_id, browser))
            values = [fmt_ms(rows.get(i, {"cells": {}})["cells"].get(col)) for i in ours_ids]
            ours = values[0] if len(values) == 1 else f"{values[0]} (batch 1), {values[1]} (batch 32)"
            cells.append(f"seed {seed} · ours {ours}")
        out.append("| " + " | ".join([f"**{label}**", size, *cells]) + " |")
    return out + [""]


def training_table(rows: dict[str, dict[str, Any]]) -> list[str]:
    """The training table: the seed's Chrome figure and ours in Chromium (Firefox, WebKit after it)."""
    head = ["Model", "Batch Size", "Chrome CPU", "Memory Usage", "Notes"]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for label, batch, rid, mem, notes in (("MLP (784→128→10)", "32", "train_mlp", "12MB", "MNIST"),
                                           ("CNN (3→64→128→10)", "16", "train_cnn", "45MB", "CIFAR-10"),
                                           ("Simple RNN", "seq=50", "train_rnn", "25MB", "time series")):
        cells = rows.get(rid, {"cells": {}})["cells"]
        others = f"Firefox {fmt_ms(cells.get('ours:firefox'))}, WebKit {fmt_ms(cells.get('ours:webkit'))}"
        out.append(f"| **{label}** | {batch} | seed {fmt_ms(seed_claim(rid, 'chrome'))} · ours "
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peers", type=Path, default=ROOT / "docs" / "peers.json",
                        help="the peer report's JSON (default docs/peers.json, from `make peers`)")
    parser.add_argument("--measure", action="store_true", help="run scripts/peer_report.py first (minutes)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "seed_tables.md")
    args = parser.parse_args(argv)
    if args.measure:
        md = args.peers.with_suffix(".md")
        proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "peer_report.py"), "--markdown", str(md),
                               "--json", str(args.peers)], stdout=subprocess.DEVNULL, timeout=7200)
        if proc.returncode != 0:
            print(f"error: peer_report.py exited {proc.returncode}", file=sys.stderr)
            return 2
    try:
        doc = json.loads(args.peers.read_text(encoding="utf-8"))
    except FileNotFoundError:
        print(f"error: {args.peers} not found: run `make peers` (or pass --measure)", file=sys.stderr)
        return 2
    except json.JSONDecodeError as exc:
        print(f"error: {args.peers}: not JSON ({exc})", file=sys.stderr)
        return 2
    text = render(doc)
    write_atomic(args.out, text + "\n")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
