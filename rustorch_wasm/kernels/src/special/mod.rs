//! f64 special functions, one family per file (erf, gamma, beta, bessel),
//! each with its algorithm and error bound in its header and with scalar and
//! array exports. `vec` holds what their array paths share (formulas written
//! once for f64 and for f64x2 lanes, the split of an array by interval, exp,
//! log and sincos); `elementary` the scalar exp, log, sin, cos, sin(πx).
//! Coefficients come from tools/special_fit.py (Remez fits against mpmath);
//! accuracy is checked against mpmath by tests/test_special.py and, at 10⁵
//! points per region, by tests/test_special_grid.py.
pub mod elementary;
pub mod gamma;
pub mod erf;
pub mod bessel;
pub mod beta;
pub(crate) mod vec;
