//! Safe wrappers around SIMD128 loads and stores, plus vectorised f32 math.
//!
//! `load`/`store` take slices of at least four elements, so every vector
//! access is bounds-checked by the slice (LLVM removes the check where the
//! loop structure proves it). The math below works on four lanes at once:
//!
//! * `exp`: Cody-Waite reduction x = n·ln2 + r, |r| ≤ ln2/2, with ln2 split in
//!   a high part exact in f32 and a low part; e^r by its degree-6 Taylor
//!   polynomial (truncation error < 1.3e-7·e^r); 2^n built in the exponent
//!   bits. Inputs are clamped to [-87.3, 88.7]; above ln(f32::MAX) the result
//!   is +inf, below -103.97 it is 0, and in between the sub-normal range is
//!   approximated by ~1e-38 (absolute error < 1.2e-38). Max error ≈ 2 ulp.
//! * `log`: x = m·2^e with m ∈ [√½, √2); log m = 2·atanh(s), s = (m-1)/(m+1),
//!   |s| ≤ 0.172, series to s⁹ (error < 2e-9). Sub-normals are scaled by 2^23
//!   first. log 0 = -inf, log(x<0) = NaN, log inf = inf, NaN stays NaN.
//! * `tanh`: odd Taylor series to x¹³ for |x| < 0.4 (error < 2e-9 relative),
//!   1 - 2/(e^{2|x|}+1) with the sign restored otherwise (≤ 4 ulp).
//! * `sigmoid`: 1/(1+e^{-x}), saturating cleanly to 0 and 1.
use core::arch::wasm32::*;

/// Four lanes from the start of `s` (which must hold at least four).
#[inline(always)]
pub fn load(s: &[f32]) -> v128 {
    let s = &s[..4];
    // SAFETY: `s` has exactly four initialised f32; v128_load is unaligned-safe.
    unsafe { v128_load(s.as_ptr() as *const v128) }
}

/// Store four lanes at the start of `s` (which must hold at least four).
#[inline(always)]
pub fn store(s: &mut [f32], v: v128) {
    let s = &mut s[..4];
    // SAFETY: `s` has exactly four f32 of writable storage.
    unsafe { v128_store(s.as_mut_ptr() as *mut v128, v) }
}

/// `v`, through a volatile read, so LLVM cannot see its value: a constant
/// passed through here before a loop stays in a local (one register in V8
/// and Cranelift) instead of being folded into every use. Folding costs V8
/// a multi-instruction constant materialisation per use and lets LLVM's
/// combiner rewrite `f32x4_pmax(x, 0)` into the slow IEEE `f32x4.max`.
#[inline(always)]
pub fn opaque<T: Copy>(v: T) -> T {
    let c = v;
    // SAFETY: `c` is a live, initialised local; a volatile read of it is a plain load.
    unsafe { core::ptr::read_volatile(&c) }
}

/// Broadcast the f32 at `s[0]`.
#[inline(always)]
pub fn splat_at(s: &[f32]) -> v128 { f32x4_splat(s[0]) }

const LN2_HI: f32 = 0.693_145_75;
const LN2_LO: f32 = 1.428_606_8e-6;
const LOG2E: f32 = 1.442_695_04;

/// e^r for a reduced argument |r| <= ln2/2: the degree-6 Taylor polynomial
/// in Horner form (truncation error < 1.3e-7 relative).
#[inline(always)]
fn exp_reduced(r: v128) -> v128 {
    let mut p = f32x4_splat(1.0 / 720.0);
    p = f32x4_add(f32x4_mul(p, r), f32x4_splat(1.0 / 120.0));
    p = f32x4_add(f32x4_mul(p, r), f32x4_splat(1.0 / 24.0));
    p = f32x4_add(f32x4_mul(p, r), f32x4_splat(1.0 / 6.0));
    p = f32x4_add(f32x4_mul(p, r), f32x4_splat(0.5));
    p = f32x4_add(f32x4_mul(p, r), f32x4_splat(1.0));
    f32x4_add(f32x4_mul(p, r), f32x4_splat(1.0))
}

