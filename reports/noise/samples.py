"""The recorded samples of asv result files, per time benchmark and parameter
combination across the runs: each run's median and CV = IQR / median."""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from asv.results import iter_results


@dataclass
class Row:
    """One benchmark and parameter combination across the runs."""

    name: str
    params: str
    medians: list[float] = field(default_factory=list)
    cvs: list[float] = field(default_factory=list)
    runs: list[int] = field(default_factory=list)  # the run each CV came from


def collect(results_dir: Path, rows: dict[tuple[str, str], Row], run: int) -> None:
    """Add run number ``run``'s samples to ``rows`` (time benchmarks only)."""
    for result in iter_results(str(results_dir)):
        for key in result.get_all_result_keys():
            if ".time_" not in key:
                continue
            params = result.get_result_params(key)
            combos = itertools.product(*params)
            values = result.get_result_value(key, params)
            samples = result.get_result_samples(key, params)
            for combo, value, smp in zip(combos, values, samples or []):
                if value is None or not smp:
                    continue
                s = np.asarray(smp, dtype=float)
                q1, med, q3 = np.percentile(s, [25, 50, 75])
                row = rows.setdefault((key, ", ".join(combo)), Row(key, ", ".join(combo)))
                row.medians.append(float(med))
                row.cvs.append(float((q3 - q1) / med) if med > 0 else 0.0)
                row.runs.append(run)
