"""Fused element-wise chains equal the op-by-op kernels bit for bit."""
from __future__ import annotations

import numpy as np
import pytest

from rustorch_wasm import ops
from rustorch_wasm import graph
from rustorch_wasm.graph import FusedProgram, chain_case, lazy, unfused_body
from rustorch_wasm.runtime import Runtime
from rustorch_wasm.tensor import Tensor


def tensors(rt: Runtime, n: int, k: int, seed: int = 0) -> list[Tensor]:
    rng = np.random.default_rng(seed)
    return [Tensor.from_numpy(rng.uniform(-2, 2, n).astype(np.float32), runtime=rt) for _ in range(k)]


EXPRESSIONS = {
    "chain": lambda a, b, c: ((lazy(a) * b + c).relu() * 0.5 + 0.25).sigmoid(),
    "scalar_left": lambda a, b, c: (2.0 - lazy(a)) * (3.0 / (lazy(b) * b + 1.5)) - 0.75,
    "tree": lambda a, b, c: (lazy(a) + b) * (lazy(b) - c) / ((lazy(c) * a).tanh() + 3.0),
    "right_deep": lambda a, b, c: a - (b * (lazy(c).exp() + a).log().relu()),
    "shared": lambda a, b, c: (lazy(a) * a + graph.sigmoid(a)) * graph.tanh(b) / 4.0,
    "all_unary": lambda a, b, c: graph.relu(graph.exp(graph.tanh(lazy(a).sigmoid()))).log() + c,
    "tensor_left": lambda a, b, c: b / (lazy(a) * c + 5.0) - a,
}


@pytest.mark.parametrize("n", [1, 3, 127, 128, 129, 1000, 100_003])
@pytest.mark.parametrize("name", sorted(EXPRESSIONS))
def test_fused_equals_unfused_bitwise(rt, name, n):
    a, b, c = tensors(rt, n, 3, seed=n)
    expr = EXPRESSIONS[name](a, b, c)
    fused = expr.compute()
    unfused = expr.compute_unfused()
    np.testing.assert_array_equal(fused.numpy(), unfused.numpy())
    assert fused.shape == (n,)


def test_fused_matches_numpy(rt):
    a, b, c = tensors(rt, 10_001, 3)
    x, y, z = (t.numpy().astype(np.float64) for t in (a, b, c))
    got = ((lazy(a) * b + c).relu() * 0.5 - b).compute().numpy()
    x32, y32, z32 = (t.numpy() for t in (a, b, c))  # f32 arithmetic, rounded per op
    np.testing.assert_array_equal(got, np.maximum(x32 * y32 + z32, np.float32(0)) * np.float32(0.5) - y32)
    got = (lazy(a).sigmoid() * 2.0 + lazy(b).tanh()).compute().numpy()
    want = 2.0 / (1.0 + np.exp(-x)) + np.tanh(y)
    np.testing.assert_allclose(got, want, rtol=2e-6, atol=2e-7)


def test_operators_on_tensors_record_lazily(rt):
    a, b, _ = tensors(rt, 64, 3)
    expr = 1.0 + lazy(a) * b
    assert isinstance(expr, graph.Lazy) and expr.n_ops == 2
    assert "mul" in repr(expr) and "add" in repr(expr)
    np.testing.assert_array_equal(expr.compute().numpy(), ops.add(ops.mul(a, b), 1.0).numpy())


def test_matrix_shapes_and_out(rt):
    a, b = (Tensor.from_numpy(np.arange(12, dtype=np.float32).reshape(3, 4) - 5, runtime=rt) for _ in range(2))
    out = Tensor.empty((3, 4), runtime=rt)
    res = (lazy(a) * b).relu().compute(out=out)
    assert res is out
    np.testing.assert_array_equal(out.numpy(), np.maximum((a.numpy() * b.numpy()), 0))


def test_program_is_one_wasm_call_and_reusable(rt, monkeypatch):
    a, b, c = tensors(rt, 1000, 3)
    expr = EXPRESSIONS["chain"](a, b, c)
    with expr.compile() as prog:
        out = Tensor.empty((1000,), runtime=rt)
        calls = []
        real = rt.fn

        def counting(name):
            calls.append(name)
            return real(name)

        monkeypatch.setattr(rt, "fn", counting)
        first = prog.run(out=out).numpy()
        assert calls == ["fuse_run"]
        monkeypatch.setattr(rt, "fn", real)
        c.view()[...] = 0.0  # the program reads the inputs at run time
        second = prog.run().numpy()
        assert not np.array_equal(first, second)
        np.testing.assert_array_equal(second, expr.compute_unfused().numpy())


def test_fused_executes_fewer_instructions():
    from rustorch_wasm.runtime import fueled_runtime
    rt = fueled_runtime()
    a, b, c = tensors(rt, 4096, 3)
    expr = (lazy(a) * b + c).relu() * 0.5 + 0.25
    out_f, out_u = Tensor.empty((4096,), runtime=rt), Tensor.empty((4096,), runtime=rt)
    unfused = unfused_body(expr, out_u)
    with expr.compile() as prog:
        n_fused = rt.instructions(prog.bind(out_f))
        n_unfused = rt.instructions(unfused)
    np.testing.assert_array_equal(out_f.numpy(), out_u.numpy())
    assert n_fused < n_unfused
    # Free now: wasmtime objects left to interpreter shutdown print noise.
    for t in [a, b, c, out_f, out_u, *unfused.temps]:
        t.free()


