"""Our detector as the evaluation runs it.

:func:`run_on_files` is the evaluation's one way from asv result files to
findings: the corpora are written as real result files over a git history,
and read back the way ``rustorch-regress detect`` reads them.

:func:`analyse_in_memory` is the one exception, for series that were never
files: the latency measurements cut one series after another at growing
lengths and rerun the detector on each cut, hundreds of times, where writing
a result directory and a repository per cut would cost more than the
detection.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from rustorch_wasm.regress.analysis.detect import detect
from rustorch_wasm.regress.io.columns import build_series
from rustorch_wasm.regress.io.repository import first_parent_commits
from rustorch_wasm.regress.io.results import load_results
from rustorch_wasm.regress.model.config import DetectorConfig
from rustorch_wasm.regress.model.findings import Report
from rustorch_wasm.regress.model.series import Series


@dataclass
class OursRun:
    """One run of our detector on a results directory."""

    series: list[Series]
    order: list[str]                 # the commits of the branch, oldest first
    report: Report
    seconds: float                   # reading and analysing


def run_on_files(results: Path, repo: Path, config: DetectorConfig | None = None,
                 branch: str = "main") -> OursRun:
    """Our findings on ``results`` along ``branch`` of ``repo``, timed."""
    t0 = time.perf_counter()
    order = first_parent_commits(repo, branch)
    series = build_series(load_results(results), order)
    report = detect(series, config or DetectorConfig())
    return OursRun(series, order, report, time.perf_counter() - t0)


def analyse_in_memory(series: list[Series], config: DetectorConfig | None = None) -> Report:
    """Our findings on series that were never written as files (see the module
    docstring): no asv metadata and no build identity."""
    return detect(series, config or DetectorConfig())
