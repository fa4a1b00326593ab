"""The peer report's Markdown: the document (docs/peers.md), its tables per
section of the reference guide, ours / TF.js ratios, number formats.

Pure functions of the rows (:mod:`reports.peers.rows`), the measured column
names (``numpy``, ``ours:<engine>``, ``tfjs:<engine>``, ``webgpu``) and the
run's info; used by :mod:`reports.peers.report` and :mod:`reports.guide_tables`.
"""
from __future__ import annotations

import os
import platform
from importlib.metadata import version
from typing import Any, Sequence

import numpy as np

from reports.guide_claims import guide_claim
from reports.peers.rows import PeerRow

JS_ENGINES = ("node", "chromium", "firefox", "webkit")
ALL_ENGINES = ("wasmer", *JS_ENGINES)
TITLES = {"wasmer": "Wasmer", "node": "V8 (node)", "chromium": "Chromium (V8)", "firefox": "Firefox (SpiderMonkey)",
          "webkit": "WebKit (JavaScriptCore)"}
SECTIONS = (("tensor", "Tensor operations"), ("activation", "Activation functions"),
            ("special", "Special functions (f64; TF.js has erf only, in f32)"), ("layer", "Layer forward pass"),
            ("training", "Training step (one call: forward, loss, backward, update)"))


def fmt_ms(value: float | None) -> str:
    """A time in ms with 3 significant digits, or '-'."""
    if value is None:
        return "-"
    return np.format_float_positional(value, precision=3, unique=False, fractional=False, trim="-")


def ratio(ours: float | None, peer: float | None) -> float | None:
    """ours / peer, or None."""
    return None if ours is None or not peer else ours / peer


def _cell(r: PeerRow, engine: str, with_tfjs: bool) -> str:
    ours = fmt_ms(r.cells.get(f"ours:{engine}"))
    if not with_tfjs:
        return ours
    return f"{ours} · {fmt_ms(r.cells.get(f'tfjs:{engine}'))}"


