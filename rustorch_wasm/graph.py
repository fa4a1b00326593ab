"""Lazy element-wise expressions, fused into one pass in wasm.

``lazy(t)`` wraps a :class:`~rustorch_wasm.tensor.Tensor`; arithmetic
(``+ - * /`` with tensors, lazy values or real scalars) and the methods
``relu sigmoid tanh exp log`` record an expression tree instead of running
anything. ``compute()`` compiles the tree into a small stack bytecode and
runs it in ONE wasm call (``kernels/src/fusion.rs``): the kernel walks the
output in blocks of 128 elements, runs the whole program on each block in
registers/L1, and stores the result, so every input is read once and the
output written once. ``compute_unfused()`` runs the same tree op by op with
the ordinary kernels (one full intermediate array per op): the baseline.

Results are bit-identical: each fused op applies the same SIMD code as the
unfused kernel, scalars are rounded to f32 the same way, and operand order
is kept (``a - b`` fused as ``RSUB`` when the right subtree is evaluated
first computes exactly ``a - b``).

Compilation reads a tensor operand of a binary op straight from memory
(``ADD_M`` etc.: no extra pass over the block) and otherwise uses
Sethi-Ullman ordering (evaluate the subtree that needs more stack slots
first), so a chain of any length needs 1 slot and a tree needs at most
log2(leaves) + 1. Limits: 8 stack slots, 16 distinct input tensors
per expression (ValueError beyond; ``compute()`` a part first). All tensors
in one expression must have the same shape (no broadcasting).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from numbers import Real
from typing import Any, Callable

import numpy as np

from .runtime import Runtime
from .tensor import Tensor

DEPTH = 8
MAX_INPUTS = 16
_LOAD = 0
_BINARY = {"add": 1, "sub": 2, "mul": 3, "div": 4}
_SWAPPED = {"add": 1, "sub": 5, "mul": 3, "div": 6}  # b∘a evaluated with b on top
_SCALAR = {"add": 7, "sub": 8, "rsub": 9, "mul": 10, "div": 11, "rdiv": 12}
_UNARY = {"relu": 13, "sigmoid": 14, "tanh": 15, "exp": 16, "log": 17}
_MEM = {"add": 18, "sub": 19, "mul": 20, "div": 21}  # top∘input, input read in place
_MEM_SWAPPED = {"add": 18, "sub": 22, "mul": 20, "div": 23}  # input∘top
_ERRORS = {-1: "unknown opcode", -2: "stack underflow", -3: "stack overflow",
           -4: "input index out of range", -5: "scalar index out of range",
           -6: "program leaves more than one value", -7: "output overlaps an input",
           -8: "too many inputs", -9: "malformed program"}
_REVERSE_SCALAR = {"add": "add", "mul": "mul", "sub": "rsub", "div": "rdiv"}


class Lazy:
    """A node of a recorded element-wise expression (nothing computed yet)."""

    __slots__ = ("kind", "op", "args", "value", "shape", "runtime")
    _deferred_operand = True  # Tensor operators hand ``tensor ∘ lazy`` over to us

    def __init__(self, kind: str, op: str, args: tuple[Any, ...], value: float,
                 shape: tuple[int, ...], runtime: Runtime) -> None:
        self.kind, self.op, self.args, self.value = kind, op, args, value
        self.shape, self.runtime = shape, runtime

    # -- recording -------------------------------------------------------
    def _binary(self, op: str, other: Any, reverse: bool = False) -> "Lazy":
        if isinstance(other, (Tensor, Lazy)):
            other = lazy(other)
            if other.shape != self.shape:
                raise ValueError(f"{op}: shape mismatch {self.shape} vs {other.shape}")
            if other.runtime is not self.runtime:
                raise ValueError(f"{op}: tensors live in different wasm instances")
            left, right = (other, self) if reverse else (self, other)
            return Lazy("binary", op, (left, right), 0.0, self.shape, self.runtime)
        if isinstance(other, bool) or not isinstance(other, Real):
            raise TypeError(f"{op}: expected a Tensor, a lazy value or a real scalar, "
                            f"got {type(other).__name__}")
        sop = _REVERSE_SCALAR[op] if reverse else op
        return Lazy("scalar", sop, (self,), float(other), self.shape, self.runtime)

    def __add__(self, o: Any) -> "Lazy": return self._binary("add", o)
    def __radd__(self, o: Any) -> "Lazy": return self._binary("add", o, True)
    def __sub__(self, o: Any) -> "Lazy": return self._binary("sub", o)
    def __rsub__(self, o: Any) -> "Lazy": return self._binary("sub", o, True)
    def __mul__(self, o: Any) -> "Lazy": return self._binary("mul", o)
    def __rmul__(self, o: Any) -> "Lazy": return self._binary("mul", o, True)
    def __truediv__(self, o: Any) -> "Lazy": return self._binary("div", o)
    def __rtruediv__(self, o: Any) -> "Lazy": return self._binary("div", o, True)

    def _unary(self, op: str) -> "Lazy":
        return Lazy("unary", op, (self,), 0.0, self.shape, self.runtime)

    def relu(self) -> "Lazy": return self._unary("relu")
    def sigmoid(self) -> "Lazy": return self._unary("sigmoid")
    def tanh(self) -> "Lazy": return self._unary("tanh")
    def exp(self) -> "Lazy": return self._unary("exp")
    def log(self) -> "Lazy": return self._unary("log")

    # -- evaluation ------------------------------------------------------
    @property
    def n_ops(self) -> int:
        """Element-wise operations in the tree (what unfused evaluation runs)."""
        if self.kind == "input":
            return 0
        return 1 + sum(a.n_ops for a in self.args)

    def compile(self) -> "FusedProgram":
        """The fused program for this expression, staged in wasm memory."""
        return FusedProgram(self)

    def compute(self, *, out: Tensor | None = None) -> Tensor:
        """Evaluate in one fused wasm pass; a new tensor, or ``out``."""
        if self.kind == "input":  # nothing to fuse: the tensor itself, or a copy in out
            if out is None:
                return self.args[0]
            if not isinstance(out, Tensor) or out.shape != self.shape:
                raise ValueError(f"graph: out must be a tensor of shape {self.shape}")
            out.view()[...] = self.args[0].view()
            return out
        with self.compile() as prog:
            return prog.run(out=out)

    def compute_unfused(self) -> Tensor:
        """Evaluate op by op with the ordinary kernels (the unfused baseline)."""
        from . import ops
        if self.kind == "input":
            return self.args[0]
        vals = [a.compute_unfused() for a in self.args]
        try:
            if self.kind == "unary":
                return getattr(ops, self.op)(vals[0])
            if self.kind == "scalar":
                return ops._binary(self.op, vals[0], self.value, None)
            return getattr(ops, self.op)(vals[0], vals[1])
        finally:
            for a, v in zip(self.args, vals):
                if a.kind != "input":
                    v.free()

    def __repr__(self) -> str:
        if self.kind == "input":
            return f"<tensor {self.shape}>"
        if self.kind == "unary":
            return f"{self.op}({self.args[0]!r})"
        if self.kind == "scalar":
            return f"{self.op}({self.args[0]!r}, {self.value!r})"
        return f"{self.op}({self.args[0]!r}, {self.args[1]!r})"


def lazy(x: Tensor | Lazy) -> Lazy:
    """Start recording from a tensor (a Lazy value is returned unchanged)."""
    if isinstance(x, Lazy):
        return x
    if not isinstance(x, Tensor):
        raise TypeError(f"lazy expects a rustorch_wasm.Tensor, got {type(x).__name__}")
    x.ptr  # raises ValueError when freed
    return Lazy("input", "input", (x,), 0.0, x.shape, x.runtime)


def relu(x: Tensor | Lazy) -> Lazy: return lazy(x).relu()
def sigmoid(x: Tensor | Lazy) -> Lazy: return lazy(x).sigmoid()
def tanh(x: Tensor | Lazy) -> Lazy: return lazy(x).tanh()
def exp(x: Tensor | Lazy) -> Lazy: return lazy(x).exp()
def log(x: Tensor | Lazy) -> Lazy: return lazy(x).log()


@dataclass
class _Code:
    """Bytecode being emitted: instructions, inputs (by identity), scalars."""

    words: list[int] = field(default_factory=list)
    inputs: list[Tensor] = field(default_factory=list)
    scalars: list[float] = field(default_factory=list)

    def input_index(self, t: Tensor) -> int:
        for i, seen in enumerate(self.inputs):
            if seen is t:
                return i
        if len(self.inputs) == MAX_INPUTS:
            raise ValueError(f"a fused expression can read at most {MAX_INPUTS} distinct tensors; "
                             "compute() part of it first")
        self.inputs.append(t)
        return len(self.inputs) - 1


def _need(node: Lazy, memo: dict[int, int]) -> int:
    """Stack slots needed to evaluate ``node`` (Sethi-Ullman number)."""
    key = id(node)
    if key not in memo:
        if node.kind == "input":
            memo[key] = 1
        elif node.kind == "binary":
            left, right = node.args
            a, b = _need(left, memo), _need(right, memo)
            if right.kind == "input":  # operand read in place: no extra slot
                memo[key] = a
            elif left.kind == "input":
                memo[key] = b
            else:
                memo[key] = max(a, b) if a != b else a + 1
        else:
            memo[key] = _need(node.args[0], memo)
    return memo[key]


def _emit(node: Lazy, code: _Code, memo: dict[int, int]) -> None:
    if node.kind == "input":
        code.words += [_LOAD, code.input_index(node.args[0])]
    elif node.kind == "unary":
        _emit(node.args[0], code, memo)
        code.words += [_UNARY[node.op], 0]
    elif node.kind == "scalar":
        _emit(node.args[0], code, memo)
        code.scalars.append(node.value)
        code.words += [_SCALAR[node.op], len(code.scalars) - 1]
    else:
        left, right = node.args
        if right.kind == "input":
            _emit(left, code, memo)
            code.words += [_MEM[node.op], code.input_index(right.args[0])]
        elif left.kind == "input":
            _emit(right, code, memo)
            code.words += [_MEM_SWAPPED[node.op], code.input_index(left.args[0])]
        elif _need(right, memo) > _need(left, memo):
            _emit(right, code, memo)
            _emit(left, code, memo)
            code.words += [_SWAPPED[node.op], 0]
        else:
            _emit(left, code, memo)
            _emit(right, code, memo)
            code.words += [_BINARY[node.op], 0]


class FusedProgram:
    """A compiled expression: bytecode, input table and scalars in wasm memory.

    ``run(out=None)`` evaluates it; ``bind(out)`` gives the bare zero-argument
    wasm call (for benchmarks). Holds its input tensors alive; ``free()`` (or
    a ``with`` block) releases the staged program.
    """

    def __init__(self, expr: Lazy) -> None:
        if not isinstance(expr, Lazy) or expr.kind == "input":
            raise ValueError("nothing to fuse: the expression has no operation")
        memo: dict[int, int] = {}
        if _need(expr, memo) > DEPTH:
            raise ValueError(f"expression needs more than {DEPTH} stack slots; "
                             "compute() a subexpression first")
        code = _Code()
        _emit(expr, code, memo)
        for t in code.inputs:
            t.ptr  # a tensor freed since recording raises ValueError here
        self.runtime = rt = expr.runtime
        self.shape = expr.shape
        self.size = code.inputs[0].size
        self.inputs = tuple(code.inputs)
        self.n_ops = expr.n_ops
        words = np.asarray(code.words, dtype=np.uint32)
        ptrs = np.asarray([t.ptr for t in code.inputs], dtype=np.uint32)
        scalars = np.asarray(code.scalars, dtype=np.float32)
        self._nw, self._ni, self._ns = words.size, ptrs.size, scalars.size
        self._block = rt.alloc(4 * (words.size + ptrs.size + max(scalars.size, 1)), op="graph")
        self._code = self._block
        self._ptrs = self._code + 4 * words.size
        self._scal = self._ptrs + 4 * ptrs.size
        rt.array(self._code, words.size, np.uint32)[:] = words
        rt.array(self._ptrs, ptrs.size, np.uint32)[:] = ptrs
        rt.array(self._scal, scalars.size, np.float32)[:] = scalars
        status = rt.call("graph", "fuse_validate", self._code, self._nw, self._ni, self._ns)
        if status != 0:  # pragma: no cover - the compiler emits valid code
            self.free()
            raise RuntimeError(f"graph: invalid fused program ({_ERRORS.get(status, status)})")

    def _check(self) -> None:
        if self._block == 0:
            raise ValueError("fused program has been freed")
        for t in self.inputs:
            t.ptr

    def run(self, *, out: Tensor | None = None) -> Tensor:
        """Evaluate into a new tensor (or ``out``, which must not be an input)."""
        self._check()
        if out is None:
            out = Tensor.empty(self.shape, runtime=self.runtime)
        elif not isinstance(out, Tensor) or out.shape != self.shape or out.runtime is not self.runtime:
            raise ValueError(f"graph: out must be a tensor of shape {self.shape} in the same wasm instance")
        elif any(out is t for t in self.inputs):
            raise ValueError("graph: out must not be one of the expression's inputs")
        self.bind(out)()
        return out

    def bind(self, out: Tensor) -> Callable[[], None]:
        """The fused wasm call writing into ``out``, as a zero-argument callable."""
        self._check()
        fn = self.runtime.fn("fuse_run")
        args = (self._code, self._nw, self._ptrs, self._ni, self._scal, self._ns, out.ptr, self.size)

        def body() -> None:
            status = fn(*args)
            if status != 0:
                raise ValueError(f"graph: fused run failed ({_ERRORS.get(status, status)})")

        return body

    def free(self) -> None:
        """Release the staged program (idempotent)."""
        if self._block:
            self.runtime.free(self._block)
            self._block = 0

    def __enter__(self) -> "FusedProgram":
        return self

    def __exit__(self, *exc: object) -> None:
        self.free()

    def __del__(self) -> None:
        try:
            self.free()
        except Exception:
            pass


_UNFUSED_BINARY = {"add": "ew_add", "sub": "ew_sub", "mul": "ew_mul", "div": "ew_div"}


def unfused_body(expr: Lazy, out: Tensor) -> Callable[[], None]:
    """Op-by-op evaluation of ``expr`` into ``out`` as a zero-argument callable.

    The intermediates are allocated once here, so the callable is only the
    wasm calls (one per op), the fair baseline for ``FusedProgram.bind``.
    """
    if not isinstance(expr, Lazy) or expr.kind == "input":
        raise ValueError("nothing to evaluate: the expression has no operation")
    rt = expr.runtime
    calls: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []
    temps: list[Tensor] = []

    def visit(node: Lazy, dest: Tensor | None) -> Tensor:
        if node.kind == "input":
            return node.args[0]
        srcs = [visit(a, None) for a in node.args]
        if dest is None:
            dest = Tensor.empty(node.shape, runtime=rt)
            temps.append(dest)
        if node.kind == "unary":
            calls.append((rt.fn(f"ew_{node.op}"), (srcs[0].ptr, dest.ptr, dest.size)))
        elif node.kind == "scalar":
            name = f"ew_{node.op}_scalar"
            calls.append((rt.fn(name), (srcs[0].ptr, node.value, dest.ptr, dest.size)))
        else:
            name = _UNFUSED_BINARY[node.op]
            calls.append((rt.fn(name), (srcs[0].ptr, srcs[1].ptr, dest.ptr, dest.size)))
        return dest

    visit(expr, out)
    del visit  # the recursive closure refers to itself: break the cycle

    def body() -> None:
        for fn, args in calls:
            fn(*args)

    body.temps = temps  # type: ignore[attr-defined]  # keeps the intermediates alive
    return body


@dataclass
class ChainCase:
    """A benchmark pair on one expression: the fused and the op-by-op call."""

    expr: Lazy
    inputs: tuple[Tensor, ...]
    fused: Callable[[], None]
    unfused: Callable[[], None]
    out_fused: Tensor
    out_unfused: Tensor


def chain_case(runtime: Runtime, n: int = 100_000, seed: int = 20261124) -> ChainCase:
    """``sigmoid(relu(a*b + c) * 0.5 + 0.25)`` (six element-wise ops) on ``n``
    elements, fused and unfused, inputs already in wasm memory."""
    rng = np.random.default_rng(seed)
    a, b, c = (Tensor.from_numpy(rng.uniform(-1, 1, n).astype(np.float32), runtime=runtime)
               for _ in range(3))
    expr = ((lazy(a) * b + c).relu() * 0.5 + 0.25).sigmoid()
    out_f = Tensor.empty((n,), runtime=runtime)
    out_u = Tensor.empty((n,), runtime=runtime)
    prog = expr.compile()
    fused = prog.bind(out_f)
    fused.program = prog  # type: ignore[attr-defined]  # keeps the program alive
    return ChainCase(expr, (a, b, c), fused, unfused_body(expr, out_u), out_f, out_u)
