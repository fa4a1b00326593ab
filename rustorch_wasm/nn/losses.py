"""Losses computed in wasm on a model's last output (``kernels/src/nn/loss.rs``).

* cross-entropy from logits with integer labels, through the stable
  log-sum-exp: loss = mean_b (m_b + ln Σ_j e^{z_bj − m_b} − z_{b,y_b}),
  m_b = max_j z_bj;
* MSE: mean (o − t)².

The reference guide's pattern works as written::

    out = model.forward_batch(x)
    loss = Loss('cross_entropy').compute(out, y)   # also: CrossEntropyLoss()(out, y)
    model.zero_grad(); loss.backward(); optimizer.step()

``compute`` also writes dL/d(output) into the model's wasm buffers, so
``backward`` only runs the backward pass.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .model import Model

CODES = {"cross_entropy": 1, "mse": 2}


class Loss:
    """A loss by name: ``'cross_entropy'`` or ``'mse'`` (the reference guide's ``WasmLoss``)."""

    def __init__(self, kind: str = "cross_entropy") -> None:
        if not isinstance(kind, str) or kind.lower() not in CODES:
            raise ValueError(f"unknown loss {kind!r}; known: {', '.join(sorted(CODES))}")
        self.kind = kind.lower()

    @property
    def code(self) -> int:
        return CODES[self.kind]

    def compute(self, output: Any, targets: Any) -> "LossValue":
        """The loss of ``output`` (what ``forward_batch`` returned) against ``targets``."""
        model = getattr(output, "model", None)
        if model is None:
            raise TypeError("compute needs the array returned by Model.forward_batch (not a copy or slice)")
        if output.forward_id != model._forward_id:
            raise ValueError("compute needs the output of the model's most recent forward_batch")
        ptr = model._stage_targets(self.kind, targets, model._batch)
        return LossValue(model._loss(self.code, ptr), model)

    __call__ = compute

    def __repr__(self) -> str:
        return f"Loss({self.kind!r})"


class CrossEntropyLoss(Loss):
    def __init__(self) -> None:
        super().__init__("cross_entropy")


class MSELoss(Loss):
    def __init__(self) -> None:
        super().__init__("mse")


@dataclass
class LossValue:
    """A computed loss; ``backward()`` backpropagates it through its model."""

    value: float
    model: "Model"

    def backward(self) -> None:
        self.model.backward()

    def item(self) -> float:
        return self.value

    def __float__(self) -> float:
        return self.value


def loss_of(loss: "str | Loss") -> Loss:
    """A ``Loss`` from a name or an instance."""
    return loss if isinstance(loss, Loss) else Loss(loss)
