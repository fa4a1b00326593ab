"""Layer specifications: names, shape inference, parameter shapes and the
record words the wasm interpreter reads (``kernels/src/nn/mod.rs``).

A layer maps a per-sample input shape to a per-sample output shape:

* ``linear(in, out)``: (..., in) -> (..., out); y = x·W + b, W is in×out.
* ``conv2d(cin, cout, kernel_size=3, stride=1, padding=0)``: (C, H, W) ->
  (cout, OH, OW), OH = (H + 2·padding − k)//stride + 1; W is cout×(cin·k·k).
* ``maxpool2d(kernel_size=2, stride=kernel_size)``: (C, H, W) -> (C, OH, OW).
* ``flatten``: any shape -> (size,).
* ``relu``, ``sigmoid``, ``tanh``: shape unchanged.
* ``rnn(in, hidden)``, ``lstm(in, hidden)``: (T, in) -> (T, hidden); all
  hidden states are returned.
* ``residual_start`` / ``residual_add``: mark a tensor and later add it to
  the current one (same shape), as in a ResNet block.

Initialisation follows PyTorch's defaults: every parameter uniform in
±1/√fan_in (fan_in = in, cin·k·k, or hidden for the recurrent layers).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from math import prod, sqrt
from typing import Any

import numpy as np

# Layer kind codes, as in kernels/src/nn/mod.rs.
CODES = {"linear": 1, "conv2d": 2, "maxpool2d": 3, "flatten": 4, "relu": 5, "sigmoid": 6,
         "tanh": 7, "rnn": 8, "lstm": 9, "residual_add": 10}
SRC_INPUT = 0xFFFF_FFFF
KINDS = tuple(sorted(set(CODES) | {"residual_start"}))


@dataclass
class Layer:
    """One layer of a model, with everything needed to describe it to wasm."""

    kind: str
    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    dims: tuple[int, ...] = ()
    params: list[tuple[str, tuple[int, ...]]] = field(default_factory=list)
    fan_in: int = 1
    aux_per_sample: int = 0
    aux_is_index: bool = False

    @property
    def code(self) -> int:
        return CODES[self.kind]

    @property
    def in_size(self) -> int:
        return prod(self.in_shape)

    @property
    def out_size(self) -> int:
        return prod(self.out_shape)

    @property
    def n_params(self) -> int:
        return sum(prod(s) for _, s in self.params)

    def init_params(self, rng: np.random.Generator) -> np.ndarray:
        """All parameters of the layer, flat, uniform in ±1/√fan_in."""
        bound = 1.0 / sqrt(self.fan_in)
        return rng.uniform(-bound, bound, self.n_params).astype(np.float32)


def _positive(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _nonnegative(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return int(value)


def _need_chw(kind: str, shape: tuple[int, ...] | None) -> tuple[int, int, int]:
    if shape is None or len(shape) != 3:
        got = "unknown (give Model(input_shape=(C, H, W)))" if shape is None else str(shape)
        raise ValueError(f"{kind} needs a (C, H, W) input, got {got}")
    return shape[0], shape[1], shape[2]


def _take(kind: str, args: tuple[Any, ...], names: tuple[str, ...], required: int,
          kwargs: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """Positional and keyword arguments of ``add_layer`` as one dict."""
    if len(args) > len(names):
        raise ValueError(f"{kind} takes at most {len(names)} sizes ({', '.join(names)}), got {len(args)}")
    values = dict(defaults)
    values.update(zip(names, args))
    for key, val in kwargs.items():
        if key not in names:
            raise ValueError(f"{kind} has no option {key!r}; options: {', '.join(names)}")
        if key in dict(zip(names, args)):
            raise ValueError(f"{kind}: {key} given twice")
        values[key] = val
    missing = [n for n in names[:required] if n not in values]
    if missing:
        raise ValueError(f"{kind} needs {', '.join(names[:required])}; missing {', '.join(missing)}")
    return values


def make_layer(kind: Any, args: tuple[Any, ...], kwargs: dict[str, Any],
               in_shape: tuple[int, ...] | None) -> Layer:
    """The layer ``kind`` applied to per-sample inputs of ``in_shape`` (None:
    the model's first layer with no declared input shape)."""
    if not isinstance(kind, str) or kind.lower() not in KINDS:
        raise ValueError(f"unknown layer {kind!r}; known layers: {', '.join(KINDS)}")
    kind = kind.lower()
    if kind == "linear":
        v = _take(kind, args, ("in_features", "out_features"), 2, kwargs, {})
        nin, nout = _positive("in_features", v["in_features"]), _positive("out_features", v["out_features"])
        shape = in_shape if in_shape is not None else (nin,)
        if not shape or shape[-1] != nin:
            raise ValueError(f"linear({nin}, {nout}) needs inputs whose last dimension is {nin}, "
                             f"got shape {shape} (add 'flatten' after conv/pool layers)")
        return Layer(kind, shape, shape[:-1] + (nout,), (nin, nout),
                     [("weight", (nin, nout)), ("bias", (nout,))], fan_in=nin)
    if kind == "conv2d":
        v = _take(kind, args, ("in_channels", "out_channels", "kernel_size", "stride", "padding"), 2,
                  kwargs, {"kernel_size": 3, "stride": 1, "padding": 0})
        cin, cout = _positive("in_channels", v["in_channels"]), _positive("out_channels", v["out_channels"])
        k, s = _positive("kernel_size", v["kernel_size"]), _positive("stride", v["stride"])
        pad = _nonnegative("padding", v["padding"])
        c, h, w = _need_chw(kind, in_shape)
        if c != cin:
            raise ValueError(f"conv2d expects {cin} input channels, got input shape {in_shape}")
        if h + 2 * pad < k or w + 2 * pad < k:
            raise ValueError(f"conv2d kernel {k} is larger than the padded input {in_shape}")
        oh, ow = (h + 2 * pad - k) // s + 1, (w + 2 * pad - k) // s + 1
        return Layer(kind, (c, h, w), (cout, oh, ow), (cin, h, w, cout, k, s, pad),
                     [("weight", (cout, cin, k, k)), ("bias", (cout,))], fan_in=cin * k * k)
    if kind == "maxpool2d":
        v = _take(kind, args, ("kernel_size", "stride"), 0, kwargs, {"kernel_size": 2})
        k = _positive("kernel_size", v["kernel_size"])
        stride = v.get("stride")
        s = k if stride is None else _positive("stride", stride)
        c, h, w = _need_chw(kind, in_shape)
        if h < k or w < k:
            raise ValueError(f"maxpool2d window {k} is larger than the input {in_shape}")
        oh, ow = (h - k) // s + 1, (w - k) // s + 1
        return Layer(kind, (c, h, w), (c, oh, ow), (c, h, w, k, s),
                     aux_per_sample=c * oh * ow, aux_is_index=True)
    if kind in ("rnn", "lstm"):
        v = _take(kind, args, ("input_size", "hidden_size"), 2, kwargs, {})
        nin, hid = _positive("input_size", v["input_size"]), _positive("hidden_size", v["hidden_size"])
        if in_shape is None or len(in_shape) != 2 or in_shape[1] != nin:
            raise ValueError(f"{kind}({nin}, {hid}) needs (seq_len, {nin}) inputs, got "
                             f"{in_shape if in_shape is not None else 'unknown (give Model(input_shape=(T, I)))'}")
        t = in_shape[0]
        g = 4 if kind == "lstm" else 1
        params = [("weight_ih", (nin, g * hid)), ("weight_hh", (hid, g * hid)), ("bias", (g * hid,))]
        aux = (t + 1) * hid if kind == "rnn" else t * 4 * hid + 2 * (t + 1) * hid
        return Layer(kind, in_shape, (t, hid), (t, nin, hid), params, fan_in=hid, aux_per_sample=aux)
    _take(kind, args, (), 0, kwargs, {})
    if in_shape is None:
        raise ValueError(f"{kind} cannot be the first layer without Model(input_shape=...)")
    if kind == "flatten":
        return Layer(kind, in_shape, (prod(in_shape),))
    # relu, sigmoid, tanh, residual_start/residual_add (the model fills in src)
    return Layer(kind, in_shape, in_shape)
