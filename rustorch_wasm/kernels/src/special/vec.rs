//! Shared machinery of the special functions' array paths.
//!
//! * [`Real`]: the arithmetic a kernel formula needs, for `f64` and (wasm32)
//!   for two f64 lanes in one SIMD128 register ([`V`]). A formula written
//!   once over `T: Real` runs on single values and on pairs with the same
//!   operations in the same order, so the scalar export, the array export's
//!   vector loop and its odd last element give bit-identical results.
//! * [`split_map`]: an array is cut into chunks; each value is sent to the
//!   bucket of the interval its formula is branch-free on, each bucket runs
//!   one vector loop over its packed values, and the results are scattered
//!   back. Inputs and outputs may coincide (in place).
//! * [`exp_dd`]: e^{a+b} with a tiny correction b (the exact split of -x²
//!   used by erfc), on the normal range: k = round(a/ln2),
//!   r = (a - k·ln2_hi) + (b - k·ln2_lo) (the first difference is exact),
//!   e^r by a degree-11 minimax polynomial on |r| ≤ ln2/2 (relative error
//!   3e-18, fitted by tools/special_fit.py), 2^k built in the exponent bits.
//!   Error ≲ 1.5 ulp for results in the normal range (the caller keeps k in
//!   [-1022, 1023]). [`log`]: see its doc.
use core::ops::{Add, Div, Mul, Neg, Sub};

/// The operations a kernel formula is written with.
pub(crate) trait Real:
    Copy + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self> + Div<Output = Self> + Neg<Output = Self>
{
    fn c(v: f64) -> Self;
    fn abs(self) -> Self;
    /// |self| with the sign of `s`.
    fn copysign(self, s: Self) -> Self;
    /// self with the low 27 bits of the significand cleared (26 bits kept: squares are exact).
    fn hi26(self) -> Self;
    /// 2^k where `self` = k + 1.5·2^52 (k integral, -1022 ≤ k ≤ 1023), from its bits.
    fn pow2_of_shifted(self) -> Self;
    /// (e, m) with self = m·2^e, m in [√½, √2), for a positive normal self.
    fn split_log(self) -> (Self, Self);
    fn sqrt(self) -> Self;
    fn floor(self) -> Self;
    /// The larger of self and o (self when they are unordered: wasm's pmax).
    fn max(self, o: Self) -> Self;
    /// The smaller of self and o (self when they are unordered: wasm's pmin).
    fn min(self, o: Self) -> Self;
    /// self with its sign flipped where `s` is negative.
    fn flipsign(self, s: Self) -> Self;
    /// (sin x, cos x) from (sin r, cos r) where x = r + q·π/2 and `shifted` = q + 1.5·2^52.
    fn quadrant(shifted: Self, s: Self, c: Self) -> (Self, Self);
}

impl Real for f64 {
    #[inline(always)]
    fn c(v: f64) -> Self { v }
    #[inline(always)]
    fn abs(self) -> Self { crate::math::fabs(self) }
    #[inline(always)]
    fn copysign(self, s: Self) -> Self {
        f64::from_bits((self.to_bits() & !SIGN) | (s.to_bits() & SIGN))
    }
    #[inline(always)]
    fn hi26(self) -> Self { f64::from_bits(self.to_bits() & HI26) }
    #[inline(always)]
    fn pow2_of_shifted(self) -> Self { f64::from_bits(self.to_bits().wrapping_add(1023) << 52) }
    #[inline(always)]
    fn split_log(self) -> (Self, Self) {
        let shifted = self.to_bits().wrapping_add(LOG_BIAS);
        let e = shifted >> 52; // e + 1024, never negative: a logical shift
        let ef = f64::from_bits(SHIFT.to_bits().wrapping_add(e)) - (SHIFT + 1024.0);
        (ef, f64::from_bits((shifted & MANT) + SQRT_HALF_BITS))
    }
    #[inline(always)]
    fn sqrt(self) -> Self { crate::math::sqrt(self) }
    #[inline(always)]
    fn floor(self) -> Self { crate::math::floor(self) }
    #[inline(always)]
    fn max(self, o: Self) -> Self { if self < o { o } else { self } }
    #[inline(always)]
    fn min(self, o: Self) -> Self { if o < self { o } else { self } }
    #[inline(always)]
    fn flipsign(self, s: Self) -> Self { f64::from_bits(self.to_bits() ^ (s.to_bits() & SIGN)) }
    #[inline(always)]
    fn quadrant(shifted: Self, s: Self, c: Self) -> (Self, Self) {
        let q = shifted.to_bits();
        let (s1, c1) = if q & 1 != 0 { (c, s) } else { (s, c) };
        (f64::from_bits(s1.to_bits() ^ ((q & 2) << 62)), f64::from_bits(c1.to_bits() ^ ((q.wrapping_add(1) & 2) << 62)))
    }
}

