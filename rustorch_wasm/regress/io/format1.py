"""asv's result format 1 (files without ``result_columns``), read as asv 0.6
reads it: converted by the rule of ``asv update`` (``Results.update_to_2``),
then paired with the parameter combinations as ``Results.get_result_value``
pairs them.

The conversion, step by step as asv does it:

* the environment name is the file's ``env_name``, else asv's own name for
  it, ``environment.get_env_name('', python, requirements, {})``:
  ``py<python>`` and the requirements sorted by name (``name<version>``,
  or ``name`` alone when the version is empty), joined by ``-``, with the
  characters asv replaces in file names replaced by ``_`` (photutils'
  ``py2.7-Cython-astropy0.4.1-numpy1.8``, the env part of its file names);
* a result that is not an object is ``{"result": [value]}``; a ``result``
  or ``stats`` that is not a list becomes a one-entry list (a failed
  parameterised benchmark stored as ``"result": null`` is ``[null]``);
* ``stats`` entries give ``stats_ci_99_a``/``_b`` (``ci_99[0]``, ``[1]``),
  ``stats_q_25``, ``stats_q_75``, their floats cut to 5 significant digits
  (``util.truncate_float_list``);
* a column whose entries are all null is no column (every combination
  missing);
* asv pairs each column with the cartesian product of ``params`` by
  ``zip``: entries beyond the combinations are dropped, combinations beyond
  the entries have none (``"result": [1.5]`` for three combinations is the
  first combination's). The columns here are cut or padded to the
  combinations accordingly, so the rows read like format 2 rows.

What asv cannot convert (a row object without ``result``, a ``stats`` entry
that is not an object or has no two-entry ``ci_99``, no ``env_name`` and no
``python``/``requirements`` to name the environment by) raises
:class:`ResultsError`: the file is skipped, as ``asv update`` skips it.
"""
from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any, Callable

from .result_rows import COLUMNS, ResultsError

UNSAFE = re.compile('[<>:"/\\\\^|?*\x00-\x1f]')        # asv's util.sanitize_filename
RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
            *(f"LPT{i}" for i in range(1, 10))}
PER_COMBINATION = ("result", "stats_ci_99_a", "stats_ci_99_b", "stats_q_25", "stats_q_75",
                   "samples")


def env_name_of(path: Path, data: dict[str, Any]) -> str:
    """The file's ``env_name``, else asv's ``get_env_name('', python, requirements, {})``."""
    if "env_name" in data:
        return data["env_name"]
    python, requirements = data.get("python"), data.get("requirements")
    if not isinstance(python, str) or not isinstance(requirements, dict) or not all(
            isinstance(k, str) and (v is None or isinstance(v, str))
            for k, v in requirements.items()):
        raise ResultsError(f"{path}: format-1 file without env_name, and without the python "
                           "and requirements asv names an environment by")
    parts = [f"py{python}"] + [key + value if value else key
                               for key, value in sorted(requirements.items())]
    name = UNSAFE.sub("_", "-".join(parts))
    return name + "_" if name.upper() in RESERVED else name


def truncated(value: Any) -> Any:
    """asv's ``truncate_float_list``: floats to 5 significant digits, nested lists too."""
    if isinstance(value, float):
        return float(f"{value:.4e}") if math.isfinite(value) else value
    if isinstance(value, list):
        return [truncated(v) for v in value]
    return value


def combinations(params: Any) -> int | None:
    """How many parameter combinations ``params`` has (None: not a list of lists)."""
    if not isinstance(params, list) or not all(isinstance(p, list) for p in params):
        return None
    return math.prod(len(p) for p in params)


def paired(column: Any, count: int | None) -> Any:
    """A per-combination column cut or padded to ``count`` entries, as asv's ``zip`` pairs it."""
    if not isinstance(column, list) or count is None or len(column) == count:
        return column
    return column[:count] + [None] * (count - len(column))


def stat_getter(path: Path, name: str, what: str, index: int | None) -> Callable[[Any], Any]:
    def get(z: Any) -> Any:
        if not isinstance(z, dict):
            raise ResultsError(f"{path}: benchmark {name!r}: a stats entry is not an object "
                               "(asv cannot convert this format-1 file either)")
        if index is None:
            return z.get(what)
        ci = z.get(what)
        if not isinstance(ci, list) or len(ci) < 2:
            raise ResultsError(f"{path}: benchmark {name!r}: a stats entry has no two-entry "
                               f"{what} (asv cannot convert this format-1 file either)")
        return ci[index]
    return get


def row_of(path: Path, name: str, value: Any) -> list[Any]:
    """One format-1 result as a format-2 row in :data:`COLUMNS` order."""
    if not isinstance(value, dict):
        value = {"result": [value], "samples": None, "stats": None, "params": []}
    if "result" not in value:
        raise ResultsError(f"{path}: benchmark {name!r} has no 'result' (asv cannot convert "
                           "this format-1 file either)")
    result = value["result"] if isinstance(value["result"], list) else [value["result"]]
    stats = value.get("stats")
    if "stats" in value and not isinstance(stats, list):
        stats = [stats]
    params = value.get("params", [])
    params = [] if params is None else params
    cells: dict[str, Any] = {"result": result, "params": params, "samples": value.get("samples")}
    for column, what, index in (("stats_ci_99_a", "ci_99", 0), ("stats_ci_99_b", "ci_99", 1),
                                ("stats_q_25", "q_25", None), ("stats_q_75", "q_75", None)):
        if stats is not None:
            get = stat_getter(path, name, what, index)
            cells[column] = truncated([get(z) if z is not None else None for z in stats])
    count = combinations(params)
    for column in PER_COMBINATION:
        cell = cells.get(column)
        if isinstance(cell, list) and all(x is None for x in cell):
            cell = None                        # every combination missing
        cells[column] = paired(cell, count)
    row = [cells.get(c) for c in COLUMNS]
    while row and row[-1] is None:
        row.pop()
    return row


def update_to_2(path: Path, data: dict[str, Any]) -> dict[str, Any]:
    """A file without ``result_columns`` as asv 0.6 reads it (version 1 only)."""
    version = data.get("version")
    if version != 1:
        raise ResultsError(f"{path}: no result_columns, and format version {version!r} "
                           "has them (asv reads only version 1 files without)")
    results = data.get("results")
    if not isinstance(results, dict):
        raise ResultsError(f"{path}: missing 'results' object")
    rows = {name: row_of(path, name, results[name]) for name in sorted(results)}
    duration = data.get("duration")
    durations = {k: v for k, v in duration.items() if isinstance(k, str) and k.startswith("<")} \
        if isinstance(duration, dict) else {}
    return {**data, "env_name": env_name_of(path, data), "result_columns": list(COLUMNS),
            "results": rows, "durations": durations}


__all__ = ["combinations", "env_name_of", "paired", "update_to_2"]
