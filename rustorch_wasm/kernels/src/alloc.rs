//! The kernel heap: size classes for small blocks, an address-ordered free
//! list with splitting and coalescing for large ones.
//!
//! Layout: every block starts with a 16-byte header `[size: u32, tag: u32,
//! 8 bytes pad]` so that payloads are 16-byte aligned for `v128` loads. `size`
//! is the whole block (header included).
//!
//! * Small blocks (total size ≤ `SMALL_MAX`) are rounded up to a power of two
//!   from 32 bytes; a freed small block goes onto the free list of its class
//!   and is reused for the next request of that class.
//! * Large blocks are rounded up to 64 bytes. Free large blocks are kept in a
//!   singly linked list ordered by address; allocation is first fit with
//!   splitting, and freeing merges a block with free neighbours on both sides.
//!   A free block that ends at the top of the heap is given back to the bump
//!   region, so a tensor freed last does not leave a hole.
//! * New memory comes from a bump pointer starting at `__heap_base`, and the
//!   linear memory is grown with `memory.grow` when the bump pointer would
//!   pass its end.
//!
//! The heap is single-threaded (wasm32 without threads), so its state is a
//! plain `static mut`. This module is the one place, besides the export
//! wrappers, where raw memory is touched.

const HEADER: usize = 16;
const TAG_USED: u32 = 0x5553_4544; // "USED"
const TAG_FREE: u32 = 0x4652_4545; // "FREE"
const MIN_SHIFT: u32 = 5; // 32-byte smallest class
const SMALL_SHIFT_MAX: u32 = 12; // classes up to 4 KiB
const SMALL_MAX: usize = 1 << SMALL_SHIFT_MAX;
const N_CLASSES: usize = (SMALL_SHIFT_MAX - MIN_SHIFT + 1) as usize;
const LARGE_ALIGN: usize = 64;
const PAGE: usize = 65536;

/// Heap statistics, readable by the host.
#[derive(Clone, Copy)]
pub struct Stats {
    /// Bytes handed out and not yet freed (block sizes, headers included).
    pub in_use: usize,
    /// High-water mark of `in_use` since the last reset.
    pub peak: usize,
    /// Number of successful allocations.
    pub allocs: usize,
    /// Number of frees.
    pub frees: usize,
}

struct Heap {
    top: usize,
    end: usize,
    small: [usize; N_CLASSES],
    large: usize,
    stats: Stats,
}

static mut HEAP: Heap = Heap {
    top: 0,
    end: 0,
    small: [0; N_CLASSES],
    large: 0,
    stats: Stats { in_use: 0, peak: 0, allocs: 0, frees: 0 },
};

#[cfg(target_arch = "wasm32")]
fn heap_base() -> usize {
    extern "C" {
        static __heap_base: u8;
    }
    // SAFETY: the linker defines `__heap_base`; only its address is taken.
    unsafe { &__heap_base as *const u8 as usize }
}

#[cfg(target_arch = "wasm32")]
fn memory_end() -> usize { core::arch::wasm32::memory_size(0) * PAGE }

/// Grows linear memory by `pages`; false when the engine refuses.
#[cfg(target_arch = "wasm32")]
fn grow(pages: usize) -> bool { core::arch::wasm32::memory_grow(0, pages) != usize::MAX }

#[cfg(not(target_arch = "wasm32"))]
fn heap_base() -> usize { 0 }
#[cfg(not(target_arch = "wasm32"))]
fn memory_end() -> usize { 0 }
#[cfg(not(target_arch = "wasm32"))]
fn grow(_pages: usize) -> bool { false }

#[inline]
fn round_up(x: usize, a: usize) -> Option<usize> { x.checked_add(a - 1).map(|v| v & !(a - 1)) }

/// Index of the small class for a block of `total` bytes (header included).
#[inline]
fn class_of(total: usize) -> usize {
    let shift = usize::BITS - (total.max(1 << MIN_SHIFT) - 1).leading_zeros();
    (shift - MIN_SHIFT) as usize
}

