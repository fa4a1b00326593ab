//! erf and erfc for f64.
//!
//! Piecewise minimax approximations; every coefficient is fitted by
//! `tools/special_fit.py erf` (Remez against mpmath, tools/minimax.py).
//! With t = |x|:
//! * t < 1: erf x = x·P(x²), P of degree 11 (relative error of the fit
//!   7e-18); erfc x = 1 - x·P(x²) (erfc ≥ 0.157 there, so little is lost).
//! * 1 ≤ t < 6, in ten pieces [1 + j/2, 1.5 + j/2): erfc t = C_j(v), v the
//!   piece mapped onto [-1, 1], degrees 13 to 6, absolute error of the fits
//!   ≤ 4e-17; then erf x = ±(1 - C_j) and, for x ≤ -1, erfc x = 2 - C_j.
//!   No exponential: erf only needs erfc to an absolute 1e-16 here.
//! * t ≥ 6: erf x = ±1 (erfc 6 = 2.2e-17 < ½ulp(1)), erfc(-t) = 2.
//! * erfc x for 1 ≤ x ≤ 27.3: with s = 1/x²,
//!   erfc x = e^{-x²}·(1/√π + P(v)/Q(v))·(x·s), v affine in s, degrees 7/7
//!   on [1, 2] and on [2, 27.5] (error of the fits ≤ 2e-17 relative to
//!   x·e^{x²}·erfc x). The fitted part P/Q is at most a third of the sum, so
//!   its f64 rounding error is scaled down; a rational in x itself put poles
//!   just outside [1, 27.5] and lost digits near 1. e^{-x²} is computed as
//!   e^{-h² - (x-h)(x+h)} with h = x rounded to 26 bits, so h² is exact and
//!   -x² carries no rounding error into the exponential (vec::exp_dd): this
//!   keeps erfc accurate out to x = 26.5 (erfc ≈ 2.5e-307). Beyond, the
//!   result is sub-normal (gradual loss of bits), 0 above 27.3.
//! Measured against mpmath (tests/test_special_grid.py, 10⁵ points per
//! region): relative error ≤ 3e-16 for erf on ℝ, ≤ 1.1e-15 for erfc on
//! (-∞, 26.5] (bound 4e-15; the per-region figures are in docs/benchmarks.md).
//!
//! Array exports split each array by region (vec::split_map, the region
//! found by a table lookup on ⌊2|x|⌋, not a chain of branches) and run one
//! f64x2 loop per region; the single-value exports run the same formulas on
//! f64, so both give the same bits.
use super::elementary::scale;
use super::vec::{exp_dd, poly, run, split_map, Kernel, Real, SHIFT};
use crate::math::fabs;

const ERFC_TAIL_END: f64 = 26.5; // the vector path's range for erfc's exponential
const ERFC_ZERO: f64 = 27.3; // erfc x < 2^-1075 above

const PIECES: [&[f64]; 10] = [
    &ERFC_PIECE_0, &ERFC_PIECE_1, &ERFC_PIECE_2, &ERFC_PIECE_3, &ERFC_PIECE_4,
    &ERFC_PIECE_5, &ERFC_PIECE_6, &ERFC_PIECE_7, &ERFC_PIECE_8, &ERFC_PIECE_9,
];

/// erfc t for 1 ≤ t < 6 in piece J, to an absolute ~1e-17.
#[inline(always)]
fn piece<T: Real, const J: usize>(t: T) -> T {
    let (a, b) = ERFC_PIECE_MAP[J];
    poly(PIECES[J], t * T::c(a) + T::c(b))
}

const INV_SQRT_PI: f64 = 0.564_189_583_547_756_286_9;
const TAIL_P: [&[f64]; 2] = [&ERFC_TAIL_P0, &ERFC_TAIL_P1];
const TAIL_Q: [&[f64]; 2] = [&ERFC_TAIL_Q0, &ERFC_TAIL_Q1];

