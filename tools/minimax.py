"""Minimax (Remez) fits of polynomials and rational functions, in mpmath.

Used by tools/special_fit.py to derive the coefficients of the f64 special
functions in rustorch_wasm/kernels/src/special/. Nothing here is copied from
a library: the reference values are mpmath's at 40+ digits and the
coefficients come out of the exchange algorithm below.

A fit approximates g(v) on v in [-1, 1] (the caller maps its interval onto
that) by p(v)/q(v), p of degree n, q of degree m with q(0) = 1 (m = 0: a
polynomial), minimising max |w(v)·(g(v) - p(v)/q(v))|, with w = 1/|g|
(relative error) or w = 1 (absolute error).

Method: the reference is the n+m+2 Chebyshev extrema; on it the equations
p(v_i) - q(v_i)·(g_i - s_i·E/w_i) = 0, s_i = (-1)^i, are solved for the
coefficients and the levelled error E by Newton's method (linear when
m = 0); then the error curve is sampled on a dense grid, each run of one
sign gives its extremum, and the reference moves to the n+m+2 alternating
extrema that keep the largest. Stop when the extrema agree to 1e-3
(max/min), which makes the fit minimax to that factor.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import mpmath as mp

mp.mp.dps = 45


@dataclass
class Fit:
    """p(v)/q(v) on [-1, 1]: p = Σ p[j] v^j, q = 1 + Σ q[j] v^j (q[0] = 1)."""

    p: list
    q: list
    err: float  # max weighted error of the exact (unrounded) coefficients on the grid
    iterations: int

    def __call__(self, v):
        return horner(self.p, v) / horner(self.q, v)


def horner(c, v):
    acc = c[-1]
    for a in reversed(c[:-1]):
        acc = acc * v + a
    return acc


def _grid(k: int):
    # Chebyshev-distributed sample points (denser near the ends, where the error peaks crowd).
    return [mp.cos(mp.pi * (k - i) / k) for i in range(k + 1)]


def _solve(g, w, ref, n, m, guess):
    """Newton on the levelled system at the reference points; returns (p, q, E)."""
    N = n + m + 2
    gs = [g(v) for v in ref]
    ws = [w(v, gv) for v, gv in zip(ref, gs)]
    sign = [(-1) ** i for i in range(N)]
    if guess is None:
        x = [mp.mpf(0)] * (N)
    else:
        p, q, E = guess
        x = list(p) + list(q[1:]) + [E]
    for _ in range(60):
        A = mp.matrix(N, N)
        F = mp.matrix(N, 1)
        pa, qb, E = x[:n + 1], [mp.mpf(1)] + x[n + 1:n + 1 + m], x[-1]
        for i, v in enumerate(ref):
            t = gs[i] - sign[i] * E / ws[i]
            pv, qv = horner(pa, v), horner(qb, v)
            F[i] = pv - qv * t
            vj = mp.mpf(1)
            for j in range(n + 1):
                A[i, j] = vj
                vj *= v
            vj = v
            for j in range(m):
                A[i, n + 1 + j] = -vj * t
                vj *= v
            A[i, N - 1] = qv * sign[i] / ws[i]
        dx = mp.lu_solve(A, F)
        x = [a - d for a, d in zip(x, dx)]
        if m == 0 or mp.norm(dx) < mp.mpf(10) ** (-35) * (1 + mp.norm(mp.matrix(x))):
            break
    return x[:n + 1], [mp.mpf(1)] + x[n + 1:n + 1 + m], x[-1]


def _lsq_start(g, w, n, m):
    """Linearised weighted least squares (with re-weighting by 1/q) for a first guess."""
    pts = _grid(6 * (n + m + 2))
    gs = [g(v) for v in pts]
    ws = [w(v, gv) for v, gv in zip(pts, gs)]
    qprev = [mp.mpf(1)] * len(pts)
    for _ in range(6):
        A = mp.matrix(len(pts), n + 1 + m)
        b = mp.matrix(len(pts), 1)
        for i, v in enumerate(pts):
            s = ws[i] / abs(qprev[i])
            vj = mp.mpf(1)
            for j in range(n + 1):
                A[i, j] = s * vj
                vj *= v
            vj = v
            for j in range(m):
                A[i, n + 1 + j] = -s * gs[i] * vj
                vj *= v
            b[i] = s * gs[i]
        sol, _ = mp.qr_solve(A, b)
        p, q = [sol[j] for j in range(n + 1)], [mp.mpf(1)] + [sol[n + 1 + j] for j in range(m)]
        if m == 0:
            break
        qprev = [horner(q, v) for v in pts]
    return p, q


def _extrema(e, pts, N):
    """Alternating extrema: the largest |e| of each run of one sign, then N of them."""
    runs = []
    for v, ev in zip(pts, e):
        s = ev >= 0
        if runs and runs[-1][0] == s:
            if abs(ev) > abs(runs[-1][2]):
                runs[-1] = (s, v, ev)
        else:
            runs.append((s, v, ev))
    while len(runs) > N:
        # drop the smaller end, or merge around the smallest interior one
        if abs(runs[0][2]) < abs(runs[-1][2]):
            runs.pop(0)
        else:
            runs.pop()
    return runs


def remez(g: Callable, n: int, m: int = 0, relative: bool = True, grid: int = 3000,
          max_iter: int = 40, tol: float = 1e-3, weight: Callable | None = None) -> Fit:
    """Minimax p/q (degrees n, m) for g on [-1, 1]; ``weight(v, g(v))`` overrides
    the relative (1/|g|) or absolute (1) weight."""
    w = weight or ((lambda v, gv: 1 / abs(gv)) if relative else (lambda v, gv: mp.mpf(1)))
    N = n + m + 2
    p, q = _lsq_start(g, w, n, m)
    ref = [mp.cos(mp.pi * (N - 1 - i) / (N - 1)) for i in range(N)]
    pts = _grid(grid)
    gpts = [g(v) for v in pts]
    wpts = [w(v, gv) for v, gv in zip(pts, gpts)]
    guess = (p, q, mp.mpf(0))
    best = None
    for it in range(1, max_iter + 1):
        p, q, E = _solve(g, w, ref, n, m, guess)
        guess = (p, q, E)
        e = [wv * (gv - horner(p, v) / horner(q, v)) for v, gv, wv in zip(pts, gpts, wpts)]
        emax = max(abs(x) for x in e)
        if best is None or emax < best.err:
            best = Fit(p, q, float(emax), it)
        runs = _extrema(e, pts, N)
        if len(runs) < N:
            break  # degenerate (e.g. a pole or too few sign changes): keep the best so far
        mags = [abs(r[2]) for r in runs]
        ref = [r[1] for r in runs]
        if max(mags) / min(mags) < 1 + tol:
            break
    return best
