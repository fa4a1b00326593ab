//! exp, log, sin, cos, sin(πx) for f64 in `no_std`.
//!
//! * `exp`: x = k·ln2 + r, |r| ≤ ln2/2, ln2 split into a 32-bit high part
//!   (so k·ln2_hi is exact for |k| < 2²⁰) and a low part (fdlibm's values);
//!   e^r by its Taylor polynomial to r¹³ (truncation < 5e-18); 2^k applied
//!   in two factors so sub-normal results are reached. Error ≲ 1 ulp.
//! * `log`: x = m·2^e with m ∈ [√½, √2); log m = 2·atanh(s), s = (m-1)/(m+1),
//!   |s| ≤ 0.1716, odd series to s²³ (truncation < 1e-19); e·ln2 added in
//!   two parts. Error ≲ 1 ulp.
//! * `sin`, `cos`: n = round(2x/π), r = x - n·π/2 with π/2 in three parts
//!   (Cody-Waite, exact for |n| < 2²⁰, i.e. |x| ≲ 1.6e6), Taylor to r¹⁷ / r¹⁸
//!   on |r| ≤ π/4. Error ≲ 1 ulp on that range.
//! * `sinpi`: sin(πx) with the reduction done exactly in x (x mod 2), so the
//!   zeros at integers are exact: used by the reflection formulas.
use crate::math::{fabs, floor};

const LN2_HI: f64 = 6.931_471_803_691_238_164_90e-01;
const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10;
const INV_LN2: f64 = 1.442_695_040_888_963_387_00e+00;
pub const PI: f64 = 3.141_592_653_589_793_115_998;

/// 2^k as an f64, for -1022 ≤ k ≤ 1023.
#[inline]
fn pow2(k: i32) -> f64 { f64::from_bits(((k + 1023) as u64) << 52) }

/// 2^k · y without intermediate overflow or premature underflow.
#[inline]
pub fn scale(y: f64, k: i32) -> f64 {
    if k > 1023 {
        y * pow2(1023) * pow2((k - 1023).min(1023))
    } else if k < -1022 {
        y * pow2(-1022) * pow2((k + 1022).max(-1022))
    } else {
        y * pow2(k)
    }
}

pub fn exp(x: f64) -> f64 {
    if x != x {
        return x;
    }
    if x > 709.782_712_893_384 {
        return f64::INFINITY;
    }
    if x < -745.133_219_101_941_1 {
        return 0.0;
    }
    let k = floor(x * INV_LN2 + 0.5);
    let r = (x - k * LN2_HI) - k * LN2_LO;
    // Horner form of Σ r^j / j!, j = 0..13.
    const C: [f64; 14] = [
        1.0, 1.0, 0.5, 1.0 / 6.0, 1.0 / 24.0, 1.0 / 120.0, 1.0 / 720.0, 1.0 / 5040.0,
        1.0 / 40320.0, 1.0 / 362880.0, 1.0 / 3628800.0, 1.0 / 39916800.0,
        1.0 / 479001600.0, 1.0 / 6227020800.0,
    ];
    let mut p = C[13];
    for c in C[..13].iter().rev() {
        p = p * r + c;
    }
    scale(p, k as i32)
}

pub fn log(x: f64) -> f64 {
    if x != x || x < 0.0 {
        return f64::NAN;
    }
    if x == 0.0 {
        return f64::NEG_INFINITY;
    }
    if x == f64::INFINITY {
        return x;
    }
    let mut bits = x.to_bits();
    let mut e_adj = 0i64;
    if bits >> 52 == 0 {
        // Sub-normal: scale into the normal range first.
        bits = (x * pow2(54)).to_bits();
        e_adj = -54;
    }
    // Exponent such that m = x / 2^e lies in [sqrt(1/2), sqrt(2)).
    const SQRT_HALF_BITS: u64 = 0x3fe6_a09e_667f_3bcd;
    let shifted = bits.wrapping_sub(SQRT_HALF_BITS);
    let e = ((shifted as i64) >> 52) + e_adj;
    let m = f64::from_bits((shifted & 0x000f_ffff_ffff_ffff) + SQRT_HALF_BITS);
    let f = m - 1.0;
    let s = f / (m + 1.0);
    let s2 = s * s;
    let mut p = 1.0 / 23.0;
    let mut j = 21.0;
    while j >= 3.0 {
        p = p * s2 + 1.0 / j;
        j -= 2.0;
    }
    // log m = 2s + 2s·s²·p  where p = 1/3 + s²/5 + ...
    let two_s = 2.0 * s;
    let logm = two_s + two_s * s2 * p;
    let ef = e as f64;
    ef * LN2_HI + (logm + ef * LN2_LO)
}

