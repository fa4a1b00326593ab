"""Baselines: the samples of every benchmark at one commit, per machine.

``baselines/<machine>.json`` (written atomically, the previous file kept as
``<machine>.json.bak``)::

    {"schema": 1, "machine": "...", "commit": "<full sha>",
     "benchmarks": [{"benchmark": "...", "params": {"size": "100"}, "env": "...",
                     "unit": "seconds", "samples": [...], "median": float,
                     "from_stats": false}]}

``check`` compares a commit's results with the stored samples through
:func:`~.compare.compare_samples`: a ``setBaseline`` / ``checkRegression``
pair with the threshold rule plus significance.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..model.series import SeriesKey
from .atomic import write_atomic
from .results import ResultSet

SCHEMA = 1


class BaselineError(ValueError):
    """A missing or corrupt baseline file; one-line message."""


@dataclass
class Baseline:
    machine: str
    commit: str
    samples: dict[SeriesKey, list[float]]
    units: dict[SeriesKey, str]


def baseline_document(result_set: ResultSet, machine: str, commit: str) -> dict[str, Any]:
    """The JSON document of ``machine``'s results at ``commit``."""
    rows = []
    for m in sorted(result_set.at_commit(commit), key=lambda m: m.key):
        if m.key.machine != machine:
            continue
        samples = m.values
        rows.append({"benchmark": m.key.benchmark, "params": m.key.params_dict,
                     "env": m.key.env, "unit": result_set.unit_of(m.key.benchmark),
                     "samples": samples, "median": m.value if math.isfinite(m.value) else None,
                     "from_stats": not m.samples})
    return {"schema": SCHEMA, "machine": machine, "commit": commit, "benchmarks": rows}


def set_baselines(result_set: ResultSet, commit: str, directory: Path) -> list[Path]:
    """Write one baseline per machine that has results at ``commit``."""
    machines = sorted({m.key.machine for m in result_set.at_commit(commit)})
    if not machines:
        raise BaselineError(f"{result_set.root}: no results for commit {commit}")
    written = []
    for machine in machines:
        path = Path(directory) / f"{machine}.json"
        doc = baseline_document(result_set, machine, commit)
        write_atomic(path, json.dumps(doc, indent=1, allow_nan=False) + "\n", backup=True)
        written.append(path)
    return written


def load_baseline(path: Path) -> Baseline:
    """Parse and validate one baseline file."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"{path}: no baseline (run 'baseline set' first)") from None
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{path}: corrupt baseline file: {exc}") from None
    try:
        if data["schema"] != SCHEMA:
            raise BaselineError(f"{path}: unsupported schema {data['schema']!r}")
        machine, commit = data["machine"], data["commit"]
        if not isinstance(machine, str) or not isinstance(commit, str):
            raise TypeError("machine/commit")
        samples: dict[SeriesKey, list[float]] = {}
        units: dict[SeriesKey, str] = {}
        for row in data["benchmarks"]:
            params = row["params"]
            if not isinstance(params, dict) or not isinstance(row["benchmark"], str):
                raise TypeError("params")
            key = SeriesKey(machine, str(row["env"]), row["benchmark"],
                            tuple(sorted((str(k), str(v)) for k, v in params.items())))
            values = [float(v) for v in row["samples"]]
            samples[key] = values
            units[key] = str(row.get("unit", "unit"))
    except BaselineError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise BaselineError(f"{path}: corrupt baseline file: missing or malformed {exc}") from None
    return Baseline(machine, commit, samples, units)
