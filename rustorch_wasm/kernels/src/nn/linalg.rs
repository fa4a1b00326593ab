//! Small linear-algebra helpers the layers share: heap scratch buffers, the
//! transposed products that backward passes need, row-wise bias and axpy.
//!
//! Forward products go through the blocked `crate::matmul::matmul`
//! (C = A·B). Backward passes need Aᵀ·B and A·Bᵀ:
//!
//! * `matmul_tn_acc` computes C += Aᵀ·B directly (A is m×k, B is m×n): for
//!   each row i of C it adds Σ_r A[r,i]·B[r,:], four rows of B at a time, so
//!   the row of C is loaded and stored once per four rows of B. Weight
//!   gradients (xᵀ·dy) have a small m (the batch), where this beats packing.
//! * `matmul_nt` computes C = A·Bᵀ by transposing B into scratch and calling
//!   the blocked product.
use crate::simd::{load, store};
use core::arch::wasm32::*;

/// The kernel heap could not provide a scratch buffer.
#[derive(Clone, Copy, Debug)]
pub struct Oom;

/// A heap block of `len` f32, freed when dropped.
pub struct Scratch {
    ptr: usize,
    len: usize,
}

impl Scratch {
    pub fn new(len: usize) -> Result<Scratch, Oom> {
        let bytes = len.checked_mul(4).ok_or(Oom)?;
        let ptr = crate::alloc::alloc(bytes.max(16));
        if ptr == 0 {
            Err(Oom)
        } else {
            Ok(Scratch { ptr, len })
        }
    }

    /// A zero-filled block.
    pub fn zeroed(len: usize) -> Result<Scratch, Oom> {
        let mut s = Scratch::new(len)?;
        fill(s.buf(), 0.0);
        Ok(s)
    }

    pub fn buf(&mut self) -> &mut [f32] {
        // SAFETY: `ptr` is a live heap block of `len` f32 owned by this value
        // alone; the borrow of `self` keeps it unique.
        unsafe { crate::ffi::slice_mut(self.ptr as *mut f32, self.len) }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) { crate::alloc::free(self.ptr); }
}

pub fn fill(x: &mut [f32], v: f32) {
    for e in x.iter_mut() {
        *e = v;
    }
}

/// y += a·x.
#[inline(always)]
pub fn axpy(a: f32, x: &[f32], y: &mut [f32]) {
    let n = x.len().min(y.len());
    let av = f32x4_splat(a);
    let mut i = 0;
    while i + 4 <= n {
        let v = f32x4_add(load(&y[i..]), f32x4_mul(av, load(&x[i..])));
        store(&mut y[i..], v);
        i += 4;
    }
    while i < n {
        y[i] += a * x[i];
        i += 1;
    }
}

/// y += x.
#[inline(always)]
pub fn add_to(x: &[f32], y: &mut [f32]) {
    let n = x.len().min(y.len());
    let mut i = 0;
    while i + 4 <= n {
        let v = f32x4_add(load(&y[i..]), load(&x[i..]));
        store(&mut y[i..], v);
        i += 4;
    }
    while i < n {
        y[i] += x[i];
        i += 1;
    }
}

/// Σ x[i]·y[i] in eight lanes.
#[inline(always)]
pub fn dot(x: &[f32], y: &[f32]) -> f32 {
    let n = x.len().min(y.len());
    let (mut s0, mut s1) = (f32x4_splat(0.0), f32x4_splat(0.0));
    let mut i = 0;
    while i + 8 <= n {
        s0 = f32x4_add(s0, f32x4_mul(load(&x[i..]), load(&y[i..])));
        s1 = f32x4_add(s1, f32x4_mul(load(&x[i + 4..]), load(&y[i + 4..])));
        i += 8;
    }
    let s = f32x4_add(s0, s1);
    let mut total = (f32x4_extract_lane::<0>(s) + f32x4_extract_lane::<1>(s))
        + (f32x4_extract_lane::<2>(s) + f32x4_extract_lane::<3>(s));
    while i < n {
        total += x[i] * y[i];
        i += 1;
    }
    total
}

