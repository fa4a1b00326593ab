"""WebGPU compute path for add, relu, sigmoid and matmul, with the wasm CPU path as fallback.

The shaders are WGSL run through the ``wgpu`` package (wgpu-native, the
WebGPU implementation in Firefox). Without a GPU, Mesa's lavapipe Vulkan
driver (Debian ``mesa-vulkan-drivers``) runs them on the CPU.

* Capability detection happens once, at first use: a Vulkan/Metal/DX12
  adapter is requested (OpenGL adapters are not used: compute there is
  unreliable); when there is none, or wgpu is not installed, or
  ``$RUSTORCH_WASM_WEBGPU=off``, every op runs on the wasm CPU kernels.
* Dispatch: an op goes to the GPU only when its work (elements for the
  element-wise ops, multiply-adds m·k·n for matmul) reaches the threshold
  measured for this adapter by ``scripts/webgpu_crossover.py`` and stored in
  ``webgpu_crossover.json``: the smallest size from which the GPU round trip
  (upload, dispatch, read back) beat the wasm kernel at every larger measured
  size. An op with no crossover (the GPU never won) or an adapter never
  measured stays on the CPU; ``$RUSTORCH_WASM_WEBGPU_THRESHOLD`` (work units)
  overrides, and ``device="gpu"|"cpu"`` forces a path.

Element-wise shaders: one invocation per element, 256 per workgroup, the
workgroup grid folded into 2-D when it exceeds 65535 along x (index =
(wg.y · groups.x + wg.x) · 256 + local).

Matmul, C (m×n) = A (m×k) · B (k×n), tiled: a workgroup of 16×16
invocations owns a 64×64 tile of C, each invocation a 4×4 block of it held
in registers. For each of ceil(k/16) steps the workgroup loads a 64×16 slice
of A and a 16×64 slice of B into workgroup shared memory (4 elements per
invocation, zero-padded at the edges), synchronises, and each invocation
accumulates, for each of the 16 k, the outer product of its 4 A values and
4 B values (16 multiply-adds per 8 shared-memory reads): every element of A
and B is read from global memory n/64 and m/64 times instead of n and m. Results equal the CPU path
within f32 rounding (sums are accumulated in a different order).
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

WEBGPU_ENV = "RUSTORCH_WASM_WEBGPU"
THRESHOLD_ENV = "RUSTORCH_WASM_WEBGPU_THRESHOLD"
CROSSOVER_PATH = Path(__file__).resolve().parent / "webgpu_crossover.json"
OPS = ("add", "relu", "sigmoid", "matmul")
TILE = 16   # k-depth of one shared-memory step
BLOCK = 64  # C tile per workgroup: 16 x 16 invocations, 4 x 4 outputs each
WG = 256

_EW_HEAD = """
struct Params { n: u32, p1: u32, p2: u32, p3: u32 };
@group(0) @binding(3) var<uniform> params: Params;
"""
_EW_INDEX = """
    let i = (wg.y * groups.x + wg.x) * 256u + lid.x;
    if (i >= params.n) { return; }
"""
_EW_ENTRY = ("@compute @workgroup_size(256)\nfn main(@builtin(workgroup_id) wg: vec3<u32>, "
             "@builtin(num_workgroups) groups: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {")

SHADERS = {
    "add": _EW_HEAD + """
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
""" + _EW_ENTRY + _EW_INDEX + "    out[i] = a[i] + b[i];\n}\n",
    "relu": _EW_HEAD + """
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
""" + _EW_ENTRY + _EW_INDEX + "    out[i] = max(a[i], 0.0);\n}\n",
    "sigmoid": _EW_HEAD + """
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
""" + _EW_ENTRY + _EW_INDEX + "    out[i] = 1.0 / (1.0 + exp(-a[i]));\n}\n",
    "matmul": """
