//! The export boundary: raw `(pointer, length)` pairs from the host become
//! slices here, and nowhere else.
//!
//! The host (Python) validates shapes and owns every buffer it passes; a null
//! pointer with a zero length is accepted as the empty slice.

/// A shared slice over `len` elements at `ptr`.
///
/// # Safety
/// `ptr` must point to `len` initialised, properly aligned elements of linear
/// memory that stay valid and unmodified for the duration of the call.
#[inline(always)]
pub unsafe fn slice<'a, T>(ptr: *const T, len: usize) -> &'a [T] {
    if len == 0 {
        &[]
    } else {
        core::slice::from_raw_parts(ptr, len)
    }
}

/// A mutable slice over `len` elements at `ptr`.
///
/// # Safety
/// As for [`slice`], and the region must not overlap any other slice in use.
#[inline(always)]
pub unsafe fn slice_mut<'a, T>(ptr: *mut T, len: usize) -> &'a mut [T] {
    if len == 0 {
        &mut []
    } else {
        core::slice::from_raw_parts_mut(ptr, len)
    }
}