/// e^x on four lanes.
#[inline(always)]
pub fn exp(x: v128) -> v128 {
    let nan = f32x4_ne(x, x);
    let over = f32x4_gt(x, f32x4_splat(88.722_84)); // ln(f32::MAX)
    let under = f32x4_lt(x, f32x4_splat(-103.972_08)); // below the smallest subnormal
    let x = f32x4_min(f32x4_max(x, f32x4_splat(-87.3)), f32x4_splat(88.7));
    let n = f32x4_nearest(f32x4_mul(x, f32x4_splat(LOG2E)));
    let r = f32x4_sub(f32x4_sub(x, f32x4_mul(n, f32x4_splat(LN2_HI))), f32x4_mul(n, f32x4_splat(LN2_LO)));
    let p = exp_reduced(r);
    // 2^n for n in [-126, 128]: split into two factors so n = 128 stays finite
    // until the final product (which then overflows to inf, as it should).
    let ni = i32x4_trunc_sat_f32x4(n);
    let half = i32x4_shr(ni, 1);
    let s1 = i32x4_shl(i32x4_add(half, i32x4_splat(127)), 23);
    let s2 = i32x4_shl(i32x4_add(i32x4_sub(ni, half), i32x4_splat(127)), 23);
    let y = f32x4_mul(f32x4_mul(p, s1), s2);
    let y = v128_bitselect(f32x4_splat(f32::INFINITY), y, over);
    let y = v128_andnot(y, under);
    v128_bitselect(f32x4_splat(f32::NAN), y, nan)
}

/// Natural logarithm on four lanes.
#[inline(always)]
pub fn log(x: v128) -> v128 {
    let tiny = f32x4_lt(x, f32x4_splat(f32::MIN_POSITIVE));
    let xs = v128_bitselect(f32x4_mul(x, f32x4_splat(8_388_608.0)), x, tiny);
    let bits = xs;
    // Exponent and mantissa with m in [sqrt(1/2), sqrt(2)).
    let shifted = i32x4_sub(bits, i32x4_splat(0x3f35_04f3)); // bits of sqrt(1/2)
    let e = i32x4_shr(shifted, 23);
    let m_bits = i32x4_add(v128_and(shifted, i32x4_splat(0x007f_ffff)), i32x4_splat(0x3f35_04f3));
    let m = m_bits;
    let ef = f32x4_sub(f32x4_convert_i32x4(e), v128_and(tiny, f32x4_splat(23.0)));
    let f = f32x4_sub(m, f32x4_splat(1.0));
    let s = f32x4_div(f, f32x4_add(m, f32x4_splat(1.0)));
    let s2 = f32x4_mul(s, s);
    let mut p = f32x4_splat(1.0 / 9.0);
    p = f32x4_add(f32x4_mul(p, s2), f32x4_splat(1.0 / 7.0));
    p = f32x4_add(f32x4_mul(p, s2), f32x4_splat(1.0 / 5.0));
    p = f32x4_add(f32x4_mul(p, s2), f32x4_splat(1.0 / 3.0));
    p = f32x4_mul(p, s2);
    // log m = 2s + 2s·p; then add e·ln2 in two parts.
    let two_s = f32x4_add(s, s);
    let logm = f32x4_add(two_s, f32x4_mul(two_s, p));
    let y = f32x4_add(f32x4_add(f32x4_mul(ef, f32x4_splat(LN2_LO)), logm), f32x4_mul(ef, f32x4_splat(LN2_HI)));
    let y = v128_bitselect(f32x4_splat(f32::NEG_INFINITY), y, f32x4_eq(x, f32x4_splat(0.0)));
    let y = v128_bitselect(f32x4_splat(f32::INFINITY), y, f32x4_eq(x, f32x4_splat(f32::INFINITY)));
    let bad = v128_or(f32x4_lt(x, f32x4_splat(0.0)), f32x4_ne(x, x));
    v128_bitselect(f32x4_splat(f32::NAN), y, bad)
}

