"""The special functions against scipy in ns per value, in every engine:
``make report``'s special-report section (``scripts/kernel_report.py
--special-only`` measures it alone; ``RUSTORCH_WASM_PATH`` points it at
another build, e.g. an earlier commit's).

Every special function (erf, erfc, gamma, lgamma, beta, Bessel J0, J1 and
J5) on 1K and 10K arrays, scipy.special in this process and ours in Wasmer
and the other engines of rustorch_wasm.engines.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import os

import numpy as np
import scipy.special as ss

from .machine import cpu_model
from .peers.rows import numpy_ms


# The special functions against scipy in ns per value, in every engine (`make report`'s
# special-report section): name, export stem, leading args, scipy, domain, inputs, target ratio.
SPECIAL_NS = [
    ("erf", "erf", (), ss.erf, (-6.0, 6.0), 1, 1.5),
    ("erfc", "erfc", (), ss.erfc, (-6.0, 6.0), 1, 1.5),
    ("gamma", "gamma", (), ss.gamma, (0.1, 170.0), 1, 1.3),
    ("lgamma", "lgamma", (), ss.gammaln, (0.1, 170.0), 1, 1.3),
    ("beta", "beta", (), ss.beta, (0.1, 50.0), 2, 1.3),
    ("Bessel J0", "bessel_j0", (), ss.j0, (0.0, 100.0), 1, 1.3),
    ("Bessel J1", "bessel_j1", (), ss.j1, (0.0, 100.0), 1, 1.3),
    ("Bessel J (n=5)", "bessel_jn", (5,), lambda x: ss.jv(5, x), (0.0, 100.0), 1, 1.3),
]
SPECIAL_ENGINES = ("wasmer", "node", "firefox", "webkit")
ENGINE_TITLES = {"wasmer": "Wasmer", "node": "V8 (node)", "chromium": "V8 (Chromium)",
                 "firefox": "SpiderMonkey (Firefox)", "webkit": "JavaScriptCore (WebKit)"}


def special_ns_section(engines: list[str], rounds: int, repeat: int = 7) -> str:
    """ns per value of every special function on 1K and 10K arrays: scipy and ours in
    each engine (the same ``_kernels.wasm``, inputs already in wasm memory, the raw
    array export timed by the engine's wall clock). Each cell is the least, over
    ``rounds`` rounds that measure every column in turn, of a round's median sample."""
    from rustorch_wasm.engines import get_engine
    from rustorch_wasm.engines.node import EngineError
    from rustorch_wasm.engines.spec import I32, In, KernelCall, Out

    rng = np.random.default_rng(1)
    rows, calls, inputs = [], [], {}
    for name, stem, lead, ref, (lo, hi), nargs, target in SPECIAL_NS:
        for n in (1_000, 10_000):
            xs = [rng.uniform(lo, hi, n) for _ in range(nargs)]
            cid = f"{stem}{''.join(map(str, lead))}_{n}"
            calls.append(KernelCall(cid, f"sp_{stem}_array", (*[I32(v) for v in lead],
                                    *[In(f"{cid}_{i}") for i in range(nargs)], Out("out", n, "f64"), I32(n)),
                                    warmup=2, repeat=repeat, min_sample_ms=1.0, return_outputs=False))
            inputs.update({f"{cid}_{i}": x for i, x in enumerate(xs)})
            rows.append((name, (lo, hi), n, cid, (lambda ref=ref, xs=xs: ref(*xs)), target))
    cells: dict[str, dict[str, list[float]]] = {}
    missing: dict[str, str] = {}
    load = [os.getloadavg()[0]]
    for k in range(rounds):
        print(f"special functions: round {k + 1}/{rounds} ...", flush=True)
        for _, _, n, cid, fn, _ in rows:
            cells.setdefault("scipy", {}).setdefault(cid, []).append(numpy_ms(fn, repeat))
        for e in engines:
            if e in missing:
                continue
            # Every call untimed first, for at least 20 ms each: JavaScriptCore and V8 tier their
            # code up in the background, by wall time, so the first rows of a fresh page (and, in
            # JavaScriptCore, for longer the larger exports) would run a lower tier.
            warm = [dataclasses.replace(c, id=f"warm_{c.id}", repeat=1, min_sample_ms=20.0) for c in calls]
            try:
                run = get_engine(e).run(warm + calls, inputs)
            except (EngineError, OSError, RuntimeError) as exc:
                missing[e] = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                continue
            for r in run.results:
                if not r.id.startswith("warm_"):
                    cells.setdefault(e, {}).setdefault(r.id, []).append(r.median_ms)
        load.append(os.getloadavg()[0])
    present = [e for e in engines if e in cells]

    def ns(col: str, cid: str, n: int) -> float | None:
        v = cells.get(col, {}).get(cid)
        return min(v) * 1e6 / n if v else None

    def f(v: float | None) -> str:
        return "-" if v is None else f"{v:.1f}" if v < 100 else f"{v:.0f}"

    lines = ["## Special functions against scipy (ns per value)", "",
             f"Produced by `python scripts/kernel_report.py --markdown docs/benchmarks.md` (`make report`; "
             f"`--special-only` measures this section alone) on {dt.date.today().isoformat()}, "
             f"{cpu_model()}, {os.cpu_count()} cores shared with other jobs; load average (1 min) "
             f"{min(load):.2f}-{max(load):.2f} during the run. f64 arrays of uniform random values on the "
             "domain; scipy.special in this process, ours = the raw array export on inputs already in wasm "
             "memory, the same `_kernels.wasm` in every engine. Wall clock throughout; each cell is the least "
             f"of {rounds} rounds' medians (a round measures every column in turn, each median over {repeat} "
             "samples of at least 1 ms; every engine first runs each call untimed for at least 20 ms, so that "
             "its JIT tiers are up). Target: the Wasmer/scipy ratio issue #26 asks for; "
             "'others/Wasmer' is the slowest other engine over Wasmer (at most 1 asked).", "",
             "| function | domain | n | scipy | " + " | ".join(ENGINE_TITLES[e] for e in present)
             + " | Wasmer/scipy | target | others/Wasmer |",
             "| --- | --- | ---: | ---: | " + " | ".join("---:" for _ in present) + " | ---: | ---: | ---: |"]
    for name, (lo, hi), n, cid, _, target in rows:
        sci, wasmer = ns("scipy", cid, n), ns("wasmer", cid, n)
        others = [ns(e, cid, n) for e in present if e != "wasmer"]
        others = [o for o in others if o is not None]
        ratio = f"{wasmer / sci:.2f}" if wasmer and sci else "-"
        worst = f"{max(others) / wasmer:.2f}" if others and wasmer else "-"
        lines.append(f"| {name} | ({lo:g}, {hi:g}) | {n:,} | {f(sci)} | "
                     + " | ".join(f(ns(e, cid, n)) for e in present) + f" | {ratio} | ≤ {target:g} | {worst} |")
    if missing:
        lines += ["", "Not measured: " + "; ".join(f"{ENGINE_TITLES[e]} ({why})" for e, why in missing.items()) + "."]
    return "\n".join(lines)
