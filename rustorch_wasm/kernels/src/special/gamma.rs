//! Γ(x) and ln|Γ(x)| for f64.
//!
//! Coefficients are fitted by `tools/special_fit.py gamma` (Remez against
//! mpmath, tools/minimax.py); none is taken from a library.
//! * Γ(x), 0.5 ≤ x ≤ 171.62: the Lanczos form
//!   Γ(x) = y^{x-½}·e^{-y}·N(x)/D(x), y = x + g - ½, g = 6,
//!   D(x) = x(x+1)···(x+9) (exact integer coefficients) and N of degree 10
//!   fitted as a minimax polynomial so that the form is Γ to a relative
//!   3e-18 on [0.5, 171.7]. N and D have positive coefficients, so Horner's
//!   rule is accurate for x > 0. The power is exp((x-½)·ln y - y), whose
//!   argument (up to 709) carries an absolute rounding error of a few ulp:
//!   that is the relative error of Γ, growing from ~1e-15 at small x to
//!   ~2e-13 near 171.
//! * 0 < x < 0.5: Γ(x) = Γ(x+1)/x. x < 0 (not an integer): the reflection
//!   Γ(x) = π / (sin(πx)·Γ(1-x)) with sin(πx) reduced exactly. Integers up to
//!   23 are exact (products of integers). Poles (0, negative integers) give
//!   NaN; Γ(x) overflows to +inf above 171.62.
//! * ln Γ(x), x ≥ 8: ln Γ(x) = (x-½)·ln x - x + ½·ln 2π + S(1/x²)/x, S a
//!   degree-5 minimax polynomial (relative error 4e-16 of S, S/x ≤ 0.0012·ln Γ);
//!   error ≲ 3 ulp.
//!   0.5 ≤ x < 8: ((x-½)·ln y - y) + ln(N(x)/D(x)) (absolute error ≲ 2e-15,
//!   so the zeros at 1 and 2 are kept to that absolute accuracy; exactly 0 at
//!   1 and 2); 0 < x < 0.5: ln Γ(x+1) - ln x; x < 0: ln(π/|sin πx|) - ln Γ(1-x).
//! Measured against mpmath (tests/test_special.py, tests/test_special_grid.py,
//! 10⁵ points per region): relative error of Γ ≤ 1.9e-13 on (0, 171.6), on
//! negative non-integers and next to the poles (bound 1e-12); of ln Γ
//! ≤ 4.2e-16 for x ≥ 8, ≤ 2e-15 absolute (relative where |ln Γ| > 1) on
//! [0.5, 8) (bound 1e-14, its zeros 1 and 2 included); per-region figures in
//! docs/benchmarks.md.
//!
//! Array exports split the array by region (vec::split_map) and run one
//! f64x2 loop per region; single values run the same formulas on f64.
use super::elementary::{log as log_scalar, sinpi, PI};
use super::vec::{exp, log, poly, run, split_map, Kernel, Real};
use crate::math::{fabs, floor};

const HALF_LN_2PI: f64 = 0.918_938_533_204_672_741_78;
/// Γ(x) overflows above this.
const GAMMA_MAX: f64 = 171.624_376_956_302_7;
const STIRLING_FROM: f64 = 8.0;

/// ((x-½)·ln y - y, N(x)/D(x)): Γ(x) = e^{first}·second, for 0.5 ≤ x ≤ 171.7.
#[inline(always)]
fn lanczos<T: Real>(x: T) -> (T, T) {
    let y = x + T::c(LANCZOS_G - 0.5);
    let arg = (x - T::c(0.5)) * log(y) - y;
    (arg, poly(&LANCZOS_N, x) / poly(&LANCZOS_D, x))
}

/// Γ(x) for 0.5 ≤ x ≤ GAMMA_MAX.
struct GammaMain;
impl Kernel for GammaMain {
    #[inline(always)]
    fn f<T: Real>(x: T) -> T {
        let (arg, r) = lanczos(x);
        exp(arg) * r
    }
}

/// Γ(x) = Γ(x+1)/x for 0 < x < 0.5.
struct GammaSmall;
impl Kernel for GammaSmall {
    #[inline(always)]
    fn f<T: Real>(x: T) -> T { GammaMain::f(x + T::c(1.0)) / x }
}

/// ln Γ(x) for 0.5 ≤ x < 8.
struct LgammaMain;
impl Kernel for LgammaMain {
    #[inline(always)]
    fn f<T: Real>(x: T) -> T {
        let (arg, r) = lanczos(x);
        arg + log(r)
    }
}

/// ln Γ(x) for x ≥ 8 (finite): Stirling's form with the fitted correction.
struct LgammaLarge;
impl Kernel for LgammaLarge {
    #[inline(always)]
    fn f<T: Real>(x: T) -> T {
        let r = T::c(1.0) / x;
        // S(1/x²) = S(0) to far below an ulp once x > 1e100; the clamp keeps 1/x² out of
        // the sub-normal range, where x86 takes a slow assist on every operation.
        let rc = r.max(T::c(1e-100));
        ((x - T::c(0.5)) * log(x) - x) + (T::c(HALF_LN_2PI) + poly(&STIRLING_S, rc * rc) * r)
    }
}

/// ln Γ(x) = ln Γ(x+1) - ln x for 2^-996 < x < 0.5.
struct LgammaSmall;
impl Kernel for LgammaSmall {
    #[inline(always)]
    fn f<T: Real>(x: T) -> T { LgammaMain::f(x + T::c(1.0)) - log(x) }
}

fn is_nonpositive_integer(x: f64) -> bool { x <= 0.0 && floor(x) == x }

