"""Many series plots at once, in worker processes.

PNGs of hundreds of series take most of their time in matplotlib (about
0.08 s a plot; the site draws its plots in the browser and asks for PNGs
only with ``png="findings"`` or ``"all"``). :func:`plot_all` draws them in ``workers`` processes started
with ``spawn`` (no fork of a process that holds threads and open files);
each job carries only what its plot needs (the series' commits, positions
and quantiles, not its samples) and writes its own files, so the output does
not depend on the number of workers or the order they finish in. Few plots
or one worker: drawn in this process. A spawned worker imports the main
script again (as ``__mp_main__``), so a script that asks for workers must
keep its work under ``if __name__ == "__main__"``; the command line
(``rustorch-regress site`` and ``run``) does.
"""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from ..model.findings import Finding
from ..model.series import Series, SeriesColumns

#: Below this many plots, starting workers (each imports matplotlib) costs more than it saves.
MIN_PARALLEL = 40
#: Jobs handed to a worker at once.
CHUNK = 8


@dataclass(frozen=True)
class PlotJob:
    """One series plot: what :func:`~.plot.plot_series` is called with."""

    series: Series
    out_base: Path
    threshold: float                  # the one the series was judged at
    findings: tuple[Finding, ...] = ()
    change_points: tuple[int, ...] = ()
    baseline: float | None = None
    formats: tuple[str, ...] = ("png",)
    env_label: str = ""               # the title's short environment label
    order: str = "first-parent history"   # what orders the commits (the x label)

    def run(self) -> list[Path]:
        from .plot import plot_series      # matplotlib: imported where a plot is drawn
        return plot_series(self.series, self.out_base, findings=self.findings,
                           change_points=self.change_points, baseline=self.baseline,
                           threshold=self.threshold, formats=self.formats,
                           env_label=self.env_label, order=self.order)

    def portable(self) -> "PlotJob":
        """The same job with the series reduced to what a plot reads (cheap to pickle)."""
        c = self.series.columns
        light = SeriesColumns(list(c.commits), c.positions, c.medians, c.q25, c.q75,
                              np.ones(len(c), dtype=bool), c.ci_lo, c.ci_hi, [()] * len(c))
        return PlotJob(Series(self.series.key, self.series.unit, columns=light), self.out_base,
                       self.threshold, self.findings, self.change_points, self.baseline,
                       self.formats, self.env_label, self.order)


def _run_chunk(jobs: Sequence[PlotJob]) -> int:
    for job in jobs:
        job.run()
    return len(jobs)


def default_workers() -> int:
    """The CPUs this process may use (at most 8)."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:            # not on Linux
        n = os.cpu_count() or 1
    return max(1, min(n, 8))


def plot_all(jobs: Sequence[PlotJob], workers: int = 1,
             progress: Callable[[int, int], None] | None = None,
             draw: Callable[[PlotJob], object] = PlotJob.run,
             meanwhile: Callable[[], object] | None = None) -> None:
    """Run every job; ``progress(done, total)`` after each chunk. ``draw``
    runs one job in this process (when not parallel); ``meanwhile`` is other
    work for this process, done while the workers plot (or after the plots)."""
    total = len(jobs)
    workers = max(1, workers)
    if workers == 1 or total < MIN_PARALLEL:
        for i, job in enumerate(jobs, 1):
            draw(job)
            if progress and (i % 10 == 0 or i == total):
                progress(i, total)
        if meanwhile is not None:
            meanwhile()
        return
    chunks = [[j.portable() for j in jobs[i:i + CHUNK]] for i in range(0, total, CHUNK)]
    done = 0
    with ProcessPoolExecutor(max_workers=workers,
                             mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(_run_chunk, chunk) for chunk in chunks]
        try:
            if meanwhile is not None:
                meanwhile()
            for future in as_completed(futures):
                done += future.result()
                if progress:
                    progress(done, total)
        except BaseException:
            for future in futures:
                future.cancel()
            raise
