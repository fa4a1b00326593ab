"""Seed table "Training Performance": one training step (forward, loss,
backward, optimizer update: a single wasm call) of the MLP 784→128→10 at
batch 32, the CNN 3→64→128→10 at batch 16 and a simple RNN at seq=50, plus
the kernel heap's high-water mark for the step in MB (the seed's "Memory
Usage" column: MLP 12 MB, CNN 45 MB, RNN 25 MB).

asv's own ``peakmem_`` measures the whole Python process's resident memory
(interpreter, numpy, the engine's compiled code), not what the model uses in
wasm, so the heap figure is a ``track_`` benchmark in MB."""
from __future__ import annotations

from ._harness import Body, KernelCase, in_process_only, instruction_track, timed
from rustorch_wasm.runtime import Runtime


def _maker(model: str):
    from rustorch_wasm.nn import cases

    return {
        "mlp_784_128_10_b32": cases.mlp_train_body,
        "cnn_3_64_128_10_b16": cases.cnn_train_body,
        "rnn_seq50_b16": cases.rnn_train_body,
    }[model]


class TrainStep(KernelCase):
    params = ["mlp_784_128_10_b32", "cnn_3_64_128_10_b16", "rnn_seq50_b16"]
    param_names = ["model"]
    timeout = 600

    def make(self, rt: Runtime, model: str) -> Body:
        return _maker(model)(rt)

    time_train_step = timed("train_step")
    track_train_step_instructions = instruction_track("train_step")

    def track_peak_wasm_mb(self, model: str) -> float:
        """Kernel-heap bytes needed to build the model and run one step, in MB."""
        in_process_only()
        from rustorch_wasm.nn import cases
        from rustorch_wasm.runtime import Runtime as Fresh

        body, peak = cases.peak_bytes(Fresh(), _maker(model))
        del body
        return peak / 1e6

    track_peak_wasm_mb.unit = "MB"  # type: ignore[attr-defined]
