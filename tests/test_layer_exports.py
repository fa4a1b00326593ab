"""The stand-alone layer exports used by the engine/peer comparison
(`nn_linear_forward`, `nn_conv2d_forward`) against float64 numpy."""
from __future__ import annotations

import numpy as np
import pytest

import _nn_reference as ref


def put(rt, a: np.ndarray) -> int:
    a = np.ascontiguousarray(a, np.float32)
    ptr = rt.alloc(max(a.nbytes, 4))
    rt.array(ptr, a.size, np.float32)[:] = a.ravel()
    return ptr


@pytest.mark.parametrize("rows,nin,nout", [(1, 784, 128), (3, 17, 5), (32, 64, 10)])
def test_linear_forward_export(rt, rows, nin, nout):
    g = np.random.default_rng(rows + nin)
    x, w, b = g.standard_normal((rows, nin)), g.standard_normal((nin, nout)), g.standard_normal(nout)
    px, pp, py = put(rt, x), put(rt, np.concatenate([w.ravel(), b])), rt.alloc(rows * nout * 4)
    rt.fn("nn_linear_forward")(px, pp, py, rows, nin, nout)
    got = rt.array(py, rows * nout, np.float32).reshape(rows, nout)
    np.testing.assert_allclose(got, x @ w + b, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("k,stride,pad", [(3, 1, 1), (3, 2, 1), (1, 1, 0), (5, 1, 2)])
def test_conv2d_forward_export(rt, k, stride, pad):
    g = np.random.default_rng(k * 10 + stride)
    n, cin, h, wd, cout = 2, 3, 11, 9, 4
    x, w, b = g.standard_normal((n, cin, h, wd)), g.standard_normal((cout, cin, k, k)), g.standard_normal(cout)
    want = ref.conv2d(x, {"weight": w, "bias": b}, stride, pad)
    px, pp, py = put(rt, x), put(rt, np.concatenate([w.ravel(), b])), rt.alloc(want.size * 4)
    status = rt.fn("nn_conv2d_forward")(px, pp, py, n, cin, h, wd, cout, k, stride, pad)
    assert status == 0
    got = rt.array(py, want.size, np.float32).reshape(want.shape)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_conv2d_export_refuses_impossible_geometry(rt):
    assert rt.fn("nn_conv2d_forward")(0, 0, 0, 1, 1, 2, 2, 1, 7, 1, 0) == 2
    assert rt.fn("nn_conv2d_forward")(0, 0, 0, 1, 1, 4, 4, 1, 3, 0, 0) == 2