/// Logistic sigmoid on four lanes.
///
/// With z = |x| and e = e^{-z} ≤ 1 (never overflows): sigmoid(x) is
/// e / (1 + e) for x < 0 and 1 / (1 + e) otherwise (exact, no 1 - f). e^{-z}
/// = 2^n · e^t, n = round(-z·log2 e) found by adding a magic bias (1.5·2^23
/// + 127), whose low mantissa bits then hold n + 127: shifted left by 23
/// they are the bits of 2^n (no float rounding instruction, no conversion);
/// t = -z - n·ln2 (two-part ln2, |t| ≤ ln2/2), e^t by a degree-5
/// polynomial (see [`SigmoidK`]). For z > 87.3 e^{-z} is below the normal range
/// and e is set to 0 (absolute error < 1.2e-38). NaN propagates.
///
/// The constants come in a [`SigmoidK`] so a kernel loop can build them once
/// (through [`opaque`]) and keep them in locals; -|x| is x with the sign bit
/// set (one OR), and the numerator is chosen by x's sign bit (arithmetic
/// shift, no compare) and a pseudo-max instead of a three-instruction
/// bitselect.
#[inline(always)]
pub fn sigmoid_k(x: v128, k: SigmoidK) -> v128 {
    let mz = v128_or(x, k.sign);
    let biased = f32x4_add(f32x4_mul(mz, k.log2e), k.magic);
    let scale = i32x4_shl(biased, 23);
    let n = f32x4_sub(biased, k.magic);
    let t = f32x4_sub(f32x4_sub(mz, f32x4_mul(n, k.ln2_hi)), f32x4_mul(n, k.ln2_lo));
    let mut p = k.c[0];
    p = f32x4_add(f32x4_mul(p, t), k.c[1]);
    p = f32x4_add(f32x4_mul(p, t), k.c[2]);
    p = f32x4_add(f32x4_mul(p, t), k.c[3]);
    p = f32x4_add(f32x4_mul(p, t), k.c[4]);
    p = f32x4_add(f32x4_mul(p, t), k.one);
    let e = v128_andnot(f32x4_mul(p, scale), f32x4_lt(mz, k.cutoff));
    // x < 0: e/(1+e); x ≥ 0: 1/(1+e). The numerator is max(e, [x ≥ 0]):
    // e ≤ 1, and the indicator is 1.0 from x's sign bit (arithmetic shift,
    // and-not); pmax keeps a NaN e.
    let pos = v128_andnot(k.one, i32x4_shr(x, 31));
    f32x4_div(f32x4_pmax(e, pos), f32x4_add(e, k.one))
}

/// Logistic sigmoid on four lanes (constants folded; see [`sigmoid_k`]).
#[inline(always)]
pub fn sigmoid(x: v128) -> v128 { sigmoid_k(x, SigmoidK::new()) }

/// The vector constants of [`sigmoid_k`].
#[derive(Clone, Copy)]
pub struct SigmoidK {
    sign: v128,
    log2e: v128,
    magic: v128,
    ln2_hi: v128,
    ln2_lo: v128,
    /// e^t ≈ 1 + t·(c[4] + t·(c[3] + t·(c[2] + t·(c[1] + t·c[0])))) on
    /// |t| ≤ ln2/2: degree-5 near-minimax fit of the relative error
    /// (weighted least squares on Chebyshev nodes, coefficients rounded to
    /// f32): at most 1.7e-7 relative (2.9 ulp) in f32 Horner arithmetic,
    /// against 2.4e-7 for the degree-6 Taylor polynomial, with one mul and
    /// one add less.
    c: [v128; 5],
    one: v128,
    cutoff: v128,
}

impl SigmoidK {
    #[inline(always)]
    pub fn new() -> SigmoidK {
        SigmoidK {
            sign: f32x4_splat(-0.0),
            log2e: f32x4_splat(LOG2E),
            magic: f32x4_splat(12_583_039.0), // 1.5·2^23 + 127
            ln2_hi: f32x4_splat(LN2_HI),
            ln2_lo: f32x4_splat(LN2_LO),
            c: [f32x4_splat(8.290_314e-3), f32x4_splat(4.189_793e-2), f32x4_splat(0.166_676_36),
                f32x4_splat(0.499_991_5), f32x4_splat(0.999_999_7)],
            one: f32x4_splat(1.0),
            cutoff: f32x4_splat(-87.3),
        }
    }
}

/// Hyperbolic tangent on four lanes.
#[inline(always)]
pub fn tanh(x: v128) -> v128 {
    let ax = f32x4_abs(x);
    // Large |x|: 1 - 2/(e^{2|x|} + 1), sign copied from x.
    let e = exp(f32x4_add(ax, ax));
    let big = f32x4_sub(f32x4_splat(1.0), f32x4_div(f32x4_splat(2.0), f32x4_add(e, f32x4_splat(1.0))));
    let big = v128_or(big, v128_and(x, f32x4_splat(-0.0)));
    // Small |x|: odd Taylor series.
    let x2 = f32x4_mul(x, x);
    let mut p = f32x4_splat(21844.0 / 6081075.0);
    p = f32x4_add(f32x4_mul(p, x2), f32x4_splat(-1382.0 / 155925.0));
    p = f32x4_add(f32x4_mul(p, x2), f32x4_splat(62.0 / 2835.0));
    p = f32x4_add(f32x4_mul(p, x2), f32x4_splat(-17.0 / 315.0));
    p = f32x4_add(f32x4_mul(p, x2), f32x4_splat(2.0 / 15.0));
    p = f32x4_add(f32x4_mul(p, x2), f32x4_splat(-1.0 / 3.0));
    let small = f32x4_add(x, f32x4_mul(x, f32x4_mul(p, x2)));
    let y = v128_bitselect(small, big, f32x4_lt(ax, f32x4_splat(0.4)));
    v128_bitselect(x, y, f32x4_ne(x, x))
}
