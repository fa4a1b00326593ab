//! Element-wise f32 kernels: binary (tensor-tensor, tensor-scalar) and unary.
//!
//! Each kernel walks its slices 16 lanes at a time (four independent
//! vectors, enough to keep both vector ALUs busy), then four at a time, then
//! finishes the tail with the scalar form of the same operation, so results
//! do not depend on the length or alignment. The walks are `chunks_exact`
//! iterators: every load and store has a length known at compile time, so
//! the loops carry no bounds checks (indexing `a[i..]` left LLVM eight
//! compare-and-branch pairs per 16 lanes; removing them halved Add 100,000
//! in Wasmer). An output may alias an input
//! (in-place update): the export wrappers detect that and call the `_assign`
//! form, which reads and writes one slice.
use crate::simd::{self, load, store};
use core::arch::wasm32::*;

/// A lane-wise operation with its vector and scalar forms.
///
/// `K` holds the vector constants the operation needs. A kernel loop takes
/// them once through [`simd::opaque`] and passes them to `vk`, so they stay
/// in locals (registers) instead of being rebuilt at every use; `v` is the
/// plain form with the constants folded, for one-off vectors.
pub trait Unary {
    type K: Copy;
    fn consts() -> Self::K;
    fn vk(x: v128, k: Self::K) -> v128;
    #[inline(always)]
    fn v(x: v128) -> v128 { Self::vk(x, Self::consts()) }
    #[inline(always)]
    fn s(x: f32) -> f32 { f32x4_extract_lane::<0>(Self::v(f32x4_splat(x))) }
}

/// A lane-wise binary operation.
pub trait Binary {
    fn v(a: v128, b: v128) -> v128;
    fn s(a: f32, b: f32) -> f32;
}

macro_rules! binary_op {
    ($name:ident, $v:expr, $s:expr) => {
        pub struct $name;
        impl Binary for $name {
            #[inline(always)]
            fn v(a: v128, b: v128) -> v128 { $v(a, b) }
            #[inline(always)]
            fn s(a: f32, b: f32) -> f32 { $s(a, b) }
        }
    };
}

binary_op!(Add, f32x4_add, |a: f32, b: f32| a + b);
binary_op!(Sub, f32x4_sub, |a: f32, b: f32| a - b);
binary_op!(Mul, f32x4_mul, |a: f32, b: f32| a * b);
binary_op!(Div, f32x4_div, |a: f32, b: f32| a / b);
// b - a and b / a: the reversed forms, for `scalar - tensor`.
binary_op!(RSub, |a, b| f32x4_sub(b, a), |a: f32, b: f32| b - a);
binary_op!(RDiv, |a, b| f32x4_div(b, a), |a: f32, b: f32| b / a);

macro_rules! unary_op {
    ($name:ident, $k:ty, $consts:expr, $v:expr) => {
        pub struct $name;
        impl Unary for $name {
            type K = $k;
            #[inline(always)]
            fn consts() -> $k { $consts }
            #[inline(always)]
            fn vk(x: v128, k: $k) -> v128 { $v(x, k) }
        }
    };
    ($name:ident, $v:expr) => {
        unary_op!($name, (), (), |x, _: ()| $v(x));
    };
}

// relu: max(x, 0) that keeps NaN (numpy's maximum propagates NaN). The
// pseudo-maximum pmax(x, 0) = (x < 0 ? 0 : x) does: NaN < 0 is false, so NaN
// passes through, and it is one maxps in V8 and Cranelift (f32x4_max's
// IEEE NaN/-0 rules cost V8 an eight-instruction sequence on x64). The zero
// comes in as an opaque constant: seeing a literal 0, LLVM rewrites the
// pmax into f32x4.max.
unary_op!(Relu, v128, f32x4_splat(0.0), |x, zero| f32x4_pmax(x, zero));
unary_op!(Sigmoid, simd::SigmoidK, simd::SigmoidK::new(), simd::sigmoid_k);
unary_op!(Tanh, simd::tanh);
unary_op!(Exp, simd::exp);
unary_op!(Log, simd::log);

