"""``Tensor``: a float32 array that lives in wasm linear memory.

A tensor owns one block of the kernel heap. Operations take tensors and
return new tensors whose data never leaves wasm memory, so a chain of
operations copies nothing across the boundary; ``numpy()`` copies out,
``view()`` gives a zero-copy (and invalidated-by-free) numpy view.

Memory is released by ``free()``, by leaving a ``with`` block, or by the
finalizer when the tensor is garbage collected. A tensor made with
``pool=`` (a :class:`~rustorch_wasm.pool.MemoryPool`) takes its block from
the pool and gives it back there instead. Using a freed tensor raises
``ValueError``; it can never read or write another tensor's memory.
"""
from __future__ import annotations

import weakref
from typing import Any, Iterable, Sequence

import numpy as np

from .runtime import Runtime, get_runtime

F32 = np.dtype(np.float32)
MAX_BYTES = 2**32 - 2**16  # what can fit in a 4 GiB wasm32 address space


def _shape_of(shape: int | Iterable[int]) -> tuple[int, ...]:
    dims = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    out: list[int] = []
    for d in dims:
        if not isinstance(d, (int, np.integer)) or isinstance(d, bool):
            raise TypeError(f"shape entries must be integers, got {d!r}")
        if d < 0:
            raise ValueError(f"negative dimension {d} in shape {dims}")
        out.append(int(d))
    return tuple(out)


def _free_block(runtime: Runtime, ptr: int) -> None:
    """Finalizer: return a block to the heap, ignoring interpreter shutdown."""
    try:
        runtime.call("free", "rt_free", ptr)
    except Exception:
        pass


def _release_quietly(pool: Any, ptr: int) -> None:
    """Finalizer of a pooled tensor: its block goes back to the pool."""
    try:
        pool.release(ptr)
    except Exception:
        pass


