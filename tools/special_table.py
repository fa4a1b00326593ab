"""The cached mpmath table behind tests/test_special_grid.py, and the error report.

    .venv/bin/python tools/special_table.py generate   # -> tests/data/special_grid.npz (~3 min, 2 processes)
    .venv/bin/python tools/special_table.py errors [--markdown docs/benchmarks.md]
    .venv/bin/python tools/special_table.py timing [--markdown docs/benchmarks.md]

Every function is sampled in each region of its algorithm at 10⁵ points of a
Weyl sequence u_i = frac(i·φ) (computed in 64-bit integer arithmetic, so the
points are the same on every machine and numpy version, and need no storage):
x = lo + (hi - lo)·u, or 10^(lo + (hi - lo)·u) for log-spaced regions; for
regions marked "both signs" every other point is negated. Only mpmath's
values (50 digits, rounded to f64) are stored. ``errors`` evaluates the built
kernels on the same points and prints (or writes into the
``special-errors`` section of a Markdown file) the max error per region;
``timing`` times our array export and scipy on each region's points (ns per
value, the ``special-timing`` section), which is how the crossovers between
methods were chosen.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "special_grid.npz"
POINTS = 100_000
GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # 2^64/φ, odd


@dataclass(frozen=True)
class Region:
    """One region of one function: where it is sampled, how the error is measured, its bound."""

    key: str
    func: str        # gamma lgamma erf erfc beta j0 j1 j5 j50
    label: str
    lo: float
    hi: float
    error: str       # "rel" | "abs" | "mixed" (absolute where |f| < 1, else relative)
    bound: float
    log: bool = False
    both_signs: bool = False
    b_range: tuple[float, float] | None = None  # beta: b from its own sequence
    poles: bool = False  # gamma near its poles: x = -k ± 10^(lo..hi)

    def points(self) -> tuple[np.ndarray, np.ndarray | None]:
        u = weyl(POINTS, 1)
        if self.poles:
            k = 1 + (weyl(POINTS, 2) * 169).astype(np.int64)
            d = 10 ** (self.lo + (self.hi - self.lo) * u)
            sign = np.where(np.arange(POINTS) % 2 == 0, 1.0, -1.0)
            return -k + sign * d, None
        x = 10 ** (self.lo + (self.hi - self.lo) * u) if self.log else self.lo + (self.hi - self.lo) * u
        if self.both_signs:
            x = np.where(np.arange(POINTS) % 2 == 0, x, -x)
        b = None
        if self.b_range is not None:
            lo, hi = self.b_range
            b = lo + (hi - lo) * weyl(POINTS, 3)
        return x, b


def weyl(n: int, offset: int) -> np.ndarray:
    """frac((i + offset·n)·φ) for i < n, from the top 53 bits of a wrapping 64-bit product."""
    i = np.arange(offset * n, offset * n + n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        bits = (i * GOLDEN) >> np.uint64(11)
    return bits.astype(np.float64) / 2.0 ** 53


REGIONS = [
    Region("erf_small", "erf", "erf, |x| < 1", -1, 1, "rel", 4e-15),
    Region("erf_mid", "erf", "erf, 1 ≤ |x| < 6 (ten pieces)", 1, 6, "rel", 4e-15, both_signs=True),
    Region("erfc_small", "erfc", "erfc, |x| < 1", -1, 1, "rel", 4e-15),
    Region("erfc_neg", "erfc", "erfc, -6 < x ≤ -1", -6, -1, "rel", 4e-15),
    Region("erfc_tail0", "erfc", "erfc, 1 ≤ x < 2", 1, 2, "rel", 4e-15),
    Region("erfc_tail1", "erfc", "erfc, 2 ≤ x ≤ 26.5", 2, 26.5, "rel", 4e-15),
    Region("gamma_small", "gamma", "Γ, 1e-300 < x < 0.5 (log-spaced)", -300, np.log10(0.5), "rel", 1e-12, log=True),
    Region("gamma_main", "gamma", "Γ, 0.5 ≤ x ≤ 171.6", 0.5, 171.6, "rel", 1e-12),
    Region("gamma_neg", "gamma", "Γ, -170.5 < x < 0", -170.5, 0, "rel", 1e-12),
    Region("gamma_poles", "gamma", "Γ, x = -k ± δ, k = 1..169, 1e-12 ≤ δ ≤ 1e-3", -12, -3, "rel", 1e-12, poles=True),
    Region("lgamma_small", "lgamma", "ln Γ, 1e-300 < x < 0.5 (log-spaced)", -300, np.log10(0.5), "rel", 1e-12, log=True),
    Region("lgamma_main", "lgamma", "ln Γ, 0.5 ≤ x < 8 (abs. where |ln Γ| < 1)", 0.5, 8, "mixed", 1e-14),
    Region("lgamma_large", "lgamma", "ln Γ, 8 ≤ x < 1e300 (log-spaced)", np.log10(8), 300, "rel", 1e-12, log=True),
    Region("lgamma_neg", "lgamma", "ln|Γ|, -170.5 < x < 0 (abs. where |ln|Γ|| < 1)", -170.5, 0, "mixed", 1e-12),
    Region("beta_main", "beta", "B, a, b in [0.5, 85] (both forms)", 0.5, 85, "rel", 1e-12, b_range=(0.5, 85)),
    Region("beta_small", "beta", "B, a in (0.01, 0.5), b in (0.01, 85)", 0.01, 0.5, "rel", 1e-12, b_range=(0.01, 85)),
    Region("beta_large", "beta", "B, a, b in [85, 500]", 85, 500, "rel", 1e-12, b_range=(85, 500)),
    Region("j0_small", "j0", "J0, |x| < 8", 0, 8, "abs", 2e-15, both_signs=True),
    Region("j0_asym", "j0", "J0, 8 ≤ |x| < 1e4 (log-spaced)", np.log10(8), 4, "abs", 2e-15, log=True, both_signs=True),
    Region("j1_small", "j1", "J1, |x| < 8", 0, 8, "abs", 2e-15, both_signs=True),
    Region("j1_asym", "j1", "J1, 8 ≤ |x| < 1e4 (log-spaced)", np.log10(8), 4, "abs", 2e-15, log=True, both_signs=True),
    Region("j5_low", "j5", "J5, |x| ≤ 5 (series or Miller)", 0, 5, "abs", 2e-15, both_signs=True),
    Region("j5_high", "j5", "J5, 5 < |x| ≤ 100 (recurrence)", 5, 100, "abs", 2e-15, both_signs=True),
    Region("j50_low", "j50", "J50, 0 ≤ x ≤ 50 (series or Miller)", 0, 50, "abs", 1e-14),
    Region("j50_high", "j50", "J50, 50 < x ≤ 100 (recurrence)", 50, 100, "abs", 1e-14),
]


def _mp_values(args: tuple[str, np.ndarray, np.ndarray | None]) -> np.ndarray:
    import mpmath as mp

    mp.mp.dps = 50
    func, x, b = args
    f = {
        "erf": mp.erf, "erfc": mp.erfc, "gamma": mp.gamma,
        "lgamma": lambda v: mp.log(abs(mp.gamma(v))) if v < 0 else mp.loggamma(v),
        "j0": lambda v: mp.besselj(0, v), "j1": lambda v: mp.besselj(1, v),
        "j5": lambda v: mp.besselj(5, v), "j50": lambda v: mp.besselj(50, v),
    }.get(func)
    if func == "beta":
        return np.array([float(mp.beta(mp.mpf(float(p)), mp.mpf(float(q)))) for p, q in zip(x, b)])
    return np.array([float(f(mp.mpf(float(v)))) for v in x])


def generate(processes: int = 2) -> None:
    from multiprocessing import Pool

    jobs = []
    for r in REGIONS:
        x, b = r.points()
        for lo in range(0, POINTS, 5000):
            jobs.append((r.key, (r.func, x[lo:lo + 5000], None if b is None else b[lo:lo + 5000])))
    with Pool(processes) as pool:
        parts = pool.map(_mp_values, [j[1] for j in jobs], chunksize=1)
    table: dict[str, list[np.ndarray]] = {}
    for (key, _), part in zip(jobs, parts):
        table.setdefault(key, []).append(part)
    DATA.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(DATA, **{k: np.concatenate(v) for k, v in table.items()})
    print(f"wrote {DATA.relative_to(ROOT)} ({DATA.stat().st_size / 1e6:.1f} MB, {len(table)} regions)")


def ours(func: str, x: np.ndarray, b: np.ndarray | None) -> np.ndarray:
    sys.path.insert(0, str(ROOT))
    from rustorch_wasm import special as sp

    if func == "beta":
        return sp.beta(x, b)
    if func in ("j0", "j1", "j5", "j50"):
        return sp.bessel_j(int(func[1:]), x)
    return getattr(sp, func)(x)


def region_error(r: Region, got: np.ndarray, want: np.ndarray) -> tuple[float, float]:
    """(max error, the x where it is) on the region's measure; equal values (incl. ±inf, 0) count 0."""
    x, _ = r.points()
    d = np.abs(got - want)
    d[got == want] = 0.0
    if r.error == "rel":
        e = d / np.abs(want)
    elif r.error == "abs":
        e = d
    else:
        e = d / np.maximum(np.abs(want), 1.0)
    e[got == want] = 0.0
    i = int(np.argmax(e))
    return float(e[i]), float(x[i])


