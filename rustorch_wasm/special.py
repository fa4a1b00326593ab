"""f64 special functions computed in wasm: gamma, lgamma, erf, erfc, Bessel J, beta.

Each function takes a Python number (returns a float, one wasm call) or an
array-like (returns a float64 ndarray of the same shape: one copy in, one
wasm call over the whole array, one copy out).

Domains and accuracy (checked against mpmath at 50 digits, tests/test_special.py
and, at 10^5 points per region of each algorithm, tests/test_special_grid.py;
the measured figures are in docs/benchmarks.md):

* ``gamma``: relative error <= 1e-12 on (0, 171) and on negative non-integers
  (about 2e-13 near 171, 1e-15 below 8); NaN at the poles (0, -1, -2, ...),
  +inf above 171.62.
* ``lgamma``: log|Gamma(x)|; relative error <= 1e-12, absolute <= 1e-14 near
  its zeros 1 and 2; +inf at the poles.
* ``erf``, ``erfc``: relative error <= 4e-15 for erf on the real line and
  erfc on (-inf, 26.5]; erfc is sub-normal beyond and 0 above 27.3.
* ``bessel_j(n, x)``: integer order n (negative allowed), real x; absolute
  error <= 2e-15 for J0, J1 and J5 and <= 1e-14 for J50 on [0, 100] (J0 and
  J1 to |x| = 1e4). ``bessel_j0``, ``bessel_j1``.
* ``beta(a, b)``: relative error <= 1e-12 when a, b and a+b are below 171;
  arrays broadcast like numpy.
"""
from __future__ import annotations

from numbers import Integral, Real
from typing import Any, Callable

import numpy as np

from .runtime import get_runtime

__all__ = ["gamma", "lgamma", "erf", "erfc", "bessel_j", "bessel_j0", "bessel_j1", "beta"]


def _is_scalar(x: Any) -> bool:
    return isinstance(x, Real) and not isinstance(x, bool) or isinstance(x, np.floating)


def _as_f64_array(x: Any, name: str) -> np.ndarray:
    try:
        arr = np.asarray(x)
    except Exception as exc:  # e.g. ragged nested lists
        raise TypeError(f"{name}: cannot convert input to an array: {exc}") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name}: expected real numbers, got {arr.dtype}")
    if np.iscomplexobj(arr):
        raise TypeError(f"{name}: complex input is not supported")
    return np.ascontiguousarray(arr, dtype=np.float64)


def _call_arrays(op: str, export: str, inputs: list[np.ndarray], lead: tuple[Any, ...] = ()) -> np.ndarray:
    """Copy ``inputs`` into wasm memory, call ``export`` once, copy the result out."""
    rt = get_runtime()
    shape = inputs[0].shape
    n = inputs[0].size
    if n == 0:
        return np.empty(shape, np.float64)
    ptrs: list[int] = []
    try:
        for arr in inputs:
            ptrs.append(rt.alloc(arr.nbytes, op=op))
            rt.array(ptrs[-1], n, np.float64)[:] = arr.reshape(-1)
        out = ptrs[0]  # in place over the first input
        rt.call(op, export, *lead, *ptrs, out, n)
        return rt.array(out, n, np.float64).copy().reshape(shape)
    finally:
        for p in ptrs:
            rt.free(p)


def _unary(name: str, export: str) -> Callable[[Any], Any]:
    def fn(x: Any) -> Any:
        if _is_scalar(x):
            return float(get_runtime().call(name, f"sp_{export}", float(x)))
        return _call_arrays(name, f"sp_{export}_array", [_as_f64_array(x, name)])

    fn.__name__ = name
    fn.__qualname__ = name
    return fn


gamma = _unary("gamma", "gamma")
gamma.__doc__ = "Gamma function."
lgamma = _unary("lgamma", "lgamma")
lgamma.__doc__ = "Natural logarithm of |Gamma(x)|."
erf = _unary("erf", "erf")
erf.__doc__ = "Error function."
erfc = _unary("erfc", "erfc")
erfc.__doc__ = "Complementary error function 1 - erf(x)."
bessel_j0 = _unary("bessel_j0", "bessel_j0")
bessel_j0.__doc__ = "Bessel function of the first kind, order 0."
bessel_j1 = _unary("bessel_j1", "bessel_j1")
bessel_j1.__doc__ = "Bessel function of the first kind, order 1."


def _order(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, (Integral, np.integer)):
        if isinstance(n, (float, np.floating)) and float(n).is_integer():
            n = int(n)
        else:
            raise TypeError(f"bessel_j: order n must be an integer, got {n!r}")
    if not -(2**31) < int(n) < 2**31:
        raise ValueError(f"bessel_j: order {n} is out of range")
    return int(n)


def bessel_j(n: Any, x: Any) -> Any:
    """Bessel function of the first kind J_n(x) for integer order n."""
    order = _order(n)
    if _is_scalar(x):
        return float(get_runtime().call("bessel_j", "sp_bessel_jn", order, float(x)))
    return _call_arrays("bessel_j", "sp_bessel_jn_array", [_as_f64_array(x, "bessel_j")], (order,))


def beta(a: Any, b: Any) -> Any:
    """Beta function B(a, b) = Gamma(a) Gamma(b) / Gamma(a + b); arrays broadcast."""
    if _is_scalar(a) and _is_scalar(b):
        return float(get_runtime().call("beta", "sp_beta", float(a), float(b)))
    aa, bb = _as_f64_array(a, "beta"), _as_f64_array(b, "beta")
    try:
        aa, bb = np.broadcast_arrays(aa, bb)
    except ValueError:
        raise ValueError(f"beta: shapes {aa.shape} and {bb.shape} do not broadcast") from None
    return _call_arrays("beta", "sp_beta_array", [np.ascontiguousarray(aa), np.ascontiguousarray(bb)])
