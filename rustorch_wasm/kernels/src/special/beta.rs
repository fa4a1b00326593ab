//! The beta function B(a, b) = Γ(a)Γ(b)/Γ(a+b) for f64.
//!
//! * a, b ≥ 8 (a + b finite): Stirling's form of the three ln Γ (gamma.rs,
//!   correction S fitted by tools/special_fit.py) with the large terms
//!   cancelled algebraically: with p = min(a, b), q = max(a, b), s = a + b,
//!   ln B = (p-½)·ln(p/s) + (q-½)·log1p(-p/s) - ½·ln s + ½·ln 2π
//!          + S(1/p²)/p + S(1/q²)/q - S(1/s²)/s,
//!   where log1p(y) = ln u - ((u-1) - y)/u, u = 1 + y (u - 1 is exact for
//!   y ≥ -½), so no term is much larger than ln B and no error is multiplied
//!   by q; it does not move with the rounding of a + b either. Then
//!   B = e^{ln B} down to the sub-normal range (0 below). Relative error
//!   ≲ p·ε: 2e-13 measured for a, b in [85, 500] (lgamma differences gave
//!   2.5e-12), 3e-14 below 85.
//! * Otherwise, a, b ≥ 0.5 and s ≤ 171.7 (the range of gamma.rs's fitted
//!   Lanczos form Γ(x) = y^{x-½}·e^{-y}·N(x)/D(x), y = x + g - ½): the three
//!   forms are combined into one exponential and one quotient,
//!   B = exp((a-½)·ln y_a + (b-½)·ln y_b - (s-½)·ln y_s - (g-½)) ·
//!       N(a)N(b)D(s) / (D(a)D(b)N(s))
//!   (y_a + y_b - y_s = g - ½ exactly): relative error ≲ 2e-13.
//! * The rest (an argument below 0.5 or negative, or one above 8 with the
//!   other below): when a, b and a+b are all in (-170, 171) the three Γ
//!   values are combined directly (relative error ≲ 3× that of Γ); beyond,
//!   B = ±exp(ln|Γ(a)| + ln|Γ(b)| - ln|Γ(a+b)|), whose relative error grows
//!   as ε·|ln Γ|. The sign for negative non-integer arguments is the product
//!   of the signs of the Γ factors; a pole of Γ(a) or Γ(b) (a non-positive
//!   integer) gives NaN unless a+b is also one.
//! Measured against mpmath (tests/test_special.py, tests/test_special_grid.py):
//! relative error ≤ 1e-12 for a, b ∈ (0, 500); per-region figures in
//! docs/benchmarks.md.
//!
//! The array export splits the pairs by region (vec::split_map2) and runs one
//! f64x2 loop per region; single values run the same formulas on f64.
use super::elementary::{exp as exp_scalar, sinpi};
use super::gamma::{gamma, lgamma, LANCZOS_D, LANCZOS_G, LANCZOS_N, STIRLING_S};
use super::vec::{exp, exp_wide, log, poly, run2, split_map2, Real};
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

const HALF_LN_2PI: f64 = 0.918_938_533_204_672_741_78;

/// B(a, b) for a, b ≥ 8 (a + b finite): Stirling's form of the three ln Γ with the
/// large terms cancelled algebraically (see module doc).
#[inline(always)]
fn beta_large<T: Real>(a: T, b: T) -> T {
    let (p, q) = (a.min(b), a.max(b));
    let s = a + b;
    let h = T::c(0.5);
    let (rp, rq, rs) = (T::c(1.0) / p, T::c(1.0) / q, T::c(1.0) / s);
    // ln(q/s) = log1p(y), y = -p/s in [-1/2, 0): ln u corrected for the rounding of u = 1 + y
    // (u - 1 is exact there), so that its error is not multiplied by q. It is also ln((s-p)/s),
    // which does not move with the rounding of s = a + b, nor (to ~p/s²) do the other terms.
    let y = -(p * rs);
    let u = T::c(1.0) + y;
    let ln_qs = log(u) - ((u - T::c(1.0)) - y) * (s * rq);
    // (1/x² clamped out of the sub-normal range, as in gamma.rs's LgammaLarge)
    let w = |r: T| {
        let rc = r.max(T::c(1e-100));
        rc * rc
    };
    let corr = poly(&STIRLING_S, w(rp)) * rp + poly(&STIRLING_S, w(rq)) * rq - poly(&STIRLING_S, w(rs)) * rs;
    let ln_b = ((p - h) * log(p * rs) + (q - h) * ln_qs) + ((T::c(HALF_LN_2PI) - h * log(s)) + corr);
    exp_wide(ln_b)
}

/// 0: a, b ≥ 8 (beta_large); 1: a, b ≥ 0.5, a + b ≤ 171.7 (beta_main); 2: the rest.
#[inline(always)]
fn class(a: f64, b: f64) -> usize {
    if a >= 8.0 && b >= 8.0 && a + b < f64::INFINITY {
        0
    } else if a >= 0.5 && b >= 0.5 && a + b <= LANCZOS_TOP {
        1
    } else {
        2
    }
}

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
    match class(a, b) {
        0 => beta_large(a, b),
        1 => beta_main(a, b),
        _ => beta_rest(a, b),
    }
}

// --- exports ---

#[no_mangle]
pub extern "C" fn sp_beta(a: f64, b: f64) -> f64 { beta(a, b) }

/// out[i] = B(a[i], b[i]); `out` may be `a` or `b`.
#[no_mangle]
pub unsafe extern "C" fn sp_beta_array(a: *const f64, b: *const f64, out: *mut f64, n: usize) {
    split_map2::<3>(a, b, out, n, class, |c, s, t| match c {
        0 => run2(s, t, beta_large, beta_large),
        1 => run2(s, t, beta_main, beta_main),
        _ => {
            for (v, w) in s.iter_mut().zip(t) {
                *v = beta_rest(*v, *w);
            }
        }
    })
}
