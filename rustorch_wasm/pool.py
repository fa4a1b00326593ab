"""A memory pool of tensor buffers in the kernel heap, with a byte cap.

``MemoryPool(max_bytes=100 MiB)`` is the reference guide's ``OptimizedTensorOps`` /
``AdvancedMemoryPool``: a released buffer is kept, idle, in a free list of
its *size class* and handed out again to the next request of that class, so
a training loop that allocates the same shapes every step stops calling the
allocator after its first step.

Size classes. A request of ``n`` bytes gets a block of ``size_class(n)``
bytes: 64 bytes for ``n <= 64``, else ``n`` rounded up to a multiple of
``step = 2**((n-1).bit_length() - 3)`` (a quarter of the octave it lies in):
four classes per octave (…, 128, 160, 192, 224, 256, 320, …), so at most 25 %
of a block is slack, and tensors of nearby sizes share blocks.

Cap and eviction. ``max_bytes`` bounds the *idle* bytes the pool keeps
(``bytes_pooled``); buffers handed out are the caller's. When a release
would take ``bytes_pooled`` over the cap, a collection frees idle blocks back
to the kernel heap, least recently used size class first (a loop that keeps
allocating the same shapes keeps those classes warm), until the new block
fits. A block larger than the cap is never pooled.

Why a Python-side pool over ``rt_alloc``/``rt_free`` rather than a Rust
one: the policy (cap, eviction order, statistics) is plain bookkeeping that
the host wants to read and tune, and the hit path is one dict lookup with no
wasm call at all, while a miss costs exactly the one ``rt_alloc`` a
non-pooled tensor costs. The kernel heap underneath stays a general
allocator (first-fit over an address-ordered free list for large blocks),
which is what a reuse hit skips.

Tensors: ``pool.tensor(shape)`` / ``pool.from_numpy(a)`` (or
``Tensor(shape, pool=pool)``) allocate from the pool, and ``free()``, a
``with`` block or the finalizer give the block back to the pool instead of
the heap.
"""
from __future__ import annotations

import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Sequence

from .runtime import Runtime, get_runtime

DEFAULT_MAX_BYTES = 100 * 1024 * 1024  # the reference guide's maxPoolSize
MIN_CLASS = 64