unsafe fn rd(addr: usize) -> usize { *(addr as *const u32) as usize }
unsafe fn wr(addr: usize, v: usize) { *(addr as *mut u32) = v as u32 }
unsafe fn tag(addr: usize) -> u32 { *((addr + 4) as *const u32) }
unsafe fn set_tag(addr: usize, t: u32) { *((addr + 4) as *mut u32) = t }
/// The "next" link of a free block lives in its first payload word.
unsafe fn next(addr: usize) -> usize { rd(addr + 8) }
unsafe fn set_next(addr: usize, v: usize) { wr(addr + 8, v) }

impl Heap {
    fn init(&mut self) {
        if self.top == 0 {
            self.top = round_up(heap_base(), LARGE_ALIGN).unwrap_or(0);
            self.end = memory_end();
        }
    }

    /// Takes `size` bytes from the bump region, growing memory as needed.
    fn bump(&mut self, size: usize) -> usize {
        let new_top = match self.top.checked_add(size) {
            Some(t) => t,
            None => return 0,
        };
        if new_top > self.end {
            let pages = (new_top - self.end + PAGE - 1) / PAGE;
            if !grow(pages) {
                return 0;
            }
            self.end = memory_end();
        }
        let addr = self.top;
        self.top = new_top;
        addr
    }

    unsafe fn alloc_small(&mut self, total: usize) -> usize {
        let c = class_of(total);
        let size = 1usize << (c as u32 + MIN_SHIFT);
        let head = self.small[c];
        let addr = if head != 0 {
            self.small[c] = next(head);
            head
        } else {
            let a = self.bump(size);
            if a == 0 {
                return 0;
            }
            a
        };
        wr(addr, size);
        set_tag(addr, TAG_USED);
        addr
    }

    unsafe fn alloc_large(&mut self, total: usize) -> usize {
        let size = match round_up(total, LARGE_ALIGN) {
            Some(s) => s,
            None => return 0,
        };
        // First fit in the address-ordered free list.
        let (mut prev, mut cur) = (0usize, self.large);
        while cur != 0 {
            let csize = rd(cur);
            if csize >= size {
                let rest = csize - size;
                let nxt = next(cur);
                let replacement = if rest > SMALL_MAX {
                    // Split: the tail stays free in the same list position.
                    let tail = cur + size;
                    wr(tail, rest);
                    set_tag(tail, TAG_FREE);
                    set_next(tail, nxt);
                    wr(cur, size);
                    tail
                } else {
                    nxt
                };
                if prev == 0 { self.large = replacement } else { set_next(prev, replacement) }
                set_tag(cur, TAG_USED);
                return cur;
            }
            prev = cur;
            cur = next(cur);
        }
        // Nothing fits: if the last free block touches the top, extend it.
        if prev != 0 && prev + rd(prev) == self.top {
            let need = size - rd(prev);
            if self.bump(need) == 0 {
                return 0;
            }
            self.unlink(prev);
            wr(prev, size);
            set_tag(prev, TAG_USED);
            return prev;
        }
        let addr = self.bump(size);
        if addr != 0 {
            wr(addr, size);
            set_tag(addr, TAG_USED);
        }
        addr
    }

    unsafe fn unlink(&mut self, block: usize) {
        let (mut prev, mut cur) = (0usize, self.large);
        while cur != 0 && cur != block {
            prev = cur;
            cur = next(cur);
        }
        if cur == block {
            if prev == 0 { self.large = next(cur) } else { set_next(prev, next(cur)) }
        }
    }