def test_chain_case_bodies_agree(rt):
    case = chain_case(rt, n=10_000)
    case.fused()
    case.unfused()
    np.testing.assert_array_equal(case.out_fused.numpy(), case.out_unfused.numpy())
    assert case.expr.n_ops == 6


def test_bad_inputs(rt):
    a, b, _ = tensors(rt, 8, 3)
    short = Tensor.zeros((4,), runtime=rt)
    with pytest.raises(ValueError, match="shape mismatch"):
        lazy(a) + short
    with pytest.raises(TypeError, match="real scalar"):
        lazy(a) * "2"
    with pytest.raises(TypeError, match="real scalar"):
        lazy(a) * True
    with pytest.raises(TypeError, match="Tensor"):
        lazy(np.zeros(3, np.float32))
    with pytest.raises(ValueError, match="no operation"):
        FusedProgram(lazy(a))
    assert lazy(a).compute() is a
    copy = lazy(a).compute(out=Tensor.empty((8,), runtime=rt))
    assert copy is not a and np.array_equal(copy.numpy(), a.numpy())
    with pytest.raises(ValueError, match="inputs"):
        (lazy(a) + b).compute(out=a)
    many = tensors(rt, 8, 17)
    expr = lazy(many[0])
    for t in many[1:]:
        expr = expr + t
    with pytest.raises(ValueError, match="at most 16"):
        expr.compute()

    def balanced(depth: int) -> graph.Lazy:
        if depth == 0:
            return lazy(a) + b
        return balanced(depth - 1) * balanced(depth - 1)

    np.testing.assert_array_equal(balanced(7).compute().numpy(), balanced(7).compute_unfused().numpy())
    with pytest.raises(ValueError, match="stack slots"):
        balanced(8).compute()
    c = Tensor.zeros((8,), runtime=rt)
    expr = lazy(a) + c
    c.free()
    with pytest.raises(ValueError, match="freed"):
        expr.compute()
    other = Runtime()
    d = Tensor.zeros((8,), runtime=other)
    with pytest.raises(ValueError, match="different wasm instances"):
        lazy(a) + d


def test_kernel_rejects_malformed_programs(rt):
    buf = rt.alloc(64)
    words = rt.array(buf, 8, np.uint32)
    cases = [([99, 0], 1, 0, -1), ([1, 0], 1, 0, -2), ([0, 5], 1, 0, -4),
             ([0, 0, 7, 3], 1, 1, -5), ([0, 0, 0, 0], 1, 0, -6), ([0], 1, 0, -9),
             ([0, 0, 18, 1], 2, 0, 0), ([0, 0, 18, 2], 2, 0, -4)]
    for prog, n_in, n_sc, want in cases:
        words[:len(prog)] = prog
        assert rt.call("t", "fuse_validate", buf, len(prog), n_in, n_sc) == want, prog
    x = Tensor.zeros((16,), runtime=rt)
    table = rt.alloc(4)
    rt.array(table, 1, np.uint32)[0] = x.ptr
    words[:4] = [0, 0, 13, 0]
    assert rt.call("t", "fuse_run", buf, 4, table, 1, 0, 0, x.ptr, 16) == -7  # out aliases input
    rt.free(table)
    rt.free(buf)


def test_kernel_runs_hand_written_programs(rt):
    # Programs the compiler never emits: pending LOADs on both operands of a
    # stack-stack op, and a bare LOAD (a copy).
    n = 300
    a, b, c = tensors(rt, n, 3, seed=5)
    x, y, z = (t.numpy() for t in (a, b, c))
    out = Tensor.empty((n,), runtime=rt)
    buf = rt.alloc(64)
    table = rt.alloc(12)
    rt.array(table, 3, np.uint32)[:] = [a.ptr, b.ptr, c.ptr]
    for prog, want in [
        ([0, 0, 0, 1, 0, 2, 1, 0, 2, 0], x - (y + z)),  # LOAD a, LOAD b, LOAD c, ADD, SUB
        ([0, 2, 0, 0, 6, 0], x / z),  # LOAD c, LOAD a, RDIV -> a / c
        ([0, 1], y),  # bare LOAD
        ([0, 0, 13, 0, 0, 1, 14, 0, 3, 0], None),  # relu(a) * sigmoid(b)
    ]:
        rt.array(buf, len(prog), np.uint32)[:] = prog
        assert rt.call("t", "fuse_run", buf, len(prog), table, 3, 0, 0, out.ptr, n) == 0
        if want is None:
            want = (graph.relu(a) * graph.sigmoid(b)).compute_unfused().numpy()
        np.testing.assert_array_equal(out.numpy(), want)
    rt.free(table)
    rt.free(buf)
