"""Derive the coefficients of the f64 special functions and write them into the kernels.

    .venv/bin/python tools/special_fit.py [erf|exp|log|gamma|trig|bessel|all] [--check]

Each fit is a minimax (Remez) fit by tools/minimax.py against mpmath at 45
digits; the coefficients are rounded to f64 and written between the markers
``// BEGIN special_fit <name>`` / ``// END special_fit <name>`` of the kernel
file that uses them (the rest of the file is never touched). ``--check``
only reports whether the files hold what the fit gives now (exit 1 if not).
The error printed per piece is the max weighted error of the exact fit on
the fit's grid; the error of the f64 kernels is measured separately against
mpmath by tests/test_special_grid.py.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import mpmath as mp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from minimax import remez  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SPECIAL = ROOT / "rustorch_wasm" / "kernels" / "src" / "special"


def f64(x) -> str:
    """Shortest Rust literal that parses back to the f64 nearest to x."""
    s = repr(float(x))
    return s if ("." in s or "e" in s or "inf" in s or "nan" in s) else s + ".0"


def arr(name: str, values, doc: str) -> str:
    body = ",\n".join("    " + f64(v) for v in values)
    return f"/// {doc}\npub(crate) const {name}: [f64; {len(values)}] = [\n{body},\n];\n"


def on(a, b, g):
    """g(t) for t in [a, b], as a function of v in [-1, 1]."""
    a, b = mp.mpf(a), mp.mpf(b)
    return lambda v: g(a + (b - a) * (v + 1) / 2)


def affine(a, b) -> tuple[float, float]:
    """(alpha, beta) with v = alpha*t + beta mapping [a, b] onto [-1, 1]."""
    return 2.0 / (b - a), -(a + b) / (b - a)


# --- erf / erfc -----------------------------------------------------------------

ERF_SMALL_LIMIT = 1.0     # |x| < 1: erf x = x·P(x²)
ERF_PIECE_WIDTH = 0.5     # 1 <= t < 6: erfc t = C_j(v) (absolute), ten pieces of width 1/2
ERF_ONE_FROM = 6.0        # erf t = 1 (erfc t < 2^-54) from here on
ERFC_TAILS = [(1.0, 2.0), (2.0, 27.5)]  # erfc t = e^{-t²}/t·(1/√π + P/Q), v affine in 1/t²


def fit_erf() -> str:
    out = []

    def small(v):
        z = (v + 1) / 2 * ERF_SMALL_LIMIT ** 2
        if z == 0:
            return 2 / mp.sqrt(mp.pi)
        x = mp.sqrt(z)
        return mp.erf(x) / x

    f = remez(small, 11)
    print(f"erf small: x·P(x²), |x| < {ERF_SMALL_LIMIT}, degree 11 in x²: rel {f.err:.2e}", file=sys.stderr)
    # P(v) with v = 2z/L² - 1 would cost a multiply-add; fold the map into P(z) instead
    # by re-expanding (exact in mpmath) so the kernel evaluates P directly in z = x².
    L2 = mp.mpf(ERF_SMALL_LIMIT) ** 2
    pz = expand_affine(f.p, 2 / L2, mp.mpf(-1))
    out.append(arr("ERF_SMALL", pz, f"erf x = x·P(x²) for |x| < {ERF_SMALL_LIMIT}: P by degree, "
                   f"minimax relative error {f.err:.1e}."))
    pieces = []
    t = 1.0
    degrees = [13, 13, 12, 12, 12, 11, 10, 9, 7, 6]
    for j, d in enumerate(degrees):
        a, b = t, t + ERF_PIECE_WIDTH
        f = remez(on(a, b, mp.erfc), d, relative=False)
        print(f"erfc piece {j}: [{a}, {b}) degree {d}: abs {f.err:.2e}", file=sys.stderr)
        al, be = affine(a, b)
        out.append(arr(f"ERFC_PIECE_{j}", f.p, f"erfc t on [{a}, {b}) = P(v), v = {f64(al)}·t + {f64(be)}: "
                       f"degree {d}, minimax absolute error {f.err:.1e}."))
        pieces.append((a, b, al, be))
        t = b
    out.append("/// (alpha, beta) of each piece: v = alpha·t + beta.\npub(crate) const ERFC_PIECE_MAP: "
               f"[(f64, f64); {len(pieces)}] = [\n"
               + "".join(f"    ({f64(al)}, {f64(be)}),\n" for _, _, al, be in pieces) + "];\n")
    isp = 1 / mp.sqrt(mp.pi)

    def g_of_s(s):  # t·e^(t²)·erfc t as a function of s = 1/t²
        t = 1 / mp.sqrt(s)
        return t * mp.erfc(t) * mp.exp(t * t)

    maps = []
    for j, (a, b) in enumerate(ERFC_TAILS):
        s0, s1 = 1 / mp.mpf(b) ** 2, 1 / mp.mpf(a) ** 2
        smap = (lambda s0, s1: lambda v: s0 + (s1 - s0) * (v + 1) / 2)(s0, s1)
        k = (lambda smap: lambda v: g_of_s(smap(v)) - isp)(smap)
        n = m = 7
        # K = G - 1/√π with its error weighed against G: a rounding error in K is scaled by |K|/G < 1/3.
        f = remez(k, n, m, weight=lambda v, kv: 1 / (kv + isp))
        print(f"erfc tail {j}: t in [{a}, {b}], t·e^(t²)·erfc t - 1/√π = P/Q(v), v affine in 1/t², "
              f"degrees {n}/{m}: rel to G {f.err:.2e}", file=sys.stderr)
        al, be = 2 / (s1 - s0), -(s1 + s0) / (s1 - s0)
        maps.append((al, be))
        out.append(arr(f"ERFC_TAIL_P{j}", f.p, f"t·e^(t²)·erfc t = 1/√π + P(v)/Q(v) for t in [{a}, {b}], "
                       f"v = alpha·t⁻² + beta: numerator, degree {n} (minimax error {f.err:.1e} of G)."))
        out.append(arr(f"ERFC_TAIL_Q{j}", f.q, f"Denominator, degree {m}, Q(0) = 1."))
    out.append("/// (alpha, beta) of each tail piece: v = alpha/t² + beta.\npub(crate) const ERFC_TAIL_MAP: "
               f"[(f64, f64); {len(maps)}] = [\n" + "".join(f"    ({f64(al)}, {f64(be)}),\n" for al, be in maps) + "];\n")
    return "\n".join(out)


def fit_exp() -> str:
    h = mp.log(2) / 2
    f = remez(lambda v: mp.exp(h * v), 11)
    print(f"exp: e^r on |r| <= ln2/2, degree 11: rel {f.err:.2e}", file=sys.stderr)
    pr = expand_affine(f.p, 1 / h, mp.mpf(0))
    return arr("EXP_POLY", pr, f"e^r = P(r) for |r| <= ln2/2: P by degree, minimax relative error {f.err:.1e}.")


def fit_log() -> str:
    # log m = 2s + s·z·R(z), s = (m-1)/(m+1), z = s², m in [√½, √2): z <= ((√2-1)/(√2+1))²
    zmax = ((mp.sqrt(2) - 1) / (mp.sqrt(2) + 1)) ** 2

    def r_of(v):
        z = zmax * (v + 1) / 2
        if z == 0:
            return mp.mpf(2) / 3
        s = mp.sqrt(z)
        return (2 * mp.atanh(s) - 2 * s) / (s * z)

    f = remez(r_of, 6)
    print(f"log: R(z) degree 6 on z <= {float(zmax):.4f}: rel {f.err:.2e}", file=sys.stderr)
    pz = expand_affine(f.p, 2 / zmax, mp.mpf(-1))
    return arr("LOG_R", pz, f"log m = 2s + s·z·R(z), z = s² ≤ {float(zmax):.4f}: R by degree, "
               f"minimax relative error {f.err:.1e}.")


LANCZOS_N, LANCZOS_G = 10, 6.0      # Γ(x) = y^(x-½)·e^(-y)·N(x)/D(x), y = x + g - ½, on [0.5, 171.7]
STIRLING_FROM = 8.0                  # ln Γ(x) by Stirling's form for x >= this
STIRLING_DEGREE = 5


def fit_gamma() -> str:
    a, b, n, g = mp.mpf("0.5"), mp.mpf("171.7"), LANCZOS_N, mp.mpf(LANCZOS_G)
    dpoly = [mp.mpf(1)]
    for k in range(n):  # D(x) = x(x+1)···(x+n-1), exact integer coefficients
        dpoly = [(dpoly[i] * k if i < len(dpoly) else 0) + (dpoly[i - 1] if i > 0 else 0)
                 for i in range(len(dpoly) + 1)]

    def nd(v):  # N(x) = Γ(x)·D(x)/(y^(x-½)·e^(-y))
        x = a + (b - a) * (v + 1) / 2
        y = x + g - mp.mpf("0.5")
        dx = sum(c * x ** i for i, c in enumerate(dpoly))
        return mp.gamma(x) * dx / (y ** (x - mp.mpf("0.5")) * mp.exp(-y))

    f = remez(nd, n, 0, grid=2000)
    print(f"gamma: Lanczos-form N of degree {n}, g = {LANCZOS_G}, on [{a}, {b}]: rel {f.err:.2e}", file=sys.stderr)
    nx = expand_affine(f.p, 2 / (b - a), -(a + b) / (b - a))
    assert all(c > 0 for c in nx), "N must have positive coefficients (Horner stays accurate for x > 0)"
    out = [f"/// g of the Lanczos form: y = x + LANCZOS_G - ½.\npub(crate) const LANCZOS_G: f64 = {f64(LANCZOS_G)};\n",
           arr("LANCZOS_N", nx, f"N(x), degree {n}, fitted so that N/D·y^(x-½)·e^(-y) = Γ(x) on [{a}, {b}] "
               f"(minimax relative error {f.err:.1e}); all coefficients positive."),
           arr("LANCZOS_D", dpoly, f"D(x) = x(x+1)···(x+{n - 1}), exact.")]

    def s_of(v):  # S(w), w = 1/x², with ln Γ(x) = (x-½)ln x - x + ½ln 2π + S(w)/x
        w = (v + 1) / 2 / mp.mpf(STIRLING_FROM) ** 2
        if w == 0:
            return mp.mpf(1) / 12
        x = 1 / mp.sqrt(w)
        return (mp.loggamma(x) - ((x - mp.mpf("0.5")) * mp.log(x) - x + mp.log(2 * mp.pi) / 2)) * x

    f = remez(s_of, STIRLING_DEGREE)
    print(f"lgamma: Stirling correction S(1/x²) degree {STIRLING_DEGREE} for x >= {STIRLING_FROM}: "
          f"rel {f.err:.2e}", file=sys.stderr)
    pw = expand_affine(f.p, 2 * mp.mpf(STIRLING_FROM) ** 2, mp.mpf(-1))
    out.append(arr("STIRLING_S", pw, f"ln Γ(x) = (x-½)·ln x - x + ½·ln 2π + S(1/x²)/x for x ≥ {STIRLING_FROM}: "
                   f"S by degree, minimax relative error {f.err:.1e}."))
    return "\n".join(out)


def fit_trig() -> str:
    q = mp.pi / 4

    def sin_s(v):  # sin r = r + r³·S(r²), r² <= (π/4)²
        z = q * q * (v + 1) / 2
        if z == 0:
            return mp.mpf(-1) / 6
        r = mp.sqrt(z)
        return (mp.sin(r) - r) / (r * z)

    def cos_c(v):  # cos r = 1 - r²/2 + r⁴·C(r²)
        z = q * q * (v + 1) / 2
        if z == 0:
            return mp.mpf(1) / 24
        return (mp.cos(mp.sqrt(z)) - 1 + z / 2) / (z * z)

    out = []
    for name, g, d, what in (("SIN_S", sin_s, 5, "sin r = r + r³·S(r²)"), ("COS_C", cos_c, 5, "cos r = 1 - r²/2 + r⁴·C(r²)")):
        f = remez(g, d)
        print(f"{name}: degree {d} on r² <= (π/4)²: rel {f.err:.2e}", file=sys.stderr)
        out.append(arr(name, expand_affine(f.p, 2 / (q * q), mp.mpf(-1)),
                       f"{what} for |r| ≤ π/4: by degree, minimax relative error {f.err:.1e}."))
    return "\n".join(out)


BESSEL_SMALL = 8.0   # |x| < 8: power-series-like polynomials in x²; above, the asymptotic form
BESSEL_DEG = {"J0_SMALL": 14, "J1_SMALL": 14, "P0": 10, "Q0": 11, "P1": 10, "Q1": 11}


def fit_bessel() -> str:
    a = mp.mpf(BESSEL_SMALL)
    out = []

    def zx(v):
        z = a * a * (v + 1) / 2
        return z, mp.sqrt(z)

    def j0s(v):  # J0 = 1 + z·P(v), absolute error of z·P
        z, x = zx(v)
        return (mp.besselj(0, x) - 1) / z if z else mp.mpf(-1) / 4

    def j1s(v):  # J1 = x·P(v)
        z, x = zx(v)
        return mp.besselj(1, x) / x if z else mp.mpf(1) / 2

    d = BESSEL_DEG["J0_SMALL"]
    f = remez(j0s, d, relative=False, weight=lambda v, gv: zx(v)[0] if v > -1 else mp.mpf(0) + mp.mpf(10) ** -30)
    print(f"J0 small: |x| < {BESSEL_SMALL}, 1 + z·P(v), degree {d}: abs {f.err:.2e}", file=sys.stderr)
    out.append(arr("J0_SMALL", f.p, f"J0(x) = 1 + z·P(v), z = x², v = z/{BESSEL_SMALL ** 2 / 2:g} - 1, |x| < "
                   f"{BESSEL_SMALL}: degree {d}, minimax absolute error {f.err:.1e}."))
    d = BESSEL_DEG["J1_SMALL"]
    f = remez(j1s, d, relative=False, weight=lambda v, gv: zx(v)[1] if v > -1 else mp.mpf(10) ** -30)
    print(f"J1 small: |x| < {BESSEL_SMALL}, x·P(v), degree {d}: abs {f.err:.2e}", file=sys.stderr)
    out.append(arr("J1_SMALL", f.p, f"J1(x) = x·P(v), v as for J0_SMALL: degree {d}, minimax absolute error {f.err:.1e}."))

    def pq(nu, which):
        def g(v):  # v = 2w - 1, w = (8/x)²
            w = (v + 1) / 2
            if w == 0:
                return mp.mpf(1) if which == 0 else (4 * nu * nu - 1) / mp.mpf(8)
            x = a / mp.sqrt(w)
            chi = x - (2 * nu + 1) * mp.pi / 4
            j, y, k = mp.besselj(nu, x), mp.bessely(nu, x), mp.sqrt(mp.pi * x / 2)
            return k * (j * mp.cos(chi) + y * mp.sin(chi)) if which == 0 else k * x * (y * mp.cos(chi) - j * mp.sin(chi))
        return g

    for nu in (0, 1):
        for which, name in ((0, f"P{nu}"), (1, f"Q{nu}")):
            d = BESSEL_DEG[name]
            f = remez(pq(nu, which), d, relative=False, grid=800)
            print(f"{name}: x >= {BESSEL_SMALL}, degree {d} in w = (8/x)²: abs {f.err:.2e}", file=sys.stderr)
            what = "P(x) = A(v)" if which == 0 else "Q(x) = A(v)/x"
            out.append(arr(f"{name}_ASYM", f.p, f"J{nu}(x) = √(2/(πx))·(P cos χ - Q sin χ), χ = x - {2 * nu + 1}π/4, for "
                           f"x ≥ {BESSEL_SMALL}: {what}, v = 2(8/x)² - 1: degree {d}, minimax absolute error {f.err:.1e}."))
    return "\n".join(out)


def expand_affine(p, alpha, beta):
    """Coefficients in t of P(alpha·t + beta), exactly (mpmath)."""
    out = [mp.mpf(0)] * len(p)
    # (alpha t + beta)^k expanded by the binomial theorem
    for k, c in enumerate(p):
        for i in range(k + 1):
            out[i] += c * mp.binomial(k, i) * alpha ** i * beta ** (k - i)
    return out


FITS = {
    "erf": (SPECIAL / "erf.rs", fit_erf),
    "exp": (SPECIAL / "vec.rs", fit_exp),
    "log": (SPECIAL / "vec.rs", fit_log),
    "gamma": (SPECIAL / "gamma.rs", fit_gamma),
    "trig": (SPECIAL / "vec.rs", fit_trig),
    "bessel": (SPECIAL / "bessel.rs", fit_bessel),
}


def splice(path: Path, name: str, body: str) -> str:
    text = path.read_text(encoding="utf-8")
    begin, end = f"// BEGIN special_fit {name}\n", f"// END special_fit {name}\n"
    i, j = text.index(begin), text.index(end)
    return text[:i + len(begin)] + body + text[j:]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("which", nargs="?", default="all", choices=[*FITS, "all"])
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args(argv)
    stale = 0
    for name, (path, fit) in FITS.items():
        if args.which not in ("all", name):
            continue
        new = splice(path, name, fit())
        if args.check:
            same = new == path.read_text(encoding="utf-8")
            print(f"{path.relative_to(ROOT)} [{name}]: {'up to date' if same else 'DIFFERS'}")
            stale += not same
        else:
            path.write_text(new, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)} [{name}]")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
