"""Run kernel calls in V8 through ``node``: the engine inside Chrome.

The driver writes the input arrays as raw little-endian files and a request
JSON into a private temporary directory, runs ``node engines/js/harness.mjs
REQUEST`` (no shell; argv only), reads one JSON object from stdout and the
output files back as numpy arrays. The harness times with
``performance.now()`` inside node, so process start-up and data transfer are
never part of a sample.

``$RUSTORCH_WASM_NODE`` names the node binary (default: ``node`` on PATH);
node >= 16.4 is required (wasm SIMD128 on by default).
"""
from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from .. import runtime as _rt
from .simd import SIMD_PROBE
from .spec import CallResult, EngineRun, EngineStatus, KernelCall, checked_inputs, output_dtype

JS_DIR = Path(__file__).resolve().parent / "js"
NODE_ENV = "RUSTORCH_WASM_NODE"
MIN_NODE = (16, 4)
TIMEOUT_S = 600.0


class EngineError(RuntimeError):
    """An engine process failed; the message is its one-line error."""


def node_binary() -> str | None:
    """Path of the node executable, or None."""
    env = os.environ.get(NODE_ENV)
    if env:
        return env if Path(env).is_file() and os.access(env, os.X_OK) else None
    return shutil.which("node")


@functools.lru_cache(maxsize=8)
def node_version(node: str) -> tuple[int, ...] | None:
    """(major, minor, patch) of ``node``, or None if it does not run."""
    try:
        proc = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = proc.stdout.strip().lstrip("v")
    try:
        return tuple(int(p) for p in text.split("."))
    except ValueError:
        return None


def node_status(name: str = "node") -> tuple[EngineStatus, str | None]:
    """Status of node here, and its path when usable."""
    node = node_binary()
    if node is None:
        where = f"${NODE_ENV}={os.environ[NODE_ENV]!r}" if os.environ.get(NODE_ENV) else "on PATH"
        return EngineStatus(name, False, f"node not found {where} (apt-get install nodejs)"), None
    version = node_version(node)
    if version is None:
        return EngineStatus(name, False, f"{node} --version failed"), None
    if version[:2] < MIN_NODE:
        return EngineStatus(name, False, f"node {'.'.join(map(str, version))} < 16.4 has no default wasm SIMD"), None
    return EngineStatus(name, True, "", "node " + ".".join(map(str, version))), node


class NodeScriptEngine:
    """Base for engines driven by a node script speaking the harness protocol."""

    name = "node"
    script = "harness.mjs"

    def __init__(self, wasm: Path | None = None, timeout_s: float = TIMEOUT_S) -> None:
        self.wasm = wasm
        self.timeout_s = timeout_s

    def status(self) -> EngineStatus:
        """Available when node (and what the script needs) is present."""
        return node_status(self.name)[0]

    def launcher(self) -> str:
        """The program that runs the host script (node); EngineUnavailable when missing."""
        status, node = node_status(self.name)
        if node is None:
            raise _rt.EngineUnavailable(status.reason)
        return node

    def extra_request(self) -> dict[str, Any]:
        """Fields a subclass adds to the request."""
        return {}

    def _ready(self) -> str:
        """The launcher, once the engine is known to be available (else EngineUnavailable)."""
        program = self.launcher()
        status = self.status()
        if not status.available:
            raise _rt.EngineUnavailable(status.reason)
        return program

    def _request(self, program: str, tmpdir: Path, fields: dict[str, Any]) -> dict[str, Any]:
        """Write the request (the common fields, the subclass's, then ``fields``) into
        ``tmpdir`` and run the host script on it; its JSON reply."""
        wasm = (self.wasm or _rt.wasm_path()).resolve()
        request = {"wasm": str(wasm), "dir": str(tmpdir), "inputs": {}, "calls": [],
                   "simd_probe": list(SIMD_PROBE), **self.extra_request(), **fields}
        req_path = tmpdir / "request.json"
        req_path.write_text(json.dumps(request), encoding="utf-8")
        return self._run_script(program, req_path)

    def run(self, calls: list[KernelCall], inputs: dict[str, np.ndarray]) -> EngineRun:
        """Run ``calls`` on ``inputs`` in the engine; results in call order.

        EngineUnavailable if the engine is missing, EngineError if it fails.
        """
        program = self._ready()
        arrays = checked_inputs(calls, inputs)
        with tempfile.TemporaryDirectory(prefix="rustorch-engine-") as tmp:
            tmpdir = Path(tmp)
            files = {}
            for name, arr in arrays.items():
                files[name] = f"{name}.input"
                arr.tofile(tmpdir / files[name])
            reply = self._request(program, tmpdir, {"inputs": files, "calls": [c.to_json() for c in calls]})
            results = []
            for call, res in zip(calls, reply["results"]):
                outputs = {name: np.fromfile(tmpdir / file, dtype=output_dtype(call, name))
                           for name, file in res["outputs"].items()}
                value = res.get("value")
                results.append(CallResult(res["id"], res["export"], int(res["inner"]),
                                          [float(t) for t in res["times_ms"]], outputs,
                                          None if value is None else float(value)))
        simd = reply.get("simd")
        return EngineRun(self.name, str(reply.get("version", "")) or self.status().version,
                         list(reply.get("exports", [])), results, None if simd is None else bool(simd))

    def run_page(self, fields: dict[str, Any]) -> dict[str, Any]:
        """A browser engine's reply to a request for another page than the kernel
        page (``fields`` say which, e.g. ``{"tfjs": spec}``); EngineUnavailable,
        EngineError as for :meth:`run`."""
        program = self._ready()
        with tempfile.TemporaryDirectory(prefix="rustorch-engine-") as tmp:
            return self._request(program, Path(tmp), fields)

    def probe_simd(self) -> bool:
        """Whether the engine validates the SIMD128 probe module (a run with no calls)."""
        return bool(self.run([], {}).simd)

    def command(self, node: str, req_path: Path) -> list[str]:
        """The argv that runs the host script on a request file."""
        return [node, str(JS_DIR / self.script), str(req_path)]

    def _run_script(self, node: str, req_path: Path) -> dict[str, Any]:
        cmd = self.command(node, req_path)
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=self.timeout_s,
                                  cwd=req_path.parent)
        except subprocess.TimeoutExpired:
            raise EngineError(f"{self.name}: no answer within {self.timeout_s:.0f} s") from None
        if proc.returncode != 0:
            lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
            errors = [ln for ln in lines if ln.startswith("error:")]
            last = (errors or lines or [f"exit code {proc.returncode}"])[-1]
            raise EngineError(f"{self.name}: {last.removeprefix('error: ')}")
        try:
            reply = json.loads(proc.stdout.strip().splitlines()[-1])
        except (json.JSONDecodeError, IndexError):
            raise EngineError(f"{self.name}: harness printed no JSON result") from None
        return reply


class NodeEngine(NodeScriptEngine):
    """V8 in node."""

    name = "node"
    script = "harness.mjs"
