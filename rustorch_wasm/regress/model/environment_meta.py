"""What one asv result file says about its machine and run.

asv writes, beside the results, the machine's ``params`` (arch, cpu, os,
ram, the machine name, ...), the ``python`` version, the ``requirements``
and ``env_vars`` of the environment, and ``durations`` (``"<build>"`` is
the wheel build's seconds). A change of any of these at the commit where
many series moved is evidence that the environment, not the code, moved
them (:mod:`.environment`) -- except the routine drift of one machine
(:func:`decisive`): the RAM the OS reports moving by less than 1 % (a
reboot reserves a few bytes more or less) and a kernel update within one
``major.minor`` series (``4.18.0-553.66`` to ``4.18.0-553.77``); those are
shown, but name no cause.
"""
from __future__ import annotations

import math
import re
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


RAM_TOLERANCE = 0.01     # relative change of the reported RAM that is the same machine


def kernel_series(os_name: str) -> tuple[str, ...] | None:
    """``("Linux", "4", "18")`` of ``"Linux 4.18.0-553.66.1.el8_10.x86_64"``;
    None when no ``major.minor`` version is in it."""
    m = re.match(r"\s*(\S+)\s+(\d+)\.(\d+)", os_name)
    return m.groups() if m else None


def decisive(key: str, old: str | None, new: str | None) -> bool:
    """Does a change of one metadata fact from ``old`` to ``new`` name the
    environment as a cause? Not the routine drift of one machine (see the
    module docstring)."""
    if old is None or new is None:
        return True
    if key == "ram":
        try:
            a, b = float(old), float(new)
        except ValueError:
            return True
        return not (a > 0 and abs(b - a) <= RAM_TOLERANCE * a)
    if key == "os":
        ka, kb = kernel_series(old), kernel_series(new)
        return ka is None or ka != kb
    return True
