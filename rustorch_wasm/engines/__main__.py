"""``python -m rustorch_wasm.engines``: which engines (and WebGPU adapter) work here, and why not.

Prints one line per engine; ``--json`` prints a JSON list instead. Exit code
0 always (a missing engine is information, not an error).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys

from . import engine_statuses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(argv)
    from ..webgpu import WebGPU

    rows = [dataclasses.asdict(s) for s in engine_statuses()]
    gpu = WebGPU().status
    rows.append({"name": "webgpu", "available": gpu.available, "reason": gpu.reason,
                 "version": f"{gpu.device} ({gpu.backend}, {gpu.adapter_type})" if gpu.available else ""})
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    for r in rows:
        state = "yes" if r["available"] else "no "
        print(f"{r['name']:9s} {state} {r['version'] if r['available'] else r['reason']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
