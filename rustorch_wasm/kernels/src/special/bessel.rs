//! Bessel functions of the first kind J₀, J₁, Jₙ for f64.
//!
//! Coefficients are fitted by `tools/special_fit.py bessel` (Remez against
//! mpmath, tools/minimax.py). With t = |x|:
//! * t < 8: J₀ = 1 + z·P(v), J₁ = x·P(v), z = x², v = z/32 - 1, degree-14
//!   minimax polynomials (absolute error of the fits ≤ 2e-17; Horner in the
//!   centred v keeps the rounding error near 1e-16).
//! * 8 ≤ t < 2^19·π: the asymptotic form Jν = √(2/(πt))·(Pν cos χ - Qν sin χ),
//!   χ = t - (2ν+1)π/4, with Pν and t·Qν fitted as polynomials of degree
//!   10 and 11 in w = (8/t)² (absolute error ≤ 2e-17; they are the exact P
//!   and Q of J and Y, not the divergent Hankel series); cos χ and sin χ come
//!   from one sincos of t (vec::sincos, exact Cody-Waite reduction), e.g.
//!   J₀ = ((P+Q)·cos t + (P-Q)·sin t)/√(πt). Beyond 2^19·π only the leading
//!   term √(2/(πt))·cos χ is used.
//! * Jₙ, n ≥ 2: for t > n, forward recurrence J_{k+1} = (2k/t)·J_k - J_{k-1}
//!   from J₀ and J₁ (stable there); for t ≤ n, the power series when its
//!   rounding error ε·Iₙ(t) stays small (Iₙ(t) ≤ 8; ~15 terms), else
//!   Miller's backward recurrence from an order M well above max(n, t),
//!   normalised with J₀ + 2ΣJ_{2k} = 1.
//! Symmetries: Jₙ(-x) = (-1)ⁿJₙ(x), J₋ₙ = (-1)ⁿJₙ.
//! Measured against mpmath (tests/test_special.py, tests/test_special_grid.py):
//! absolute error ≤ 1.0e-15 for J₀ and J₁ (|x| < 1e4), ≤ 1.2e-15 for J₅ and
//! J₅₀ on [0, 100], ≤ 9e-16 for n = 2, 3, 7, 12, 25, 40 on the 1501-point grid
//! of [0, 100]; per-region figures in docs/benchmarks.md.
//!
//! Array exports split the array by region (vec::split_map) and run one
//! f64x2 loop per region (the order is the same for the whole array, so the
//! recurrence is branch-free); single values run the same formulas on f64.
use super::elementary::{cos as cos_scalar, PI};
use super::vec::{map_lanes, poly, sincos, split_map, Real};
use crate::math::{fabs, sqrt};

const SMALL: f64 = 8.0;
/// The reduction in vec::sincos is exact below this.
const TRIG_MAX: f64 = 1_647_099.0;
const INV_PI: f64 = 0.318_309_886_183_790_671_54;

/// (J₀(x), J₁(x)) for |x| < 8.
#[inline(always)]
fn small<T: Real>(x: T) -> (T, T) {
    let z = x * x;
    let v = z * T::c(1.0 / 32.0) - T::c(1.0);
    (T::c(1.0) + z * poly(&J0_SMALL, v), x * poly(&J1_SMALL, v))
}

/// (J₀(t), J₁(t)) for 8 ≤ t < TRIG_MAX.
#[inline(always)]
fn asym<T: Real>(t: T) -> (T, T) {
    let w = T::c(64.0) / (t * t);
    let v = w + w - T::c(1.0);
    let it = t * w * T::c(1.0 / 64.0); // 1/t
    let (s, c) = sincos(t);
    let k = (it * T::c(INV_PI)).sqrt();
    let (p0, q0) = (poly(&P0_ASYM, v), poly(&Q0_ASYM, v) * it);
    let (p1, q1) = (poly(&P1_ASYM, v), poly(&Q1_ASYM, v) * it);
    (k * ((p0 + q0) * c + (p0 - q0) * s), k * ((p1 + q1) * s + (q1 - p1) * c))
}