const SQRT_HALF_BITS: u64 = 0x3fe6_a09e_667f_3bcd;
/// bits(x) + LOG_BIAS = bits(x) - bits(√½) + 1024·2^52: its top 12 bits are e + 1024 for x in
/// [√½, √2)·2^e, so a logical shift (native in SSE, unlike the 64-bit arithmetic one) finds e.
const LOG_BIAS: u64 = (1024u64 << 52).wrapping_sub(SQRT_HALF_BITS);
const MANT: u64 = 0x000f_ffff_ffff_ffff;

const SIGN: u64 = 1 << 63;
const HI26: u64 = 0xffff_ffff_f800_0000;
/// 1.5·2^52: adding it rounds an f64 of magnitude < 2^51 to an integer (ties to even).
pub(crate) const SHIFT: f64 = 6_755_399_441_055_744.0;

#[cfg(target_arch = "wasm32")]
pub(crate) use wasm::*;

#[cfg(target_arch = "wasm32")]
mod wasm {
    use super::{Real, HI26, LOG_BIAS, MANT, SHIFT, SIGN, SQRT_HALF_BITS};
    use core::arch::wasm32::*;
    use core::ops::{Add, Div, Mul, Neg, Sub};

    /// Two f64 lanes.
    #[derive(Clone, Copy)]
    pub(crate) struct V(pub v128);

    impl Add for V {
        type Output = V;
        #[inline(always)]
        fn add(self, o: V) -> V { V(f64x2_add(self.0, o.0)) }
    }
    impl Sub for V {
        type Output = V;
        #[inline(always)]
        fn sub(self, o: V) -> V { V(f64x2_sub(self.0, o.0)) }
    }
    impl Mul for V {
        type Output = V;
        #[inline(always)]
        fn mul(self, o: V) -> V { V(f64x2_mul(self.0, o.0)) }
    }
    impl Div for V {
        type Output = V;
        #[inline(always)]
        fn div(self, o: V) -> V { V(f64x2_div(self.0, o.0)) }
    }
    impl Neg for V {
        type Output = V;
        #[inline(always)]
        fn neg(self) -> V { V(f64x2_neg(self.0)) }
    }
    impl Real for V {
        #[inline(always)]
        fn c(v: f64) -> Self { V(f64x2_splat(v)) }
        #[inline(always)]
        fn abs(self) -> Self { V(f64x2_abs(self.0)) }
        #[inline(always)]
        fn copysign(self, s: Self) -> Self {
            V(v128_bitselect(s.0, self.0, u64x2_splat(SIGN)))
        }
        #[inline(always)]
        fn hi26(self) -> Self { V(v128_and(self.0, u64x2_splat(HI26))) }
        #[inline(always)]
        fn pow2_of_shifted(self) -> Self {
            V(i64x2_shl(i64x2_add(self.0, i64x2_splat(1023)), 52))
        }
        #[inline(always)]
        fn split_log(self) -> (Self, Self) {
            let shifted = i64x2_add(self.0, i64x2_splat(LOG_BIAS as i64));
            let e = u64x2_shr(shifted, 52);
            let ef = f64x2_sub(i64x2_add(e, i64x2_splat(SHIFT.to_bits() as i64)), f64x2_splat(SHIFT + 1024.0));
            let m = i64x2_add(v128_and(shifted, u64x2_splat(MANT)), i64x2_splat(SQRT_HALF_BITS as i64));
            (V(ef), V(m))
        }
        #[inline(always)]
        fn sqrt(self) -> Self { V(f64x2_sqrt(self.0)) }
        #[inline(always)]
        fn floor(self) -> Self { V(f64x2_floor(self.0)) }
        #[inline(always)]
        fn max(self, o: Self) -> Self { V(f64x2_pmax(self.0, o.0)) }
        #[inline(always)]
        fn min(self, o: Self) -> Self { V(f64x2_pmin(self.0, o.0)) }
        #[inline(always)]
        fn flipsign(self, s: Self) -> Self { V(v128_xor(self.0, v128_and(s.0, u64x2_splat(SIGN)))) }
        #[inline(always)]
        fn quadrant(shifted: Self, s: Self, c: Self) -> (Self, Self) {
            let q = shifted.0;
            let odd = i64x2_eq(v128_and(q, i64x2_splat(1)), i64x2_splat(1));
            let s1 = v128_bitselect(c.0, s.0, odd);
            let c1 = v128_bitselect(s.0, c.0, odd);
            let ss = i64x2_shl(v128_and(q, i64x2_splat(2)), 62);
            let cs = i64x2_shl(v128_and(i64x2_add(q, i64x2_splat(1)), i64x2_splat(2)), 62);
            (V(v128_xor(s1, ss)), V(v128_xor(c1, cs)))
        }
    }

