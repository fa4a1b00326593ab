//! f32 matrix product C = A·B (row-major), blocked and packed (BLIS style).
//!
//! Loops, outer to inner: columns of B in panels of NC, depth in slabs of
//! KC, rows of A in blocks of MC, NR-wide strips of the B panel, MR-row
//! strips of the A block. The KC×NC slab of B is packed into NR-wide strips
//! stored k-major (one strip, KC·NR floats, stays in L1); the MC×KC block of
//! A is packed into MR-row strips stored k-major, and stays in L2. Packing pads
//! edge strips with zeros, so the micro-kernel always computes a full MR×NR
//! tile and the write-back clips it: any M, K, N works.
//!
//! The micro-kernel holds the MR×NR = 4×8 tile of C in eight f32x4
//! accumulators. Per k it loads two vectors of B and four ready-made
//! broadcasts of A, and does 8 multiplies and 8 adds (SIMD128 has no FMA).
//! A is packed pre-broadcast (each value stored four times) because Wasmer
//! 1.1's Cranelift lowers both `v128.load32_splat` and lane-broadcast
//! shuffles to several instructions; plain vector loads are the cheapest way
//! to feed it.
//!
//! There are two micro-kernel loops with the same arithmetic in the same
//! order (bit-identical results): the default one-step loop, best in V8, and
//! a two-step loop over fixed KC windows that Wasmer 1.1's Cranelift runs
//! about 15 % faster (see `kernel_two_step`); the host picks it through the
//! `matmul_set_two_step` export, and the Python runtime does so in Wasmer.
//!
//! In V8 a product one depth slab deep with m <= MC skips A's packing: rows
//! are broadcast straight from A (`kernel_splat_a`, same products, same
//! order). MatMul 64³ in node 0.0215 -> 0.0182 and 0.0464 -> 0.0191 ms in
//! two alternating runs of `scripts/peer_report.py --no-chromium --rounds 3`.
//!
//! Variants tried during development (not kept; Wasmer, 1024³, thread CPU
//! time, one session): 1×16 unpacked-A tile 159 ms; 2×16 with
//! shuffled A 94 ms; 4×8 with shuffled A 83 ms; 6×8 117 ms (accumulators
//! spilled); 4×8 pre-broadcast A 77 ms; 3×12 and 4×12 pre-broadcast 78–80 ms;
//! unrolling the depth loop by two or four was slower every time (LLVM
//! hoists the loads and Cranelift then spills).
//! Re-tried with the accumulators in named locals (A/B against the one-step
//! loop at 69–71 ms in the same session, ad-hoc script, medians of the thread
//! CPU clock): 6×8 93–132 ms (spills again), 5×8 93 ms, 4×12 80 ms, 3×12
//! 69 ms (but 13 ms at 512³ against 9), depth unrolled by two 80 ms; KC/MC
//! 512/32, 384/48, 256/32 69–71 ms, 128/128 73 ms (no gain from blocking);
//! one step per iteration with the masked index (offsets folded) 70 ms
//! (the index arithmetic costs what the folded offsets save); the two-step
//! masked loop kept here 58–60 ms; four steps 64–90 ms.
use crate::simd::{load, store};
use core::arch::wasm32::*;
use core::sync::atomic::{AtomicBool, Ordering};

pub const MR: usize = 4;
pub const NR: usize = 8;
const KC: usize = 256;
const MC: usize = 64;
const NC: usize = 1024;

/// Pack depth [p0, p0+kc) × columns [j0, j0+nc) of B into NR-wide strips.
fn pack_b(b: &[f32], ldb: usize, p0: usize, kc: usize, j0: usize, nc: usize, dst: &mut [f32]) {
    let mut o = 0;
    let mut j = 0;
    while j < nc {
        let cols = (nc - j).min(NR);
        for p in 0..kc {
            let row = &b[(p0 + p) * ldb + j0 + j..];
            let out = &mut dst[o..o + NR];
            if cols == NR {
                out.copy_from_slice(&row[..NR]);
            } else {
                out[..cols].copy_from_slice(&row[..cols]);
                out[cols..].iter_mut().for_each(|x| *x = 0.0);
            }
            o += NR;
        }
        j += NR;
    }
}

/// Pack rows [i0, i0+mc) × depth [p0, p0+kc) of A into MR-row strips
/// stored k-major, each value stored four times (a ready-made broadcast).
pub(crate) fn pack_a(a: &[f32], lda: usize, i0: usize, mc: usize, p0: usize, kc: usize, dst: &mut [f32]) {
    let mut o = 0;
    let mut i = 0;
    while i < mc {
        let rows = (mc - i).min(MR);
        for p in 0..kc {
            for r in 0..MR {
                let v = if r < rows { a[(i0 + i + r) * lda + p0 + p] } else { 0.0 };
                store(&mut dst[o..], f32x4_splat(v));
                o += 4;
            }
        }
        i += MR;
    }
}