struct Dims { m: u32, k: u32, n: u32, pad: u32 };
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<uniform> dims: Dims;
// 64 x 16 slice of A (row-major, r * 16 + kk) and 16 x 64 slice of B (kk * 64 + col)
var<workgroup> tile_a: array<f32, 1024>;
var<workgroup> tile_b: array<f32, 1024>;

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
    let row0 = wg.y * 64u;
    let col0 = wg.x * 64u;
    var acc: array<f32, 16>;
    let steps = (dims.k + 15u) / 16u;
    for (var t = 0u; t < steps; t = t + 1u) {
        let k0 = t * 16u;
        for (var e = 0u; e < 4u; e = e + 1u) {
            let idx = li + e * 256u;
            let ar = row0 + idx / 16u;
            let ak = k0 + idx % 16u;
            var va = 0.0;
            if (ar < dims.m && ak < dims.k) { va = a[ar * dims.k + ak]; }
            tile_a[idx] = va;
            let bk = k0 + idx / 64u;
            let bc = col0 + idx % 64u;
            var vb = 0.0;
            if (bk < dims.k && bc < dims.n) { vb = b[bk * dims.n + bc]; }
            tile_b[idx] = vb;
        }
        workgroupBarrier();
        for (var kk = 0u; kk < 16u; kk = kk + 1u) {
            var ra: array<f32, 4>;
            var rb: array<f32, 4>;
            for (var i = 0u; i < 4u; i = i + 1u) {
                ra[i] = tile_a[(lid.y * 4u + i) * 16u + kk];
                rb[i] = tile_b[kk * 64u + lid.x * 4u + i];
            }
            for (var i = 0u; i < 4u; i = i + 1u) {
                for (var j = 0u; j < 4u; j = j + 1u) {
                    acc[i * 4u + j] = acc[i * 4u + j] + ra[i] * rb[j];
                }
            }
        }
        workgroupBarrier();
    }
    for (var i = 0u; i < 4u; i = i + 1u) {
        let r = row0 + lid.y * 4u + i;
        for (var j = 0u; j < 4u; j = j + 1u) {
            let col = col0 + lid.x * 4u + j;
            if (r < dims.m && col < dims.n) { c[r * dims.n + col] = acc[i * 4u + j]; }
        }
    }
}
""",
}


@dataclass(frozen=True)
class GpuStatus:
    """What capability detection found."""

    available: bool
    reason: str
    device: str = ""
    backend: str = ""
    adapter_type: str = ""


def _f32(x: Any, op: str, name: str) -> np.ndarray:
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{op}: {name} must be a numpy array, got {type(x).__name__}")
    if x.dtype != np.float32:
        raise TypeError(f"{op}: {name} must be float32, got {x.dtype}")
    return np.ascontiguousarray(x)


def load_crossover(path: Path = CROSSOVER_PATH) -> dict[str, Any]:
    """The committed crossover measurements ({} when the file is absent)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}