    /// Apply `f` in place over `s`: pairs in SIMD lanes, an odd last value alone.
    #[inline(always)]
    pub(crate) fn map_pairs(s: &mut [f64], fv: impl Fn(V) -> V, f1: impl Fn(f64) -> f64) {
        let mut pairs = s.chunks_exact_mut(2);
        for p in &mut pairs {
            // SAFETY: `p` holds exactly two f64; v128 loads and stores need no alignment.
            unsafe {
                let v = v128_load(p.as_ptr() as *const v128);
                v128_store(p.as_mut_ptr() as *mut v128, fv(V(v)).0);
            }
        }
        for v in pairs.into_remainder() {
            *v = f1(*v);
        }
    }
}

/// out[i] = f_c(a[i], b[i]) with c = class(a[i], b[i]) < B, one bucket per
/// class: `kernel(c, s, t)` computes f_c in place over a bucket's packed
/// first arguments `s` with the second ones `t`. `out` may be `a` or `b`.
///
/// # Safety
/// `a`, `b` and `out` must each hold `n` f64; `out` may coincide with `a` or
/// `b` but not overlap them otherwise.
#[inline(always)]
pub(crate) unsafe fn split_map2<const B: usize>(
    a: *const f64,
    b: *const f64,
    out: *mut f64,
    n: usize,
    class: impl Fn(f64, f64) -> usize,
    kernel: impl Fn(usize, &mut [f64], &[f64]),
) {
    use core::mem::MaybeUninit;
    let mut va: MaybeUninit<[[f64; CHUNK]; B]> = MaybeUninit::uninit();
    let mut vb: MaybeUninit<[[f64; CHUNK]; B]> = MaybeUninit::uninit();
    let mut idx: MaybeUninit<[[u16; CHUNK]; B]> = MaybeUninit::uninit();
    let (va, vb, idx) = (va.as_mut_ptr() as *mut f64, vb.as_mut_ptr() as *mut f64, idx.as_mut_ptr() as *mut u16);
    let mut base = 0;
    while base < n {
        let m = if n - base < CHUNK { n - base } else { CHUNK };
        let mut cnt = [0usize; B];
        for i in 0..m {
            let (x, y) = (*a.add(base + i), *b.add(base + i));
            let c = class(x, y);
            debug_assert!(c < B);
            let k = *cnt.get_unchecked(c);
            *va.add(c * CHUNK + k) = x;
            *vb.add(c * CHUNK + k) = y;
            *idx.add(c * CHUNK + k) = i as u16;
            *cnt.get_unchecked_mut(c) = k + 1;
        }
        for c in 0..B {
            let k = cnt[c];
            if k == 0 {
                continue;
            }
            let s = core::slice::from_raw_parts_mut(va.add(c * CHUNK), k);
            kernel(c, s, core::slice::from_raw_parts(vb.add(c * CHUNK), k));
            let ix = idx.add(c * CHUNK);
            let o = out.add(base);
            for j in 0..k {
                *o.add(*ix.add(j) as usize) = s[j];
            }
        }
        base += m;
    }
}