class Tensor:
    """A C-contiguous float32 tensor stored in the kernel heap."""

    __slots__ = ("_rt", "_ptr", "shape", "size", "_finalizer", "_pool", "__weakref__")

    def __init__(self, shape: int | Sequence[int], *, runtime: Runtime | None = None,
                 zero: bool = True, pool: Any = None) -> None:
        if pool is not None and not callable(getattr(pool, "acquire", None)):
            raise TypeError(f"Tensor: pool must be a rustorch_wasm.MemoryPool, got {type(pool).__name__}")
        if pool is not None and runtime is not None and runtime is not pool.runtime:
            raise ValueError("Tensor: the pool belongs to a different wasm instance")
        rt = pool.runtime if pool is not None else (runtime or get_runtime())
        dims = _shape_of(shape)
        size = int(np.prod(dims, dtype=np.int64)) if dims else 1
        nbytes = size * 4
        if nbytes > MAX_BYTES:
            raise MemoryError(
                f"tensor of shape {dims} needs {nbytes} bytes, more than fits in 4 GiB of wasm memory")
        self._rt = rt
        self._pool = pool
        self.shape = dims
        self.size = size
        if pool is None:
            self._ptr = rt.alloc(max(nbytes, 4), op="Tensor")
            self._finalizer = weakref.finalize(self, _free_block, rt, self._ptr)
        else:
            self._ptr = pool.acquire(nbytes)
            self._finalizer = weakref.finalize(self, _release_quietly, pool, self._ptr)
        if zero:
            self.view()[...] = 0.0

    # -- construction ----------------------------------------------------
    @classmethod
    def from_numpy(cls, array: Any, *, runtime: Runtime | None = None, pool: Any = None) -> "Tensor":
        """Copy a float32, C-contiguous numpy array into wasm memory."""
        if not isinstance(array, np.ndarray):
            raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(array).__name__}")
        if array.dtype != F32:
            raise TypeError(
                f"from_numpy expects float32 data, got {array.dtype}; convert with .astype(np.float32)")
        if not array.flags.c_contiguous:
            raise ValueError("from_numpy expects a C-contiguous array; use np.ascontiguousarray(a)")
        t = cls(array.shape, runtime=runtime, zero=False, pool=pool)
        t.view()[...] = array
        return t

    @classmethod
    def zeros(cls, shape: int | Sequence[int], *, runtime: Runtime | None = None,
              pool: Any = None) -> "Tensor":
        """A zero-filled tensor."""
        return cls(shape, runtime=runtime, pool=pool)

    @classmethod
    def empty(cls, shape: int | Sequence[int], *, runtime: Runtime | None = None,
              pool: Any = None) -> "Tensor":
        """A tensor whose contents are unspecified (to be overwritten)."""
        return cls(shape, runtime=runtime, zero=False, pool=pool)

    # -- access ----------------------------------------------------------
    @property
    def ptr(self) -> int:
        """Byte address of the data in linear memory."""
        if self._ptr == 0:
            raise ValueError("tensor has been freed")
        return self._ptr

    @property
    def runtime(self) -> Runtime:
        return self._rt

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def nbytes(self) -> int:
        return self.size * 4

    @property
    def dtype(self) -> np.dtype:
        return F32

    @property
    def freed(self) -> bool:
        return self._ptr == 0

    def view(self) -> np.ndarray:
        """Zero-copy numpy view; invalid after ``free()`` or memory growth."""
        return self._rt.array(self.ptr, self.size, F32).reshape(self.shape)

    def numpy(self) -> np.ndarray:
        """A numpy copy of the data."""
        return self.view().copy()

    def reshape(self, *shape: int | Sequence[int]) -> "Tensor":
        """A new tensor with the same data in a new shape (copied in wasm)."""
        dims = _shape_of(shape[0] if len(shape) == 1 and not isinstance(shape[0], int) else shape)
        if int(np.prod(dims, dtype=np.int64)) != self.size:
            raise ValueError(f"cannot reshape {self.shape} ({self.size} elements) into {dims}")
        out = Tensor.empty(dims, runtime=self._rt)
        out.view().reshape(-1)[...] = self.view().reshape(-1)
        return out

    def free(self) -> None:
        """Return the memory to the heap now (idempotent)."""
        if self._ptr:
            self._finalizer.detach()
            if self._pool is None:
                self._rt.free(self._ptr)
            else:
                self._pool.release(self._ptr)
            self._ptr = 0

    def __enter__(self) -> "Tensor":
        return self

    def __exit__(self, *exc: object) -> None:
        self.free()

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __repr__(self) -> str:
        state = "freed" if self.freed else f"ptr={self._ptr:#x}"
        return f"Tensor(shape={self.shape}, dtype=float32, {state}, engine={self._rt.engine})"

    # -- operators -------------------------------------------------------
    # An operand marked ``_deferred_operand`` (a lazy graph value) handles the
    # operator itself: returning NotImplemented lets Python call its reflected
    # method, so ``tensor * lazy`` records instead of computing.
    def __add__(self, other: Any) -> "Tensor":
        if getattr(other, "_deferred_operand", False):
            return NotImplemented
        from .ops import add
        return add(self, other)

    def __radd__(self, other: Any) -> "Tensor":
        from .ops import add
        return add(self, other)

    def __sub__(self, other: Any) -> "Tensor":
        if getattr(other, "_deferred_operand", False):
            return NotImplemented
        from .ops import sub
        return sub(self, other)

    def __rsub__(self, other: Any) -> "Tensor":
        from .ops import rsub
        return rsub(self, other)

    def __mul__(self, other: Any) -> "Tensor":
        if getattr(other, "_deferred_operand", False):
            return NotImplemented
        from .ops import mul
        return mul(self, other)

    def __rmul__(self, other: Any) -> "Tensor":
        from .ops import mul
        return mul(self, other)

    def __truediv__(self, other: Any) -> "Tensor":
        if getattr(other, "_deferred_operand", False):
            return NotImplemented
        from .ops import div
        return div(self, other)

    def __rtruediv__(self, other: Any) -> "Tensor":
        from .ops import rdiv
        return rdiv(self, other)

    def __matmul__(self, other: "Tensor") -> "Tensor":
        from .ops import matmul
        return matmul(self, other)