/// e^{x²}·erfc x for x in tail piece J (J = 0: [1, 2), 1: [2, 27.5]).
#[inline(always)]
fn tail_ratio<T: Real, const J: usize>(x: T) -> T {
    let s = T::c(1.0) / (x * x);
    let v = s * T::c(ERFC_TAIL_MAP[J].0) + T::c(ERFC_TAIL_MAP[J].1);
    let g = T::c(INV_SQRT_PI) + poly(TAIL_P[J], v) / poly(TAIL_Q[J], v);
    g * (x * s)
}

struct ErfSmall;
impl Kernel for ErfSmall {
    #[inline(always)]
    fn f<T: Real>(x: T) -> T { x * poly(&ERF_SMALL, x * x) }
}

struct ErfcSmall;
impl Kernel for ErfcSmall {
    #[inline(always)]
    fn f<T: Real>(x: T) -> T { T::c(1.0) - x * poly(&ERF_SMALL, x * x) }
}

struct ErfPiece<const J: usize>;
impl<const J: usize> Kernel for ErfPiece<J> {
    #[inline(always)]
    fn f<T: Real>(x: T) -> T { (T::c(1.0) - piece::<T, J>(x.abs())).copysign(x) }
}

/// erfc x = 2 - erfc|x| for x ≤ -1.
struct ErfcNegPiece<const J: usize>;
impl<const J: usize> Kernel for ErfcNegPiece<J> {
    #[inline(always)]
    fn f<T: Real>(x: T) -> T { T::c(2.0) - piece::<T, J>(x.abs()) }
}

/// erfc x for x in [1, 2) (J = 0) or [2, ERFC_TAIL_END) (J = 1).
struct ErfcTail<const J: usize>;
impl<const J: usize> Kernel for ErfcTail<J> {
    #[inline(always)]
    fn f<T: Real>(x: T) -> T {
        let h = x.hi26();
        exp_dd(-(h * h), -((x - h) * (x + h))) * tail_ratio::<T, J>(x)
    }
}

/// erf on what no interval covers: |x| ≥ 6 (±1), ±inf.
struct ErfRest;
impl Kernel for ErfRest {
    fn f<T: Real>(x: T) -> T { T::c(1.0).copysign(x) }
}

/// erfc x for x ≥ ERFC_TAIL_END (sub-normal results) and x ≤ -6; scalar only.
fn erfc_rest(x: f64) -> f64 {
    if x < 0.0 {
        return 2.0;
    }
    if x > ERFC_ZERO {
        return 0.0;
    }
    // As ErfcTail, with 2^k applied in two factors so sub-normal results are reached.
    let h = x.hi26();
    let (a, b) = (-(h * h), -((x - h) * (x + h)));
    const INV_LN2: f64 = 1.442_695_040_888_963_387_00;
    const LN2_HI: f64 = 6.931_471_803_691_238_164_90e-01;
    const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10;
    let k = (a * INV_LN2 + SHIFT) - SHIFT;
    let r = (a - k * LN2_HI) + (b - k * LN2_LO);
    scale(poly(&super::vec::EXP_POLY, r) * tail_ratio::<f64, 1>(x), k as i32)
}

/// k = ⌊2·min(|x|, 7)⌋ in 0..=14 (0 for NaN), without branches.
#[inline(always)]
fn half_steps(x: f64) -> usize {
    let t = fabs(x);
    let t = if t > 7.0 { 7.0 } else { t }; // a select; NaN stays NaN
    (2.0 * t) as u32 as usize // saturating: NaN -> 0
}

/// erf's class by k = half_steps(x): 0: |x| < 1 (and NaN); 1 + j: piece j; 11: |x| ≥ 6.
const ERF_CLASS: [u8; 15] = [0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 11, 11];
/// erfc's class by k for x ≥ 0 (first row) and x < 0 (second): 0: |x| < 1 (and NaN); 1 + j: x ≤ -1 in
/// piece j; 11: 1 ≤ x < 2; 12: 2 ≤ x (< 26.5); 13: x ≤ -6 (and x ≥ 26.5, added below).
const ERFC_CLASS: [[u8; 15]; 2] = [
    [0, 0, 11, 11, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12],
    [0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 13, 13],
];

/// Table lookups instead of a chain of data-dependent branches: on random data a
/// mispredicted branch per value costs more than a kernel's arithmetic.
#[inline(always)]
fn erf_class(x: f64) -> usize { ERF_CLASS[half_steps(x)] as usize }

