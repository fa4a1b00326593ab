"""Peer report: our kernels beside TensorFlow.js-wasm and numpy, in every engine, one session.

    python scripts/peer_report.py [--quick] [--markdown docs/peers.md | --no-markdown]
                                  [--json docs/peers.json] [--engines wasmer,node,chromium,firefox,webkit]
                                  [--no-chromium] [--no-webgpu] [--repeat N] [--rounds N]

Columns, all run on this machine in one invocation, on the same shapes
(the rows: scripts/peer_rows.py, the seed's tensor, activation,
special-function and layer tables):

* ours in each engine of :mod:`rustorch_wasm.engines`: Wasmer (in-process),
  V8 (node), and the browser engines Chromium (V8), Firefox (SpiderMonkey)
  and WebKit (JavaScriptCore), the same ``_kernels.wasm`` on inputs already
  in wasm memory, the raw export timed by the engine's clock;
* TensorFlow.js 4.22 with its WASM backend (XNNPACK, SIMD, one thread) in
  node and in each browser page (``js/tfjs_rows.mjs``; op + dispose,
  synchronous); not in the jsc shell, which has no page to load it in;
* our WebGPU path (``rustorch_wasm.webgpu`` through wgpu, forced onto the
  adapter) where an adapter exists, for the rows it has;
* numpy natively (OpenBLAS; Conv2d as im2col + matmul; scipy.special for
  the special functions), and the seed's claimed figures (scripts/seed_claims.py).

A sample times a batch of calls lasting at least 1 ms and records the mean
per call; a round measures every column once, ``repeat`` samples a cell, and
takes their median. The whole table is measured ``rounds`` times, the
columns in turn within each round, and every figure is the least of its
rounds' medians: the vCPUs share their cores with other tenants whose bursts
slow the VM for seconds at a time, and a column measured alone would take
its burst whole. Ratios are ours / TF.js in the same engine (below 1: ours
is faster). Our outputs are checked against numpy and a mismatch is flagged.
``--json`` keeps every cell for scripts/seed_tables.py.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
from peer_rows import (MIN_SAMPLE_MS, PeerRow, numpy_fn, numpy_ms, ours_call, ours_layout,  # noqa: E402
                       row_inputs, seed_rows)
from peer_render import ALL_ENGINES, JS_ENGINES, TITLES, ratio_lines, table_lines  # noqa: E402

from rustorch_wasm import runtime  # noqa: E402
from rustorch_wasm.engines import get_engine  # noqa: E402
from rustorch_wasm.engines.__main__ import native_stderr_silenced  # noqa: E402
from rustorch_wasm.engines.node import EngineError, node_binary  # noqa: E402
from rustorch_wasm.engines.spec import KernelCall  # noqa: E402
from rustorch_wasm.engines.wasm_exports import function_exports  # noqa: E402

TFJS_SCRIPT = ROOT / "js" / "tfjs_bench.mjs"
TFJS_OPS = {"add", "matmul", "relu", "sigmoid", "erf", "linear", "conv2d"}
WEBGPU_OPS = {"add", "matmul", "relu", "sigmoid"}


def tfjs_spec(rows: list[PeerRow], repeat: int) -> dict[str, Any]:
    """The TF.js request for the rows TF.js has an op for."""
    todo = [r for r in rows if r.op in TFJS_OPS and not (r.section == "special" and r.params["n"] == 0)]
    return {"warmup": 2, "repeat": repeat, "min_sample_ms": MIN_SAMPLE_MS,
            "rows": [{"id": r.id, "op": r.op, **r.params} for r in todo]}


def tfjs_cells(engine_name: str, rows: list[PeerRow], repeat: int) -> tuple[dict[str, float], dict[str, Any]]:
    """TF.js-wasm medians per row id in one engine, and its version info (EngineError when it cannot run)."""
    if not (ROOT / "js" / "node_modules" / "@tensorflow" / "tfjs-backend-wasm").is_dir():
        raise EngineError("TF.js not installed (run `npm ci` in js/, part of `make setup`)")
    spec = tfjs_spec(rows, repeat)
    if engine_name == "node":
        reply = _tfjs_in_node(spec)
        rows_out = reply["rows"]
    else:
        engine = get_engine(engine_name)
        if getattr(engine, "mode", lambda: ("browser", ""))()[0] == "jsc":
            raise EngineError("the jsc shell fallback has no page to load TF.js in")
        reply = engine.run_page({"tfjs": {"spec": spec, "js_dir": str(ROOT / "js")}})  # type: ignore[attr-defined]
        rows_out = reply["results"]
        reply["versions"] = {**reply["versions"], "browser": reply["version"]}
    cells = {r["id"]: float(statistics.median(r["times_ms"])) for r in rows_out}
    return cells, {"versions": reply["versions"], "simd": reply["simd"], "threads": reply["threads"]}


def _tfjs_in_node(spec: dict[str, Any]) -> dict[str, Any]:
    node = node_binary()
    if node is None:
        raise EngineError("node not found")
    with tempfile.TemporaryDirectory(prefix="rustorch-tfjs-") as tmp:
        path = Path(tmp) / "spec.json"
        path.write_text(json.dumps(spec), encoding="utf-8")
        proc = subprocess.run([node, str(TFJS_SCRIPT), str(path)], capture_output=True, text=True,
                              timeout=1800, cwd=ROOT / "js")
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"]
        raise EngineError(lines[-1].removeprefix("error: "))
    return json.loads(proc.stdout.strip().splitlines()[-1])


def ours_cells(engine_name: str, rows: list[PeerRow], inputs: dict[str, dict[str, np.ndarray]],
               expected: dict[str, Any], repeat: int) -> tuple[dict[str, float | None], str]:
    """Our medians per row id in one engine (None: not built), and the engine version.

    Outputs that differ from numpy beyond f32 tolerance (1e-9 for the f64
    special functions) are noted on the row.
    """
    engine = get_engine(engine_name)
    status = engine.status()
    if not status.available:
        raise EngineError(status.reason)
    exports = set(function_exports(runtime.wasm_path()))
    calls: list[KernelCall] = []
    flat: dict[str, np.ndarray] = {}
    want: dict[str, Any] = {}
    for row in rows:
        call = ours_call(row, exports, repeat)
        if call is not None:
            ours_in, want[row.id] = ours_layout(row, inputs[row.id], expected[row.id])
            calls.append(call)
            flat.update({f"{row.id}_{k}": v for k, v in ours_in.items()})
    run = engine.run(calls, flat)
    cells: dict[str, float | None] = {row.id: None for row in rows}
    by_id = {row.id: row for row in rows}
    for res in run.results:
        cells[res.id] = res.median_ms
        if "out" not in res.outputs:  # a single-value special function: the scalar result is not returned
            continue
        ref, got = np.ravel(want[res.id]), res.outputs["out"]
        tol = 1e-9 if by_id[res.id].section == "special" else 1e-4
        scale = float(np.abs(ref).max()) or 1.0
        note = f"{engine_name} output differs from numpy"
        if (got.shape != ref.shape or not np.allclose(got, ref, rtol=tol, atol=tol * scale)) \
                and note not in by_id[res.id].notes:
            by_id[res.id].notes.append(note)
    return cells, run.version


def webgpu_cells(rows: list[PeerRow], inputs: dict[str, dict[str, np.ndarray]], repeat: int,
                 ) -> tuple[dict[str, float], str]:
    """Our WebGPU path per row id (ms per call, upload and read-back included), and the adapter."""
    from rustorch_wasm.webgpu import WebGPU

    with native_stderr_silenced():  # Vulkan/Mesa warnings; the status keeps the reason
        gpu = WebGPU()
    if not gpu.status.available:
        raise EngineError(f"no WebGPU adapter ({gpu.status.reason})")
    cells = {}
    for r in rows:
        if r.op in WEBGPU_OPS:
            x = inputs[r.id]
            op = getattr(gpu, r.op)
            args = (x["a"], x["b"]) if r.op in ("add", "matmul") else (x["a"],)
            cells[r.id] = numpy_ms(lambda: op(*args, device="gpu"), repeat)
    return cells, f"{gpu.status.device} ({gpu.status.backend}, {gpu.status.adapter_type}) through wgpu"


def cpu_model() -> str:
    """lscpu's model name (platform.processor() as a fallback)."""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=30).stdout
    except OSError:
        out = ""
    for line in out.splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and os.replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def markdown(rows: list[PeerRow], present: list[str], info: dict[str, str], argv: list[str],
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only (smoke test)")
    parser.add_argument("--repeat", type=int, default=7, help="samples per cell and round (default 7)")
    parser.add_argument("--rounds", type=int, default=5,
                        help="times the whole table is measured; each cell keeps its best round (default 5)")
    parser.add_argument("--markdown", type=Path, default=ROOT / "docs" / "peers.md",
                        help="write the report here (default docs/peers.md)")
    parser.add_argument("--json", type=Path, default=None,
                        help="also write every cell as JSON (default: docs/peers.json beside the default markdown)")
    parser.add_argument("--no-markdown", action="store_true", help="print only")
    parser.add_argument("--previous", type=Path, default=None,
                        help="an earlier run's JSON to compare the slower-than-TF.js rows with "
                             "(default: the JSON this run replaces, if any)")
    parser.add_argument("--no-previous", action="store_true", help="no comparison with an earlier run")
    parser.add_argument("--engines", default=",".join(ALL_ENGINES), help="engines for our columns (and TF.js's)")
    parser.add_argument("--no-chromium", action="store_true", help="skip the Chromium columns")
    parser.add_argument("--no-webgpu", action="store_true", help="skip the WebGPU column")
    raw = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(raw)
    for flag, value in (("--repeat", args.repeat), ("--rounds", args.rounds)):
        if value < 1:
            print(f"error: {flag} must be at least 1", file=sys.stderr)
            return 2
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = [e for e in engines if e not in ALL_ENGINES]
    if unknown:
        print(f"error: unknown engine {unknown[0]!r}: expected some of {', '.join(ALL_ENGINES)}", file=sys.stderr)
        return 2
    engines = [e for e in engines if not (args.no_chromium and e == "chromium")]
    try:
        wasm = runtime.wasm_path()
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    started = dt.datetime.now(dt.timezone.utc)
    rows = seed_rows(args.quick)
    rng = np.random.default_rng(0)
    inputs = {r.id: row_inputs(r, rng) for r in rows}
    with_numpy = {r.id: numpy_fn(r, inputs[r.id]) for r in rows}
    numpy_fns = {rid: fn for rid, fn in with_numpy.items() if fn is not None}
    expected = {rid: (fn() if fn is not None else None) for rid, fn in with_numpy.items()}
    rounds: dict[str, dict[str, list[float]]] = {}  # column -> row id -> one median a round
    versions: dict[str, str] = {}
    missing: dict[str, str] = {}
    tf_info: dict[str, dict[str, Any]] = {}

    by_id = {r.id: r for r in rows}

    def keep(column: str, cells: dict[str, float | None]) -> None:
        per_row = rounds.setdefault(column, {})
        for rid, value in cells.items():
            if value == 0:  # a batch of >= 1 ms cannot take 0: the call was optimised away or the clock jumped
                note = f"{column.replace(':', ' in ')} read 0 in a round, not counted"
                if note not in by_id[rid].notes:
                    by_id[rid].notes.append(note)
            elif value is not None:
                per_row.setdefault(rid, []).append(value)

    columns = [f"ours:{e}" for e in engines] + [f"tfjs:{e}" for e in engines if e in JS_ENGINES]
    columns += [] if args.no_webgpu else ["webgpu"]
    for k in range(args.rounds):
        print(f"round {k + 1}/{args.rounds} ...", file=sys.stderr, flush=True)
        keep("numpy", {rid: numpy_ms(fn, args.repeat) for rid, fn in numpy_fns.items()})
        for column in columns:
            if column in missing:
                continue
            kind, _, name = column.partition(":")
            try:
                if kind == "ours":
                    cells, versions[name] = ours_cells(name, rows, inputs, expected, args.repeat)
                elif kind == "tfjs":
                    cells, tf_info[name] = tfjs_cells(name, rows, args.repeat)  # type: ignore[assignment]
                else:
                    cells, versions["webgpu"] = webgpu_cells(rows, inputs, args.repeat)  # type: ignore[assignment]
            except (EngineError, runtime.EngineUnavailable) as exc:
                missing[column] = f"{column.replace(':', ' in ')} ({exc})"
                continue
            keep(column, cells)
    present = [c for c in ("numpy", *columns) if c in rounds]
    for r in rows:
        for column in present:
            values = rounds[column].get(r.id)
            r.cells[column] = min(values) if values else None
            r.rounds[column] = list(values or [])
    tfjs = "; ".join(_tfjs_label(name, i) for name, i in tf_info.items()) or "not measured"
    info = {
        "date": started.strftime("%Y-%m-%d %H:%M UTC"), "cpu": cpu_model(),
        "seconds": f"{(dt.datetime.now(dt.timezone.utc) - started).total_seconds():.0f}",
        "engines": "; ".join(f"{n}: {v}" for n, v in versions.items() if n != "webgpu") or "none",
        "webgpu": versions.get("webgpu", "not measured"),
        "wasm_sha": runtime.hashlib.sha256(wasm.read_bytes()).hexdigest(), "scipy": version("scipy"),
        "tfjs": tfjs, "missing": "; ".join(missing.values()), "rounds": str(args.rounds),
    }
    json_path = args.json or args.markdown.with_suffix(".json")
    previous = None if args.no_previous else _previous(args.previous or json_path)
    text = markdown(rows, present, info, raw, previous)
    print(text)
    if not args.no_markdown:
        write_atomic(args.markdown, text)
        doc = {"info": info, "command": "python scripts/peer_report.py " + " ".join(raw), "columns": present,
               "rows": [{"id": r.id, "op": r.op, "label": r.label, "size": r.size, "section": r.section,
                         "cells": r.cells, "rounds": r.rounds, "notes": r.notes} for r in rows]}
        write_atomic(json_path, json.dumps(doc, indent=1) + "\n")
        print(f"wrote {args.markdown} and {json_path}", file=sys.stderr)
    return 0


def _previous(path: Path) -> dict[str, Any] | None:
    """An earlier run's JSON, or None when there is none (or it is unreadable)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return doc if isinstance(doc, dict) and "rows" in doc and "info" in doc else None


def _tfjs_label(engine: str, info: dict[str, Any]) -> str:
    v = info["versions"]
    where = v.get("browser") or f"node {v.get('node')} (V8 {v.get('v8')})"
    return (f"in {TITLES[engine]}: tfjs-core {v['tfjs-core']} + tfjs-backend-wasm {v['tfjs-backend-wasm']}, "
            f"SIMD {'on' if info['simd'] else 'off'}, {info['threads']} thread, {where}")


if __name__ == "__main__":
    sys.exit(main())
