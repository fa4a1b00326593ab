"""Which way is better for a series: lower (times, memory) or higher (rates).

asv's own benchmark types say it for most series: ``time_*``, ``mem_*`` and
``peakmem_*`` are better when lower. A ``track_*`` value can be either, and
asv leaves that to the user; we read it, in this order, from

1. the config's per-benchmark ``direction`` overrides (a regex searched in
   the full benchmark name, the first match wins; ``"higher"`` or
   ``"lower"``);
2. the unit: a rate (``samples/s``, ``ops/sec``, ``GFLOP/s``, ``Hz``,
   ``per second``) is better when higher;
3. the name: ``*_per_second``, ``*_per_sec``, ``*_throughput``, ``*_qps``,
   ``*_fps``, ``*_bandwidth``, ``*_speedup``, ``*_score`` are better when
   higher (an operation count such as ``*_ops`` is left to the config: it
   may be either);

and otherwise lower is better (asv's own assumption).

The detector works on "badness" ``b = log(value)`` when lower is better and
``b = -log(value)`` when higher is better, so that one rule (an upward step
of ``b`` is a regression) serves both; reports give the values and ratios in
the user's units and say "slower"/"worse" in the user's terms.
"""
from __future__ import annotations

import re
from typing import Literal, Sequence

Better = Literal["lower", "higher"]

RATE_UNIT = re.compile(r"(/\s*(s|sec|second)s?$)|(per\s+sec(ond)?)|(^hz$)|(/s\b)", re.IGNORECASE)
HIGHER_NAME = re.compile(r"(_per_sec(ond)?s?|_throughput|_qps|_fps|_bandwidth|_speedup"
                         r"|_score|_per_s)$|^track_.*_per_second", re.IGNORECASE)


def better_of(benchmark: str, unit: str,
              overrides: Sequence[tuple[re.Pattern[str], Better]] = ()) -> Better:
    """``"lower"`` or ``"higher"``: which way is better for this benchmark."""
    for pattern, better in overrides:
        if pattern.search(benchmark):
            return better
    method = benchmark.rsplit(".", 1)[-1]
    if method.startswith(("time_", "mem_", "peakmem_", "timeraw_")):
        return "lower"
    if unit and RATE_UNIT.search(unit.strip()):
        return "higher"
    if HIGHER_NAME.search(method):
        return "higher"
    return "lower"


def sign(better: Better) -> float:
    """+1 when lower is better, -1 when higher is: ``badness = sign * log(value)``."""
    return 1.0 if better == "lower" else -1.0


def worse_word(better: Better, unit: str) -> tuple[str, str]:
    """("slower", "faster") for times, ("larger", "smaller") for memory
    (asv's ``mem_``/``peakmem_``, in bytes), ("worse", "better") for anything else."""
    if better == "lower" and unit in ("seconds", "ratio"):   # "ratio": a machine's shared shift
        return "slower", "faster"
    if better == "lower" and unit == "bytes":
        return "larger", "smaller"
    return "worse", "better"


def change_text(ratio: float, better: Better, unit: str) -> str:
    """A ratio in the user's terms: ``+30.0% (×1.300, slower)``,
    ``-30.0% (×0.700, worse)`` for a throughput."""
    if not (ratio > 0 and ratio < float("inf")):
        return "n/a"
    if ratio == 1.0:
        return "+0.0% (×1.000, unchanged)"
    bad, good = worse_word(better, unit)
    worse = ratio > 1.0 if better == "lower" else ratio < 1.0
    return f"{(ratio - 1) * 100:+.1f}% (×{ratio:.3f}, {bad if worse else good})"
