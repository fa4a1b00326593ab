"""Our detector as the evaluation runs it: the package's one analysis.

:func:`run_on_files` is the evaluation's one way from asv result files to
findings, and it is ``rustorch-regress detect``'s:
:func:`~rustorch_wasm.regress.io.history.load_history` (results + the
repository's first-parent order -> series, build identity, asv metadata)
then :func:`~rustorch_wasm.regress.analysis.pipeline.analyse`. The corpora
are written as real result files over a git history for it.

:func:`analyse_in_memory` is the one exception, for series that were never
files: the latency measurements cut one series after another at growing
lengths and rerun the detector on each cut, hundreds of times, where writing
a result directory and a repository per cut would cost more than the
detection. Such a history has no asv metadata and no build identity (every
commit its own build), which is what the synthetic corpora have anyway.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from rustorch_wasm.regress.analysis.pipeline import analyse
from rustorch_wasm.regress.io.history import History, load_history
from rustorch_wasm.regress.io.results import ResultSet
from rustorch_wasm.regress.model.config import DetectorConfig
from rustorch_wasm.regress.model.findings import Report
from rustorch_wasm.regress.model.series import Series

IN_MEMORY = Path("<in memory>")


@dataclass
class OursRun:
    """One run of our detector on a results directory."""

    history: History
    report: Report
    seconds: float                   # reading and analysing

    @property
    def series(self) -> list[Series]:
        return self.history.series

    @property
    def order(self) -> list[str]:
        """The commits of the branch, oldest first."""
        return self.history.order


def read_without_repo(results: Path, repo: Path | None = None, branch: str = "main") -> History:
    """``results`` as ``rustorch-regress detect --results RESULTS [--repo REPO
    --branch BRANCH]`` reads it outside any working repository: without
    ``repo``, commits in asv's recorded date order."""
    return load_history(Path(results), repo=repo, search=None, branch=branch)


def findings_of(history: History, config: DetectorConfig | None = None) -> Report:
    """The one analysis of ``history`` (default settings: no regress.json)."""
    return analyse(history, config or DetectorConfig())


def run_on_files(results: Path, repo: Path, config: DetectorConfig | None = None,
                 branch: str = "main") -> OursRun:
    """Our findings on ``results`` along ``branch`` of ``repo``, timed: what
    ``rustorch-regress detect --results RESULTS --repo REPO --branch BRANCH``
    reports with ``config`` (default: no regress.json)."""
    t0 = time.perf_counter()
    history = load_history(results, repo=repo, branch=branch)
    report = analyse(history, config or DetectorConfig())
    return OursRun(history, report, time.perf_counter() - t0)


def analyse_in_memory(series: list[Series], config: DetectorConfig | None = None) -> Report:
    """Our findings on series that were never written as files (see the module
    docstring), through the same analysis."""
    commits = sorted({(p.position, p.commit) for s in series for p in s.points})
    history = History(ResultSet(IN_MEMORY), None, [c for _, c in commits], series)
    return analyse(history, config or DetectorConfig())