def table_lines(rows: list[PeerRow], present: list[str]) -> list[str]:
    """One Markdown table per section of the reference guide: ms per call, ours · TF.js in each JS engine."""
    engines = [e for e in ALL_ENGINES if f"ours:{e}" in present]
    tf = {e for e in JS_ENGINES if f"tfjs:{e}" in present}
    head = ["Operation", "Size", "numpy", *[f"{TITLES[e]}{' ours · TF.js' if e in tf else ''}" for e in engines]]
    gpu = "webgpu" in present
    head += (["WebGPU (ours)"] if gpu else []) + ["seed Chrome CPU", "seed Firefox CPU", "seed Safari CPU"]
    out: list[str] = []
    for section, title in SECTIONS:
        in_section = [r for r in rows if r.section == section]
        if not in_section:
            continue
        out += [f"### {title}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for r in in_section:
            note = f" ({'; '.join(r.notes)})" if r.notes else ""
            claims = [fmt_ms(guide_claim(r.id, b)) for b in ("chrome", "firefox", "safari")]
            cells = [fmt_ms(r.cells.get("numpy")), *[_cell(r, e, e in tf) for e in engines]]
            cells += ([fmt_ms(r.cells.get("webgpu"))] if gpu else []) + claims
            out.append("| " + " | ".join([r.label, r.size + note, *cells]) + " |")
        out.append("")
    return out


def _spread(r: PeerRow, column: str) -> str:
    values = r.rounds.get(column) or []
    return f"{fmt_ms(min(values))}–{fmt_ms(max(values))}" if values else "-"


def _slower_note(r: PeerRow, engine: str, value: float, previous: dict[str, Any] | None) -> str:
    """How much slower, with both sides' range over the rounds and the previous run's ratio."""
    text = (f"{r.label} {r.size} in {TITLES[engine]}: ×{value:.2f} (ours {_spread(r, f'ours:{engine}')} ms, "
            f"TF.js {_spread(r, f'tfjs:{engine}')} ms over the rounds")
    if previous:
        cells = next((p["cells"] for p in previous["rows"] if p["id"] == r.id), {})
        before = ratio(cells.get(f"ours:{engine}"), cells.get(f"tfjs:{engine}"))
        text += f"; previous run ×{before:.2f}" if before is not None else "; not in the previous run"
    return text + ")"


def ratio_lines(rows: list[PeerRow], present: list[str], previous: dict[str, Any] | None = None) -> list[str]:
    """ours / TF.js in each engine that has both; over 1 in bold, and a list of those rows with
    the spread of both sides over the rounds and the previous run's ratio (``previous``: its JSON)."""
    engines = [e for e in JS_ENGINES if f"tfjs:{e}" in present and f"ours:{e}" in present]
    if not engines:
        return []
    head = ["Operation", "Size", *[TITLES[e] for e in engines]]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    slower = []
    for r in rows:
        if r.section == "special":  # TF.js erf is f32 (~1e-7); ours is f64 to 1e-14: not the same work
            continue
        vals = [ratio(r.cells.get(f"ours:{e}"), r.cells.get(f"tfjs:{e}")) for e in engines]
        if all(v is None for v in vals):
            continue
        cells = ["-" if v is None else (f"**{v:.2f}**" if v > 1 else f"{v:.2f}") for v in vals]
        out.append("| " + " | ".join([r.label, r.size, *cells]) + " |")
        slower += [_slower_note(r, e, v, previous) for e, v in zip(engines, vals) if v and v > 1]
    out += ["", "Ours slower than TF.js-wasm in the same engine: " + ("; ".join(slower) if slower else "none") + "."]
    if previous:
        out += ["", f"The previous run: {previous['info']['date']}, `{previous['command'].strip()}`."]
    return out


def markdown(rows: list[PeerRow], present: list[str], info: dict[str, str], argv: Sequence[str],
             previous: dict[str, Any] | None = None) -> str:
    """docs/peers.md: how it was measured, where, with what, then the tables."""
    command = "python scripts/peer_report.py" + ("" if not argv else " " + " ".join(argv))
    out = [
        "# Peers side by side", "",
        f"Measured by `{command}` (one run, {info['date']}, {info['seconds']} s).", "",
        f"* Machine: {info['cpu']}, {os.cpu_count()} logical CPUs (shared with other jobs), {platform.system()} {platform.release()}",
        f"* Ours: `_kernels.wasm` sha256 {info['wasm_sha'][:12]}; {info['engines']}",
        f"* TF.js: {info['tfjs']}",
        f"* WebGPU: {info['webgpu']}",
        f"* numpy {version('numpy')}, scipy {info['scipy']} (Python {platform.python_version()})",
        "", f"Times are ms per call: the least, over {info['rounds']} round(s) that measure every column in turn, "
        "of a round's median sample; a sample is a batch of calls lasting at least 1 ms. Rounds because the "
        "vCPUs share their cores with other tenants whose bursts slow the whole VM for seconds at a time; "
        "every column gets the same treatment. Ours time the raw export on inputs and an output already in "
        "wasm memory; TF.js times `op(...)` + `dispose()`, i.e. including its per-op dispatch and output "
        "allocation, which is what a TF.js user pays per call. \"ours · TF.js\" cells are both in the same "
        "engine. WebGPU times include upload and read-back. The seed's columns are its claimed figures "
        "(Chrome, Firefox, Safari CPU), for the browser our Chromium, Firefox and WebKit columns stand in "
        "for; its special-function figures name no browser. Linear is x[batch, in] @ W[in, out] + b; Conv2d "
        "is 3x3, stride 1, 'same', batch 1, NHWC, with bias. \"-\": not measured (no such op, or the column "
        "did not run).", "",
        *table_lines(rows, present),
        "### Ours / TF.js-wasm in the same engine", "",
        "Below 1: ours is faster. The special functions are left out: TF.js's erf is f32 (about 1e-7), "
        "ours are f64 to 1e-14 (tests/test_special.py), not the same work.", "",
        *ratio_lines(rows, present, previous), "",
    ]
    if info.get("missing"):
        out += [f"Not measured: {info['missing']}.", ""]
    return "\n".join(out)


def tfjs_label(engine: str, info: dict[str, Any]) -> str:
    """Where TF.js ran in ``engine`` and which versions, for the TF.js line."""
    v = info["versions"]
    where = v.get("browser") or f"node {v.get('node')} (V8 {v.get('v8')})"
    return (f"in {TITLES[engine]}: tfjs-core {v['tfjs-core']} + tfjs-backend-wasm {v['tfjs-backend-wasm']}, "
            f"SIMD {'on' if info['simd'] else 'off'}, {info['threads']} thread, {where}")
