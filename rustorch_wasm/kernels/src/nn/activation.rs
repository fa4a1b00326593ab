//! Activation layers: ReLU, Sigmoid, Tanh (forward through the SIMD128
//! element-wise kernels) and their backward passes, written in terms of the
//! forward output y:
//!
//! * ReLU: dx = dy where y > 0, else 0;
//! * Sigmoid: dx = dy·y·(1 − y);
//! * Tanh: dx = dy·(1 − y²).
use crate::elementwise::{map, Relu, Sigmoid, Tanh};
use crate::simd::{load, store};
use core::arch::wasm32::*;

#[derive(Clone, Copy)]
pub enum Act {
    Relu,
    Sigmoid,
    Tanh,
}

pub fn forward(act: Act, x: &[f32], y: &mut [f32]) {
    match act {
        Act::Relu => map::<Relu>(x, y),
        Act::Sigmoid => map::<Sigmoid>(x, y),
        Act::Tanh => map::<Tanh>(x, y),
    }
}

#[inline(always)]
fn local_grad(act: Act, y: v128, dy: v128) -> v128 {
    let one = f32x4_splat(1.0);
    match act {
        Act::Relu => v128_and(dy, f32x4_gt(y, f32x4_splat(0.0))),
        Act::Sigmoid => f32x4_mul(dy, f32x4_mul(y, f32x4_sub(one, y))),
        Act::Tanh => f32x4_mul(dy, f32x4_sub(one, f32x4_mul(y, y))),
    }
}

#[inline(always)]
fn local_grad_s(act: Act, y: f32, dy: f32) -> f32 {
    match act {
        Act::Relu => {
            if y > 0.0 {
                dy
            } else {
                0.0
            }
        }
        Act::Sigmoid => dy * y * (1.0 - y),
        Act::Tanh => dy * (1.0 - y * y),
    }
}

/// dx = dy · act'(x), expressed through y = act(x).
pub fn backward(act: Act, y: &[f32], dy: &[f32], dx: &mut [f32]) {
    let n = dx.len().min(y.len()).min(dy.len());
    let mut i = 0;
    while i + 4 <= n {
        let v = local_grad(act, load(&y[i..]), load(&dy[i..]));
        store(&mut dx[i..], v);
        i += 4;
    }
    while i < n {
        dx[i] = local_grad_s(act, y[i], dy[i]);
        i += 1;
    }
}
