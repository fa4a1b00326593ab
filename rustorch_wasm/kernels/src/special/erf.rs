//! erf and erfc for f64.
//!
//! * |x| < 1.2: erf by the series with positive terms only
//!   erf x = (2x/√π)·e^{-x²}·Σ_{n≥0} (2x²)ⁿ / (1·3···(2n+1)),
//!   summed until the term falls below 1e-17 of the sum (≤ 30 terms), and
//!   erfc x = 1 - erf x (erfc ≥ 0.089 there, so at most ~3.5 bits are lost).
//! * |x| ≥ 1.2: erfc by Laplace's continued fraction
//!   erfc x = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))),
//!   evaluated backwards from N = 180/x² + 20 terms (enough for 1e-15
//!   relative at every x ≥ 1.2, measured against mpmath), and
//!   erf x = 1 - erfc x.
//! * e^{-x²} is computed as e^{-h²}·e^{-(x-h)(x+h)} with h = x rounded to 26
//!   bits, so h² is exact and the large argument carries no rounding error:
//!   this keeps erfc accurate out to x = 26 (erfc ≈ 5e-296).
//! * erfc(-x) = 2 - erfc(x), erf(-x) = -erf(x).
//! Relative error ≲ 4e-15 for erf on ℝ and erfc on (-∞, 26.5].
use super::elementary::exp;
use crate::math::fabs;

const TWO_OVER_SQRT_PI: f64 = 1.128_379_167_095_512_573_9;
const INV_SQRT_PI: f64 = 0.564_189_583_547_756_286_9;
const SERIES_LIMIT: f64 = 1.2;

/// e^{-x²} without the rounding error of x² (see module doc).
fn exp_neg_square(x: f64) -> f64 {
    let h = f64::from_bits(x.to_bits() & 0xffff_ffff_f800_0000);
    exp(-h * h) * exp(-(x - h) * (x + h))
}

/// erf for 0 ≤ x < SERIES_LIMIT.
fn erf_series(x: f64) -> f64 {
    let two_x2 = 2.0 * x * x;
    let mut term = 1.0;
    let mut sum = 1.0;
    let mut odd = 1.0;
    while term > 1e-17 * sum {
        odd += 2.0;
        term *= two_x2 / odd;
        sum += term;
    }
    TWO_OVER_SQRT_PI * x * exp_neg_square(x) * sum
}

/// erfc for x ≥ SERIES_LIMIT.
fn erfc_cf(x: f64) -> f64 {
    if x > 27.3 {
        return 0.0; // below the smallest sub-normal
    }
    let n = (180.0 / (x * x)) as usize + 20;
    let mut t = 0.0;
    let mut k = n;
    while k >= 1 {
        t = (k as f64 * 0.5) / (x + t);
        k -= 1;
    }
    exp_neg_square(x) * INV_SQRT_PI / (x + t)
}

/// The error function.
pub fn erf(x: f64) -> f64 {
    if x != x {
        return x;
    }
    let a = fabs(x);
    let v = if a < SERIES_LIMIT { erf_series(a) } else { 1.0 - erfc_cf(a) };
    if x < 0.0 { -v } else { v }
}

/// The complementary error function 1 - erf(x).
pub fn erfc(x: f64) -> f64 {
    if x != x {
        return x;
    }
    let a = fabs(x);
    let v = if a < SERIES_LIMIT { 1.0 - erf_series(a) } else { erfc_cf(a) };
    if x < 0.0 { 2.0 - v } else { v }
}

// --- exports ---

#[no_mangle]
pub extern "C" fn sp_erf(x: f64) -> f64 { erf(x) }

#[no_mangle]
pub extern "C" fn sp_erfc(x: f64) -> f64 { erfc(x) }

#[no_mangle]
pub unsafe extern "C" fn sp_erf_array(x: *const f64, out: *mut f64, n: usize) {
    super::map_array(x, out, n, erf)
}

#[no_mangle]
pub unsafe extern "C" fn sp_erfc_array(x: *const f64, out: *mut f64, n: usize) {
    super::map_array(x, out, n, erfc)
}
