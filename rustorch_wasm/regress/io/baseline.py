"""Baselines: the samples of every benchmark at one commit, per machine.

``baselines/<machine>.json`` (written atomically, the previous version kept
as ``<machine>.json.bak``: :mod:`.atomic`)::

    {"schema": 1, "machine": "...", "commit": "<full sha>",
     "benchmarks": [{"benchmark": "...", "params": {"size": "100"}, "env": "...",
                     "unit": "seconds", "samples": [...], "median": float,
                     "from_stats": false}]}

``check`` compares a commit's results with the stored samples through
:func:`~.compare.compare_samples`: a ``setBaseline`` / ``checkRegression``
pair with the threshold rule plus significance.

Every value of a baseline file is checked where it is read: the machine
and commit are strings, ``params`` an object of scalars, ``samples`` a
non-empty list of finite numbers (a string such as ``"123"`` is an error,
never three samples). A bad value is a one-line :class:`BaselineError`
naming the file and the row.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..model.series import SeriesKey
from .atomic import Staging
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


def set_baselines(result_set: ResultSet, commit: str, directory: Path,
                  staging: Staging) -> list[Path]:
    """Stage one baseline per machine that has results at ``commit`` (each
    replaces its file when ``staging`` commits, the previous one kept as ``.bak``)."""
    machines = sorted({m.key.machine for m in result_set.at_commit(commit)})
    if not machines:
        raise BaselineError(f"{result_set.root}: no results for commit {commit}")
    written = []
    for machine in machines:
        path = Path(directory) / f"{machine}.json"
        doc = baseline_document(result_set, machine, commit)
        staging.write(path, json.dumps(doc, indent=1, allow_nan=False) + "\n", backup=True)
        written.append(path)
    return written


def scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


def finite_samples(value: Any) -> list[float]:
    """A non-empty list of finite numbers, as floats; TypeError naming what it is."""
    if not isinstance(value, list) or not value:
        raise TypeError(f"samples (a non-empty list of numbers, got {type(value).__name__}"
                        f"{' ' + repr(value)[:20] if isinstance(value, str) else ''})")
    out = []
    for v in value:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise TypeError(f"samples (a non-numeric sample {v!r:.20})")
        try:
            f = float(v)
        except OverflowError:
            f = math.inf
        if not math.isfinite(f):
            raise TypeError(f"samples (a sample that is not finite: {v!r:.20})")
        out.append(f)
    return out


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
    row: Any = None
    try:
        if data["schema"] != SCHEMA:
            raise BaselineError(f"{path}: unsupported schema {data['schema']!r}")
        machine, commit = data["machine"], data["commit"]
        if not isinstance(machine, str) or not isinstance(commit, str):
            raise TypeError("machine/commit")
        if not isinstance(data["benchmarks"], list):
            raise TypeError("benchmarks (a list)")
        samples: dict[SeriesKey, list[float]] = {}
        units: dict[SeriesKey, str] = {}
        for row in data["benchmarks"]:
            params = row["params"]
            if not isinstance(params, dict) or not all(map(scalar, params.values())):
                raise TypeError("params (an object of names and values)")
            if not isinstance(row["benchmark"], str) or not isinstance(row["env"], str):
                raise TypeError("benchmark/env (strings)")
            unit = row.get("unit", "unit")
            if not isinstance(unit, str):
                raise TypeError("unit (a string)")
            key = SeriesKey(machine, row["env"], row["benchmark"],
                            tuple(sorted((str(k), str(v)) for k, v in params.items())))
            samples[key] = finite_samples(row["samples"])
            units[key] = unit
    except BaselineError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        what = exc.args[0] if exc.args and isinstance(exc, (TypeError, KeyError)) else exc
        where = (f" in benchmark {row.get('benchmark')!r}"
                 if isinstance(row, dict) and isinstance(row.get("benchmark"), str) else "")
        raise BaselineError(f"{path}: corrupt baseline file: missing or malformed {what}"
                            f"{where}") from None
    return Baseline(machine, commit, samples, units)