#[inline(always)]
fn erfc_class(x: f64) -> usize {
    ERFC_CLASS[(x < 0.0) as usize][half_steps(x)] as usize + (x >= ERFC_TAIL_END) as usize
}

macro_rules! piece_table {
    ($k:ident) => {
        [
            run::<$k<0>>, run::<$k<1>>, run::<$k<2>>, run::<$k<3>>, run::<$k<4>>,
            run::<$k<5>>, run::<$k<6>>, run::<$k<7>>, run::<$k<8>>, run::<$k<9>>,
        ]
    };
}

macro_rules! piece_scalar {
    ($k:ident, $j:expr, $x:expr) => {
        match $j {
            0 => $k::<0>::f($x), 1 => $k::<1>::f($x), 2 => $k::<2>::f($x), 3 => $k::<3>::f($x),
            4 => $k::<4>::f($x), 5 => $k::<5>::f($x), 6 => $k::<6>::f($x), 7 => $k::<7>::f($x),
            8 => $k::<8>::f($x), _ => $k::<9>::f($x),
        }
    };
}

/// The error function.
pub fn erf(x: f64) -> f64 {
    match erf_class(x) {
        0 => ErfSmall::f(x),
        11 => ErfRest::f(x),
        c => piece_scalar!(ErfPiece, c - 1, x),
    }
}

/// The complementary error function 1 - erf(x).
pub fn erfc(x: f64) -> f64 {
    match erfc_class(x) {
        0 => ErfcSmall::f(x),
        11 => ErfcTail::<0>::f(x),
        12 => ErfcTail::<1>::f(x),
        13 => erfc_rest(x),
        c => piece_scalar!(ErfcNegPiece, c - 1, x),
    }
}

fn run_erfc_rest(s: &mut [f64]) {
    for v in s.iter_mut() {
        *v = erfc_rest(*v);
    }
}

// --- exports ---

#[no_mangle]
pub extern "C" fn sp_erf(x: f64) -> f64 { erf(x) }

#[no_mangle]
pub extern "C" fn sp_erfc(x: f64) -> f64 { erfc(x) }

#[no_mangle]
pub unsafe extern "C" fn sp_erf_array(x: *const f64, out: *mut f64, n: usize) {
    let p = piece_table!(ErfPiece);
    let kernels: [fn(&mut [f64]); 12] = [
        run::<ErfSmall>, p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], run::<ErfRest>,
    ];
    split_map::<12>(x, out, n, erf_class, |c, s| kernels[c](s))
}

#[no_mangle]
pub unsafe extern "C" fn sp_erfc_array(x: *const f64, out: *mut f64, n: usize) {
    let p = piece_table!(ErfcNegPiece);
    let kernels: [fn(&mut [f64]); 14] = [
        run::<ErfcSmall>, p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9],
        run::<ErfcTail<0>>, run::<ErfcTail<1>>, run_erfc_rest,
    ];
    split_map::<14>(x, out, n, erfc_class, |c, s| kernels[c](s))
}

// BEGIN special_fit erf
/// erf x = x·P(x²) for |x| < 1.0: P by degree, minimax relative error 7.3e-18.
pub(crate) const ERF_SMALL: [f64; 12] = [
    1.1283791670955126,
    -0.3761263890318352,
    0.11283791670944185,
    -0.02686617064311146,
    0.005223977606118418,
    -0.0008548325929311841,
    0.00012055293576822932,
    -1.492471230055812e-05,
    1.6447131553918166e-06,
    -1.6206313629787028e-07,
    1.371097985910681e-08,
    -7.779467514513352e-10,
];

/// erfc t on [1.0, 1.5) = P(v), v = 4.0·t + -5.0: degree 13, minimax absolute error 1.3e-18.
pub(crate) const ERFC_PIECE_0: [f64; 14] = [
    0.07709987174354177,
    -0.05913028061182269,
    0.018478212691194477,
    -0.002617746797919547,
    2.406017277685395e-05,
    4.607523086718978e-05,
    -5.200506105941244e-06,
    -2.2131242860954776e-07,
    8.693970056577325e-08,
    -3.347885752572804e-09,
    -7.568007467027856e-10,
    7.719991182484539e-11,
    3.1802191937393538e-12,
    -8.08433978227089e-13,
];