/// 0: GammaMain; 1: GammaSmall; 2: the rest (scalar).
#[inline(always)]
fn gamma_class(x: f64) -> usize {
    if x >= 0.5 && x <= GAMMA_MAX {
        if x <= 23.0 && floor(x) == x { 2 } else { 0 }
    } else if x > 0.0 && x < 0.5 {
        1
    } else {
        2
    }
}

/// Γ on what the vector kernels leave: NaN, poles, overflow, small integers
/// (exact), negative arguments (reflection).
fn gamma_rest(x: f64) -> f64 {
    if x != x || x == f64::NEG_INFINITY || is_nonpositive_integer(x) {
        return f64::NAN;
    }
    if x > GAMMA_MAX {
        return f64::INFINITY;
    }
    if x > 0.0 {
        // An integer up to 23: n! fits in 53 bits up to 22!.
        let mut f = 1.0;
        let mut k = 2.0;
        while k < x {
            f *= k;
            k += 1.0;
        }
        return f;
    }
    // Reflection; Γ(1-x) may overflow, which correctly gives ±0.
    PI / (sinpi(x) * gamma(1.0 - x))
}

/// Γ(x).
pub fn gamma(x: f64) -> f64 {
    match gamma_class(x) {
        0 => GammaMain::f(x),
        1 => GammaSmall::f(x),
        _ => gamma_rest(x),
    }
}

/// 0: LgammaMain; 1: LgammaLarge; 2: LgammaSmall; 3: the rest (scalar).
#[inline(always)]
fn lgamma_class(x: f64) -> usize {
    if x >= STIRLING_FROM {
        if x < f64::INFINITY { 1 } else { 3 }
    } else if x >= 0.5 {
        if x == 1.0 || x == 2.0 { 3 } else { 0 }
    } else if x > 1e-300 {
        2
    } else {
        3
    }
}

fn lgamma_rest(x: f64) -> f64 {
    if x != x {
        return x;
    }
    if fabs(x) == f64::INFINITY || is_nonpositive_integer(x) {
        return f64::INFINITY;
    }
    if x == 1.0 || x == 2.0 {
        return 0.0;
    }
    if x > 0.0 {
        // 0 < x ≤ 1e-300: ln Γ(x) = -ln x - γx + ..., and γx is below an ulp of ln x.
        return -log_scalar(x);
    }
    // ln|Γ(x)| = ln(π / |sin πx|) - ln Γ(1-x)
    log_scalar(PI / fabs(sinpi(x))) - lgamma(1.0 - x)
}

/// ln|Γ(x)|.
pub fn lgamma(x: f64) -> f64 {
    match lgamma_class(x) {
        0 => LgammaMain::f(x),
        1 => LgammaLarge::f(x),
        2 => LgammaSmall::f(x),
        _ => lgamma_rest(x),
    }
}

fn run_gamma_rest(s: &mut [f64]) {
    for v in s.iter_mut() {
        *v = gamma_rest(*v);
    }
}

fn run_lgamma_rest(s: &mut [f64]) {
    for v in s.iter_mut() {
        *v = lgamma_rest(*v);
    }
}

// --- exports ---

#[no_mangle]
pub extern "C" fn sp_gamma(x: f64) -> f64 { gamma(x) }

#[no_mangle]
pub extern "C" fn sp_lgamma(x: f64) -> f64 { lgamma(x) }

/// out[i] = Γ(x[i]); `out` may be `x`.
#[no_mangle]
pub unsafe extern "C" fn sp_gamma_array(x: *const f64, out: *mut f64, n: usize) {
    let kernels: [fn(&mut [f64]); 3] = [run::<GammaMain>, run::<GammaSmall>, run_gamma_rest];
    split_map::<3>(x, out, n, gamma_class, |c, s| kernels[c](s))
}

#[no_mangle]
pub unsafe extern "C" fn sp_lgamma_array(x: *const f64, out: *mut f64, n: usize) {
    let kernels: [fn(&mut [f64]); 4] =
        [run::<LgammaMain>, run::<LgammaLarge>, run::<LgammaSmall>, run_lgamma_rest];
    split_map::<4>(x, out, n, lgamma_class, |c, s| kernels[c](s))
}

// BEGIN special_fit gamma
/// g of the Lanczos form: y = x + LANCZOS_G - ½.
pub(crate) const LANCZOS_G: f64 = 6.0;

/// N(x), degree 10, fitted so that N/D·y^(x-½)·e^(-y) = Γ(x) on [0.5, 171.7] (minimax relative error 2.5e-18); all coefficients positive.
pub(crate) const LANCZOS_N: [f64; 11] = [
    208239939.10024148,
    341079025.7618906,
    250696102.72132385,
    108874477.25852343,
    30934329.546636526,
    6007568.801101368,
    807465.8537544474,
    74156.36674964488,
    4452.661755817846,
    157.81313845697682,
    2.5066282746310002,
];

/// D(x) = x(x+1)···(x+9), exact.
pub(crate) const LANCZOS_D: [f64; 11] = [
    0.0,
    362880.0,
    1026576.0,
    1172700.0,
    723680.0,
    269325.0,
    63273.0,
    9450.0,
    870.0,
    45.0,
    1.0,
];

/// ln Γ(x) = (x-½)·ln x - x + ½·ln 2π + S(1/x²)/x for x ≥ 8.0: S by degree, minimax relative error 4.3e-16.
pub(crate) const STIRLING_S: [f64; 6] = [
    0.0833333333333333,
    -0.0027777777776099703,
    0.0007936506668471085,
    -0.0005952029341350809,
    0.0008373081770668504,
    -0.0016532321156213056,
];
// END special_fit gamma
