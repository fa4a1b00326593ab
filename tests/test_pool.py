"""Memory pool: size-class reuse, cap and eviction, statistics, pooled tensors."""
from __future__ import annotations

import gc

import numpy as np
import pytest

from rustorch_wasm import ops
from rustorch_wasm.pool import DEFAULT_MAX_BYTES, MemoryPool, size_class
from rustorch_wasm.runtime import Runtime
from rustorch_wasm.tensor import Tensor


def test_size_classes_are_quarter_octaves():
    assert [size_class(n) for n in (0, 1, 64, 65, 80, 81, 128, 129, 1000)] == \
        [64, 64, 64, 80, 80, 96, 128, 160, 1024]
    for n in range(1, 100_000, 37):
        c = size_class(n)
        assert n <= c < max(64, 1.25 * n) + 1e-9
    with pytest.raises(ValueError):
        size_class(-1)
    with pytest.raises(TypeError):
        size_class(1.5)


def test_released_blocks_are_reused_by_class(rt):
    pool = MemoryPool(runtime=rt)
    assert pool.max_bytes == DEFAULT_MAX_BYTES == 100 * 2**20
    p1 = pool.acquire(1000)
    pool.release(p1)
    p2 = pool.acquire(1010)  # same 1024-byte class
    assert p2 == p1
    p3 = pool.acquire(1000)  # p1 is in use: a new block
    assert p3 != p1
    s = pool.stats()
    assert (s.allocations, s.reuses, s.releases) == (2, 1, 1)
    assert s.bytes_in_use == 2048 and s.bytes_pooled == 0
    assert s.hit_rate == pytest.approx(1 / 3)
    pool.release(p2)
    pool.release(p3)
    assert pool.stats().bytes_pooled == 2048 and pool.stats().blocks_pooled == 2
    pool.clear()
    assert pool.stats().bytes_pooled == 0


def test_cap_evicts_least_recently_used_class(rt):
    pool = MemoryPool(max_bytes=4096, runtime=rt)
    a = [pool.acquire(1024) for _ in range(3)]
    b = pool.acquire(2048)
    heap_before = rt.heap_stats().in_use
    for p in a:
        pool.release(p)  # 3072 pooled
    pool.acquire(1024)  # touch the 1024 class: 2048 pooled, 1024 class most recent
    pool.release(b)  # 2048 + 2048 = 4096: fits
    assert pool.stats().collections == 0
    c = pool.acquire(4096)
    pool.release(c)  # 4096 more: must evict everything else, LRU class first
    s = pool.stats()
    assert s.bytes_pooled <= 4096 and s.collections == 1
    assert s.evicted_blocks == 3 and s.evicted_bytes == 4096
    assert rt.heap_stats().in_use < heap_before  # evicted blocks went back to the heap
    pool.release(pool.acquire(8192))  # larger than the cap: never pooled
    assert pool.stats().bytes_pooled <= 4096 and pool.stats().evicted_blocks == 4
    pool.clear()


def test_pooled_tensors_recycle_buffers(rt):
    pool = MemoryPool(runtime=rt)
    allocs = rt.heap_stats().allocs
    for step in range(5):
        with pool.tensor((64, 64)) as x, pool.from_numpy(np.full((64, 64), step, np.float32)) as y:
            z = ops.add(x, y, out=x)
            assert z is x and float(ops.sum(x)) == step * 64 * 64
    s = pool.stats()
    assert s.allocations == 2 and s.reuses == 8
    assert rt.heap_stats().allocs == allocs + 2  # no heap allocation after the first step
    t = pool.tensor(10)
    assert not t.view().any()  # zero-filled even when reusing dirty blocks
    del t
    gc.collect()
    assert pool.stats().bytes_in_use == 0  # the finalizer gave the block back
    pool.clear()


def test_zero_false_keeps_contents_and_empty_tensor_works(rt):
    pool = MemoryPool(runtime=rt)
    t = Tensor.empty((0,), pool=pool)
    assert t.size == 0 and t.numpy().shape == (0,)
    t.free()
    t.free()  # idempotent
    pool.clear()


def test_bad_inputs(rt):
    with pytest.raises(ValueError):
        MemoryPool(-1)
    with pytest.raises(TypeError):
        MemoryPool(1.5)
    pool = MemoryPool(runtime=rt)
    with pytest.raises(ValueError, match="not acquired"):
        pool.release(12345)
    p = pool.acquire(10)
    pool.release(p)
    with pytest.raises(ValueError, match="twice"):
        pool.release(p)
    with pytest.raises(ValueError, match="different wasm instance"):
        Tensor((2,), runtime=Runtime(), pool=pool)
    with pytest.raises(MemoryError):
        pool.tensor((2**31,))
    with pytest.raises(TypeError, match="MemoryPool"):
        Tensor((2,), pool="big")
    pool.clear()
