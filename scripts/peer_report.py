"""Peer report: our kernels beside TensorFlow.js-wasm and numpy, same sizes, one session.

    python scripts/peer_report.py [--quick] [--markdown docs/peers.md | --no-markdown]
                                  [--no-chromium] [--repeat N] [--rounds N]

Columns, all run on this machine in one invocation, on the same shapes:

* ours in Wasmer (cranelift, in-process) and in V8 (node), and in a headless
  Chromium page when available: the same ``_kernels.wasm`` through
  :mod:`rustorch_wasm.engines` (inputs already in wasm memory; the timed call
  is the raw export);
* TensorFlow.js 4.22 with its WASM backend (XNNPACK, SIMD, one thread) in the
  same node, via ``js/tfjs_bench.mjs`` (op + dispose, synchronous);
* numpy, natively (OpenBLAS for the products; Conv2d as im2col + matmul).

A sample times a batch of calls lasting at least 1 ms and records the mean
per call; a round measures every column once, ``repeat`` samples a cell,
and takes their median. The whole table is measured ``rounds`` times, the
columns in turn within each round, and every figure is the least of its
rounds' medians: this machine's vCPUs share their cores with other tenants,
whose bursts slow everything in the VM for seconds at a time (up to twice
the time, docs/benchmarks.md), and a column measured alone would take its
burst whole. Every column gets the same treatment, so the ratios stay fair. The ratio columns
are ours / TF.js (below 1: ours is faster). Our outputs are checked against
numpy (f32 tolerance) and a mismatch is flagged in the table.

Linear is x[batch, in] @ W[in, out] + b at batch 1 and batch 32; Conv2d is
3x3, stride 1, 'same' padding, batch 1, NHWC, with bias. Our Linear/Conv2d
rows need layer exports in ``_kernels.wasm`` (see LAYER_EXPORTS); until they
exist those cells read "n/a (not built)".
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
import time
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any, Callable

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from rustorch_wasm import runtime  # noqa: E402
from rustorch_wasm.engines import get_engine  # noqa: E402
from rustorch_wasm.engines.node import EngineError, node_binary  # noqa: E402
from rustorch_wasm.engines.spec import I32, In, KernelCall, Out  # noqa: E402
from rustorch_wasm.engines.wasm_exports import function_exports  # noqa: E402

TFJS_SCRIPT = ROOT / "js" / "tfjs_bench.mjs"
MIN_SAMPLE_MS = 1.0
# Layer exports this report uses once they exist (the layouts of kernels/src/nn
# linear::forward and conv::forward; the status code is ignored, outputs are checked):
#   nn_linear_forward(x, params, y, rows, nin, nout)                 params = W (nin x nout) then b
#   nn_conv2d_forward(x, params, y, batch, cin, h, w, cout, k, stride, pad)
#                     NCHW; params = W (cout x cin*k*k, order c, ky, kx) then b
LAYER_EXPORTS = {"linear": "nn_linear_forward", "conv2d": "nn_conv2d_forward"}


@dataclass
class PeerRow:
    """One operation at one size, with the cells measured for it (ms per call)."""

    id: str
    op: str
    label: str
    size: str
    params: dict[str, int]
    cells: dict[str, float | None] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def seed_rows(quick: bool) -> list[PeerRow]:
    """The seed's tensor-op, activation and layer rows (small sizes with ``quick``)."""
    rows: list[PeerRow] = []
    for n in ((100, 1000) if quick else (100, 1_000, 10_000, 100_000)):
        rows.append(PeerRow(f"add_{n}", "add", "Add", f"{n:,}", {"n": n}))
    for n in ((64,) if quick else (64, 256, 512, 1024)):
        rows.append(PeerRow(f"matmul_{n}", "matmul", "MatMul", f"{n}x{n}", {"m": n, "k": n, "n": n}))
    for op, label in (("relu", "ReLU"), ("sigmoid", "Sigmoid")):
        for n in ((1000,) if quick else (1_000, 10_000)):
            rows.append(PeerRow(f"{op}_{n}", op, label, f"{n:,}", {"n": n}))
    for nin, nout in ((784, 128),) if quick else ((784, 128), (2048, 512)):
        for batch in (1, 32):
            rows.append(PeerRow(f"linear_{nin}_{nout}_b{batch}", "linear", "Linear",
                                f"{nin}→{nout}, batch {batch}", {"batch": batch, "nin": nin, "nout": nout}))
    hw = 16 if quick else 224
    rows.append(PeerRow(f"conv2d_{hw}", "conv2d", "Conv2d", f"{hw}x{hw}x3→64 (3x3)",
                        {"h": hw, "w": hw, "cin": 3, "cout": 64, "k": 3}))
    return rows


