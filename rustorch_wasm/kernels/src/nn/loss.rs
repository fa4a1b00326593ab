//! Losses: each returns the mean loss and writes dL/d(output) in one pass.
//!
//! * Cross-entropy from logits z (B×C) and integer labels y: with
//!   m = max_j z_j and lse = m + ln Σ_j e^{z_j − m} (the stable log-sum-exp,
//!   never overflowing), loss_b = lse − z_{y_b}; the mean over the batch is
//!   accumulated in f64. The gradient is (softmax(z) − onehot(y)) / B.
//! * MSE over N = B·size values: Σ (o − t)² / N, gradient 2(o − t)/N.
use crate::simd;
use core::arch::wasm32::*;

#[inline(always)]
fn exp1(x: f32) -> f32 { f32x4_extract_lane::<0>(simd::exp(f32x4_splat(x))) }

#[inline(always)]
fn ln1(x: f32) -> f32 { f32x4_extract_lane::<0>(simd::log(f32x4_splat(x))) }

/// Mean cross-entropy of `logits` (batch × classes); `grad` gets its gradient.
/// Labels must lie in [0, classes) (the host checks).
pub fn cross_entropy(logits: &[f32], labels: &[i32], grad: &mut [f32], batch: usize, classes: usize) -> f32 {
    if batch == 0 || classes == 0 {
        return 0.0;
    }
    let inv_b = 1.0 / batch as f32;
    let mut total = 0.0f64;
    for n in 0..batch {
        let z = &logits[n * classes..(n + 1) * classes];
        let g = &mut grad[n * classes..(n + 1) * classes];
        let m = crate::reduce::max(z);
        let mut s = 0.0f32;
        for (gj, zj) in g.iter_mut().zip(z) {
            let e = exp1(*zj - m);
            *gj = e;
            s += e;
        }
        let label = labels[n] as usize;
        total += (m + ln1(s) - z[label]) as f64;
        let scale = inv_b / s;
        for gj in g.iter_mut() {
            *gj *= scale;
        }
        g[label] -= inv_b;
    }
    (total / batch as f64) as f32
}

/// Mean squared error of `out` against `target` (same length); `grad` gets its gradient.
pub fn mse(out: &[f32], target: &[f32], grad: &mut [f32]) -> f32 {
    let n = out.len();
    if n == 0 {
        return 0.0;
    }
    let scale = 2.0 / n as f32;
    let mut total = 0.0f64;
    for ((o, t), g) in out.iter().zip(target).zip(grad.iter_mut()) {
        let d = *o - *t;
        total += (d as f64) * (d as f64);
        *g = scale * d;
    }
    (total / n as f64) as f32
}