/// J_order(t) for t > order ≥ 2 by forward recurrence from (J₀, J₁).
#[inline(always)]
fn forward<T: Real>(order: u32, t: T, j0: T, j1: T) -> T {
    let inv = T::c(2.0) / t;
    let (mut jm, mut j) = (j0, j1);
    let mut k = 1;
    while k < order {
        let next = T::c(k as f64) * inv * j - jm;
        jm = j;
        j = next;
        k += 1;
    }
    j
}

/// J_order(x) on the vector regions: `region` 0 is |x| < 8, 1 is 8 ≤ |x| < TRIG_MAX
/// (and |x| > order when order ≥ 2); the sign of x is applied for odd orders.
#[inline(always)]
fn jn_region<T: Real>(order: u32, region: usize, x: T) -> T {
    let t = x.abs();
    let (j0, j1) = if region == 0 { small(t) } else { asym(t) };
    match order {
        0 => j0,
        1 => j1.flipsign(x),
        _ => {
            let j = forward(order, t, j0, j1);
            if order % 2 == 1 { j.flipsign(x) } else { j }
        }
    }
}

/// 0: |x| < 8; 1: 8 ≤ |x| < TRIG_MAX; 2: the rest (for order ≥ 2 also |x| ≤ order).
#[inline(always)]
fn class(order: u32, x: f64) -> usize {
    let t = fabs(x);
    if order >= 2 && !(t > order as f64) {
        2
    } else if t < SMALL {
        0
    } else if t < TRIG_MAX {
        1
    } else {
        2
    }
}

/// Jₙ(t) for n ≥ 0, t ≥ 0 on the scalar paths: Miller / series (t ≤ n), huge or
/// non-finite t, NaN.
fn jn_rest_nonneg(n: u32, x: f64) -> f64 {
    if x != x {
        return x;
    }
    if x == f64::INFINITY {
        return 0.0;
    }
    if x >= TRIG_MAX && x > n as f64 {
        // Leading term of the asymptotic form (the next is ~1e-7 of it here).
        return sqrt(2.0 / (PI * x)) * cos_scalar(x - (0.5 * n as f64 + 0.25) * PI);
    }
    if x == 0.0 {
        return if n == 0 { 1.0 } else { 0.0 };
    }
    if x < 1e-5 {
        return series(n, x);
    }
    if x <= n as f64 {
        // The power series costs ~15 terms where Miller's recurrence costs ~60 steps;
        // its rounding error is ε·Σ|terms| = ε·Iₙ(x), so it is kept only while Iₙ(x) ≤ 8.
        let (v, size) = series_with_size(n, x);
        if size <= 8.0 {
            return v;
        }
    }
    // Miller: start well above the turning point, recur downwards.
    let top = (n as f64).max(x);
    let m0 = (top + 25.0 + 2.0 * sqrt(40.0 * top)) as u32;
    let m = m0 + (m0 & 1); // even
    let (mut jp, mut j) = (0.0f64, 1e-300f64);
    let mut norm = 0.0;
    let mut result = 0.0;
    let mut k = m;
    while k > 0 {
        let jm = (2.0 * k as f64 / x) * j - jp;
        jp = j;
        j = jm;
        k -= 1;
        if k == n {
            result = j;
        }
        if k % 2 == 0 && k > 0 {
            norm += 2.0 * j;
        }
        if fabs(j) > 1e250 {
            // rescale to avoid overflow
            j *= 1e-250;
            jp *= 1e-250;
            norm *= 1e-250;
            result *= 1e-250;
        }
    }
    norm += j; // J0 term
    result / norm
}