/// s[i] = f(s[i], t[i]) in place: pairs in SIMD lanes, an odd last value alone.
#[inline(always)]
pub(crate) fn run2(s: &mut [f64], t: &[f64], #[allow(unused)] fv: impl Fn(Pair, Pair) -> Pair, f1: impl Fn(f64, f64) -> f64) {
    let n = s.len().min(t.len());
    let mut i = 0;
    #[cfg(target_arch = "wasm32")]
    while i + 2 <= n {
        use core::arch::wasm32::*;
        // SAFETY: i + 2 <= n, so both slices hold two f64 at i; unaligned v128 access is allowed.
        unsafe {
            let x = v128_load(s.as_ptr().add(i) as *const v128);
            let y = v128_load(t.as_ptr().add(i) as *const v128);
            v128_store(s.as_mut_ptr().add(i) as *mut v128, fv(V(x), V(y)).0);
        }
        i += 2;
    }
    while i < n {
        s[i] = f1(s[i], t[i]);
        i += 1;
    }
}

/// The lane type of the vector loops: [`V`] on wasm32, f64 elsewhere (unused there).
#[cfg(target_arch = "wasm32")]
pub(crate) type Pair = V;
#[cfg(not(target_arch = "wasm32"))]
pub(crate) type Pair = f64;

/// A formula on one interval: `f::<f64>` for single values, `f::<V>` for pairs.
pub(crate) trait Kernel {
    fn f<T: Real>(x: T) -> T;
}

/// Apply `fv` (pairs) / `f1` (a last odd value) in place over `s`; `f1` alone off wasm32.
#[inline(always)]
pub(crate) fn map_lanes(s: &mut [f64], #[allow(unused)] fv: impl Fn(Pair) -> Pair, f1: impl Fn(f64) -> f64) {
    #[cfg(target_arch = "wasm32")]
    map_pairs(s, fv, f1);
    #[cfg(not(target_arch = "wasm32"))]
    for v in s.iter_mut() {
        *v = f1(*v);
    }
}

/// Run kernel `K` over the packed values of one bucket, in place.
pub(crate) fn run<K: Kernel>(s: &mut [f64]) {
    #[cfg(target_arch = "wasm32")]
    map_pairs(s, K::f::<V>, K::f::<f64>);
    #[cfg(not(target_arch = "wasm32"))]
    for v in s.iter_mut() {
        *v = K::f::<f64>(*v);
    }
}

/// Horner's rule over `c` (lowest degree first); `c` is a constant, so it unrolls.
#[inline(always)]
pub(crate) fn poly<T: Real>(c: &[f64], v: T) -> T {
    let mut acc = T::c(c[c.len() - 1]);
    let mut i = c.len() - 1;
    while i > 0 {
        i -= 1;
        acc = acc * v + T::c(c[i]);
    }
    acc
}

/// Values per chunk of [`split_map`] (indices are u16). The buckets live on the
/// stack: B·CHUNK·10 bytes (140 KiB for erfc's 14 buckets, of wasm's 1 MiB).
pub(crate) const CHUNK: usize = 1024;