    unsafe fn free_large(&mut self, mut block: usize) {
        // Find the neighbours in address order.
        let (mut prev, mut cur) = (0usize, self.large);
        while cur != 0 && cur < block {
            prev = cur;
            cur = next(cur);
        }
        set_tag(block, TAG_FREE);
        set_next(block, cur);
        if cur != 0 && block + rd(block) == cur {
            wr(block, rd(block) + rd(cur));
            set_next(block, next(cur));
            set_tag(cur, 0);
        }
        if prev != 0 && prev + rd(prev) == block {
            wr(prev, rd(prev) + rd(block));
            set_next(prev, next(block));
            set_tag(block, 0);
            block = prev;
        } else if prev == 0 {
            self.large = block;
        } else {
            set_next(prev, block);
        }
        // A free block at the top of the heap goes back to the bump region.
        if block + rd(block) == self.top && next(block) == 0 {
            self.unlink(block);
            set_tag(block, 0);
            self.top = block;
        }
    }
}

/// Allocates `nbytes` of 16-byte aligned memory; 0 when memory is exhausted.
pub fn alloc(nbytes: usize) -> usize {
    // SAFETY: single-threaded heap; every address written below lies in a
    // block this heap carved out of linear memory.
    unsafe {
        let h = &mut *core::ptr::addr_of_mut!(HEAP);
        h.init();
        let total = match nbytes.checked_add(HEADER) {
            Some(t) => t,
            None => return 0,
        };
        let block = if total <= SMALL_MAX { h.alloc_small(total) } else { h.alloc_large(total) };
        if block == 0 {
            return 0;
        }
        h.stats.allocs += 1;
        h.stats.in_use += rd(block);
        if h.stats.in_use > h.stats.peak {
            h.stats.peak = h.stats.in_use;
        }
        block + HEADER
    }
}

/// Frees a pointer returned by [`alloc`]. Returns false (and does nothing)
/// for a null pointer or one that is not a live block (double free, foreign
/// pointer), so the host can raise instead of corrupting the heap.
pub fn free(ptr: usize) -> bool {
    // SAFETY: as in `alloc`; the pointer is checked to lie inside the heap
    // and to carry the USED tag before its header is trusted.
    unsafe {
        let h = &mut *core::ptr::addr_of_mut!(HEAP);
        h.init();
        if ptr < HEADER || ptr % 16 != 0 || ptr >= h.top || ptr - HEADER < heap_base() {
            return false;
        }
        let block = ptr - HEADER;
        if tag(block) != TAG_USED {
            return false;
        }
        let size = rd(block);
        h.stats.frees += 1;
        h.stats.in_use -= size;
        if size <= SMALL_MAX {
            let c = class_of(size);
            set_tag(block, TAG_FREE);
            set_next(block, h.small[c]);
            h.small[c] = block;
        } else {
            h.free_large(block);
        }
        true
    }
}

/// Current heap statistics.
pub fn stats() -> Stats {
    // SAFETY: plain read of the single-threaded heap state.
    unsafe { (*core::ptr::addr_of!(HEAP)).stats }
}

/// Restarts the high-water mark from the bytes currently in use.
pub fn reset_peak() {
    // SAFETY: plain write of the single-threaded heap state.
    unsafe {
        let h = &mut *core::ptr::addr_of_mut!(HEAP);
        h.stats.peak = h.stats.in_use;
    }
}

// --- exports ---

#[no_mangle]
pub extern "C" fn rt_alloc(nbytes: usize) -> usize { alloc(nbytes) }

/// 1 when freed, 0 when the pointer was not a live block.
#[no_mangle]
pub extern "C" fn rt_free(ptr: usize) -> u32 { free(ptr) as u32 }

#[no_mangle]
pub extern "C" fn rt_heap_in_use() -> usize { stats().in_use }

#[no_mangle]
pub extern "C" fn rt_heap_peak() -> usize { stats().peak }

#[no_mangle]
pub extern "C" fn rt_heap_allocs() -> usize { stats().allocs }

#[no_mangle]
pub extern "C" fn rt_heap_reset_peak() { reset_peak() }

#[cfg(test)]
mod tests {
    use super::class_of;
    #[test]
    fn classes_are_powers_of_two() {
        assert_eq!(class_of(1), 0);
        assert_eq!(class_of(32), 0);
        assert_eq!(class_of(33), 1);
        assert_eq!(class_of(4096), 7);
    }
}