pub(crate) const PIO2_1: f64 = 1.570_796_326_734_125_614_17e+00;
pub(crate) const PIO2_2: f64 = 6.077_100_506_303_965_976_60e-11;
pub(crate) const PIO2_3: f64 = 2.022_266_248_711_166_455_80e-21;
const PIO2_3T: f64 = 8.478_427_660_368_899_569_97e-32;
pub(crate) const INV_PIO2: f64 = 6.366_197_723_675_813_824_33e-01;

/// sin r and cos r for |r| ≤ π/4 (Taylor series).
fn sincos_kernel(r: f64) -> (f64, f64) {
    let z = r * r;
    // sin: r·Σ (-1)^j z^j/(2j+1)!, j = 0..8;  cos: Σ (-1)^j z^j/(2j)!, j = 0..9
    const S: [f64; 9] = [
        1.0, -1.0 / 6.0, 1.0 / 120.0, -1.0 / 5040.0, 1.0 / 362880.0, -1.0 / 39916800.0,
        1.0 / 6227020800.0, -1.0 / 1307674368000.0, 1.0 / 355687428096000.0,
    ];
    const K: [f64; 10] = [
        1.0, -0.5, 1.0 / 24.0, -1.0 / 720.0, 1.0 / 40320.0, -1.0 / 3628800.0,
        1.0 / 479001600.0, -1.0 / 87178291200.0, 1.0 / 20922789888000.0,
        -1.0 / 6402373705728000.0,
    ];
    let mut s = S[8];
    for c in S[..8].iter().rev() {
        s = s * z + c;
    }
    let mut k = K[9];
    for c in K[..9].iter().rev() {
        k = k * z + c;
    }
    (r * s, k)
}

/// (quadrant, r) with x = quadrant·π/2 + r.
fn reduce(x: f64) -> (i64, f64) {
    let n = floor(x * INV_PIO2 + 0.5);
    let r = ((x - n * PIO2_1) - n * PIO2_2) - n * PIO2_3 - n * PIO2_3T;
    (n as i64, r)
}

pub fn sin(x: f64) -> f64 {
    if fabs(x) < 0.785_398_163_397_448_3 {
        return sincos_kernel(x).0;
    }
    let (n, r) = reduce(x);
    let (s, c) = sincos_kernel(r);
    match n & 3 {
        0 => s,
        1 => c,
        2 => -s,
        _ => -c,
    }
}

pub fn cos(x: f64) -> f64 {
    if fabs(x) < 0.785_398_163_397_448_3 {
        return sincos_kernel(x).1;
    }
    let (n, r) = reduce(x);
    let (s, c) = sincos_kernel(r);
    match n & 3 {
        0 => c,
        1 => -s,
        2 => -c,
        _ => s,
    }
}

/// sin(πx), exact zeros at the integers.
pub fn sinpi(x: f64) -> f64 {
    // y = x mod 2 in [-1, 1], exactly (Sterbenz).
    let y = x - 2.0 * floor(x * 0.5 + 0.5);
    let a = fabs(y);
    let sign = if y < 0.0 { -1.0 } else { 1.0 };
    let v = if a <= 0.25 {
        sincos_kernel(PI * a).0
    } else if a <= 0.75 {
        sincos_kernel(PI * (0.5 - a)).1
    } else {
        sincos_kernel(PI * (1.0 - a)).0
    };
    sign * v
}

#[cfg(test)]
mod tests {
    extern crate std;
    #[test]
    fn against_std() {
        for i in -2000..2000 {
            let x = i as f64 * 0.37 + 0.001;
            assert!((super::exp(x / 10.0) / (x / 10.0).exp() - 1.0).abs() < 4e-16);
            assert!((super::sin(x) - x.sin()).abs() < 4e-16);
            assert!((super::cos(x) - x.cos()).abs() < 4e-16);
            let y = x.abs() + 1e-3;
            assert!((super::log(y) - y.ln()).abs() <= 4e-16 * y.ln().abs().max(1e-300));
        }
    }
}
