"""Tensor operations: validate in Python, compute in one wasm call.

Every function takes :class:`~rustorch_wasm.tensor.Tensor` inputs that live
in wasm memory and returns a new tensor (or writes ``out=`` when given, which
may be one of the inputs for an in-place update). Shapes are checked here,
before the call, so a kernel never sees a mismatched buffer.
"""
from __future__ import annotations

from numbers import Real
from typing import Any

from .tensor import Tensor

_BINARY = {"add": "ew_add", "sub": "ew_sub", "mul": "ew_mul", "div": "ew_div"}
_SCALAR = {
    "add": "ew_add_scalar", "sub": "ew_sub_scalar", "rsub": "ew_rsub_scalar",
    "mul": "ew_mul_scalar", "div": "ew_div_scalar", "rdiv": "ew_rdiv_scalar",
}
_COMMUTES = {"add": "add", "mul": "mul", "sub": "rsub", "div": "rdiv"}


def _tensor(x: Any, op: str, name: str = "input") -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: {name} must be a rustorch_wasm.Tensor, got {type(x).__name__}")
    x.ptr  # raises ValueError when freed
    return x


def _scalar(x: Any, op: str) -> float:
    if isinstance(x, bool) or not isinstance(x, Real):
        raise TypeError(f"{op}: expected a Tensor or a real scalar, got {type(x).__name__}")
    return float(x)


def _output(out: Tensor | None, shape: tuple[int, ...], like: Tensor, op: str) -> Tensor:
    if out is None:
        return Tensor.empty(shape, runtime=like.runtime)
    _tensor(out, op, "out")
    if out.shape != shape:
        raise ValueError(f"{op}: out has shape {out.shape}, expected {shape}")
    if out.runtime is not like.runtime:
        raise ValueError(f"{op}: out lives in a different wasm instance")
    return out


def _same_instance(a: Tensor, b: Tensor, op: str) -> None:
    if a.runtime is not b.runtime:
        raise ValueError(f"{op}: tensors live in different wasm instances")


def _binary(op: str, a: Any, b: Any, out: Tensor | None) -> Tensor:
    if not isinstance(a, Tensor) and isinstance(b, Tensor):
        a, b, op = b, a, _COMMUTES[op]
    a = _tensor(a, op, "a")
    if isinstance(b, Tensor):
        _tensor(b, op, "b")
        _same_instance(a, b, op)
        if a.shape != b.shape:
            raise ValueError(f"{op}: shape mismatch {a.shape} vs {b.shape}")
        res = _output(out, a.shape, a, op)
        a.runtime.call(op, _BINARY[op], a.ptr, b.ptr, res.ptr, a.size)
        return res
    s = _scalar(b, op)
    res = _output(out, a.shape, a, op)
    a.runtime.call(op, _SCALAR[op], a.ptr, s, res.ptr, a.size)
    return res


def add(a: Any, b: Any, *, out: Tensor | None = None) -> Tensor:
    """a + b (tensor-tensor of equal shape, or tensor-scalar)."""
    return _binary("add", a, b, out)


def sub(a: Any, b: Any, *, out: Tensor | None = None) -> Tensor:
    """a - b."""
    return _binary("sub", a, b, out)


def rsub(a: Tensor, s: float, *, out: Tensor | None = None) -> Tensor:
    """s - a for a scalar s."""
    return _binary("rsub", a, s, out)


def mul(a: Any, b: Any, *, out: Tensor | None = None) -> Tensor:
    """a * b."""
    return _binary("mul", a, b, out)


def div(a: Any, b: Any, *, out: Tensor | None = None) -> Tensor:
    """a / b (IEEE semantics: x/0 is ±inf or NaN, as in numpy)."""
    return _binary("div", a, b, out)


def rdiv(a: Tensor, s: float, *, out: Tensor | None = None) -> Tensor:
    """s / a for a scalar s."""
    return _binary("rdiv", a, s, out)


def _unary(op: str, a: Tensor, out: Tensor | None) -> Tensor:
    a = _tensor(a, op)
    res = _output(out, a.shape, a, op)
    a.runtime.call(op, f"ew_{op}", a.ptr, res.ptr, a.size)
    return res


def relu(a: Tensor, *, out: Tensor | None = None) -> Tensor:
    """max(a, 0)."""
    return _unary("relu", a, out)


def sigmoid(a: Tensor, *, out: Tensor | None = None) -> Tensor:
    """1 / (1 + exp(-a))."""
    return _unary("sigmoid", a, out)


def tanh(a: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Hyperbolic tangent."""
    return _unary("tanh", a, out)


def exp(a: Tensor, *, out: Tensor | None = None) -> Tensor:
    """e ** a."""
    return _unary("exp", a, out)


def log(a: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Natural logarithm (NaN below 0, -inf at 0, as in numpy)."""
    return _unary("log", a, out)


def _reduce(op: str, a: Tensor) -> float:
    a = _tensor(a, op)
    if a.size == 0:
        if op == "sum":
            return 0.0
        raise ValueError(f"{op}: empty tensor has no {op}")
    return float(a.runtime.call(op, f"red_{op}", a.ptr, a.size))


def sum(a: Tensor) -> float:  # noqa: A001 - the public name the API promises
    """Sum of all elements (accumulated with SIMD lanes and blocking)."""
    return _reduce("sum", a)


def mean(a: Tensor) -> float:
    """Arithmetic mean of all elements."""
    return _reduce("mean", a)


def max(a: Tensor) -> float:  # noqa: A001
    """Largest element (NaN if any element is NaN, as in numpy)."""
    return _reduce("max", a)


def softmax(a: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Softmax over the last axis (stable: the row maximum is subtracted)."""
    a = _tensor(a, "softmax")
    if a.ndim == 0:
        raise ValueError("softmax: needs at least one axis")
    cols = a.shape[-1]
    rows = a.size // cols if cols else 0
    res = _output(out, a.shape, a, "softmax")
    if a.size:
        a.runtime.call("softmax", "softmax_rows_f32", a.ptr, res.ptr, rows, cols)
    return res


def transpose(a: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Transpose of a 2-D tensor."""
    a = _tensor(a, "transpose")
    if a.ndim != 2:
        raise ValueError(f"transpose: expected a 2-D tensor, got shape {a.shape}")
    rows, cols = a.shape
    res = _output(out, (cols, rows), a, "transpose")
    if out is a:
        raise ValueError("transpose: out must not be the input")
    if a.size:
        a.runtime.call("transpose", "transpose2d", a.ptr, res.ptr, rows, cols)
    return res


def matmul(a: Tensor, b: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Matrix product of 2-D tensors (m x k) @ (k x n)."""
    a = _tensor(a, "matmul", "a")
    b = _tensor(b, "matmul", "b")
    _same_instance(a, b, "matmul")
    if a.ndim != 2 or b.ndim != 2:
        raise ValueError(f"matmul: expected 2-D tensors, got shapes {a.shape} and {b.shape}")
    (m, k), (k2, n) = a.shape, b.shape
    if k != k2:
        raise ValueError(f"matmul: inner dimensions differ: {a.shape} @ {b.shape}")
    res = _output(out, (m, n), a, "matmul")
    if out is a or out is b:
        raise ValueError("matmul: out must not be an input")
    if res.size:
        a.runtime.call("matmul", "matmul_f32", a.ptr, b.ptr, res.ptr, m, k, n)
    return res

