"""Peer report: our kernels beside TensorFlow.js-wasm and numpy, in every engine, one session.

    python scripts/peer_report.py [--quick] [--markdown docs/peers.md | --no-markdown]
                                  [--json docs/peers.json] [--engines wasmer,node,chromium,firefox,webkit]
                                  [--no-chromium] [--no-webgpu] [--repeat N] [--rounds N]

The report is reports/peers/ (report.py runs the rounds); `make peers`.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reports.peers.render import ALL_ENGINES
from reports.peers.report import DEFAULT_MARKDOWN, PeerOptions, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only (smoke test)")
    parser.add_argument("--repeat", type=int, default=7, help="samples per cell and round (default 7)")
    parser.add_argument("--rounds", type=int, default=5,
                        help="times the whole table is measured; each cell keeps its best round (default 5)")
    parser.add_argument("--markdown", type=Path, default=DEFAULT_MARKDOWN,
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
    return run(PeerOptions(**vars(parser.parse_args(raw))), raw)


if __name__ == "__main__":
    sys.exit(main())
