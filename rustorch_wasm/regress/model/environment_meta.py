"""What one asv result file says about its machine and run.

asv writes, beside the results, the machine's ``params`` (arch, cpu, os,
ram, the machine name, ...), the ``python`` version, the ``requirements``
and ``env_vars`` of the environment, and ``durations`` (``"<build>"`` is
the wheel build's seconds). A change of any of these at the commit where
many series moved is evidence that the environment, not the code, moved
them (:mod:`.environment`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FileMeta:
    """Flat ``name -> value`` facts of one result file, and its build time."""

    meta: tuple[tuple[str, str], ...]
    build_seconds: float | None = None


def file_meta(data: dict[str, Any]) -> FileMeta:
    facts: dict[str, str] = {}
    for prefix, section in (("", data.get("params")), ("req:", data.get("requirements")),
                            ("env:", data.get("env_vars"))):
        if isinstance(section, dict):
            for k, v in section.items():
                if isinstance(k, str) and isinstance(v, (str, int, float)) and k != "python":
                    facts[prefix + k] = str(v)
    if isinstance(data.get("python"), str):
        facts["python"] = data["python"]
    durations = data.get("durations")
    build = durations.get("<build>") if isinstance(durations, dict) else None
    ok = isinstance(build, (int, float)) and not isinstance(build, bool) \
        and math.isfinite(build) and build > 0
    return FileMeta(tuple(sorted(facts.items())), float(build) if ok else None)