/// The MR×NR = 4×8 accumulator tile: row r in `c[2r]` (columns 0-3) and
/// `c[2r+1]` (columns 4-7), as eight named fields (see `kernel_one_step`).
#[derive(Clone, Copy)]
struct Tile {
    c0: v128, c1: v128, c2: v128, c3: v128, c4: v128, c5: v128, c6: v128, c7: v128,
}

impl Tile {
    const ZERO: Tile = Tile {
        c0: F32X4_ZERO, c1: F32X4_ZERO, c2: F32X4_ZERO, c3: F32X4_ZERO,
        c4: F32X4_ZERO, c5: F32X4_ZERO, c6: F32X4_ZERO, c7: F32X4_ZERO,
    };

    /// One depth step: row r += a_r · [b0 b1] (8 multiplies, 8 adds).
    #[inline(always)]
    fn fma(self, a0: v128, a1: v128, a2: v128, a3: v128, b0: v128, b1: v128) -> Tile {
        Tile {
            c0: f32x4_add(self.c0, f32x4_mul(a0, b0)), c1: f32x4_add(self.c1, f32x4_mul(a0, b1)),
            c2: f32x4_add(self.c2, f32x4_mul(a1, b0)), c3: f32x4_add(self.c3, f32x4_mul(a1, b1)),
            c4: f32x4_add(self.c4, f32x4_mul(a2, b0)), c5: f32x4_add(self.c5, f32x4_mul(a2, b1)),
            c6: f32x4_add(self.c6, f32x4_mul(a3, b0)), c7: f32x4_add(self.c7, f32x4_mul(a3, b1)),
        }
    }

    /// One depth step from a packed A step (four broadcasts, `ak[0..16]`)
    /// and a packed B step (`bk[0..8]`).
    #[inline(always)]
    fn step(self, ak: &[f32], bk: &[f32]) -> Tile {
        let (b0, b1) = (load(&bk[0..]), load(&bk[4..]));
        self.fma(load(&ak[0..]), load(&ak[4..]), load(&ak[8..]), load(&ak[12..]), b0, b1)
    }

    #[inline(always)]
    fn vectors(self) -> [v128; 8] { [self.c0, self.c1, self.c2, self.c3, self.c4, self.c5, self.c6, self.c7] }
}

const F32X4_ZERO: v128 = f32x4(0.0, 0.0, 0.0, 0.0);

/// Whether [`micro_kernel`] uses [`kernel_two_step`] (set by the host
/// through `matmul_set_two_step`; off by default).
static TWO_STEP: AtomicBool = AtomicBool::new(false);

/// One packed A strip (kc × MR broadcasts) times one packed B strip
/// (kc × NR): the MR×NR tile as eight vectors, row r in `[2r]`, `[2r+1]`.
/// `ap` and `bp` start at the strips and may run on past them. When the
/// host asked for it and both slices extend over a whole `KC` window (the
/// buffers of [`matmul_with`] have that slack), [`kernel_two_step`] runs;
/// otherwise [`kernel_one_step`].
#[inline(always)]
pub(crate) fn micro_kernel(ap: &[f32], bp: &[f32], kc: usize) -> [v128; 8] {
    if kc <= KC && TWO_STEP.load(Ordering::Relaxed) {
        let wa: Option<&[f32; KC * 4 * MR]> = ap.get(..KC * 4 * MR).and_then(|s| s.try_into().ok());
        let wb: Option<&[f32; KC * NR]> = bp.get(..KC * NR).and_then(|s| s.try_into().ok());
        if let (Some(wa), Some(wb)) = (wa, wb) {
            return kernel_two_step(wa, wb, kc);
        }
    }
    kernel_one_step(&ap[..kc * 4 * MR], &bp[..kc * NR])
}

/// The micro-kernel, one depth step per iteration (the default).
// Not inlined: Cranelift allocates registers per function, and the outer
// loops' live values would otherwise push the accumulators onto the stack.
// The accumulators are a `Tile` of eight named fields, not an array: with an
// array V8 kept them on the stack, reloading and storing all eight on every
// k (conv 224×224×3→64 through this kernel in node: 5.9 ms, against 7.7 ms
// with the array; matmul 64³ 0.019 against 0.021 ms).
#[inline(never)]
fn kernel_one_step(ap: &[f32], bp: &[f32]) -> [v128; 8] {
    let mut t = Tile::ZERO;
    let kc = (ap.len() / (4 * MR)).min(bp.len() / NR);
    for (ak, bk) in ap[..kc * 4 * MR].chunks_exact(4 * MR).zip(bp[..kc * NR].chunks_exact(NR)) {
        t = t.step(ak, bk);
    }
    t.vectors()
}

