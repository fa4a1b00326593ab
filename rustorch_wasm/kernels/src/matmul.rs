//! f32 matrix product C = A·B (row-major), blocked and packed.
//!
//! Loops, outer to inner: columns of B in panels of NC, depth in slabs of KC,
//! NR-wide column strips of the panel, rows of A. Each KC×NC slab of B is
//! packed into NR-wide strips stored k-major, so a strip (KC·NR floats,
//! 16 KiB) stays in L1 while every row of A streams past it. The micro-kernel
//! computes a 1×NR piece of C in NR/4 = 4 vector accumulators: per k, one
//! broadcast of A and four loads, multiplies and adds (SIMD128 has no FMA).
//!
//! Why 1×16 and not the 4×8 or 6×8 register tiles of native BLAS: Wasmer
//! 1.1's Cranelift spills larger tiles of v128 accumulators, and measured in
//! Wasmer a 1×16 tile ran at ~18 GFLOP/s against 11 for 4×8 and 6 for 6×8
//! (probe crate, kc = 256, same run). Edge strips are packed with zeros and
//! written back clipped, so any M, K, N works. The packing buffer comes from
//! the kernel heap; if that fails the plain i-k-j loop is used (slow, never
//! wrong).
use crate::simd::{load, store};
use core::arch::wasm32::*;

pub const NR: usize = 16;
const KC: usize = 256;
const NC: usize = 1024;

/// Pack depth [p0, p0+kc) × columns [j0, j0+nc) of B into NR-wide strips.
fn pack_b(b: &[f32], ldb: usize, p0: usize, kc: usize, j0: usize, nc: usize, dst: &mut [f32]) {
    let mut o = 0;
    let mut j = 0;
    while j < nc {
        let cols = (nc - j).min(NR);
        for p in 0..kc {
            let row = &b[(p0 + p) * ldb + j0 + j..];
            if cols == NR {
                dst[o..o + NR].copy_from_slice(&row[..NR]);
            } else {
                for c in 0..NR {
                    dst[o + c] = if c < cols { row[c] } else { 0.0 };
                }
            }
            o += NR;
        }
        j += NR;
    }
}

/// One row of A (`a`, kc values) times one packed strip (kc × NR): NR
/// results as four vectors.
// Not inlined: Cranelift allocates registers per function, and the outer
// loops' live values would otherwise push the accumulators onto the stack.
#[inline(never)]
fn micro_kernel(a: &[f32], strip: &[f32]) -> [v128; 4] {
    let z = f32x4_splat(0.0);
    let (mut c0, mut c1, mut c2, mut c3) = (z, z, z, z);
    for (ak, bk) in a.iter().zip(strip.chunks_exact(NR)) {
        let av = f32x4_splat(*ak);
        c0 = f32x4_add(c0, f32x4_mul(av, load(&bk[0..])));
        c1 = f32x4_add(c1, f32x4_mul(av, load(&bk[4..])));
        c2 = f32x4_add(c2, f32x4_mul(av, load(&bk[8..])));
        c3 = f32x4_add(c3, f32x4_mul(av, load(&bk[12..])));
    }
    [c0, c1, c2, c3]
}

/// Add (or, when `first`, write) NR computed values into `row`, clipped to
/// its length.
#[inline(always)]
fn write_row(row: &mut [f32], t: &[v128; 4], first: bool) {
    if row.len() == NR {
        for (q, v) in t.iter().enumerate() {
            let x = if first { *v } else { f32x4_add(load(&row[4 * q..]), *v) };
            store(&mut row[4 * q..], x);
        }
        return;
    }
    let mut buf = [0.0f32; NR];
    for (q, v) in t.iter().enumerate() {
        store(&mut buf[4 * q..], *v);
    }
    for (x, v) in row.iter_mut().zip(buf.iter()) {
        *x = if first { *v } else { *x + *v };
    }
}

/// The i-k-j loop, used when packing buffers cannot be allocated.
pub fn matmul_unpacked(a: &[f32], b: &[f32], c: &mut [f32], m: usize, k: usize, n: usize) {
    for x in c[..m * n].iter_mut() {
        *x = 0.0;
    }
    for i in 0..m {
        let crow = &mut c[i * n..i * n + n];
        for p in 0..k {
            let aip = a[i * k + p];
            for (x, y) in crow.iter_mut().zip(&b[p * n..p * n + n]) {
                *x += aip * *y;
            }
        }
    }
}

/// C (m×n) = A (m×k) · B (k×n) with a caller-provided packing buffer of
/// at least `packed_b_len()` floats.
pub fn matmul_with(a: &[f32], b: &[f32], c: &mut [f32], m: usize, k: usize, n: usize, pb: &mut [f32]) {
    if k == 0 {
        for x in c[..m * n].iter_mut() {
            *x = 0.0;
        }
        return;
    }
    let mut j0 = 0;
    while j0 < n {
        let nc = (n - j0).min(NC);
        let mut p0 = 0;
        while p0 < k {
            let kc = (k - p0).min(KC);
            pack_b(b, n, p0, kc, j0, nc, pb);
            let mut jr = 0;
            while jr < nc {
                let cols = (nc - jr).min(NR);
                let strip = &pb[(jr / NR) * kc * NR..(jr / NR + 1) * kc * NR];
                for i in 0..m {
                    let t = micro_kernel(&a[i * k + p0..i * k + p0 + kc], strip);
                    let at = i * n + j0 + jr;
                    write_row(&mut c[at..at + cols], &t, p0 == 0);
                }
                jr += NR;
            }
            p0 += KC;
        }
        j0 += NC;
    }
}

/// Floats of the packing buffer: a KC×NC slab of B in NR-wide strips.
pub const fn packed_b_len() -> usize { (NC + NR - 1) / NR * NR * KC }

/// C = A·B, allocating packing buffers in the kernel heap.
pub fn matmul(a: &[f32], b: &[f32], c: &mut [f32], m: usize, k: usize, n: usize) {
    let lb = packed_b_len();
    let block = crate::alloc::alloc(lb * 4);
    if block == 0 {
        return matmul_unpacked(a, b, c, m, k, n);
    }
    // SAFETY: `block` is a fresh heap allocation of lb f32, 16-aligned, used
    // only here and freed before returning.
    let pb = unsafe { crate::ffi::slice_mut(block as *mut f32, lb) };
    matmul_with(a, b, c, m, k, n, pb);
    crate::alloc::free(block);
}

// --- exports ---
use crate::ffi::{slice, slice_mut};

#[no_mangle]
pub unsafe extern "C" fn matmul_f32(a: *const f32, b: *const f32, c: *mut f32, m: usize, k: usize, n: usize) {
    matmul(slice(a, m * k), slice(b, k * n), slice_mut(c, m * n), m, k, n)
}
