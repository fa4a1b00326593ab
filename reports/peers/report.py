"""The peer report: our kernels beside TensorFlow.js-wasm and numpy, in every engine, one session.

Run by ``python scripts/peer_report.py`` (``make peers``). Columns, all run
on this machine in one invocation, on the same shapes (the rows:
:mod:`reports.peers.rows`, the reference guide's tensor, activation,
special-function and layer tables): ours in each engine, TF.js-wasm in each
JS engine, our WebGPU path (:mod:`reports.peers.columns`), numpy natively
(OpenBLAS; Conv2d as im2col + matmul; scipy.special for the special
functions), and the guide's claimed figures (:mod:`reports.guide_claims`).

A sample times a batch of calls lasting at least 1 ms and records the mean
per call; a round measures every column once, ``repeat`` samples a cell, and
takes their median. The whole table is measured ``rounds`` times, the
columns in turn within each round, and every figure is the least of its
rounds' medians: the vCPUs share their cores with other tenants whose bursts
slow the VM for seconds at a time, and a column measured alone would take
its burst whole. Ratios are ours / TF.js in the same engine (below 1: ours
is faster). Our outputs are checked against numpy and a mismatch is flagged.
The JSON keeps every cell for :mod:`reports.guide_tables`.
"""
from __future__ import annotations

import datetime as dt
import json
import sys
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from reports.machine import cpu_model
from reports.paths import DOCS
from reports.peers.columns import ours_cells, tfjs_cells, webgpu_cells
from reports.peers.render import ALL_ENGINES, JS_ENGINES, markdown, tfjs_label
from reports.peers.rows import guide_rows, numpy_fn, numpy_ms, row_inputs
from rustorch_wasm import runtime
from rustorch_wasm.engines.node import EngineError
from rustorch_wasm.regress.io.atomic import write_atomic

DEFAULT_MARKDOWN = DOCS / "peers.md"


@dataclass
class PeerOptions:
    """The peer report's command line (scripts/peer_report.py), option by option."""

    quick: bool = False
    repeat: int = 7
    rounds: int = 5
    markdown: Path = DEFAULT_MARKDOWN
    json: Path | None = None          # None: beside ``markdown``
    no_markdown: bool = False
    previous: Path | None = None      # None: the JSON this run replaces
    no_previous: bool = False
    engines: str = ",".join(ALL_ENGINES)
    no_chromium: bool = False
    no_webgpu: bool = False


def run(options: PeerOptions, argv: Sequence[str] = ()) -> int:
    """Measure every column in rounds, print the Markdown and (unless
    ``no_markdown``) write it and the JSON; ``argv`` is the command line the
    documents name. 2 after a one-line error on bad options or no kernels."""
    for flag, value in (("--repeat", options.repeat), ("--rounds", options.rounds)):
        if value < 1:
            print(f"error: {flag} must be at least 1", file=sys.stderr)
            return 2
    engines = [e.strip() for e in options.engines.split(",") if e.strip()]
    unknown = [e for e in engines if e not in ALL_ENGINES]
    if unknown:
        print(f"error: unknown engine {unknown[0]!r}: expected some of {', '.join(ALL_ENGINES)}", file=sys.stderr)
        return 2
    engines = [e for e in engines if not (options.no_chromium and e == "chromium")]
    try:
        wasm = runtime.wasm_path()
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    started = dt.datetime.now(dt.timezone.utc)
    rows = guide_rows(options.quick)
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
    columns += [] if options.no_webgpu else ["webgpu"]
    for k in range(options.rounds):
        print(f"round {k + 1}/{options.rounds} ...", file=sys.stderr, flush=True)
        keep("numpy", {rid: numpy_ms(fn, options.repeat) for rid, fn in numpy_fns.items()})
        for column in columns:
            if column in missing:
                continue
            kind, _, name = column.partition(":")
            try:
                if kind == "ours":
                    cells, versions[name] = ours_cells(name, rows, inputs, expected, options.repeat)
                elif kind == "tfjs":
                    cells, tf_info[name] = tfjs_cells(name, rows, options.repeat)  # type: ignore[assignment]
                else:
                    cells, versions["webgpu"] = webgpu_cells(rows, inputs, options.repeat)  # type: ignore[assignment]
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
    tfjs = "; ".join(tfjs_label(name, i) for name, i in tf_info.items()) or "not measured"
    info = {
        "date": started.strftime("%Y-%m-%d %H:%M UTC"), "cpu": cpu_model(),
        "seconds": f"{(dt.datetime.now(dt.timezone.utc) - started).total_seconds():.0f}",
        "engines": "; ".join(f"{n}: {v}" for n, v in versions.items() if n != "webgpu") or "none",
        "webgpu": versions.get("webgpu", "not measured"),
        "wasm_sha": runtime.hashlib.sha256(wasm.read_bytes()).hexdigest(), "scipy": version("scipy"),
        "tfjs": tfjs, "missing": "; ".join(missing.values()), "rounds": str(options.rounds),
    }
    json_path = options.json or options.markdown.with_suffix(".json")
    previous = None if options.no_previous else _previous(options.previous or json_path)
    text = markdown(rows, present, info, argv, previous)
    print(text)
    if not options.no_markdown:
        write_atomic(options.markdown, text)
        doc = {"info": info, "command": "python scripts/peer_report.py " + " ".join(argv), "columns": present,
               "rows": [{"id": r.id, "op": r.op, "label": r.label, "size": r.size, "section": r.section,
                         "cells": r.cells, "rounds": r.rounds, "notes": r.notes} for r in rows]}
        write_atomic(json_path, json.dumps(doc, indent=1) + "\n")
        print(f"wrote {options.markdown} and {json_path}", file=sys.stderr)
    return 0


def _previous(path: Path) -> dict[str, Any] | None:
    """An earlier run's JSON, or None when there is none (or it is unreadable)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return doc if isinstance(doc, dict) and "rows" in doc and "info" in doc else None
