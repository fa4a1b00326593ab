"""Neural networks in wasm: layers, losses, optimizers and ``Model``.

All arithmetic runs in the kernel module (``kernels/src/nn``); Python only
validates input and describes the model to wasm once. See
:mod:`.layers` for the layer kinds, :mod:`.model` for the error policy and
:mod:`.cases` for the reference guide's neural-network cases.
"""
from __future__ import annotations

from .layers import KINDS as LAYER_KINDS
from .losses import CrossEntropyLoss, Loss, LossValue, MSELoss
from .model import Model, Output
from .optim import SGD, Adam, Optimizer

__all__ = ["Adam", "CrossEntropyLoss", "LAYER_KINDS", "Loss", "LossValue", "MSELoss", "Model",
           "Optimizer", "Output", "SGD"]
