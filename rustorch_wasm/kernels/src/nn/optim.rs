//! Optimizers over the flat parameter arena (every layer's parameters are
//! one contiguous block, their gradients and the optimizer state are blocks
//! of the same layout), so a step is one pass over a few arrays.
//!
//! * SGD with momentum (PyTorch's form): v ← μ·v + g, p ← p − lr·v.
//! * Adam: m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g², with step count t,
//!   p ← p − lr·m̂ / (√v̂ + ε), m̂ = m/(1−β1^t), v̂ = v/(1−β2^t).
//!
//! The state (v, m) is flushed to zero below f32's smallest normal, as
//! PyTorch's `set_flush_denormal` and the x86 FTZ bit do; wasm has no FTZ
//! mode, so it is done here. Where a parameter's gradient is 0 (a dead ReLU
//! unit) its state decays as β^k and would reach the subnormal range (after
//! ~700 steps of the benchmark MLP at β = 0.9) and stay there: β times the
//! smallest subnormals rounds back to them. x86 takes a slow microcode path
//! on subnormal operands, so every later step was ~5 % slower and several
//! times noisier. The flush changes a state value by less than 1.2e-38.
use crate::simd::{load, store};
use core::arch::wasm32::*;

/// `x` with every lane of magnitude below f32::MIN_POSITIVE set to +0.
#[inline(always)]
fn flush(x: v128) -> v128 {
    v128_and(x, f32x4_ge(f32x4_abs(x), f32x4_splat(f32::MIN_POSITIVE)))
}

#[inline(always)]
fn flush_s(x: f32) -> f32 {
    if -f32::MIN_POSITIVE < x && x < f32::MIN_POSITIVE {
        0.0
    } else {
        x
    }
}

pub fn sgd(p: &mut [f32], g: &[f32], v: &mut [f32], lr: f32, mu: f32) {
    let n = p.len().min(g.len()).min(v.len());
    let (lrv, muv) = (f32x4_splat(lr), f32x4_splat(mu));
    let mut i = 0;
    while i + 4 <= n {
        let vn = flush(f32x4_add(f32x4_mul(muv, load(&v[i..])), load(&g[i..])));
        store(&mut v[i..], vn);
        let pn = f32x4_sub(load(&p[i..]), f32x4_mul(lrv, vn));
        store(&mut p[i..], pn);
        i += 4;
    }
    while i < n {
        v[i] = flush_s(mu * v[i] + g[i]);
        p[i] -= lr * v[i];
        i += 1;
    }
}

fn powi(b: f64, mut e: u32) -> f64 {
    let (mut r, mut x) = (1.0f64, b);
    while e > 0 {
        if e & 1 == 1 {
            r *= x;
        }
        x *= x;
        e >>= 1;
    }
    r
}

/// One Adam step; `t` is the step number after this update (1 for the first).
#[allow(clippy::too_many_arguments)]
pub fn adam(p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], lr: f32, b1: f32, b2: f32, eps: f32, t: u32) {
    let n = p.len().min(g.len()).min(m.len()).min(v.len());
    let c1 = (1.0 / (1.0 - powi(b1 as f64, t))) as f32;
    let c2 = (1.0 / (1.0 - powi(b2 as f64, t))) as f32;
    let (b1v, b2v) = (f32x4_splat(b1), f32x4_splat(b2));
    let (ob1, ob2) = (f32x4_splat(1.0 - b1), f32x4_splat(1.0 - b2));
    let (c1v, c2v, lrv, epsv) = (f32x4_splat(c1), f32x4_splat(c2), f32x4_splat(lr), f32x4_splat(eps));
    let mut i = 0;
    while i + 4 <= n {
        let gv = load(&g[i..]);
        let mn = flush(f32x4_add(f32x4_mul(b1v, load(&m[i..])), f32x4_mul(ob1, gv)));
        let vn = flush(f32x4_add(f32x4_mul(b2v, load(&v[i..])), f32x4_mul(ob2, f32x4_mul(gv, gv))));
        store(&mut m[i..], mn);
        store(&mut v[i..], vn);
        let den = f32x4_add(f32x4_sqrt(f32x4_mul(vn, c2v)), epsv);
        let pn = f32x4_sub(load(&p[i..]), f32x4_div(f32x4_mul(lrv, f32x4_mul(mn, c1v)), den));
        store(&mut p[i..], pn);
        i += 4;
    }
    while i < n {
        m[i] = flush_s(b1 * m[i] + (1.0 - b1) * g[i]);
        v[i] = flush_s(b2 * v[i] + (1.0 - b2) * g[i] * g[i]);
        let den = crate::math::sqrtf(v[i] * c2) + eps;
        p[i] -= lr * (m[i] * c1) / den;
        i += 1;
    }
}
