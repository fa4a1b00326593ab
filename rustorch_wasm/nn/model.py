"""``Model``: a sequential network whose parameters, gradients and
activations live in wasm memory, run by the interpreter in
``kernels/src/nn`` (one wasm call per forward, backward or training step).

Bad input raises before any wasm call: ``ValueError`` for a wrong input
shape, an empty batch, a label count that does not match the batch, a label
out of range or an unknown layer; ``TypeError`` for non-numeric data.
NaN or infinite inputs are rejected with ``ValueError`` (they would turn
every parameter into NaN after one step); a loss that overflows to NaN or
infinity during training raises ``FloatingPointError`` and leaves the
parameters as they were before that step.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from ..runtime import Runtime, get_runtime
from ..tensor import Tensor
from . import _buffers
from .layers import Layer, make_layer

if TYPE_CHECKING:
    from .losses import Loss
    from .optim import Optimizer


class Output(np.ndarray):
    """The numpy result of ``forward_batch``, remembering which model and
    which forward pass produced it (losses compute on the wasm copy)."""

    model: "Model | None"
    forward_id: int

    def __array_finalize__(self, obj: Any) -> None:
        self.model = None  # derived arrays are plain data
        self.forward_id = -1


def _as_batch(x: Any, sample_shape: tuple[int, ...], what: str) -> np.ndarray:
    """``x`` as a C-contiguous float32 array of shape (batch, *sample_shape)."""
    if isinstance(x, Tensor):
        x = x.view()
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged nested lists and the like
        raise TypeError(f"{what}: cannot convert {type(x).__name__} to an array ({exc})") from None
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"{what}: expected numeric data, got dtype {arr.dtype}")
    if arr.ndim != len(sample_shape) + 1 or tuple(arr.shape[1:]) != sample_shape:
        raise ValueError(f"{what}: expected shape (batch, {', '.join(map(str, sample_shape))}), got {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{what}: empty batch (0 samples)")
    arr = np.ascontiguousarray(arr, dtype=np.float32)
    if not np.isfinite(arr).all():
        raise ValueError(f"{what}: input contains NaN or infinity")
    return arr


class Model:
    """Sequential model: ``add_layer('linear', 784, 128)``, ``add_layer('relu')``, ..."""

    def __init__(self, input_shape: tuple[int, ...] | None = None, *, seed: int = 0,
                 runtime: Runtime | None = None) -> None:
        if input_shape is not None:
            input_shape = tuple(int(d) for d in input_shape)
            if not input_shape or min(input_shape) <= 0:
                raise ValueError(f"input_shape must be positive dimensions, got {input_shape}")
        self.input_shape = input_shape
        self.layers: list[Layer] = []
        self._srcs: list[int | None] = []
        self._marks: list[tuple[int | None, tuple[int, ...]]] = []
        self._rng = np.random.default_rng(seed)
        self._rt = runtime or get_runtime()
        self._params: Tensor | None = None
        self._grads: Tensor | None = None
        self._acts: _buffers.Activations | None = None
        self._targets: dict[str, Tensor] = {}
        self._generation = 0
        self._batch = 0
        self._forward_id = 0
        self._loss_ready = False

    # -- building ----------------------------------------------------------
    @property
    def runtime(self) -> Runtime:
        return self._rt

    @property
    def output_shape(self) -> tuple[int, ...]:
        if not self.layers:
            raise ValueError("model has no layers")
        return self.layers[-1].out_shape

    def _current_shape(self) -> tuple[int, ...] | None:
        return self.layers[-1].out_shape if self.layers else self.input_shape

    def add_layer(self, kind: str, *sizes: Any, **options: Any) -> "Model":
        """Append a layer (see :mod:`rustorch_wasm.nn.layers` for the kinds)."""
        if self._params is not None:
            raise ValueError("cannot add layers after the model has run")
        shape = self._current_shape()
        src = len(self.layers) - 1 if self.layers else None
        if isinstance(kind, str) and kind.lower() == "residual_start":
            if sizes or options:
                raise ValueError("residual_start takes no arguments")
            if shape is None:
                raise ValueError("residual_start needs a known shape: give Model(input_shape=...)")
            self._marks.append((src, shape))
            return self
        layer = make_layer(kind, sizes, options, shape)
        if layer.kind == "residual_add":
            if not self._marks:
                raise ValueError("residual_add without a matching residual_start")
            mark, mark_shape = self._marks.pop()
            if mark_shape != layer.in_shape:
                raise ValueError(f"residual_add: shapes differ, {mark_shape} saved vs {layer.in_shape} now")
            self._srcs.append(mark)
        else:
            self._srcs.append(None)
        if self.input_shape is None:
            self.input_shape = layer.in_shape
        self.layers.append(layer)
        return self

    def _build(self) -> None:
        if self._params is not None:
            return
        if not self.layers:
            raise ValueError("model has no layers: add_layer(...) first")
        if self._marks:
            raise ValueError("residual_start without a matching residual_add")
        total = max(sum(layer.n_params for layer in self.layers), 1)
        init = np.zeros(total, np.float32)
        for layer, off in zip(self.layers, _buffers.param_offsets(self.layers)):
            init[off:off + layer.n_params] = layer.init_params(self._rng)
        self._params = Tensor.from_numpy(init, runtime=self._rt)
        self._grads = Tensor.zeros((total,), runtime=self._rt)

    def _ensure(self, batch: int, train: bool) -> _buffers.Activations:
        self._build()
        acts = self._acts
        if acts is not None and acts.capacity >= batch:
            if train:
                _buffers.add_gradients(self._rt, self.layers, acts)
            return acts
        capacity = max(batch, acts.capacity if acts else 0)
        train = train or (acts is not None and acts.douts is not None)
        _buffers.release(acts)
        self._generation += 1
        assert self._params is not None and self._grads is not None
        self._acts = _buffers.allocate(self._rt, self.layers, self._srcs, self._params, self._grads,
                                       capacity, train, self._generation)
        for t in self._targets.values():
            t.free()
        self._targets.clear()
        return self._acts

    # -- parameters --------------------------------------------------------
    @property
    def n_params(self) -> int:
        return sum(layer.n_params for layer in self.layers)

    def _arena_views(self, which: str) -> list[dict[str, np.ndarray]]:
        self._build()
        arena = self._params if which == "params" else self._grads
        assert arena is not None
        flat = arena.view()
        out = []
        for layer, off in zip(self.layers, _buffers.param_offsets(self.layers)):
            named = {}
            for name, shape in layer.params:
                size = int(np.prod(shape))
                named[name] = flat[off:off + size].reshape(shape)
                off += size
            out.append(named)
        return out

    def parameters(self) -> list[dict[str, np.ndarray]]:
        """Copies of every layer's parameters, by name (weight, bias, ...)."""
        return [{k: v.copy() for k, v in d.items()} for d in self._arena_views("params")]

    def gradients(self) -> list[dict[str, np.ndarray]]:
        """Copies of the accumulated parameter gradients, same layout as ``parameters``."""
        return [{k: v.copy() for k, v in d.items()} for d in self._arena_views("grads")]

    def set_parameter(self, layer: int, name: str, value: Any) -> None:
        """Overwrite one parameter tensor of layer ``layer``."""
        views = self._arena_views("params")
        if not 0 <= layer < len(views) or name not in views[layer]:
            raise ValueError(f"layer {layer} has no parameter {name!r}")
        target = views[layer][name]
        arr = np.asarray(value, dtype=np.float32)
        if arr.shape != target.shape:
            raise ValueError(f"parameter {name!r} of layer {layer} has shape {target.shape}, got {arr.shape}")
        target[...] = arr

    def zero_grad(self) -> None:
        """Reset the accumulated gradients to zero (in wasm)."""
        self._build()
        assert self._grads is not None
        self._rt.call("zero_grad", "nn_fill", self._grads.ptr, self._grads.size, 0.0)

    # -- running -----------------------------------------------------------
    def _stage_input(self, x: Any, train: bool, what: str) -> int:
        if not self.layers:
            raise ValueError("model has no layers: add_layer(...) first")
        assert self.input_shape is not None
        arr = _as_batch(x, self.input_shape, what)
        acts = self._ensure(arr.shape[0], train)
        self._rt.array(acts.x.ptr, arr.size, np.float32)[:] = arr.ravel()
        return arr.shape[0]

    def _check(self, op: str, status: int) -> None:
        if status:
            raise MemoryError(f"{op}: wasm heap exhausted (linear memory "
                              f"{self._rt.memory_bytes() / 2**20:.0f} MiB)")

    def forward_batch(self, x: Any) -> Output:
        """Outputs for a batch (first axis) of inputs, computed in wasm."""
        batch = self._stage_input(x, False, "forward_batch")
        acts = self._acts
        assert acts is not None
        self._check("forward_batch", self._rt.call(
            "forward_batch", "nn_forward", acts.desc.ptr, len(self.layers), acts.x.ptr, batch))
        self._batch, self._loss_ready = batch, False
        self._forward_id += 1
        out_size = self.layers[-1].out_size
        data = self._rt.array(acts.outs[-1].ptr, batch * out_size, np.float32).copy()
        out = data.reshape((batch,) + self.output_shape).view(Output)
        out.model, out.forward_id = self, self._forward_id
        return out

    predict = forward_batch

    def forward_call(self, x: Any) -> tuple[str, tuple[int, ...]]:
        """The export and integer arguments of one forward pass on this fixed
        batch, staged in wasm memory: what :meth:`bind_forward` calls, for
        running the same call in another engine from a copy of the memory."""
        batch = self._stage_input(x, False, "forward_batch")
        acts = self._acts
        assert acts is not None
        return "nn_forward", (acts.desc.ptr, len(self.layers), acts.x.ptr, batch)

    def train_step_call(self, x: Any, y: Any, optimizer: "Optimizer",
                        loss: "str | Loss" = "cross_entropy") -> tuple[str, tuple[int, ...]]:
        """The export and integer arguments of one training step on this fixed
        batch (as :meth:`bind_train_step`), staged in wasm memory."""
        return "nn_train_step", self._train_args(x, y, optimizer, loss)

    def bind_forward(self, x: Any) -> Callable[[], int]:
        """A zero-argument callable running the forward pass on this fixed
        batch (one wasm call, output left in wasm memory; returns the status
        code, 0 = ok). For benchmarks; refuses to run once the model has
        re-allocated its buffers for a larger batch."""
        _, args = self.forward_call(x)
        fn, generation = self._rt.fn("nn_forward"), self._generation

        def forward() -> int:
            if self._generation != generation:
                raise ValueError("bound forward is stale: the model re-allocated its buffers")
            return int(fn(*args))

        return forward

    def _stage_targets(self, kind: str, y: Any, batch: int) -> int:
        """Copy targets for ``batch`` samples into wasm; returns their address."""
        acts = self._ensure(batch, True)
        if kind == "cross_entropy":
            if self.layers[-1].out_shape != (self.layers[-1].out_size,):
                raise ValueError(f"cross_entropy needs (batch, classes) outputs, model gives {self.output_shape}")
            arr = np.asarray(y)
            if arr.dtype.kind not in "iu":
                raise TypeError(f"cross_entropy labels must be integers, got dtype {arr.dtype}")
            if arr.shape != (batch,):
                raise ValueError(f"cross_entropy: {arr.size if arr.ndim else 1} labels for a batch of {batch} "
                                 f"(expected shape ({batch},), got {arr.shape})")
            classes = self.layers[-1].out_size
            if arr.min() < 0 or arr.max() >= classes:
                raise ValueError(f"cross_entropy: labels must lie in [0, {classes}), got {arr.min()}..{arr.max()}")
            dtype, count = np.int32, acts.capacity
        else:
            arr = np.asarray(y)
            want = (batch,) + self.output_shape
            if arr.dtype.kind not in "fiu":
                raise TypeError(f"mse targets must be numeric, got dtype {arr.dtype}")
            if arr.shape != want:
                raise ValueError(f"mse: targets of shape {arr.shape} for outputs of shape {want}")
            if not np.isfinite(arr).all():
                raise ValueError("mse: targets contain NaN or infinity")
            dtype, count = np.float32, acts.capacity * self.layers[-1].out_size
        block = self._targets.get(kind)
        if block is None:
            block = self._targets[kind] = Tensor.zeros((count,), runtime=self._rt)
        self._rt.array(block.ptr, arr.size, dtype)[:] = arr.astype(dtype).ravel()
        return block.ptr

    def _loss(self, kind_code: int, target_ptr: int) -> float:
        acts = self._acts
        assert acts is not None
        value = float(self._rt.call("loss", "nn_loss", acts.desc.ptr, len(self.layers), target_ptr,
                                    self._batch, kind_code))
        if not np.isfinite(value):
            raise FloatingPointError(f"loss is {value}: the model output overflowed")
        self._loss_ready = True
        return value

    def backward(self, grad_output: Any = None, *, input_grad: bool = False) -> np.ndarray | None:
        """Backpropagate from the last forward pass, accumulating parameter
        gradients. ``grad_output`` (shape of that output) is dL/d(output);
        without it the gradient set by the last ``loss.compute`` is used.
        With ``input_grad=True`` returns dL/d(input)."""
        if self._batch == 0 or self._acts is None:
            raise ValueError("backward needs a forward_batch first")
        batch = self._batch
        if grad_output is None and not self._loss_ready:
            raise ValueError("backward needs a loss computed on the latest forward_batch, or grad_output")
        acts = self._ensure(batch, True)  # keeps the outputs: capacity already fits
        assert acts.douts is not None
        if grad_output is not None:
            g = np.asarray(grad_output, dtype=np.float32)
            want = (batch,) + self.output_shape
            if g.shape != want:
                raise ValueError(f"grad_output has shape {g.shape}, expected {want}")
            self._rt.array(acts.douts[-1].ptr, g.size, np.float32)[:] = g.ravel()
        in_size = self.layers[0].in_size
        dx = Tensor.empty((batch * in_size,), runtime=self._rt) if input_grad else None
        try:
            self._check("backward", self._rt.call("backward", "nn_backward", acts.desc.ptr, len(self.layers),
                                                  acts.x.ptr, batch, dx.ptr if dx is not None else 0))
            assert self.input_shape is not None
            return dx.numpy().reshape((batch,) + self.input_shape) if dx is not None else None
        finally:
            if dx is not None:
                dx.free()

    # -- training ----------------------------------------------------------
    def _train_args(self, x: Any, y: Any, optimizer: "Optimizer", loss: "str | Loss") -> tuple[int, ...]:
        from .losses import loss_of

        loss_fn = loss_of(loss)
        batch = self._stage_input(x, True, "train_step")
        target = self._stage_targets(loss_fn.kind, y, batch)
        acts = self._acts
        assert acts is not None
        opt = optimizer.record_for(self)
        self._batch, self._loss_ready = 0, False
        return (acts.desc.ptr, len(self.layers), acts.x.ptr, target, batch, loss_fn.code, opt)

    def bind_train_step(self, x: Any, y: Any, optimizer: "Optimizer",
                        loss: "str | Loss" = "cross_entropy") -> Callable[[], float]:
        """A zero-argument callable running one training step on this fixed
        batch: one wasm call doing forward, loss, zero_grad, backward and the
        optimizer update; returns the loss before the update (no checks: for
        benchmarks). It refuses to run once the model has re-allocated its
        buffers for a larger batch."""
        args = self._train_args(x, y, optimizer, loss)
        fn, generation = self._rt.fn("nn_train_step"), self._generation

        def step() -> float:
            # `optimizer` is referenced here so its wasm record outlives the binding.
            if self._generation != generation or optimizer.model is not self:
                raise ValueError("bound train step is stale: the model re-allocated its buffers")
            return float(fn(*args))

        return step

    def train_step(self, x: Any, y: Any, optimizer: "Optimizer", loss: "str | Loss" = "cross_entropy") -> float:
        """Forward, loss, zero_grad, backward and update in one wasm call; returns the loss."""
        args = self._train_args(x, y, optimizer, loss)
        value = float(self._rt.call("train_step", "nn_train_step", *args))
        if value == -1.0:
            raise MemoryError("train_step: wasm heap exhausted")
        if not np.isfinite(value):
            raise FloatingPointError(f"train_step: loss is {value}; parameters left unchanged")
        return value

    def free(self) -> None:
        """Release all wasm memory of the model now."""
        _buffers.release(self._acts)
        self._acts = None
        for t in [self._params, self._grads, *self._targets.values()]:
            if t is not None:
                t.free()
        self._targets.clear()
