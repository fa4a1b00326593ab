//! Element-wise f32 kernels: binary (tensor-tensor, tensor-scalar) and unary.
//!
//! Each kernel walks its slices 16 lanes at a time (four independent
//! vectors, enough to keep both vector ALUs busy), then four at a time, then
//! finishes the tail with the scalar form of the same operation, so results
//! do not depend on the length or alignment. An output may alias an input
//! (in-place update): the export wrappers detect that and call the `_assign`
//! form, which reads and writes one slice.
use crate::simd::{self, load, store};
use core::arch::wasm32::*;

/// A lane-wise operation with its vector and scalar forms.
pub trait Unary {
    fn v(x: v128) -> v128;
    fn s(x: f32) -> f32;
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
    ($name:ident, $v:expr) => {
        pub struct $name;
        impl Unary for $name {
            #[inline(always)]
            fn v(x: v128) -> v128 { $v(x) }
            #[inline(always)]
            fn s(x: f32) -> f32 { f32x4_extract_lane::<0>($v(f32x4_splat(x))) }
        }
    };
}

// relu: max(x, 0) that keeps NaN (numpy's maximum propagates NaN).
unary_op!(Relu, |x| v128_bitselect(x, f32x4_splat(0.0), v128_or(f32x4_gt(x, f32x4_splat(0.0)), f32x4_ne(x, x))));
unary_op!(Sigmoid, simd::sigmoid);
unary_op!(Tanh, simd::tanh);
unary_op!(Exp, simd::exp);
unary_op!(Log, simd::log);

/// out[i] = op(a[i], b[i]).
#[inline(always)]
pub fn zip<O: Binary>(a: &[f32], b: &[f32], out: &mut [f32]) {
    let n = out.len().min(a.len()).min(b.len());
    let (a, b, out) = (&a[..n], &b[..n], &mut out[..n]);
    let mut i = 0;
    while i + 16 <= n {
        let r0 = O::v(load(&a[i..]), load(&b[i..]));
        let r1 = O::v(load(&a[i + 4..]), load(&b[i + 4..]));
        let r2 = O::v(load(&a[i + 8..]), load(&b[i + 8..]));
        let r3 = O::v(load(&a[i + 12..]), load(&b[i + 12..]));
        store(&mut out[i..], r0);
        store(&mut out[i + 4..], r1);
        store(&mut out[i + 8..], r2);
        store(&mut out[i + 12..], r3);
        i += 16;
    }
    while i + 4 <= n {
        store(&mut out[i..], O::v(load(&a[i..]), load(&b[i..])));
        i += 4;
    }
    while i < n {
        out[i] = O::s(a[i], b[i]);
        i += 1;
    }
}

/// x[i] = op(x[i], b[i]) (in place on the left operand).
#[inline(always)]
pub fn zip_assign<O: Binary>(x: &mut [f32], b: &[f32]) {
    let n = x.len().min(b.len());
    let mut i = 0;
    while i + 16 <= n {
        let r0 = O::v(load(&x[i..]), load(&b[i..]));
        let r1 = O::v(load(&x[i + 4..]), load(&b[i + 4..]));
        let r2 = O::v(load(&x[i + 8..]), load(&b[i + 8..]));
        let r3 = O::v(load(&x[i + 12..]), load(&b[i + 12..]));
        store(&mut x[i..], r0);
        store(&mut x[i + 4..], r1);
        store(&mut x[i + 8..], r2);
        store(&mut x[i + 12..], r3);
        i += 16;
    }
    while i + 4 <= n {
        let r = O::v(load(&x[i..]), load(&b[i..]));
        store(&mut x[i..], r);
        i += 4;
    }
    while i < n {
        x[i] = O::s(x[i], b[i]);
        i += 1;
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
    let (a, out) = (&a[..n], &mut out[..n]);
    let sv = f32x4_splat(s);
    let mut i = 0;
    while i + 16 <= n {
        let r0 = O::v(load(&a[i..]), sv);
        let r1 = O::v(load(&a[i + 4..]), sv);
        let r2 = O::v(load(&a[i + 8..]), sv);
        let r3 = O::v(load(&a[i + 12..]), sv);
        store(&mut out[i..], r0);
        store(&mut out[i + 4..], r1);
        store(&mut out[i + 8..], r2);
        store(&mut out[i + 12..], r3);
        i += 16;
    }
    while i + 4 <= n {
        store(&mut out[i..], O::v(load(&a[i..]), sv));
        i += 4;
    }
    while i < n {
        out[i] = O::s(a[i], s);
        i += 1;
    }
}

/// x[i] = op(x[i], s).
#[inline(always)]
pub fn with_scalar_assign<O: Binary>(x: &mut [f32], s: f32) {
    let sv = f32x4_splat(s);
    let n = x.len();
    let mut i = 0;
    while i + 4 <= n {
        let r = O::v(load(&x[i..]), sv);
        store(&mut x[i..], r);
        i += 4;
    }
    while i < n {
        x[i] = O::s(x[i], s);
        i += 1;
    }
}

/// out[i] = op(a[i]).
#[inline(always)]
pub fn map<O: Unary>(a: &[f32], out: &mut [f32]) {
    let n = out.len().min(a.len());
    let (a, out) = (&a[..n], &mut out[..n]);
    let mut i = 0;
    while i + 8 <= n {
        let r0 = O::v(load(&a[i..]));
        let r1 = O::v(load(&a[i + 4..]));
        store(&mut out[i..], r0);
        store(&mut out[i + 4..], r1);
        i += 8;
    }
    while i + 4 <= n {
        store(&mut out[i..], O::v(load(&a[i..])));
        i += 4;
    }
    while i < n {
        out[i] = O::s(a[i]);
        i += 1;
    }
}

/// x[i] = op(x[i]).
#[inline(always)]
pub fn map_assign<O: Unary>(x: &mut [f32]) {
    let n = x.len();
    let mut i = 0;
    while i + 4 <= n {
        let r = O::v(load(&x[i..]));
        store(&mut x[i..], r);
        i += 4;
    }
    while i < n {
        x[i] = O::s(x[i]);
        i += 1;
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