/// erfc t on [1.5, 2.0) = P(v), v = 4.0·t + -7.0: degree 13, minimax absolute error 2.1e-18.
pub(crate) const ERFC_PIECE_1: [f64; 14] = [
    0.013328328780817559,
    -0.013193748982537598,
    0.00577226517985999,
    -0.0014087075736561906,
    0.00018789925716022,
    -6.469102998024624e-06,
    -2.188243452196451e-06,
    3.697968497098819e-07,
    -1.1139641135317178e-08,
    -3.4110484779335394e-09,
    4.2215640802740275e-10,
    1.3175309303881308e-12,
    -4.032577793533568e-12,
    2.5204750599002315e-13,
];

/// erfc t on [2.0, 2.5) = P(v), v = 4.0·t + -9.0: degree 12, minimax absolute error 6.0e-18.
pub(crate) const ERFC_PIECE_2: [f64; 13] = [
    0.0014627165866811487,
    -0.0017855797555045639,
    0.001004388612471531,
    -0.00033944615143512554,
    7.454446732824444e-05,
    -1.0407889825732997e-05,
    7.090715701792017e-07,
    4.0921438140220316e-08,
    -1.5251115123453397e-08,
    1.408986157211212e-09,
    1.1005107645870941e-11,
    -1.546003447943327e-11,
    1.3050248036469165e-12,
];

/// erfc t on [2.5, 3.0) = P(v), v = 4.0·t + -11.0: degree 12, minimax absolute error 9.8e-18.
pub(crate) const ERFC_PIECE_3: [f64; 13] = [
    0.00010062192211963764,
    -0.00014656931177332118,
    0.00010076640184417685,
    -4.313107352022037e-05,
    1.2727006483906052e-05,
    -2.6912191259221232e-06,
    4.0462094289973116e-07,
    -3.943130829196401e-08,
    1.3582224959011412e-09,
    2.718572535389157e-10,
    -5.246775432647408e-11,
    3.6473251473954865e-12,
    7.641034023558424e-14,
];

/// erfc t on [3.0, 3.5) = P(v), v = 4.0·t + -13.0: degree 12, minimax absolute error 1.9e-18.
pub(crate) const ERFC_PIECE_4: [f64; 13] = [
    4.3027794636751245e-06,
    -7.297256345920628e-06,
    5.929020781039807e-06,
    -3.059526748483985e-06,
    1.119411475590077e-06,
    -3.064426086787994e-07,
    6.433801370884195e-08,
    -1.0375433102849579e-08,
    1.2458440069634584e-09,
    -9.888597874961979e-11,
    2.2209448816941393e-12,
    7.09041059511806e-13,
    -1.1350226867476591e-13,
];

/// erfc t on [3.5, 4.0) = P(v), v = 4.0·t + -15.0: degree 11, minimax absolute error 2.4e-18.
pub(crate) const ERFC_PIECE_5: [f64; 12] = [
    1.1372725656746404e-07,
    -2.2035804781311818e-07,
    2.065856699892289e-07,
    -1.245252508483709e-07,
    5.406734128306704e-08,
    -1.794040617153443e-08,
    4.7052628262621804e-09,
    -9.933628643140109e-10,
    1.6978654912936707e-10,
    -2.3307748879633754e-11,
    2.497903323206286e-12,
    -1.8177434920470394e-13,
];

/// erfc t on [4.0, 4.5) = P(v), v = 4.0·t + -17.0: degree 10, minimax absolute error 3.3e-17.
pub(crate) const ERFC_PIECE_6: [f64; 11] = [
    1.8505741340933063e-09,
    -4.035998790603804e-09,
    4.288248532546856e-09,
    -2.9534187250270177e-09,
    1.4796669808922424e-09,
    -5.735229206172926e-10,
    1.7845500209218847e-10,
    -4.5545556302520914e-11,
    9.719098408268657e-12,
    -1.834902546489382e-12,
    2.7322418429154605e-13,
];