class WebGPU:
    """One WebGPU device (or none) and the four ops on numpy float32 arrays.

    ``adapter="auto"`` detects; ``adapter="none"`` behaves as if no adapter
    were found (the fallback path, for tests).
    """

    def __init__(self, adapter: str = "auto", crossover: dict[str, Any] | None = None) -> None:
        if adapter not in ("auto", "none"):
            raise ValueError(f"adapter must be 'auto' or 'none', got {adapter!r}")
        self._device: Any = None
        self._pipelines: dict[str, Any] = {}
        self.status = self._detect(adapter)
        self._crossover = load_crossover() if crossover is None else crossover

    # -- detection -------------------------------------------------------
    def _detect(self, adapter: str) -> GpuStatus:
        if adapter == "none":
            return GpuStatus(False, "adapter discovery disabled (adapter='none')")
        if os.environ.get(WEBGPU_ENV, "").lower() in ("off", "0", "none"):
            return GpuStatus(False, f"adapter discovery disabled (${WEBGPU_ENV}=off)")
        try:
            import wgpu
        except ImportError as exc:
            return GpuStatus(False, f"wgpu is not installed ({exc}); pip install wgpu")
        try:
            adapters = wgpu.gpu.enumerate_adapters_sync()
        except Exception as exc:  # wgpu-native missing or refusing to load
            return GpuStatus(False, f"wgpu could not enumerate adapters: {str(exc).splitlines()[0]}")
        usable = [a for a in adapters if a.info.get("backend_type") in ("Vulkan", "Metal", "D3D12")]
        if not usable:
            seen = ", ".join(f"{a.info.get('device')} ({a.info.get('backend_type')})" for a in adapters)
            return GpuStatus(False, "no Vulkan/Metal/D3D12 adapter" + (f" (only {seen})" if seen else "")
                             + "; on Debian: apt-get install mesa-vulkan-drivers")
        rank = {"DiscreteGPU": 0, "IntegratedGPU": 1, "VirtualGPU": 2, "CPU": 3}
        chosen = min(usable, key=lambda a: rank.get(str(a.info.get("adapter_type")), 4))
        try:
            self._device = chosen.request_device_sync()
        except Exception as exc:
            return GpuStatus(False, f"device request failed: {str(exc).splitlines()[0]}")
        info = chosen.info
        return GpuStatus(True, "", str(info.get("device", "")), str(info.get("backend_type", "")),
                         str(info.get("adapter_type", "")))

    # -- dispatch decision -------------------------------------------------
    def threshold(self, op: str) -> int | None:
        """Work from which ``op`` goes to the GPU on this adapter (None: never)."""
        if op not in OPS:
            raise ValueError(f"unknown op {op!r}: expected one of {', '.join(OPS)}")
        env = os.environ.get(THRESHOLD_ENV)
        if env:
            try:
                return max(0, int(env))
            except ValueError:
                raise ValueError(f"${THRESHOLD_ENV} must be an integer, got {env!r}") from None
        entry = self._crossover.get("devices", {}).get(self.status.device)
        if not self.status.available or entry is None:
            return None
        value = entry.get("thresholds", {}).get(op)
        return None if value is None else int(value)

    def uses_gpu(self, op: str, work: int, device: str = "auto") -> bool:
        """Whether ``op`` with ``work`` units runs on the GPU."""
        if device not in ("auto", "gpu", "cpu"):
            raise ValueError(f"device must be 'auto', 'gpu' or 'cpu', got {device!r}")
        if device == "cpu" or not self.status.available or work == 0:
            return False
        if device == "gpu":
            return True
        limit = self.threshold(op)
        return limit is not None and work >= limit

    # -- ops -------------------------------------------------------------
    def add(self, a: np.ndarray, b: np.ndarray, device: str = "auto") -> np.ndarray:
        """a + b (same shape, float32)."""
        a, b = _f32(a, "add", "a"), _f32(b, "add", "b")
        if a.shape != b.shape:
            raise ValueError(f"add: shape mismatch {a.shape} vs {b.shape}")
        if self.uses_gpu("add", a.size, device):
            return self._elementwise("add", a, b)
        return _cpu("add", a, b)

    def relu(self, a: np.ndarray, device: str = "auto") -> np.ndarray:
        """max(a, 0)."""
        a = _f32(a, "relu", "a")
        return self._elementwise("relu", a) if self.uses_gpu("relu", a.size, device) else _cpu("relu", a)

    def sigmoid(self, a: np.ndarray, device: str = "auto") -> np.ndarray:
        """1 / (1 + exp(-a))."""
        a = _f32(a, "sigmoid", "a")
        if self.uses_gpu("sigmoid", a.size, device):
            return self._elementwise("sigmoid", a)
        return _cpu("sigmoid", a)

    def matmul(self, a: np.ndarray, b: np.ndarray, device: str = "auto") -> np.ndarray:
        """a (m×k) @ b (k×n)."""
        a, b = _f32(a, "matmul", "a"), _f32(b, "matmul", "b")
        if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0]:
            raise ValueError(f"matmul: cannot multiply {a.shape} by {b.shape}")
        m, k = a.shape
        n = b.shape[1]
        if self.uses_gpu("matmul", m * k * n, device):
            return self._matmul(a, b)
        return _cpu("matmul", a, b)

    # -- GPU side --------------------------------------------------------
    def _pipeline(self, op: str) -> Any:
        pipe = self._pipelines.get(op)
        if pipe is None:
            module = self._device.create_shader_module(code=SHADERS[op])
            pipe = self._device.create_compute_pipeline(
                layout="auto", compute={"module": module, "entry_point": "main"})
            self._pipelines[op] = pipe
        return pipe

    def _run(self, op: str, inputs: list[tuple[int, np.ndarray]], out_count: int,
             params: tuple[int, int, int, int], groups: tuple[int, int]) -> np.ndarray:
        import wgpu

        dev = self._device
        pipe = self._pipeline(op)
        buffers = [(i, dev.create_buffer_with_data(data=arr, usage=wgpu.BufferUsage.STORAGE))
                   for i, arr in inputs]
        out = dev.create_buffer(size=max(out_count * 4, 4),
                                usage=wgpu.BufferUsage.STORAGE | wgpu.BufferUsage.COPY_SRC)
        uni = dev.create_buffer_with_data(data=np.array(params, np.uint32), usage=wgpu.BufferUsage.UNIFORM)
        entries = [{"binding": i, "resource": {"buffer": buf, "offset": 0, "size": buf.size}}
                   for i, buf in buffers]
        entries += [{"binding": 2, "resource": {"buffer": out, "offset": 0, "size": out.size}},
                    {"binding": 3, "resource": {"buffer": uni, "offset": 0, "size": uni.size}}]
        group = dev.create_bind_group(layout=pipe.get_bind_group_layout(0), entries=entries)
        encoder = dev.create_command_encoder()
        cpass = encoder.begin_compute_pass()
        cpass.set_pipeline(pipe)
        cpass.set_bind_group(0, group)
        cpass.dispatch_workgroups(groups[0], groups[1], 1)
        cpass.end()
        dev.queue.submit([encoder.finish()])
        data = dev.queue.read_buffer(out)
        return np.frombuffer(data, np.float32, count=out_count).copy()

    def _elementwise(self, op: str, a: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
        n = a.size
        if n == 0:
            return np.empty_like(a)
        total = -(-n // WG)
        gx = min(total, 65535)
        gy = -(-total // gx)
        inputs = [(0, a.reshape(-1))] + ([] if b is None else [(1, b.reshape(-1))])
        return self._run(op, inputs, n, (n, 0, 0, 0), (gx, gy)).reshape(a.shape)

    def _matmul(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        m, k = a.shape
        n = b.shape[1]
        if m * n == 0:
            return np.zeros((m, n), np.float32)
        if k == 0:
            return np.zeros((m, n), np.float32)
        out = self._run("matmul", [(0, a.reshape(-1)), (1, b.reshape(-1))], m * n, (m, k, n, 0),
                        (-(-n // BLOCK), -(-m // BLOCK)))
        return out.reshape(m, n)


def _cpu(op: str, *arrays: np.ndarray) -> np.ndarray:
    """The op on the wasm CPU kernels (numpy in, numpy out)."""
    from . import ops
    from .tensor import Tensor

    tensors = [Tensor.from_numpy(x) for x in arrays]
    try:
        result = getattr(ops, op)(*tensors)
        try:
            return result.numpy()
        finally:
            result.free()
    finally:
        for t in tensors:
            t.free()


_DEFAULT: WebGPU | None = None


def default_webgpu() -> WebGPU:
    """The process-wide WebGPU object (detected once)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = WebGPU()
    return _DEFAULT
