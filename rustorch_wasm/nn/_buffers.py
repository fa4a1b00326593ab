"""The wasm-side memory of one model: parameter, gradient and activation
blocks, and the layer records (``kernels/src/nn/mod.rs``) that point at them.

Parameters and their gradients are two flat arenas with the same layout
(layer by layer, each layer's tensors in order), so optimizers update every
parameter in one pass. Activation blocks (each layer's output, its
gradient and its auxiliary buffer) are sized for a batch capacity and
re-allocated, with the records rewritten, when a larger batch arrives;
gradient blocks exist only once the model has been trained.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..runtime import Runtime
from ..tensor import Tensor
from .layers import SRC_INPUT, Layer

REC = 20  # u32 words per layer record


@dataclass
class Activations:
    """Blocks sized for ``capacity`` samples; ``generation`` changes on re-allocation."""

    capacity: int
    outs: list[Tensor]
    douts: list[Tensor] | None
    auxs: list[Tensor | None]
    x: Tensor
    desc: Tensor
    generation: int


def param_offsets(layers: list[Layer]) -> list[int]:
    """Offset (in floats) of each layer's parameters in the arena."""
    offsets, at = [], 0
    for layer in layers:
        offsets.append(at)
        at += layer.n_params
    return offsets


def allocate(rt: Runtime, layers: list[Layer], srcs: list[int | None], params: Tensor,
             grads: Tensor, capacity: int, train: bool, generation: int) -> Activations:
    """Activation blocks for ``capacity`` samples and the records describing them."""
    outs = [Tensor.empty((capacity * layer.out_size,), runtime=rt) for layer in layers]
    douts = [Tensor.zeros((capacity * layer.out_size,), runtime=rt) for layer in layers] if train else None
    auxs: list[Tensor | None] = [
        Tensor.empty((capacity * layer.aux_per_sample,), runtime=rt) if layer.aux_per_sample else None
        for layer in layers]
    x = Tensor.zeros((capacity * layers[0].in_size,), runtime=rt)
    desc = Tensor.zeros((len(layers) * REC,), runtime=rt)
    words = np.zeros((len(layers), REC), np.uint32)
    for k, (layer, off) in enumerate(zip(layers, param_offsets(layers))):
        dims = list(layer.dims)
        if layer.kind == "residual_add":
            src = srcs[k]
            dims = [SRC_INPUT if src is None else src]
        words[k, 0] = layer.code
        words[k, 1:1 + len(dims)] = dims
        words[k, 8], words[k, 9] = layer.in_size, layer.out_size
        words[k, 10], words[k, 11] = params.ptr + 4 * off, layer.n_params
        words[k, 12] = grads.ptr + 4 * off
        words[k, 13] = outs[k].ptr
        words[k, 14] = douts[k].ptr if douts is not None else 0
        aux = auxs[k]
        if aux is not None:
            words[k, 15], words[k, 16] = aux.ptr, capacity * layer.aux_per_sample
    rt.array(desc.ptr, words.size, np.uint32)[:] = words.ravel()
    return Activations(capacity, outs, douts, auxs, x, desc, generation)


def add_gradients(rt: Runtime, layers: list[Layer], acts: Activations) -> None:
    """Give an inference-only activation set its output-gradient blocks (outputs kept)."""
    if acts.douts is not None:
        return
    acts.douts = [Tensor.zeros((acts.capacity * layer.out_size,), runtime=rt) for layer in layers]
    words = rt.array(acts.desc.ptr, len(layers) * REC, np.uint32).reshape(len(layers), REC)
    words[:, 14] = [d.ptr for d in acts.douts]


def release(acts: Activations | None) -> None:
    """Free every block of an activation set now."""
    if acts is None:
        return
    blocks: list[Tensor | None] = [*acts.outs, *(acts.douts or []), *acts.auxs, acts.x, acts.desc]
    for block in blocks:
        if block is not None:
            block.free()
