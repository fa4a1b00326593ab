//! Scalar floating-point primitives that `core` lacks in `no_std`.
//!
//! On wasm32 each maps to a single instruction (`f64.sqrt`, `f64.floor`, ...)
//! reached through the lane-0 of the SIMD intrinsic, which LLVM folds to the
//! scalar instruction. On the host (tests) the `std` methods are used.

#[cfg(target_arch = "wasm32")]
mod imp {
    use core::arch::wasm32::*;
    #[inline(always)]
    pub fn sqrt(x: f64) -> f64 { f64x2_extract_lane::<0>(f64x2_sqrt(f64x2_splat(x))) }
    #[inline(always)]
    pub fn floor(x: f64) -> f64 { f64x2_extract_lane::<0>(f64x2_floor(f64x2_splat(x))) }
    #[inline(always)]
    pub fn ceil(x: f64) -> f64 { f64x2_extract_lane::<0>(f64x2_ceil(f64x2_splat(x))) }
    #[inline(always)]
    pub fn trunc(x: f64) -> f64 { f64x2_extract_lane::<0>(f64x2_trunc(f64x2_splat(x))) }
    #[inline(always)]
    pub fn sqrtf(x: f32) -> f32 { f32x4_extract_lane::<0>(f32x4_sqrt(f32x4_splat(x))) }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    extern crate std;
    #[inline(always)]
    pub fn sqrt(x: f64) -> f64 { x.sqrt() }
    #[inline(always)]
    pub fn floor(x: f64) -> f64 { x.floor() }
    #[inline(always)]
    pub fn ceil(x: f64) -> f64 { x.ceil() }
    #[inline(always)]
    pub fn trunc(x: f64) -> f64 { x.trunc() }
    #[inline(always)]
    pub fn sqrtf(x: f32) -> f32 { x.sqrt() }
}

pub use imp::{ceil, floor, sqrt, sqrtf, trunc};

/// |x| by clearing the sign bit.
#[inline(always)]
pub fn fabs(x: f64) -> f64 { f64::from_bits(x.to_bits() & !(1u64 << 63)) }

/// |x| by clearing the sign bit.
#[inline(always)]
pub fn fabsf(x: f32) -> f32 { f32::from_bits(x.to_bits() & !(1u32 << 31)) }
