//! Linear layer y = x·W + b over `rows` rows (the batch, times the sequence
//! length when it follows a recurrent layer).
//!
//! Parameters, in order: W (in×out, row-major, so the forward pass is one
//! blocked product with no transpose) and b (out).
//! Backward: dW += xᵀ·dy, db += Σ_rows dy, dx = dy·Wᵀ.
use super::linalg::{mm, add_bias_rows, bias_grad_rows, matmul_nt, matmul_tn_acc, Oom};

pub fn forward(x: &[f32], params: &[f32], y: &mut [f32], rows: usize, nin: usize, nout: usize) {
    let (w, b) = params.split_at(nin * nout);
    mm(x, w, y, rows, nin, nout);
    add_bias_rows(y, &b[..nout], rows);
}

pub fn backward(
    x: &[f32], dy: &[f32], dx: Option<&mut [f32]>, params: &[f32], grads: &mut [f32],
    rows: usize, nin: usize, nout: usize,
) -> Result<(), Oom> {
    let (gw, gb) = grads.split_at_mut(nin * nout);
    matmul_tn_acc(x, dy, gw, rows, nin, nout);
    bias_grad_rows(dy, &mut gb[..nout], rows);
    if let Some(dx) = dx {
        matmul_nt(dy, &params[..nin * nout], dx, rows, nout, nin)?;
    }
    Ok(())
}

// --- exports ---
use crate::ffi::{slice, slice_mut};

/// One Linear layer on its own (for the engine/peer comparison): y (rows ×
/// nout) = x (rows × nin) · W + b with `params` = W then b.
#[no_mangle]
pub unsafe extern "C" fn nn_linear_forward(x: *const f32, params: *const f32, y: *mut f32,
                                           rows: usize, nin: usize, nout: usize) {
    forward(slice(x, rows * nin), slice(params, nin * nout + nout), slice_mut(y, rows * nout),
            rows, nin, nout)
}
