"""Seed section "Computation Graph Optimization": the element-wise chain
sigmoid(relu(a*b + c)*0.5 + 0.25) on 100K elements, fused (one wasm call,
one pass over memory) against op by op (one kernel call per operation)."""
from __future__ import annotations

from ._harness import Body, KernelCase, instruction_track, timed
from rustorch_wasm.runtime import Runtime


class FusedChain(KernelCase):
    params = ["fused", "unfused"]
    param_names = ["mode"]

    def make(self, rt: Runtime, mode: str) -> Body:
        from rustorch_wasm.graph import chain_case

        case = chain_case(rt, 100_000)
        self._keep = case
        return case.fused if mode == "fused" else case.unfused

    time_chain = timed("chain")
    track_chain_instructions = instruction_track("chain")