/// (Jₙ(x), Σ|terms| = Iₙ(x)) by the power series Σ_k (-1)^k (x/2)^{2k+n}/(k!(k+n)!).
fn series_with_size(n: u32, x: f64) -> (f64, f64) {
    let h = 0.5 * x;
    let mut lead = 1.0; // (x/2)^n / n!
    for k in 1..=n {
        lead *= h / k as f64;
    }
    let q = h * h;
    let (mut term, mut sum, mut size) = (lead, lead, lead);
    let mut k = 1.0;
    let nf = n as f64;
    while term > 1e-17 * size && k < 200.0 {
        term *= q / (k * (k + nf));
        sum += if (k as u32) % 2 == 1 { -term } else { term };
        size += term;
        k += 1.0;
    }
    (sum, size)
}

/// The power series for tiny x.
fn series(n: u32, x: f64) -> f64 {
    let h = 0.5 * x;
    let mut lead = 1.0; // (x/2)^n / n!
    for k in 1..=n {
        lead *= h / k as f64;
    }
    lead * (1.0 - h * h / (n as f64 + 1.0))
}

fn jn_rest(order: u32, x: f64) -> f64 {
    let v = jn_rest_nonneg(order, fabs(x));
    if x < 0.0 && order % 2 == 1 { -v } else { v }
}

/// J_order(x), order ≥ 0, with the sign of x applied.
#[inline(always)]
fn jn_unsigned_order(order: u32, x: f64) -> f64 {
    match class(order, x) {
        2 => jn_rest(order, x),
        r => jn_region(order, r, x),
    }
}

/// Jₙ(x) for any integer n and real x.
pub fn jn(n: i32, x: f64) -> f64 {
    let order = n.unsigned_abs();
    let v = jn_unsigned_order(order, x);
    if n < 0 && order % 2 == 1 { -v } else { v }
}

pub fn j0(x: f64) -> f64 { jn(0, x) }
pub fn j1(x: f64) -> f64 { jn(1, x) }

/// out[i] = J_n(x[i]) over an array, split by region.
unsafe fn jn_array(n: i32, x: *const f64, out: *mut f64, len: usize) {
    let order = n.unsigned_abs();
    let negate = n < 0 && order % 2 == 1;
    split_map::<3>(x, out, len, |v| class(order, v), |c, s| {
        match c {
            0 => map_lanes(s, |v| jn_region(order, 0, v), |v| jn_region(order, 0, v)),
            1 => map_lanes(s, |v| jn_region(order, 1, v), |v| jn_region(order, 1, v)),
            _ => {
                for v in s.iter_mut() {
                    *v = jn_rest(order, *v);
                }
            }
        }
        if negate {
            for v in s.iter_mut() {
                *v = -*v;
            }
        }
    })
}

// --- exports ---

#[no_mangle]
pub extern "C" fn sp_bessel_j0(x: f64) -> f64 { j0(x) }

#[no_mangle]
pub extern "C" fn sp_bessel_j1(x: f64) -> f64 { j1(x) }

#[no_mangle]
pub extern "C" fn sp_bessel_jn(n: i32, x: f64) -> f64 { jn(n, x) }

#[no_mangle]
pub unsafe extern "C" fn sp_bessel_j0_array(x: *const f64, out: *mut f64, n: usize) { jn_array(0, x, out, n) }

#[no_mangle]
pub unsafe extern "C" fn sp_bessel_j1_array(x: *const f64, out: *mut f64, n: usize) { jn_array(1, x, out, n) }

/// out[i] = J_order(x[i]); `out` may be `x`.
#[no_mangle]
pub unsafe extern "C" fn sp_bessel_jn_array(order: i32, x: *const f64, out: *mut f64, n: usize) {
    jn_array(order, x, out, n)
}