/// The micro-kernel reading A unpacked: rows `x0..x3` (kc values each) of A
/// broadcast one value at a time (`v128.load32_splat`, one instruction in
/// V8), times one packed B strip. For a product that fits one depth slab
/// and one row block in V8, skipping A's pre-broadcast packing saves its
/// stores and four times the A traffic (see [`matmul_with`]).
#[inline(never)]
fn kernel_splat_a(x0: &[f32], x1: &[f32], x2: &[f32], x3: &[f32], bp: &[f32]) -> [v128; 8] {
    let mut t = Tile::ZERO;
    let rows = x0.iter().zip(x1.iter()).zip(x2.iter().zip(x3.iter()));
    for (((v0, v1), (v2, v3)), bk) in rows.zip(bp.chunks_exact(NR)) {
        t = t.fma(f32x4_splat(*v0), f32x4_splat(*v1), f32x4_splat(*v2), f32x4_splat(*v3),
                  load(&bk[0..]), load(&bk[4..]));
    }
    t.vectors()
}

/// The micro-kernel for Wasmer 1.1 (Cranelift): the first `kc` depth steps
/// of KC-step windows, two steps per iteration.
///
/// The pair index goes through `(j ^ zero) & (KC/2 - 1)`, `zero` a 0 that
/// LLVM cannot see: the same j, but no longer an induction variable to
/// LLVM's loop strength reduction, which otherwise rewrites every load as
/// its own `i32.add` plus `v128.load` (this Cranelift spends two or three
/// x86 instructions per such add; the one-step loop came to 44 x86
/// instructions per depth step, read from Wasmer's JIT code). Left alone,
/// all loads of an iteration share two base addresses with constant
/// `offset=`s (one zero-extend each in Cranelift), and the mask keeps
/// the index inside the fixed-size windows, so the loop needs no bounds
/// checks and stays one basic block. Per two steps the index costs about
/// a dozen x86 instructions, which two steps share; with one step per
/// iteration it costs what the folded offsets save (70 ms at 1024³, no
/// gain). In V8 this loop is slower (TurboFan already folds the offsets;
/// presumably both steps' live operands cost it registers): 1024³ 76
/// against 61 ms in node, hence the switch.
#[inline(never)]
fn kernel_two_step(wa: &[f32; KC * 4 * MR], wb: &[f32; KC * NR], kc: usize) -> [v128; 8] {
    let mut t = Tile::ZERO;
    let zero = crate::simd::opaque(0usize);
    for j in 0..kc.min(KC) / 2 {
        let kk = (j ^ zero) & (KC / 2 - 1);
        let ak = &wa[kk * 8 * MR..kk * 8 * MR + 8 * MR];
        let bk = &wb[kk * 2 * NR..kk * 2 * NR + 2 * NR];
        {
            t = t.step(ak, bk);
        }
        {
            t = t.step(&ak[16..], &bk[8..]);
        }
    }
    if kc % 2 == 1 && kc <= KC {
        let ak = &wa[(kc - 1) * 4 * MR..kc * 4 * MR];
        let bk = &wb[(kc - 1) * NR..kc * NR];
        t = t.step(ak, bk);
    }
    t.vectors()
}

