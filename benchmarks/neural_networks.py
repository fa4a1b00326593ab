"""Seed tables "Layer Forward Pass", "Training Performance" and the
image-classification case, from rustorch_wasm.nn.cases: each timed body is
one wasm call (a forward pass, or a whole training step) on inputs already
in wasm memory. Heavy cases (CNN step, ResNet-like batch) run one call per
sample and have no instruction-count companion (fuel metering would take
seconds per commit)."""
from __future__ import annotations

from ._harness import Body, KernelCase, instruction_track
from rustorch_wasm.runtime import Runtime


class _NNCase(KernelCase):
    # (name, size) of rustorch_wasm.nn.cases.CASES entries, keyed by the asv parameter.
    cases: dict[str, tuple[str, str]] = {}

    def make(self, rt: Runtime, key: str) -> Body:
        from rustorch_wasm.nn import cases

        name, size = self.cases[key]
        spec = next(s for s in cases.CASES if (s.name, s.size) == (name, size))
        return spec.make(rt)


class LayerForward(_NNCase):
    cases = {
        "linear_784_128": ("Linear forward", "784→128"),
        "linear_2048_512": ("Linear forward", "2048→512"),
        "conv2d_224x224x3_64": ("Conv2d forward", "224x224x3→64"),
        "lstm_seq100_h256": ("LSTM forward", "seq=100, hidden=256"),
    }
    params = list(cases)
    param_names = ["layer"]
    timeout = 300

    def time_forward(self, key: str) -> None:
        self.body()

    track_forward_instructions = instruction_track("forward")


class TrainStep(_NNCase):
    cases = {
        "mlp_784_128_10_b32": ("MLP train step", "784→128→10, batch 32"),
        "rnn_seq50_b16": ("Simple RNN train step", "seq=50, batch 16"),
    }
    params = list(cases)
    param_names = ["model"]
    timeout = 300

    def time_train_step(self, key: str) -> None:
        self.body()

    track_train_step_instructions = instruction_track("train_step")


class HeavyCases(_NNCase):
    cases = {
        "cnn_3_64_128_10_b16_train": ("CNN train step", "3→64→128→10, batch 16"),
        "resnet_like_1": ("ResNet-like inference", "224x224x3, 1 image"),
        "resnet_like_10": ("ResNet-like inference", "224x224x3, batch 10"),
    }
    params = list(cases)
    param_names = ["case"]
    number = 1
    repeat = (3, 10, 20.0)
    timeout = 600

    def time_case(self, key: str) -> None:
        self.body()
