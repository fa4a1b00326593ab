"""``python -m rustorch_wasm.engines``: which engines (and WebGPU adapter) work here, and why not.

Prints one line per engine; ``--json`` prints a JSON list instead; ``--simd``
also runs each available engine's SIMD128 probe (a browser launch for the
browser engines). Exit code 0 always (a missing engine is information, not
an error).
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import sys
from collections.abc import Iterator

from . import engine_statuses


def probe(name: str) -> bool | str:
    """The engine's SIMD128 probe: True/False, or the one-line error that stopped it."""
    from . import get_engine

    try:
        return bool(get_engine(name).probe_simd())
    except Exception as exc:  # noqa: BLE001 - any failure is reported, not raised
        return f"probe failed: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"


@contextlib.contextmanager
def native_stderr_silenced() -> Iterator[None]:
    """Point file descriptor 2 at /dev/null for the block: the Vulkan loader and
    Mesa print their warnings (missing extensions, XDG_RUNTIME_DIR) straight to
    it from native code, which no Python-level redirect catches."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--simd", action="store_true", help="run each available engine's SIMD128 probe")
    args = parser.parse_args(argv)
    from ..webgpu import WebGPU

    rows = [dataclasses.asdict(s) for s in engine_statuses()]
    if args.simd:
        for r in rows:
            r["simd"] = probe(r["name"]) if r["available"] else None
    with native_stderr_silenced():  # the adapter probe's reason is in its status
        gpu = WebGPU().status
    rows.append({"name": "webgpu", "available": gpu.available, "reason": gpu.reason,
                 "version": f"{gpu.device} ({gpu.backend}, {gpu.adapter_type})" if gpu.available else ""})
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    for r in rows:
        state = "yes" if r["available"] else "no "
        flag = r.get("simd")
        simd = "SIMD128 on; " if flag is True else "SIMD128 OFF; " if flag is False else f"{flag}; " if flag else ""
        print(f"{r['name']:9s} {state} {simd}{r['version'] if r['available'] else r['reason']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