def md(text: str) -> str:
    """Text for a Markdown table cell (|x| would end the cell)."""
    return text.replace("|", "\\|")


def errors_markdown() -> str:
    import os
    import platform

    table = np.load(DATA)
    lines = ["## Special functions: measured error per region", "",
             f"Produced by `python tools/special_table.py errors --markdown docs/benchmarks.md` on "
             f"{dt.date.today().isoformat()} ({platform.machine()}, load average "
             f"{os.getloadavg()[0]:.2f}): the built `_kernels.wasm` in Wasmer against mpmath at 50 digits "
             f"(the cached table tests/data/special_grid.npz, {POINTS:,} Weyl-sequence points per region; "
             "`python tools/special_table.py generate` rebuilds it). tests/test_special_grid.py asserts the bound "
             "column. \"mixed\": absolute where |f| < 1, relative elsewhere.", "",
             "| region | measure | max error | at x | bound |", "| --- | --- | ---: | ---: | ---: |"]
    for r in REGIONS:
        x, b = r.points()
        e, at = region_error(r, ours(r.func, x, b), table[r.key])
        lines.append(f"| {md(r.label)} | {r.error} | {e:.2e} | {at:.6g} | {r.bound:.0e} |")
    return "\n".join(lines)


def timing_markdown(repeat: int = 7) -> str:
    """ns per value of our array export (Wasmer) and of scipy on each region's points."""
    import os
    import time

    import scipy.special as ss

    sys.path.insert(0, str(ROOT))
    from rustorch_wasm.runtime import get_runtime

    rt = get_runtime()
    refs = {"erf": ss.erf, "erfc": ss.erfc, "gamma": ss.gamma, "lgamma": ss.gammaln, "j0": ss.j0, "j1": ss.j1,
            "j5": lambda x: ss.jv(5, x), "j50": lambda x: ss.jv(50, x)}
    exports = {"erf": ("sp_erf_array", ()), "erfc": ("sp_erfc_array", ()), "gamma": ("sp_gamma_array", ()),
               "lgamma": ("sp_lgamma_array", ()), "j0": ("sp_bessel_j0_array", ()),
               "j1": ("sp_bessel_j1_array", ()), "j5": ("sp_bessel_jn_array", (5,)),
               "j50": ("sp_bessel_jn_array", (50,)), "beta": ("sp_beta_array", ())}

    def best_median(fn, n: int) -> float:
        fn()
        samples = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - t0)
        return float(np.median(samples)) * 1e9 / n

    load = os.getloadavg()[0]
    lines = ["| region | ours, Wasmer (ns/value) | scipy (ns/value) |", "| --- | ---: | ---: |"]
    n = 10_000
    for r in REGIONS:
        x, b = r.points()
        x, b = x[:n], (None if b is None else b[:n])
        export, lead = exports[r.func]
        f = rt.fn(export)
        ptrs = []
        for arr in ([x] if b is None else [x, b]):
            p = rt.alloc(8 * n)
            rt.array(p, n, np.float64)[:] = arr
            ptrs.append(p)
        out = rt.alloc(8 * n)
        ours = best_median(lambda: f(*lead, *ptrs, out, n), n)
        sci = best_median((lambda: ss.beta(x, b)) if r.func == "beta" else (lambda: refs[r.func](x)), n)
        for p in (*ptrs, out):
            rt.free(p)
        lines.append(f"| {md(r.label)} | {ours:.1f} | {sci:.1f} |")
    head = ("## Special functions: ns per value per region\n\n"
            f"Produced by `python tools/special_table.py timing --markdown docs/benchmarks.md` on {dt.date.today().isoformat()} (load average "
            f"{load:.2f} at the start): the first 10,000 points of each region as one array, the median of "
            f"{repeat} calls, wall clock, our array export in Wasmer and scipy.special in the same process.")
    return head + "\n\n" + "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", choices=["generate", "errors", "timing"])
    ap.add_argument("--markdown", type=Path, help="errors: write the special-errors section of this file")
    ap.add_argument("--processes", type=int, default=2)
    args = ap.parse_args(argv)
    if args.what == "generate":
        generate(args.processes)
        return 0
    text = errors_markdown() if args.what == "errors" else timing_markdown()
    print(text)
    if args.markdown:
        sys.path.insert(0, str(ROOT))      # doc_sections.py lives at the repository root
        from doc_sections import write_section

        section = "special-errors" if args.what == "errors" else "special-timing"
        write_section(args.markdown, section, text)
        print(f"wrote the {section} section of {args.markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