/// out[i] = op(a[i], b[i]).
#[inline(always)]
pub fn zip<O: Binary>(a: &[f32], b: &[f32], out: &mut [f32]) {
    let n = out.len().min(a.len()).min(b.len());
    let (mut ca, mut cb, mut co) = (a[..n].chunks_exact(16), b[..n].chunks_exact(16), out[..n].chunks_exact_mut(16));
    for ((x, y), d) in (&mut ca).zip(&mut cb).zip(&mut co) {
        let r0 = O::v(load(&x[0..4]), load(&y[0..4]));
        let r1 = O::v(load(&x[4..8]), load(&y[4..8]));
        let r2 = O::v(load(&x[8..12]), load(&y[8..12]));
        let r3 = O::v(load(&x[12..16]), load(&y[12..16]));
        store(&mut d[0..4], r0);
        store(&mut d[4..8], r1);
        store(&mut d[8..12], r2);
        store(&mut d[12..16], r3);
    }
    let (mut ca, mut cb, mut co) =
        (ca.remainder().chunks_exact(4), cb.remainder().chunks_exact(4), co.into_remainder().chunks_exact_mut(4));
    for ((x, y), d) in (&mut ca).zip(&mut cb).zip(&mut co) {
        store(d, O::v(load(x), load(y)));
    }
    for ((x, y), d) in ca.remainder().iter().zip(cb.remainder()).zip(co.into_remainder()) {
        *d = O::s(*x, *y);
    }
}

/// x[i] = op(x[i], b[i]) (in place on the left operand).
#[inline(always)]
pub fn zip_assign<O: Binary>(x: &mut [f32], b: &[f32]) {
    let n = x.len().min(b.len());
    let (mut cx, mut cb) = (x[..n].chunks_exact_mut(16), b[..n].chunks_exact(16));
    for (d, y) in (&mut cx).zip(&mut cb) {
        let r0 = O::v(load(&d[0..4]), load(&y[0..4]));
        let r1 = O::v(load(&d[4..8]), load(&y[4..8]));
        let r2 = O::v(load(&d[8..12]), load(&y[8..12]));
        let r3 = O::v(load(&d[12..16]), load(&y[12..16]));
        store(&mut d[0..4], r0);
        store(&mut d[4..8], r1);
        store(&mut d[8..12], r2);
        store(&mut d[12..16], r3);
    }
    let (mut cx, mut cb) = (cx.into_remainder().chunks_exact_mut(4), cb.remainder().chunks_exact(4));
    for (d, y) in (&mut cx).zip(&mut cb) {
        let r = O::v(load(d), load(y));
        store(d, r);
    }
    for (d, y) in cx.into_remainder().iter_mut().zip(cb.remainder()) {
        *d = O::s(*d, *y);
    }
}

/// x[i] = op(x[i], x[i]) for the rare call with both operands the same buffer.
#[inline(always)]
pub fn self_assign<O: Binary>(x: &mut [f32]) {
    for v in x.iter_mut() {
        *v = O::s(*v, *v);
    }
}

/// out[i] = op(a[i], s).
#[inline(always)]
pub fn with_scalar<O: Binary>(a: &[f32], s: f32, out: &mut [f32]) {
    let n = out.len().min(a.len());
    let sv = f32x4_splat(s);
    let (mut ca, mut co) = (a[..n].chunks_exact(16), out[..n].chunks_exact_mut(16));
    for (x, d) in (&mut ca).zip(&mut co) {
        let r0 = O::v(load(&x[0..4]), sv);
        let r1 = O::v(load(&x[4..8]), sv);
        let r2 = O::v(load(&x[8..12]), sv);
        let r3 = O::v(load(&x[12..16]), sv);
        store(&mut d[0..4], r0);
        store(&mut d[4..8], r1);
        store(&mut d[8..12], r2);
        store(&mut d[12..16], r3);
    }
    let (mut ca, mut co) = (ca.remainder().chunks_exact(4), co.into_remainder().chunks_exact_mut(4));
    for (x, d) in (&mut ca).zip(&mut co) {
        store(d, O::v(load(x), sv));
    }
    for (x, d) in ca.remainder().iter().zip(co.into_remainder()) {
        *d = O::s(*x, s);
    }
}

/// x[i] = op(x[i], s).
#[inline(always)]
pub fn with_scalar_assign<O: Binary>(x: &mut [f32], s: f32) {
    let sv = f32x4_splat(s);
    let mut cx = x.chunks_exact_mut(4);
    for d in &mut cx {
        let r = O::v(load(d), sv);
        store(d, r);
    }
    for d in cx.into_remainder() {
        *d = O::s(*d, s);
    }
}

/// out[i] = op(a[i]).
#[inline(always)]
pub fn map<O: Unary>(a: &[f32], out: &mut [f32]) {
    let n = out.len().min(a.len());
    let k = simd::opaque(O::consts());
    let (mut src, mut dst) = (a[..n].chunks_exact(16), out[..n].chunks_exact_mut(16));
    for (s, d) in (&mut src).zip(&mut dst) {
        let r0 = O::vk(load(&s[0..4]), k);
        let r1 = O::vk(load(&s[4..8]), k);
        let r2 = O::vk(load(&s[8..12]), k);
        let r3 = O::vk(load(&s[12..16]), k);
        store(&mut d[0..4], r0);
        store(&mut d[4..8], r1);
        store(&mut d[8..12], r2);
        store(&mut d[12..16], r3);
    }
    let (mut src, mut dst) = (src.remainder().chunks_exact(4), dst.into_remainder().chunks_exact_mut(4));
    for (s, d) in (&mut src).zip(&mut dst) {
        store(d, O::vk(load(s), k));
    }
    for (s, d) in src.remainder().iter().zip(dst.into_remainder()) {
        *d = O::s(*s);
    }
}