/// out[i] = f_c(x[i]) with c = class(x[i]) over `n` values, one bucket per
/// class (`class` must return < B): `kernel(c, values)` computes f_c in place
/// over a bucket's packed values. `out` may be `x`.
///
/// # Safety
/// `x` and `out` must each hold `n` f64 and either coincide or not overlap.
#[inline(always)]
pub(crate) unsafe fn split_map<const B: usize>(
    x: *const f64,
    out: *mut f64,
    n: usize,
    class: impl Fn(f64) -> usize,
    kernel: impl Fn(usize, &mut [f64]),
) {
    use core::mem::MaybeUninit;
    let mut vals: MaybeUninit<[[f64; CHUNK]; B]> = MaybeUninit::uninit();
    let mut idx: MaybeUninit<[[u16; CHUNK]; B]> = MaybeUninit::uninit();
    let vals = vals.as_mut_ptr() as *mut f64;
    let idx = idx.as_mut_ptr() as *mut u16;
    let mut base = 0;
    while base < n {
        let m = if n - base < CHUNK { n - base } else { CHUNK };
        let mut cnt = [0usize; B];
        for i in 0..m {
            let v = *x.add(base + i);
            let c = class(v);
            debug_assert!(c < B);
            let k = *cnt.get_unchecked(c);
            *vals.add(c * CHUNK + k) = v;
            *idx.add(c * CHUNK + k) = i as u16;
            *cnt.get_unchecked_mut(c) = k + 1;
        }
        for c in 0..B {
            let k = cnt[c];
            if k == 0 {
                continue;
            }
            let s = core::slice::from_raw_parts_mut(vals.add(c * CHUNK), k);
            kernel(c, s);
            let ix = idx.add(c * CHUNK);
            let o = out.add(base);
            for j in 0..k {
                *o.add(*ix.add(j) as usize) = s[j];
            }
        }
        base += m;
    }
}

const INV_LN2: f64 = 1.442_695_040_888_963_387_00;
// ln 2 = LN2_HI + LN2_LO, LN2_HI with 32 significant bits (k·LN2_HI is exact for |k| < 2^21).
const LN2_HI: f64 = 6.931_471_803_691_238_164_90e-01;
const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10;

/// e^{a+b}, |b| ≤ 2^-10, result in the normal range (2^-1022 ≤ e^a < 2^1024; see module doc).
#[inline(always)]
pub(crate) fn exp_dd<T: Real>(a: T, b: T) -> T {
    let ks = a * T::c(INV_LN2) + T::c(SHIFT);
    let k = ks - T::c(SHIFT);
    let r = (a - k * T::c(LN2_HI)) + (b - k * T::c(LN2_LO));
    poly(&EXP_POLY, r) * ks.pow2_of_shifted()
}

/// e^a for a ≤ 709 down to 0 (sub-normal results included, a below -746 gives
/// 0): as [`exp_dd`] with 2^k applied in two factors 2^⌊k/2⌋·2^⌈k/2⌉.
#[inline(always)]
pub(crate) fn exp_wide<T: Real>(a: T) -> T {
    let a = a.max(T::c(-746.0));
    let ks = a * T::c(INV_LN2) + T::c(SHIFT);
    let k = ks - T::c(SHIFT);
    let r = (a - k * T::c(LN2_HI)) - k * T::c(LN2_LO);
    let k1 = (k * T::c(0.5)).floor();
    let (s1, s2) = ((k1 + T::c(SHIFT)).pow2_of_shifted(), ((k - k1) + T::c(SHIFT)).pow2_of_shifted());
    poly(&EXP_POLY, r) * s1 * s2
}

/// e^a on the normal range (see [`exp_dd`]).
#[inline(always)]
pub(crate) fn exp<T: Real>(a: T) -> T { exp_dd(a, T::c(0.0)) }

