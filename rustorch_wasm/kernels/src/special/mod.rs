//! f64 special functions, one family per file, each with scalar and array
//! exports. Accuracy is checked against mpmath at 50 digits by
//! `tests/test_special.py`; the bounds are stated in each file.
pub mod elementary;
pub mod gamma;
pub mod erf;
pub mod bessel;
pub mod beta;
pub(crate) mod vec;

use crate::ffi::{slice, slice_mut};

/// out[i] = f(x[i]) over host buffers; `out` may be exactly `x` (in place).
///
/// # Safety
/// `x` and `out` must each hold `n` f64 and either coincide or not overlap.
pub(crate) unsafe fn map_array(x: *const f64, out: *mut f64, n: usize, f: impl Fn(f64) -> f64) {
    if x == out as *const f64 {
        for v in slice_mut(out, n).iter_mut() {
            *v = f(*v);
        }
    } else {
        for (o, v) in slice_mut(out, n).iter_mut().zip(slice(x, n)) {
            *o = f(*v);
        }
    }
}