/// Write (when `first`) or accumulate the tile into C at (i, j), clipped to
/// `rows` × `cols`.
fn write_tile(c: &mut [f32], ldc: usize, i: usize, j: usize, rows: usize, cols: usize,
              t: &[v128; 8], first: bool) {
    for r in 0..rows {
        let at = (i + r) * ldc + j;
        let row = &mut c[at..at + cols];
        let (lo, hi) = (t[2 * r], t[2 * r + 1]);
        if cols == NR {
            let (x0, x1) = if first {
                (lo, hi)
            } else {
                (f32x4_add(load(&row[0..]), lo), f32x4_add(load(&row[4..]), hi))
            };
            store(&mut row[0..], x0);
            store(&mut row[4..], x1);
        } else {
            let mut buf = [0.0f32; NR];
            store(&mut buf[0..], lo);
            store(&mut buf[4..], hi);
            for (x, v) in row.iter_mut().zip(buf.iter()) {
                *x = if first { *v } else { *x + *v };
            }
        }
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

/// Floats of the B packing buffer: a KC×NC slab in NR-wide strips, plus
/// one strip's KC window of slack for [`kernel_two_step`].
pub const fn packed_b_len() -> usize { (NC + NR - 1) / NR * NR * KC + KC * NR }

/// Floats of the A packing buffer: an MC×KC block in MR-row strips, each
/// value four times, plus one strip's KC window of slack.
pub const fn packed_a_len() -> usize { (MC + MR - 1) / MR * MR * KC * 4 + KC * 4 * MR }

/// C (m×n) = A (m×k) · B (k×n) with caller-provided packing buffers of at
/// least `packed_a_len()` and `packed_b_len()` floats.
pub fn matmul_with(a: &[f32], b: &[f32], c: &mut [f32], m: usize, k: usize, n: usize,
                   pa: &mut [f32], pb: &mut [f32]) {
    if k == 0 {
        c[..m * n].iter_mut().for_each(|x| *x = 0.0);
        return;
    }
    let mut j0 = 0;
    while j0 < n {
        let nc = (n - j0).min(NC);
        let mut p0 = 0;
        while p0 < k {
            let kc = (k - p0).min(KC);
            if m <= MC {
                // One row block: pack each B strip right before the row strips
                // use it, so it is written to and read from L1 only (the whole
                // KC×NC slab, 1 MiB, would go out to L3 and come back).
                // Without the two-step kernel (V8's path) A is not packed when
                // the product is one slab deep: rows are broadcast straight
                // from A (`kernel_splat_a`).
                let splat_a = k <= KC && !TWO_STEP.load(Ordering::Relaxed);
                if !splat_a {
                    pack_a(a, k, 0, m, p0, kc, pa);
                }
                let mut jr = 0;
                while jr < nc {
                    let cols = (nc - jr).min(NR);
                    pack_b(b, n, p0, kc, j0 + jr, cols, &mut pb[..kc * NR]);
                    let bs = &pb[..];
                    let mut ir = 0;
                    while ir < m {
                        let rows = (m - ir).min(MR);
                        let t = if splat_a {
                            // Rows past m repeat the last row; write_tile drops them.
                            let row = |r: usize| {
                                let at = (ir + r).min(m - 1) * k;
                                &a[at..at + k]
                            };
                            kernel_splat_a(row(0), row(1), row(2), row(3), &bs[..k * NR])
                        } else {
                            micro_kernel(&pa[(ir / MR) * kc * MR * 4..], bs, kc)
                        };
                        write_tile(c, n, ir, j0 + jr, rows, cols, &t, p0 == 0);
                        ir += MR;
                    }
                    jr += NR;
                }
                p0 += KC;
                continue;
            }
            pack_b(b, n, p0, kc, j0, nc, pb);
            let mut i0 = 0;
            while i0 < m {
                let mc = (m - i0).min(MC);
                pack_a(a, k, i0, mc, p0, kc, pa);
                let mut jr = 0;
                while jr < nc {
                    let cols = (nc - jr).min(NR);
                    let bs = &pb[(jr / NR) * kc * NR..];
                    let mut ir = 0;
                    while ir < mc {
                        let rows = (mc - ir).min(MR);
                        let t = micro_kernel(&pa[(ir / MR) * kc * MR * 4..], bs, kc);
                        write_tile(c, n, i0 + ir, j0 + jr, rows, cols, &t, p0 == 0);
                        ir += MR;
                    }
                    jr += NR;
                }
                i0 += MC;
            }
            p0 += KC;
        }
        j0 += NC;
    }
}

/// C = A·B, allocating packing buffers in the kernel heap.
pub fn matmul(a: &[f32], b: &[f32], c: &mut [f32], m: usize, k: usize, n: usize) {
    let (la, lb) = (packed_a_len(), packed_b_len());
    let block = crate::alloc::alloc((la + lb) * 4);
    if block == 0 {
        return matmul_unpacked(a, b, c, m, k, n);
    }
    // SAFETY: `block` is a fresh heap allocation of la + lb f32, 16-aligned,
    // used only here and freed before returning.
    let buf = unsafe { crate::ffi::slice_mut(block as *mut f32, la + lb) };
    let (pa, pb) = buf.split_at_mut(la);
    matmul_with(a, b, c, m, k, n, pa, pb);
    crate::alloc::free(block);
}

// --- exports ---
use crate::ffi::{slice, slice_mut};

/// Host switch for the two-step micro-kernel (non-zero: on); see
/// [`kernel_two_step`]. The Python runtime turns it on in Wasmer only.
#[no_mangle]
pub extern "C" fn matmul_set_two_step(on: u32) { TWO_STEP.store(on != 0, Ordering::Relaxed) }

#[no_mangle]
pub unsafe extern "C" fn matmul_f32(a: *const f32, b: *const f32, c: *mut f32, m: usize, k: usize, n: usize) {
    matmul(slice(a, m * k), slice(b, k * n), slice_mut(c, m * n), m, k, n)
}