// BEGIN special_fit bessel
/// J0(x) = 1 + z·P(v), z = x², v = z/32 - 1, |x| < 8.0: degree 14, minimax absolute error 2.4e-17.
pub(crate) const J0_SMALL: [f64; 15] = [
    -0.02981782297313082,
    0.058889736951126356,
    -0.07915440204760076,
    0.053901626807923035,
    -0.021452268647183376,
    0.005593892214461484,
    -0.0010317406967124115,
    0.0001419682401224017,
    -1.5153271754265677e-05,
    1.2924616782019204e-06,
    -9.017416133618776e-08,
    5.244498169934351e-09,
    -2.583063488540698e-10,
    1.0952480280910646e-11,
    -3.8853161602291435e-13,
];

/// J1(x) = x·P(v), v as for J0_SMALL: degree 14, minimax absolute error 9.6e-17.
pub(crate) const J1_SMALL: [f64; 15] = [
    -0.05814382795599106,
    0.08105866038589776,
    0.15151665143806503,
    -0.25959486528592196,
    0.15858376432724267,
    -0.05474581821294651,
    0.012456814392101572,
    -0.0020290394940515755,
    0.0002494945818682559,
    -2.4045750041405477e-05,
    1.8684517900715472e-06,
    -1.1966886196079883e-07,
    6.431831234551973e-09,
    -2.9570447588927603e-10,
    1.1461723973228652e-11,
];

/// J0(x) = √(2/(πx))·(P cos χ - Q sin χ), χ = x - 1π/4, for x ≥ 8.0: P(x) = A(v), v = 2(8/x)² - 1: degree 10, minimax absolute error 1.0e-16.
pub(crate) const P0_ASYM: [f64; 11] = [
    0.9994572757882519,
    -0.0005363673192140707,
    6.137416082123451e-06,
    -2.0527446055678243e-07,
    1.2803741022156776e-08,
    -1.2122332674439213e-09,
    1.5508292415940797e-10,
    -2.462939624617547e-11,
    4.6527623832851176e-12,
    -1.2977375775223109e-12,
    3.541148893700631e-13,
];

/// J0(x) = √(2/(πx))·(P cos χ - Q sin χ), χ = x - 1π/4, for x ≥ 8.0: Q(x) = A(v)/x, v = 2(8/x)² - 1: degree 11, minimax absolute error 1.4e-16.
pub(crate) const Q0_ASYM: [f64; 12] = [
    -0.12444091103610802,
    0.0005466519279469187,
    -1.1817110670344295e-05,
    5.684972029248607e-07,
    -4.5349623868113435e-08,
    5.146127270857879e-09,
    -7.580652774173241e-10,
    1.3655622098685109e-10,
    -2.7917206841535416e-11,
    6.465019551626564e-12,
    -2.498719784563028e-12,
    8.180699638501447e-13,
];

/// J1(x) = √(2/(πx))·(P cos χ - Q sin χ), χ = x - 3π/4, for x ≥ 8.0: P(x) = A(v), v = 2(8/x)² - 1: degree 10, minimax absolute error 1.1e-16.
pub(crate) const P1_ASYM: [f64; 11] = [
    1.0009070262780821,
    0.0008988049416716941,
    -7.959694700576486e-06,
    2.4536763983673016e-07,
    -1.4708491313501551e-08,
    1.3604284641446013e-09,
    -1.713927828839383e-10,
    2.6933958684152727e-11,
    -5.048644599539573e-12,
    1.3959528047692216e-12,
    -3.788676379201449e-13,
];

/// J1(x) = √(2/(πx))·(P cos χ - Q sin χ), χ = x - 3π/4, for x ≥ 8.0: Q(x) = A(v)/x, v = 2(8/x)² - 1: degree 11, minimax absolute error 1.5e-16.
pub(crate) const Q1_ASYM: [f64; 12] = [
    0.3742149922195917,
    -0.0007697167057637285,
    1.4569614819539922e-05,
    -6.633568716839758e-07,
    5.136094922076508e-08,
    -5.720780686873145e-09,
    8.320658713388376e-10,
    -1.4850521784902217e-10,
    3.016602023975371e-11,
    -6.950923340976993e-12,
    2.6659912679487336e-12,
    -8.692850294513957e-13,
];
// END special_fit bessel