def row_inputs(row: PeerRow, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Random f32 inputs in [-1, 1) for the row: a, b and (layers) bias."""
    p = row.params

    def u(*shape: int) -> np.ndarray:
        return rng.uniform(-1, 1, shape).astype(np.float32)

    if row.op == "add":
        return {"a": u(p["n"]), "b": u(p["n"])}
    if row.op in ("relu", "sigmoid"):
        return {"a": u(p["n"])}
    if row.op == "matmul":
        return {"a": u(p["m"], p["k"]), "b": u(p["k"], p["n"])}
    if row.op == "linear":
        return {"a": u(p["batch"], p["nin"]), "b": u(p["nin"], p["nout"]), "bias": u(p["nout"])}
    return {"a": u(1, p["h"], p["w"], p["cin"]), "b": u(p["k"], p["k"], p["cin"], p["cout"]),
            "bias": u(p["cout"])}


def numpy_fn(row: PeerRow, x: dict[str, np.ndarray]) -> Callable[[], np.ndarray]:
    """The row's operation in numpy."""
    a, b = x["a"], x.get("b")
    if row.op == "add":
        return lambda: a + b
    if row.op == "relu":
        return lambda: np.maximum(a, 0)
    if row.op == "sigmoid":
        return lambda: 1 / (1 + np.exp(-a))
    if row.op == "matmul":
        return lambda: a @ b
    if row.op == "linear":
        return lambda: a @ b + x["bias"]
    k = row.params["k"]
    h, w, cin, cout = (row.params[n] for n in ("h", "w", "cin", "cout"))
    pad = k // 2
    filt = b.transpose(2, 0, 1, 3).reshape(cin * k * k, cout)  # (cin, kh, kw) order, as the windows

    def conv() -> np.ndarray:
        xp = np.pad(a[0], ((pad, pad), (pad, pad), (0, 0)))
        cols = np.lib.stride_tricks.sliding_window_view(xp, (k, k), axis=(0, 1))  # h, w, cin, kh, kw
        return (cols.reshape(h * w, cin * k * k) @ filt + x["bias"]).reshape(1, h, w, cout)

    return conv


def ours_layout(row: PeerRow, x: dict[str, np.ndarray], expected: np.ndarray,
                ) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Our inputs for the row (keys a, b or params) and the numpy result in our output layout."""
    if row.op == "linear":
        return {"a": x["a"], "params": np.concatenate([x["b"].ravel(), x["bias"]])}, expected
    if row.op == "conv2d":
        k, cin, cout = row.params["k"], row.params["cin"], row.params["cout"]
        w = x["b"].transpose(3, 2, 0, 1).reshape(cout, cin * k * k)  # [k,k,cin,cout] -> cout x (c,ky,kx)
        chw = np.ascontiguousarray(x["a"][0].transpose(2, 0, 1))
        return ({"a": chw, "params": np.concatenate([w.ravel(), x["bias"]])},
                expected[0].transpose(2, 0, 1))
    return {k: v for k, v in x.items() if k in ("a", "b")}, expected


def ours_call(row: PeerRow, exports: set[str], repeat: int) -> KernelCall | None:
    """The KernelCall running the row on our kernels (inputs ``<row id>_a`` ...),
    or None when the export it needs is not built."""
    p = row.params
    timing: dict[str, Any] = {"warmup": 2, "repeat": repeat, "min_sample_ms": MIN_SAMPLE_MS}
    a, b, params = In(f"{row.id}_a"), In(f"{row.id}_b"), In(f"{row.id}_params")
    if row.op == "add":
        return KernelCall(row.id, "ew_add", (a, b, Out("out", p["n"]), I32(p["n"])), **timing)
    if row.op in ("relu", "sigmoid"):
        return KernelCall(row.id, f"ew_{row.op}", (a, Out("out", p["n"]), I32(p["n"])), **timing)
    if row.op == "matmul":
        return KernelCall(row.id, "matmul_f32", (a, b, Out("out", p["m"] * p["n"]),
                                                 I32(p["m"]), I32(p["k"]), I32(p["n"])), **timing)
    export = LAYER_EXPORTS[row.op]
    if export not in exports:
        return None
    if row.op == "linear":
        args = (a, params, Out("out", p["batch"] * p["nout"]), I32(p["batch"]), I32(p["nin"]), I32(p["nout"]))
    else:
        args = (a, params, Out("out", p["h"] * p["w"] * p["cout"]), I32(1), I32(p["cin"]), I32(p["h"]),
                I32(p["w"]), I32(p["cout"]), I32(p["k"]), I32(1), I32(p["k"] // 2))
    return KernelCall(row.id, export, args, **timing)


def numpy_ms(fn: Callable[[], np.ndarray], repeat: int) -> float:
    """Median ms per call, same sampling as the engines."""
    fn()
    fn()
    inner = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        if (time.perf_counter() - t0) * 1e3 >= MIN_SAMPLE_MS or inner >= 1 << 20:
            break
        inner *= 2
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        samples.append((time.perf_counter() - t0) * 1e3 / inner)
    return float(statistics.median(samples))


def tfjs_cells(rows: list[PeerRow], repeat: int) -> tuple[dict[str, float], dict[str, Any]]:
    """TF.js-wasm medians per row id, and its version info; empty with a reason when unavailable."""
    node = node_binary()
    if node is None:
        return {}, {"error": "node not found"}
    if not (ROOT / "js" / "node_modules" / "@tensorflow" / "tfjs-backend-wasm").is_dir():
        return {}, {"error": "TF.js not installed (run `npm ci` in js/, part of `make setup`)"}
    spec = {"warmup": 2, "repeat": repeat, "min_sample_ms": MIN_SAMPLE_MS,
            "rows": [{"id": r.id, "op": r.op, **r.params} for r in rows]}
    with tempfile.TemporaryDirectory(prefix="rustorch-tfjs-") as tmp:
        path = Path(tmp) / "spec.json"
        path.write_text(json.dumps(spec), encoding="utf-8")
        proc = subprocess.run([node, str(TFJS_SCRIPT), str(path)], capture_output=True, text=True,
                              timeout=1800, cwd=ROOT / "js")
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"]
        return {}, {"error": lines[-1].removeprefix("error: ")}
    reply = json.loads(proc.stdout.strip().splitlines()[-1])
    cells = {r["id"]: float(statistics.median(r["times_ms"])) for r in reply["rows"]}
    return cells, {"versions": reply["versions"], "simd": reply["simd"], "threads": reply["threads"]}


def ours_cells(engine_name: str, rows: list[PeerRow], inputs: dict[str, dict[str, np.ndarray]],
               expected: dict[str, np.ndarray], repeat: int) -> tuple[dict[str, float | None], str]:
    """Our medians per row id in one engine (None: not built), and the engine version.

    Outputs that differ from numpy beyond f32 tolerance are noted on the row.
    """
    engine = get_engine(engine_name)
    status = engine.status()
    if not status.available:
        raise EngineError(status.reason)
    exports = set(function_exports(runtime.wasm_path()))
    calls: list[KernelCall] = []
    flat: dict[str, np.ndarray] = {}
    want: dict[str, np.ndarray] = {}
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
        ref = want[res.id].ravel()
        got = res.outputs["out"]
        scale = float(np.abs(ref).max()) or 1.0
        note = f"{engine_name} output differs from numpy"
        if (got.shape != ref.shape or not np.allclose(got, ref, rtol=1e-4, atol=1e-4 * scale)) \
                and note not in by_id[res.id].notes:
            by_id[res.id].notes.append(note)
    return cells, run.version


def fmt_ms(value: float | None) -> str:
    """A time in ms with 3 significant digits, or the not-built marker."""
    if value is None:
        return "n/a (not built)"
    return np.format_float_positional(value, precision=3, unique=False, fractional=False, trim="-")


def fmt_ratio(ours: float | None, peer: float | None) -> str:
    """ours / peer to two decimals, or '-'."""
    if ours is None or not peer:
        return "-"
    return f"{ours / peer:.2f}"


COLUMNS = (("wasmer", "ours Wasmer"), ("node", "ours V8 (node)"), ("chromium", "ours Chromium"),
           ("tfjs", "TF.js-wasm"), ("numpy", "numpy"))


def table_lines(rows: list[PeerRow], present: list[str]) -> list[str]:
    """The Markdown table: times (ms per call) and ours/TF.js ratios."""
    heads = [title for key, title in COLUMNS if key in present]
    head = ["Operation", "Size", *[f"{h} ms" for h in heads], "Wasmer/TF.js", "V8/TF.js", "V8 ≤ TF.js?"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [fmt_ms(r.cells.get(k)) if k in present else "" for k, _ in COLUMNS if k in present]
        tf = r.cells.get("tfjs")
        v8 = r.cells.get("node")
        verdict = "-" if v8 is None or tf is None else ("yes" if v8 <= tf else "no")
        note = f" ({'; '.join(r.notes)})" if r.notes else ""
        lines.append("| " + " | ".join([r.label, r.size + note, *cells, fmt_ratio(r.cells.get("wasmer"), tf),
                                        fmt_ratio(v8, tf), verdict]) + " |")
    return lines


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


def markdown(rows: list[PeerRow], present: list[str], info: dict[str, str], argv: list[str]) -> str:
    """docs/peers.md: how it was measured, where, with what, then the table."""
    command = "python scripts/peer_report.py" + ("" if not argv else " " + " ".join(argv))
    out = [
        "# Peers side by side", "",
        f"Measured by `{command}` (one run, {info['date']}).", "",
        f"* Machine: {info['cpu']}, {os.cpu_count()} logical CPUs (shared with other jobs), {platform.system()} {platform.release()}",
        f"* Ours: `_kernels.wasm` sha256 {info['wasm_sha'][:12]}; {info['engines']}",
        f"* TF.js: {info['tfjs']}",
        f"* numpy {version('numpy')} (Python {platform.python_version()})",
        "", f"Times are ms per call: the least, over {info['rounds']} rounds that measure every column in turn, "
        "of a round's median sample; a sample is a batch of calls lasting at least "
        "1 ms. Rounds because the vCPUs share their cores with other tenants whose bursts slow the whole "
        "VM for seconds at a time; every column gets the same treatment. Ours time the raw export on inputs and an output already in wasm memory; TF.js times "
        "`op(...)` + `dispose()`, i.e. including its per-op dispatch and output allocation, which is "
        "what a TF.js user pays per call. Ratios are ours / TF.js (below 1: ours is faster). Linear is x[batch, in] @ W[in, out] + b; "
        "Conv2d is 3x3, stride 1, 'same', batch 1, NHWC, with bias; numpy does Conv2d as im2col + matmul. "
        "\"n/a (not built)\": `_kernels.wasm` has no such layer export yet.", "",
        *table_lines(rows, present), "",
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
    parser.add_argument("--no-markdown", action="store_true", help="print only")
    parser.add_argument("--no-chromium", action="store_true", help="skip the Chromium column")
    raw = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(raw)
    for flag, value in (("--repeat", args.repeat), ("--rounds", args.rounds)):
        if value < 1:
            print(f"error: {flag} must be at least 1", file=sys.stderr)
            return 2
    try:
        wasm = runtime.wasm_path()
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    rows = seed_rows(args.quick)
    rng = np.random.default_rng(0)
    inputs = {r.id: row_inputs(r, rng) for r in rows}
    numpy_fns = {r.id: numpy_fn(r, inputs[r.id]) for r in rows}
    expected = {rid: fn() for rid, fn in numpy_fns.items()}
    rounds: dict[str, dict[str, list[float]]] = {}  # column -> row id -> one median a round
    engines: dict[str, str] = {}
    missing: dict[str, str] = {}
    tf_info: dict[str, Any] = {}

    def keep(column: str, cells: dict[str, float | None]) -> None:
        per_row = rounds.setdefault(column, {})
        for rid, value in cells.items():
            if value is not None:
                per_row.setdefault(rid, []).append(value)

    columns = ("wasmer", "node") + (() if args.no_chromium else ("chromium",))
    for k in range(args.rounds):
        print(f"round {k + 1}/{args.rounds} ...", file=sys.stderr, flush=True)
        keep("numpy", {rid: numpy_ms(fn, args.repeat) for rid, fn in numpy_fns.items()})
        for name in columns:
            if name in missing:
                continue
            try:
                cells, engines[name] = ours_cells(name, rows, inputs, expected, args.repeat)
            except (EngineError, runtime.EngineUnavailable) as exc:
                missing[name] = f"ours in {name} ({exc})"
                continue
            keep(name, cells)
        if "tfjs" not in missing:
            tf_cells, tf_info = tfjs_cells(rows, args.repeat)
            if tf_cells:
                keep("tfjs", dict(tf_cells))
            else:
                missing["tfjs"] = f"TF.js ({tf_info['error']})"
    present = [c for c in ("numpy", *columns, "tfjs") if c in rounds]
    for r in rows:
        for column in present:
            values = rounds[column].get(r.id)
            r.cells[column] = min(values) if values else None
    if "tfjs" in rounds:
        v = tf_info["versions"]
        tfjs = (f"@tensorflow/tfjs-core {v['tfjs-core']} + tfjs-backend-wasm {v['tfjs-backend-wasm']}, "
                f"SIMD {'on' if tf_info['simd'] else 'off'}, {tf_info['threads']} thread, "
                f"node {v['node']} (V8 {v['v8']})")
    else:
        tfjs = f"not measured: {tf_info.get('error', 'unknown error')}"
    info = {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu_model(), "engines": "; ".join(f"{n}: {v}" for n, v in engines.items()) or "none",
        "wasm_sha": runtime.hashlib.sha256(wasm.read_bytes()).hexdigest(),
        "tfjs": tfjs, "missing": "; ".join(missing.values()), "rounds": str(args.rounds),
    }
    text = markdown(rows, present, info, raw)
    print(text)
    if not args.no_markdown:
        write_atomic(args.markdown, text)
        print(f"wrote {args.markdown}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
