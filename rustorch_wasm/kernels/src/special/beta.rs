//! The beta function B(a, b) = Γ(a)Γ(b)/Γ(a+b) for f64.
//!
//! * a, b ≥ 0.5 and s = a+b ≤ 171.7 (the range of gamma.rs's fitted
//!   Lanczos form Γ(x) = y^{x-½}·e^{-y}·N(x)/D(x), y = x + g - ½): the three
//!   forms are combined into one exponential and one quotient,
//!   B = exp((a-½)·ln y_a + (b-½)·ln y_b - (s-½)·ln y_s - (g-½)) ·
//!       N(a)N(b)D(s) / (D(a)D(b)N(s)),
//!   (y_a + y_b - y_s = g - ½ exactly), so no Γ overflows and there is one
//!   exp, three logs and one division. The exponent's terms reach ~900 and
//!   cancel, so its absolute rounding error (a few ulp of the largest term)
//!   is the relative error of B: ≲ 3e-13 at a + b ≈ 170, ~1e-15 for small
//!   arguments.
//! * Otherwise (an argument below 0.5 or negative, a + b > 171.7): when a, b
//!   and a+b are all in (-170, 171) the three Γ values are combined directly
//!   (relative error ≲ 3× that of Γ); beyond, B = ±exp(ln|Γ(a)| + ln|Γ(b)|
//!   - ln|Γ(a+b)|), whose relative error grows as ε·|ln Γ| (≈ 1e-12 at
//!   a+b ≈ 1e3). The sign for negative non-integer arguments is the product
//!   of the signs of the Γ factors; a pole of Γ(a) or Γ(b) (a non-positive
//!   integer) gives NaN unless a+b is also one.
//! Measured against mpmath (tests/test_special.py, tests/test_special_grid.py):
//! relative error ≤ 1e-12 for a, b ∈ (0, 85); per-region figures in
//! docs/benchmarks.md.
use super::elementary::{exp as exp_scalar, sinpi};
use super::gamma::{gamma, lgamma, LANCZOS_D, LANCZOS_G, LANCZOS_N};
use super::vec::{exp, log, poly, run2, split_map2, Real};
use crate::math::floor;

/// The fitted Lanczos form's range (tools/special_fit.py gamma).
const LANCZOS_TOP: f64 = 171.7;

/// B(a, b) for a, b ≥ 0.5, a + b ≤ LANCZOS_TOP.
#[inline(always)]
fn beta_main<T: Real>(a: T, b: T) -> T {
    let s = a + b;
    let h = T::c(0.5);
    let gh = T::c(LANCZOS_G - 0.5);
    let e = ((a - h) * log(a + gh) + (b - h) * log(b + gh)) - (s - h) * log(s + gh) - gh;
    let num = poly(&LANCZOS_N, a) * poly(&LANCZOS_N, b) * poly(&LANCZOS_D, s);
    let den = poly(&LANCZOS_D, a) * poly(&LANCZOS_D, b) * poly(&LANCZOS_N, s);
    exp(e) * (num / den)
}

#[inline(always)]
fn is_main(a: f64, b: f64) -> bool { a >= 0.5 && b >= 0.5 && a + b <= LANCZOS_TOP }

fn gamma_sign(x: f64) -> f64 {
    if x > 0.0 {
        return 1.0;
    }
    // Γ(x) for x < 0 has the sign of sin(πx)·(...) = (-1)^{ceil(-x)}.
    if sinpi(x) < 0.0 { -1.0 } else { 1.0 }
}

/// B(a, b) outside the vector region (see module doc).
fn beta_rest(a: f64, b: f64) -> f64 {
    if a != a || b != b {
        return f64::NAN;
    }
    let s = a + b;
    let pole = |x: f64| x <= 0.0 && floor(x) == x;
    if pole(a) || pole(b) {
        return f64::NAN;
    }
    if a < 171.0 && b < 171.0 && s < 171.0 && a > -170.0 && b > -170.0 && s > -170.0 && !pole(s) {
        // Order the product to stay in range.
        let (ga, gb, gs) = (gamma(a), gamma(b), gamma(s));
        return if ga > gb { (ga / gs) * gb } else { (gb / gs) * ga };
    }
    if pole(s) {
        return 0.0;
    }
    let sign = gamma_sign(a) * gamma_sign(b) * gamma_sign(s);
    sign * exp_scalar(lgamma(a) + lgamma(b) - lgamma(s))
}

pub fn beta(a: f64, b: f64) -> f64 {
    if is_main(a, b) { beta_main(a, b) } else { beta_rest(a, b) }
}

fn run_main(s: &mut [f64], t: &[f64]) { run2(s, t, beta_main, beta_main) }

// --- exports ---

#[no_mangle]
pub extern "C" fn sp_beta(a: f64, b: f64) -> f64 { beta(a, b) }

/// out[i] = B(a[i], b[i]); `out` may be `a` or `b`.
#[no_mangle]
pub unsafe extern "C" fn sp_beta_array(a: *const f64, b: *const f64, out: *mut f64, n: usize) {
    split_map2(a, b, out, n, is_main, run_main, beta_rest)
}
