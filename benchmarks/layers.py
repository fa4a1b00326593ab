"""Seed table "Layer Forward Pass": Linear 784→128 and 2048→512 (one
sample), Conv2d 224×224×3→64 (3×3, padding 1, one image), LSTM seq=100
hidden=256; one wasm call per forward pass, inputs already in wasm memory.

``rustorch_wasm.nn`` is imported inside ``make`` so that asv still discovers
the suite at commits that predate it (those rows are then failed, not the
whole run)."""
from __future__ import annotations

from ._harness import Body, KernelCase, instruction_track, timed
from rustorch_wasm.runtime import Runtime


def _forward(rt: Runtime, layer: str) -> Body:
    from rustorch_wasm.nn import cases

    if layer == "linear_784_128":
        return cases.linear_forward_body(rt, 784, 128)
    if layer == "linear_2048_512":
        return cases.linear_forward_body(rt, 2048, 512)
    if layer == "conv2d_224x224x3_64":
        return cases.conv2d_forward_body(rt)
    if layer == "lstm_seq100_h256":
        return cases.lstm_forward_body(rt, 100, 256)
    raise ValueError(f"unknown layer case {layer!r}")


class LayerForward(KernelCase):
    params = ["linear_784_128", "linear_2048_512", "conv2d_224x224x3_64", "lstm_seq100_h256"]
    param_names = ["layer"]
    timeout = 300

    def make(self, rt: Runtime, layer: str) -> Body:
        return _forward(rt, layer)

    time_forward = timed("forward")
    track_forward_instructions = instruction_track("forward")