/// x[i] = op(x[i]).
#[inline(always)]
pub fn map_assign<O: Unary>(x: &mut [f32]) {
    let k = simd::opaque(O::consts());
    let mut chunks = x.chunks_exact_mut(16);
    for c in &mut chunks {
        let r0 = O::vk(load(&c[0..4]), k);
        let r1 = O::vk(load(&c[4..8]), k);
        let r2 = O::vk(load(&c[8..12]), k);
        let r3 = O::vk(load(&c[12..16]), k);
        store(&mut c[0..4], r0);
        store(&mut c[4..8], r1);
        store(&mut c[8..12], r2);
        store(&mut c[12..16], r3);
    }
    let mut chunks = chunks.into_remainder().chunks_exact_mut(4);
    for c in &mut chunks {
        let r = O::vk(load(c), k);
        store(c, r);
    }
    for v in chunks.into_remainder() {
        *v = O::s(*v);
    }
}

// --- exports ---
// Buffers either coincide exactly (in-place) or do not overlap at all; the
// Python layer never creates partial overlaps.

use crate::ffi::{slice, slice_mut};

unsafe fn binary<O: Binary>(a: *const f32, b: *const f32, out: *mut f32, n: usize) {
    let (a_is_out, b_is_out) = (a == out as *const f32, b == out as *const f32);
    match (a_is_out, b_is_out) {
        (true, true) => self_assign::<O>(slice_mut(out, n)),
        (true, false) => zip_assign::<O>(slice_mut(out, n), slice(b, n)),
        (false, true) => zip_assign::<Swap<O>>(slice_mut(out, n), slice(a, n)),
        (false, false) => zip::<O>(slice(a, n), slice(b, n), slice_mut(out, n)),
    }
}

/// op with its operands swapped: Swap<O>(x, y) = O(y, x).
pub struct Swap<O>(core::marker::PhantomData<O>);
impl<O: Binary> Binary for Swap<O> {
    #[inline(always)]
    fn v(a: v128, b: v128) -> v128 { O::v(b, a) }
    #[inline(always)]
    fn s(a: f32, b: f32) -> f32 { O::s(b, a) }
}

unsafe fn scalar<O: Binary>(a: *const f32, s: f32, out: *mut f32, n: usize) {
    if a == out as *const f32 {
        with_scalar_assign::<O>(slice_mut(out, n), s)
    } else {
        with_scalar::<O>(slice(a, n), s, slice_mut(out, n))
    }
}

unsafe fn unary<O: Unary>(a: *const f32, out: *mut f32, n: usize) {
    if a == out as *const f32 {
        map_assign::<O>(slice_mut(out, n))
    } else {
        map::<O>(slice(a, n), slice_mut(out, n))
    }
}

macro_rules! export_binary {
    ($($name:ident => $op:ty),*) => {$(
        #[no_mangle]
        pub unsafe extern "C" fn $name(a: *const f32, b: *const f32, out: *mut f32, n: usize) {
            binary::<$op>(a, b, out, n)
        }
    )*};
}
macro_rules! export_scalar {
    ($($name:ident => $op:ty),*) => {$(
        #[no_mangle]
        pub unsafe extern "C" fn $name(a: *const f32, s: f32, out: *mut f32, n: usize) {
            scalar::<$op>(a, s, out, n)
        }
    )*};
}
macro_rules! export_unary {
    ($($name:ident => $op:ty),*) => {$(
        #[no_mangle]
        pub unsafe extern "C" fn $name(a: *const f32, out: *mut f32, n: usize) {
            unary::<$op>(a, out, n)
        }
    )*};
}

export_binary!(ew_add => Add, ew_sub => Sub, ew_mul => Mul, ew_div => Div);
export_scalar!(ew_add_scalar => Add, ew_sub_scalar => Sub, ew_rsub_scalar => RSub,
               ew_mul_scalar => Mul, ew_div_scalar => Div, ew_rdiv_scalar => RDiv);
export_unary!(ew_relu => Relu, ew_sigmoid => Sigmoid, ew_tanh => Tanh, ew_exp => Exp, ew_log => Log);