def size_class(nbytes: int) -> int:
    """Block size (bytes) that a request of ``nbytes`` is served from."""
    if isinstance(nbytes, bool) or not isinstance(nbytes, int):
        raise TypeError(f"nbytes must be an integer, got {type(nbytes).__name__}")
    if nbytes < 0:
        raise ValueError(f"nbytes must be >= 0, got {nbytes}")
    if nbytes <= MIN_CLASS:
        return MIN_CLASS
    step = 1 << ((nbytes - 1).bit_length() - 3)
    return -(-nbytes // step) * step


@dataclass(frozen=True)
class PoolStats:
    """Counters since the pool was made; byte figures are block sizes."""

    allocations: int  # blocks taken from the kernel heap (pool misses)
    reuses: int  # requests served from an idle block (pool hits)
    releases: int  # blocks given back to the pool
    collections: int  # eviction rounds (over the cap, or collect()/clear())
    evicted_blocks: int  # idle blocks returned to the heap by collections
    evicted_bytes: int
    bytes_pooled: int  # idle bytes held now
    blocks_pooled: int
    bytes_in_use: int  # bytes of blocks handed out and not yet released
    max_bytes: int

    @property
    def hit_rate(self) -> float:
        """Fraction of requests served by reuse (0 before any request)."""
        total = self.allocations + self.reuses
        return self.reuses / total if total else 0.0


def _free_all(runtime: Runtime, blocks: set[int]) -> None:
    """Finalizer: give idle blocks back to the heap, ignoring shutdown errors."""
    for ptr in blocks:
        try:
            runtime.call("free", "rt_free", ptr)
        except Exception:
            pass
    blocks.clear()


class MemoryPool:
    """Size-class reuse of kernel-heap blocks, capped at ``max_bytes`` idle bytes."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES, *, runtime: Runtime | None = None) -> None:
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, int):
            raise TypeError(f"max_bytes must be an integer, got {type(max_bytes).__name__}")
        if max_bytes < 0:
            raise ValueError(f"max_bytes must be >= 0, got {max_bytes}")
        self.runtime = runtime or get_runtime()
        self.max_bytes = max_bytes
        self._idle: OrderedDict[int, list[int]] = OrderedDict()  # class -> blocks, LRU first
        self._live: dict[int, int] = {}  # ptr -> class, blocks handed out
        self._all_idle: set[int] = set()  # the same blocks, for the finalizer
        self._counts = dict(allocations=0, reuses=0, releases=0, collections=0,
                            evicted_blocks=0, evicted_bytes=0)
        self._bytes_pooled = 0
        self._finalizer = weakref.finalize(self, _free_all, self.runtime, self._all_idle)

    # -- blocks ----------------------------------------------------------
    def acquire(self, nbytes: int) -> int:
        """Address of a block of at least ``nbytes`` bytes (reused when possible)."""
        cls = size_class(nbytes)
        blocks = self._idle.get(cls)
        if blocks:
            ptr = blocks.pop()
            self._all_idle.remove(ptr)
            self._bytes_pooled -= cls
            self._counts["reuses"] += 1
            self._idle.move_to_end(cls)
        else:
            ptr = self.runtime.alloc(cls, op="MemoryPool")
            self._counts["allocations"] += 1
        self._live[ptr] = cls
        return ptr

    def release(self, ptr: int) -> None:
        """Give a block from :meth:`acquire` back (kept idle, or freed if over the cap)."""
        cls = self._live.pop(ptr, None)
        if cls is None:
            raise ValueError(f"release: {ptr:#x} was not acquired from this pool (or released twice)")
        self._counts["releases"] += 1
        if cls > self.max_bytes:
            self._evict_block(ptr, cls)
            return
        if self._bytes_pooled + cls > self.max_bytes:
            self.collect(self.max_bytes - cls)
        self._idle.setdefault(cls, []).append(ptr)
        self._idle.move_to_end(cls)
        self._all_idle.add(ptr)
        self._bytes_pooled += cls

    def _evict_block(self, ptr: int, cls: int) -> None:
        self.runtime.free(ptr)
        self._counts["evicted_blocks"] += 1
        self._counts["evicted_bytes"] += cls

    def collect(self, target_bytes: int = 0) -> int:
        """Free idle blocks, least recently used class first, until at most
        ``target_bytes`` stay pooled; returns the bytes freed."""
        freed = 0
        while self._bytes_pooled > target_bytes and self._idle:
            cls, blocks = next(iter(self._idle.items()))
            while blocks and self._bytes_pooled > target_bytes:
                ptr = blocks.pop()
                self._all_idle.remove(ptr)
                self._evict_block(ptr, cls)
                self._bytes_pooled -= cls
                freed += cls
            if not blocks:
                del self._idle[cls]
        self._counts["collections"] += 1
        return freed

    def clear(self) -> None:
        """Return every idle block to the kernel heap (live blocks are untouched)."""
        self.collect(0)

    def stats(self) -> PoolStats:
        """Current counters and sizes."""
        return PoolStats(**self._counts, bytes_pooled=self._bytes_pooled,
                         blocks_pooled=len(self._all_idle),
                         bytes_in_use=sum(self._live.values()), max_bytes=self.max_bytes)

    # -- tensors ---------------------------------------------------------
    def tensor(self, shape: int | Sequence[int], *, zero: bool = True) -> Any:
        """A tensor whose buffer comes from this pool (zero-filled unless ``zero=False``)."""
        from .tensor import Tensor
        return Tensor(shape, runtime=self.runtime, zero=zero, pool=self)

    def from_numpy(self, array: Any) -> Any:
        """Copy a float32 C-contiguous array into a pooled tensor."""
        from .tensor import Tensor
        return Tensor.from_numpy(array, runtime=self.runtime, pool=self)

    def __enter__(self) -> "MemoryPool":
        return self

    def __exit__(self, *exc: object) -> None:
        self.clear()

    def __repr__(self) -> str:
        s = self.stats()
        return (f"MemoryPool(max_bytes={self.max_bytes}, pooled={s.bytes_pooled} B in "
                f"{s.blocks_pooled} blocks, in_use={s.bytes_in_use} B, hit_rate={s.hit_rate:.2f})")
