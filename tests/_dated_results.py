"""Dated asv results without a repository, for the tests of what the
commands write and read (test_regress_outputs, _limits, _kill)."""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from rustorch_wasm.regress.io.synth import Row, write_benchmarks_json, write_result_file

N = 24


def sha(i: int) -> str:
    return hashlib.sha1(f"c{i}".encode()).hexdigest()


def write_results(results: Path, n: int = N, shas: list[str] | None = None) -> None:
    """time_a +40 % at commit 16, dated one minute apart; commits ``shas``
    (default: made-up ones, of no repository)."""
    write_benchmarks_json(results, {"mod.C.time_a": ([], [], "seconds"),
                                    "mod.C.time_b": ([], [], "seconds")})
    rng = np.random.default_rng(3)
    for i in range(n):
        a = list(1e-3 * (1.4 if i >= 16 else 1.0) * np.exp(rng.normal(0, 0.02, 6)))
        b = list(2e-3 * np.exp(rng.normal(0, 0.02, 6)))
        write_result_file(results, "box", shas[i] if shas else sha(i), "py3.10", {
            "mod.C.time_a": Row([float(np.median(a))], [], [a]),
            "mod.C.time_b": Row([float(np.median(b))], [], [b])},
            date=1_700_000_000_000 + 60_000 * i)
