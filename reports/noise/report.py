"""How noisy is the suite? Run it several times at HEAD and report per
benchmark the within-run spread of the recorded samples.

Run by ``python scripts/noise_report.py``. Each run is one asv run of the
suite (:mod:`reports.noise.suite`) into a throw-away results directory (or
``keep``/run-N); the samples (:mod:`reports.noise.samples`) make the table
(:mod:`reports.noise.table`). ``attributes`` override a harness setting
(``sample_time``, ``repeat``, ``rounds``, ``warmup_time``) for these runs,
so two settings can be compared run by run without editing the suite.
"""
from __future__ import annotations

import contextlib
import json
import sys
import tempfile
from pathlib import Path
from typing import Sequence

import numpy as np

from doc_sections import write_section
from reports.noise.samples import Row, collect
from reports.noise.suite import RunCost, asv_config, run_suite
from reports.noise.table import CV_TARGET, MIN_SECONDS, cv_document, table
from rustorch_wasm.regress.io.atomic import write_atomic


def run(runs: int = 3, bench: Sequence[str] = (), attribute: Sequence[str] = (),
        markdown: Path | None = None, keep: Path | None = None, json_path: Path | None = None) -> int:
    """Run the suite ``runs`` times (``bench``: asv -b regexes; ``attribute``:
    asv -a NAME=VALUE), print the table, write it as ``markdown``'s
    noise-report section and the CVs to ``json_path`` when given. 0 when every
    benchmark of 100 us or more kept its CV within the target, 1 when one did
    not, 2 when asv recorded no samples."""
    rows: dict[tuple[str, str], Row] = {}
    costs: list[RunCost] = []
    for i in range(runs):
        with contextlib.ExitStack() as stack:
            if keep is None:
                results = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="noise-")))
            else:
                results = keep / f"run-{i + 1}"
                results.mkdir(parents=True, exist_ok=True)
            config = asv_config(results)
            print(f"run {i + 1}/{runs} ...", flush=True)
            costs.append(run_suite(config, bench, attribute))
            collect(results, rows, i)
    if not rows:
        print("error: asv recorded no time benchmark samples (see its output above)", file=sys.stderr)
        return 2
    ordered = sorted(rows.values(), key=lambda r: (r.name, r.params))
    text = table(ordered, costs)
    print(text)
    if markdown:
        write_section(markdown, "noise-report", text)
    if json_path:
        write_atomic(json_path, json.dumps(cv_document(ordered, costs), indent=1) + "\n")
    over = [r for r in ordered if np.median(r.medians) >= MIN_SECONDS and max(r.cvs) > CV_TARGET]
    return 1 if over else 0