/// erfc t on [4.5, 5.0) = P(v), v = 4.0·t + -19.0: degree 9, minimax absolute error 2.3e-17.
pub(crate) const ERFC_PIECE_7: [f64; 10] = [
    1.8485070786676547e-11,
    -4.4835929440592835e-11,
    5.3241471590178314e-11,
    -4.121570321693902e-11,
    2.3372149288538504e-11,
    -1.0327655843819011e-11,
    3.6718990030128765e-12,
    -1.0946652338457797e-12,
    3.061379476721783e-13,
    -6.533844473371363e-14,
];

/// erfc t on [5.0, 5.5) = P(v), v = 4.0·t + -21.0: degree 7, minimax absolute error 3.8e-17.
pub(crate) const ERFC_PIECE_8: [f64; 8] = [
    1.1306615601410644e-13,
    -3.0202857027050343e-13,
    3.97684277969569e-13,
    -3.414517628884506e-13,
    2.0948282676215256e-13,
    -1.0419548443992134e-13,
    5.213745942650471e-14,
    -1.737515565615486e-14,
];

/// erfc t on [5.5, 6.0) = P(v), v = 4.0·t + -23.0: degree 6, minimax absolute error 2.1e-18.
pub(crate) const ERFC_PIECE_9: [f64; 7] = [
    4.225607664482415e-16,
    -1.2486921170340991e-15,
    1.7909018331089612e-15,
    -1.5644736495343205e-15,
    1.101082896302468e-15,
    -8.528748672449982e-16,
    3.7513833148377806e-16,
];

/// (alpha, beta) of each piece: v = alpha·t + beta.
pub(crate) const ERFC_PIECE_MAP: [(f64, f64); 10] = [
    (4.0, -5.0),
    (4.0, -7.0),
    (4.0, -9.0),
    (4.0, -11.0),
    (4.0, -13.0),
    (4.0, -15.0),
    (4.0, -17.0),
    (4.0, -19.0),
    (4.0, -21.0),
    (4.0, -23.0),
];

/// t·e^(t²)·erfc t = 1/√π + P(v)/Q(v) for t in [1.0, 2.0], v = alpha·t⁻² + beta: numerator, degree 7 (minimax error 2.7e-18 of G).
pub(crate) const ERFC_TAIL_P0: [f64; 8] = [
    -0.10283510582260377,
    -0.21691945075137578,
    -0.1826311588524045,
    -0.07828030107074106,
    -0.018000184988371637,
    -0.002133611974451381,
    -0.00011231042959970046,
    -1.728707990441486e-06,
];

/// Denominator, degree 7, Q(0) = 1.
pub(crate) const ERFC_TAIL_Q0: [f64; 8] = [
    1.0,
    1.7234854537833557,
    1.181750740213977,
    0.4103335563223278,
    0.07585824394404636,
    0.007155764370541205,
    0.0002957925416942207,
    3.514584110222529e-06,
];

/// t·e^(t²)·erfc t = 1/√π + P(v)/Q(v) for t in [2.0, 27.5], v = alpha·t⁻² + beta: numerator, degree 7 (minimax error 1.8e-17 of G).
pub(crate) const ERFC_TAIL_P1: [f64; 8] = [
    -0.030260065452309706,
    -0.08571718669815429,
    -0.09435836647478903,
    -0.05183597630903513,
    -0.015043172231662693,
    -0.00222368169966234,
    -0.00014467976892492703,
    -2.736698081417232e-06,
];

/// Denominator, degree 7, Q(0) = 1.
pub(crate) const ERFC_TAIL_Q1: [f64; 8] = [
    1.0,
    1.977342658080571,
    1.5335944299741227,
    0.592654668903595,
    0.11968170863804571,
    0.012064912367106544,
    0.000519219303820085,
    6.22219473247565e-06,
];

/// (alpha, beta) of each tail piece: v = alpha/t² + beta.
pub(crate) const ERFC_TAIL_MAP: [(f64, f64); 2] = [
    (2.6666666666666665, -1.6666666666666667),
    (8.042539049518112, -1.010634762379528),
];
// END special_fit erf
