"""Optimizers that update a model's parameter arena in wasm
(``kernels/src/nn/optim.rs``): SGD with momentum and Adam.

* ``SGD(lr, momentum)``: v ← μ·v + g, p ← p − lr·v (the reference guide's
  ``WasmSGD(0.01, 0.9)`` is ``SGD(0.01, 0.9)``);
* ``Adam(lr, betas=(β1, β2), eps)``: bias-corrected moment estimates,
  p ← p − lr·m̂/(√v̂ + ε).

An optimizer serves one model: give it with ``model=`` or let the first
``model.train_step(..., optimizer)`` or ``attach(model)`` bind it. Its state
(velocity or moments, and Adam's step count) lives in wasm memory.
"""
from __future__ import annotations

import math
import struct
from typing import TYPE_CHECKING, Any

import numpy as np

from ..tensor import Tensor

if TYPE_CHECKING:
    from .model import Model

OPT_REC = 11


def _rate(name: str, value: Any, low: float, high: float, closed_high: bool = False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number, got {value!r}") from None
    ok = math.isfinite(v) and low <= v and (v <= high if closed_high else v < high)
    if not ok:
        raise ValueError(f"{name} must lie in [{low}, {high}{']' if closed_high else ')'}, got {value!r}")
    return v


def _f32_bits(v: float) -> int:
    return struct.unpack("<I", struct.pack("<f", v))[0]


class Optimizer:
    code = 0

    def __init__(self, lr: float, model: "Model | None") -> None:
        self.lr = _rate("lr", lr, 0.0, math.inf)
        if self.lr == 0.0:
            raise ValueError("lr must be positive")
        self.model: Model | None = None
        self._record: Tensor | None = None
        self._state: list[Tensor] = []
        if model is not None:
            self.attach(model)

    def _hyper(self) -> tuple[float, float, float]:
        raise NotImplementedError

    def attach(self, model: "Model") -> "Optimizer":
        """Bind to ``model`` and allocate the state (zeros) in its runtime."""
        if self.model is model:
            return self
        if self.model is not None:
            raise ValueError("this optimizer is already bound to another model")
        model._build()
        assert model._params is not None and model._grads is not None
        n = model._params.size
        rt = model.runtime
        self._state = [Tensor.zeros((n,), runtime=rt) for _ in range(2 if self.code == 2 else 1)]
        self._record = Tensor.zeros((OPT_REC,), runtime=rt)
        words = rt.array(self._record.ptr, OPT_REC, np.uint32)
        words[0], words[1] = self.code, n
        words[2], words[3] = model._params.ptr, model._grads.ptr
        words[4] = self._state[0].ptr
        words[5] = self._state[1].ptr if len(self._state) > 1 else 0
        self.model = model
        return self

    def record_for(self, model: "Model") -> int:
        """Address of the optimizer record for ``model``, hyper-parameters synced."""
        self.attach(model)
        assert self._record is not None
        self.lr = _rate("lr", self.lr, 0.0, math.inf)
        a, b, eps = self._hyper()
        words = model.runtime.array(self._record.ptr, OPT_REC, np.uint32)
        words[6:10] = [_f32_bits(self.lr), _f32_bits(a), _f32_bits(b), _f32_bits(eps)]
        return self._record.ptr

    def step(self) -> None:
        """Update the bound model's parameters from its accumulated gradients."""
        if self.model is None:
            raise ValueError("optimizer is not bound to a model: pass model= or call attach(model)")
        ptr = self.record_for(self.model)
        self.model.runtime.call("optimizer.step", "nn_opt_step", ptr)


class SGD(Optimizer):
    """Stochastic gradient descent with (PyTorch-style) momentum."""

    code = 1

    def __init__(self, lr: float = 0.01, momentum: float = 0.0, *, model: "Model | None" = None) -> None:
        self.momentum = _rate("momentum", momentum, 0.0, 1.0)
        super().__init__(lr, model)

    def _hyper(self) -> tuple[float, float, float]:
        return self.momentum, 0.0, 0.0

    def __repr__(self) -> str:
        return f"SGD(lr={self.lr}, momentum={self.momentum})"


class Adam(Optimizer):
    """Adam with bias correction."""

    code = 2

    def __init__(self, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 *, model: "Model | None" = None) -> None:
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair, got {betas!r}")
        self.betas = (_rate("beta1", betas[0], 0.0, 1.0), _rate("beta2", betas[1], 0.0, 1.0))
        self.eps = _rate("eps", eps, 0.0, math.inf)
        super().__init__(lr, model)

    def _hyper(self) -> tuple[float, float, float]:
        return self.betas[0], self.betas[1], self.eps

    @property
    def steps(self) -> int:
        """Updates done so far (the t of the bias correction)."""
        if self._record is None or self.model is None:
            return 0
        return int(self.model.runtime.array(self._record.ptr, OPT_REC, np.uint32)[10])

    def __repr__(self) -> str:
        return f"Adam(lr={self.lr}, betas={self.betas}, eps={self.eps})"