/// y += a0·x0 + a1·x1 + a2·x2 + a3·x3 (one pass over y).
#[inline(always)]
fn axpy4(a: [f32; 4], x0: &[f32], x1: &[f32], x2: &[f32], x3: &[f32], y: &mut [f32]) {
    let n = y.len();
    let (x0, x1, x2, x3) = (&x0[..n], &x1[..n], &x2[..n], &x3[..n]);
    let (a0, a1, a2, a3) = (f32x4_splat(a[0]), f32x4_splat(a[1]), f32x4_splat(a[2]), f32x4_splat(a[3]));
    let mut i = 0;
    while i + 4 <= n {
        let s01 = f32x4_add(f32x4_mul(a0, load(&x0[i..])), f32x4_mul(a1, load(&x1[i..])));
        let s23 = f32x4_add(f32x4_mul(a2, load(&x2[i..])), f32x4_mul(a3, load(&x3[i..])));
        let v = f32x4_add(load(&y[i..]), f32x4_add(s01, s23));
        store(&mut y[i..], v);
        i += 4;
    }
    while i < n {
        y[i] += (a[0] * x0[i] + a[1] * x1[i]) + (a[2] * x2[i] + a[3] * x3[i]);
        i += 1;
    }
}

/// C (k×n) += Aᵀ·B for A (m×k) and B (m×n), all row-major.
pub fn matmul_tn_acc(a: &[f32], b: &[f32], c: &mut [f32], m: usize, k: usize, n: usize) {
    for i in 0..k {
        let crow = &mut c[i * n..i * n + n];
        let mut r = 0;
        while r + 4 <= m {
            let coef = [a[r * k + i], a[(r + 1) * k + i], a[(r + 2) * k + i], a[(r + 3) * k + i]];
            axpy4(coef, &b[r * n..], &b[(r + 1) * n..], &b[(r + 2) * n..], &b[(r + 3) * n..], crow);
            r += 4;
        }
        while r < m {
            axpy(a[r * k + i], &b[r * n..r * n + n], crow);
            r += 1;
        }
    }
}

/// Below this many rows of A, [`mm`] skips the packed product: packing B
/// costs as much memory traffic as the product itself when A is a few rows.
pub const SMALL_M: usize = 8;

/// C (m×n) = A (m×k) · B (k×n): row by row, each row of C a sum of rows of
/// B (four at a time), so B is streamed once per row of A and never packed.
pub fn matmul_rows(a: &[f32], b: &[f32], c: &mut [f32], m: usize, k: usize, n: usize) {
    for i in 0..m {
        let crow = &mut c[i * n..i * n + n];
        fill(crow, 0.0);
        let arow = &a[i * k..i * k + k];
        let mut p = 0;
        while p + 4 <= k {
            let coef = [arow[p], arow[p + 1], arow[p + 2], arow[p + 3]];
            axpy4(coef, &b[p * n..], &b[(p + 1) * n..], &b[(p + 2) * n..], &b[(p + 3) * n..], crow);
            p += 4;
        }
        while p < k {
            axpy(arow[p], &b[p * n..p * n + n], crow);
            p += 1;
        }
    }
}

/// C = A·B: [`matmul_rows`] for a few rows of A, the blocked product otherwise.
pub fn mm(a: &[f32], b: &[f32], c: &mut [f32], m: usize, k: usize, n: usize) {
    if m < SMALL_M {
        matmul_rows(a, b, c, m, k, n)
    } else {
        crate::matmul::matmul(a, b, c, m, k, n)
    }
}

/// C (m×n) = A (m×k) · Bᵀ for B (n×k).
/// For a few rows of A each entry is a dot product of two contiguous rows.
pub fn matmul_nt(a: &[f32], b: &[f32], c: &mut [f32], m: usize, k: usize, n: usize) -> Result<(), Oom> {
    if m < SMALL_M {
        for i in 0..m {
            let arow = &a[i * k..i * k + k];
            for j in 0..n {
                c[i * n + j] = dot(arow, &b[j * k..j * k + k]);
            }
        }
        return Ok(());
    }
    let mut bt = Scratch::new(k * n)?;
    crate::reduce::transpose(&b[..n * k], bt.buf(), n, k);
    mm(a, bt.buf(), c, m, k, n);
    Ok(())
}

/// Each of the `rows` rows of `y` (width `bias.len()`) gets `bias` added.
pub fn add_bias_rows(y: &mut [f32], bias: &[f32], rows: usize) {
    let n = bias.len();
    for r in 0..rows {
        add_to(bias, &mut y[r * n..r * n + n]);
    }
}

/// g_bias += Σ over rows of dy (rows × bias.len()).
pub fn bias_grad_rows(dy: &[f32], gb: &mut [f32], rows: usize) {
    let n = gb.len();
    for r in 0..rows {
        add_to(&dy[r * n..r * n + n], gb);
    }
}
