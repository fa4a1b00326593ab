"""The peer report's measured columns besides numpy: ours in one engine, TF.js-wasm
in one engine, our WebGPU path. Each returns its cells (ms per call, by row id)
and what ran them, or raises :class:`EngineError` when the column cannot run.

* ours: the same ``_kernels.wasm`` in each engine of :mod:`rustorch_wasm.engines`,
  the raw export on inputs already in wasm memory, timed by the engine's clock,
  with the outputs checked against numpy;
* TF.js 4.22 with its WASM backend (XNNPACK, SIMD, one thread) in node
  (``js/tfjs_bench.mjs``) or in a browser page (``js/tfjs_rows.mjs``); op +
  dispose, synchronous; not in the jsc shell, which has no page to load it in;
* WebGPU: :mod:`rustorch_wasm.webgpu` through wgpu, upload and read-back included.
"""
from __future__ import annotations

import json
import statistics
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from reports.paths import ROOT
from reports.peers.rows import MIN_SAMPLE_MS, PeerRow, numpy_ms, ours_call, ours_layout
from rustorch_wasm import runtime
from rustorch_wasm.engines import get_engine
from rustorch_wasm.engines.__main__ import native_stderr_silenced
from rustorch_wasm.engines.node import EngineError, node_binary
from rustorch_wasm.engines.spec import KernelCall
from rustorch_wasm.engines.wasm_exports import function_exports

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