/// ln x for positive normal x: x = m·2^e, m in [√½, √2), s = (m-1)/(m+1),
/// ln m = 2s + s·s²·R(s²) with R a degree-6 minimax polynomial (relative error
/// 5e-16 of R, whose term is ≤ 1% of ln m; tools/special_fit.py), e·ln 2 added in
/// two parts. Error ≲ 1 ulp.
#[inline(always)]
pub(crate) fn log<T: Real>(x: T) -> T {
    let (e, m) = x.split_log();
    let f = m - T::c(1.0);
    let s = f / (m + T::c(1.0));
    let z = s * s;
    e * T::c(LN2_HI) + ((s * z * poly(&LOG_R, z) + e * T::c(LN2_LO)) + (s + s))
}

/// (sin x, cos x) for |x| < 2^19·π (Cody-Waite reduction by π/2 in three
/// parts, each product n·part exact; then sin r = r + r³·S(r²) and
/// cos r = 1 - r²/2 + r⁴·C(r²), degree-5 minimax polynomials on |r| ≤ π/4,
/// tools/special_fit.py trig). Error ≲ 1 ulp + 1e-16·|x|·2^-33.
#[inline(always)]
pub(crate) fn sincos<T: Real>(x: T) -> (T, T) {
    use super::elementary::{INV_PIO2, PIO2_1, PIO2_2, PIO2_3};
    let ns = x * T::c(INV_PIO2) + T::c(SHIFT);
    let n = ns - T::c(SHIFT);
    let r = ((x - n * T::c(PIO2_1)) - n * T::c(PIO2_2)) - n * T::c(PIO2_3);
    let z = r * r;
    let s = r + r * z * poly(&SIN_S, z);
    let c = (T::c(1.0) - T::c(0.5) * z) + z * z * poly(&COS_C, z);
    T::quadrant(ns, s, c)
}

// BEGIN special_fit exp
/// e^r = P(r) for |r| <= ln2/2: P by degree, minimax relative error 3.1e-18.
pub(crate) const EXP_POLY: [f64; 12] = [
    1.0,
    1.0,
    0.5000000000000018,
    0.1666666666666617,
    0.04166666666649277,
    0.008333333333559264,
    0.0013888888951223823,
    0.00019841269432694706,
    2.4801486521395936e-05,
    2.7557622517204806e-06,
    2.7632293338872933e-07,
    2.4994309201804708e-08,
];
// END special_fit exp

// BEGIN special_fit log
/// log m = 2s + s·z·R(z), z = s² ≤ 0.0294: R by degree, minimax relative error 4.5e-16.
pub(crate) const LOG_R: [f64; 7] = [
    0.666666666666667,
    0.3999999999989918,
    0.2857142862610609,
    0.22222211115835477,
    0.18182890368918467,
    0.15331684010120875,
    0.14616875683547315,
];
// END special_fit log

// BEGIN special_fit trig
/// sin r = r + r³·S(r²) for |r| ≤ π/4: by degree, minimax relative error 1.2e-16.
pub(crate) const SIN_S: [f64; 6] = [
    -0.16666666666666666,
    0.008333333333330925,
    -0.00019841269836727853,
    2.755731608861695e-06,
    -2.5051129264438874e-08,
    1.5917962022521282e-10,
];

/// cos r = 1 - r²/2 + r⁴·C(r²) for |r| ≤ π/4: by degree, minimax relative error 3.1e-17.
pub(crate) const COS_C: [f64; 6] = [
    0.041666666666666664,
    -0.0013888888888887387,
    2.480158729875324e-05,
    -2.7557317266082143e-07,
    2.087614522245103e-09,
    -1.1382564620590216e-11,
];
// END special_fit trig

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    #[test]
    fn scalar_forms_against_std() {
        for i in 1..4000 {
            let x = i as f64 * 0.173 + 0.001;
            let want = (-x).exp();
            assert!((exp(-x) / want - 1.0).abs() < 4e-16, "exp {}", x);
            assert!((log(x) - x.ln()).abs() <= 3e-16 * x.ln().abs().max(1.0), "log {}", x);
            let (s, c) = sincos(x);
            assert!((s - x.sin()).abs() < 4e-16 && (c - x.cos()).abs() < 4e-16, "sincos {}", x);
        }
    }
}
