//! The model interpreter and the `nn_*` exports.
//!
//! This is the export boundary of the nn module: addresses read from the
//! host's layer records become slices here (with [`crate::ffi`]), and the
//! layer modules only ever see safe slices. The host guarantees that every
//! address in a record points to a live block of the stated size for the
//! stated batch capacity, and that the blocks of one model do not overlap.
use super::activation::{self, Act};
use super::linalg::{add_to, fill, Oom};
use super::{conv, linear, loss, lstm, optim, pool, rnn, Rec, REC};
use super::{ADD, CONV2D, FLATTEN, LINEAR, LSTM, MAXPOOL2D, RELU, RNN, SIGMOID, SRC_INPUT, TANH};
use crate::ffi::{slice, slice_mut};

fn conv_geom(r: &Rec) -> conv::Geom {
    conv::Geom { cin: r.p[0], h: r.p[1], w: r.p[2], cout: r.p[3], k: r.p[4], stride: r.p[5], pad: r.p[6] }
}

fn pool_geom(r: &Rec) -> pool::Geom {
    pool::Geom { c: r.p[0], h: r.p[1], w: r.p[2], k: r.p[3], stride: r.p[4] }
}

fn act_of(kind: u32) -> Act {
    match kind {
        RELU => Act::Relu,
        SIGMOID => Act::Sigmoid,
        _ => Act::Tanh,
    }
}

/// Input of layer `k` for `batch` samples: the model input or layer k−1's output.
unsafe fn input_of<'a>(desc: &[u32], k: usize, x: *const f32, batch: usize) -> &'a [f32] {
    let r = Rec::decode(desc, k);
    if k == 0 {
        slice(x, batch * r.in_size)
    } else {
        slice(Rec::decode(desc, k - 1).out as *const f32, batch * r.in_size)
    }
}

unsafe fn forward_all(desc: &[u32], nl: usize, x: *const f32, batch: usize) -> Result<(), Oom> {
    for k in 0..nl {
        let r = Rec::decode(desc, k);
        let xin = input_of(desc, k, x, batch);
        let y = slice_mut(r.out as *mut f32, batch * r.out_size);
        let params = slice(r.params as *const f32, r.n_params);
        match r.kind {
            LINEAR => {
                let rows = batch * r.in_size / r.p[0].max(1);
                linear::forward(xin, params, y, rows, r.p[0], r.p[1]);
            }
            CONV2D => conv::forward(&conv_geom(&r), xin, params, y, batch)?,
            MAXPOOL2D => {
                let arg = slice_mut(r.aux as *mut u32, r.aux_len);
                pool::forward(&pool_geom(&r), xin, y, arg, batch);
            }
            FLATTEN => y.copy_from_slice(xin),
            RELU | SIGMOID | TANH => activation::forward(act_of(r.kind), xin, y),
            RNN => {
                let d = rnn::Dims { t: r.p[0], i: r.p[1], h: r.p[2] };
                rnn::forward(&d, xin, params, y, slice_mut(r.aux as *mut f32, r.aux_len), batch)?;
            }
            LSTM => {
                let d = lstm::Dims { t: r.p[0], i: r.p[1], h: r.p[2] };
                lstm::forward(&d, xin, params, y, slice_mut(r.aux as *mut f32, r.aux_len), batch)?;
            }
            ADD => {
                let src = r.p[0] as u32;
                let skip = if src == SRC_INPUT {
                    slice(x, batch * r.in_size)
                } else {
                    slice(Rec::decode(desc, src as usize).out as *const f32, batch * r.in_size)
                };
                y.copy_from_slice(xin);
                add_to(skip, y);
            }
            _ => {}
        }
    }
    Ok(())
}

unsafe fn backward_all(desc: &[u32], nl: usize, x: *const f32, batch: usize, dx_in: *mut f32) -> Result<(), Oom> {
    for k in (0..nl).rev() {
        let r = Rec::decode(desc, k);
        let xin = input_of(desc, k, x, batch);
        let y = slice(r.out as *const f32, batch * r.out_size);
        let dy = slice(r.dout as *const f32, batch * r.out_size);
        let n_in = batch * r.in_size;
        let dx: Option<&mut [f32]> = if k > 0 {
            Some(slice_mut(Rec::decode(desc, k - 1).dout as *mut f32, n_in))
        } else if !dx_in.is_null() {
            Some(slice_mut(dx_in, n_in))
        } else {
            None
        };
        let params = slice(r.params as *const f32, r.n_params);
        let grads = slice_mut(r.grads as *mut f32, r.n_params);
        match r.kind {
            LINEAR => {
                let rows = batch * r.in_size / r.p[0].max(1);
                linear::backward(xin, dy, dx, params, grads, rows, r.p[0], r.p[1])?;
            }
            CONV2D => conv::backward(&conv_geom(&r), xin, dy, dx, params, grads, batch)?,
            MAXPOOL2D => {
                if let Some(dx) = dx {
                    let arg = slice(r.aux as *const u32, r.aux_len);
                    pool::backward(&pool_geom(&r), dy, arg, dx, batch);
                }
            }
            FLATTEN | ADD => {
                if let Some(dx) = dx {
                    dx.copy_from_slice(dy);
                }
            }
            RELU | SIGMOID | TANH => {
                if let Some(dx) = dx {
                    activation::backward(act_of(r.kind), y, dy, dx);
                }
            }
            RNN => {
                let d = rnn::Dims { t: r.p[0], i: r.p[1], h: r.p[2] };
                rnn::backward(&d, xin, dy, dx, params, grads, slice(r.aux as *const f32, r.aux_len), batch)?;
            }
            LSTM => {
                let d = lstm::Dims { t: r.p[0], i: r.p[1], h: r.p[2] };
                lstm::backward(&d, xin, dy, dx, params, grads, slice_mut(r.aux as *mut f32, r.aux_len), batch)?;
            }
            _ => {}
        }
        // Residual connections reading layer k−1's output (or the model input)
        // add their output gradient to its gradient.
        let (target, src): (*mut f32, usize) = if k > 0 {
            (Rec::decode(desc, k - 1).dout as *mut f32, k - 1)
        } else {
            (dx_in, SRC_INPUT as usize)
        };
        if !target.is_null() {
            let target = slice_mut(target, n_in);
            for i in k..nl {
                let a = Rec::decode(desc, i);
                if a.kind == ADD && a.p[0] == src {
                    add_to(slice(a.dout as *const f32, batch * a.out_size), target);
                }
            }
        }
    }
    Ok(())
}

fn status(r: Result<(), Oom>) -> u32 {
    match r {
        Ok(()) => 0,
        Err(Oom) => 1,
    }
}

pub const LOSS_CROSS_ENTROPY: u32 = 1;
pub const LOSS_MSE: u32 = 2;
pub const OPT_SGD: u32 = 1;
pub const OPT_ADAM: u32 = 2;
/// u32 words of an optimizer record: 0 kind, 1 parameter count, 2 params,
/// 3 grads, 4 state 1 (velocity or m), 5 state 2 (v), 6 lr, 7 momentum or
/// β1, 8 β2, 9 ε (f32 bits), 10 Adam step count (updated here).
pub const OPT_REC: usize = 11;

/// Loss of the last layer's output for `batch` samples, writing its gradient.
unsafe fn loss_of(last: &Rec, target: *const u8, batch: usize, kind: u32) -> f32 {
    let n = batch * last.out_size;
    let out = slice(last.out as *const f32, n);
    let grad = slice_mut(last.dout as *mut f32, n);
    if kind == LOSS_CROSS_ENTROPY {
        loss::cross_entropy(out, slice(target as *const i32, batch), grad, batch, last.out_size)
    } else {
        loss::mse(out, slice(target as *const f32, n), grad)
    }
}

unsafe fn opt_step(opt: *mut u32) {
    let o = slice_mut(opt, OPT_REC);
    let n = o[1] as usize;
    let p = slice_mut(o[2] as *mut f32, n);
    let g = slice(o[3] as *const f32, n);
    let s1 = slice_mut(o[4] as *mut f32, n);
    let (lr, a, b, eps) = (f32::from_bits(o[6]), f32::from_bits(o[7]), f32::from_bits(o[8]), f32::from_bits(o[9]));
    if o[0] == OPT_ADAM {
        o[10] += 1;
        let s2 = slice_mut(o[5] as *mut f32, n);
        optim::adam(p, g, s1, s2, lr, a, b, eps, o[10]);
    } else {
        optim::sgd(p, g, s1, lr, a);
    }
}

// --- exports ---

/// Forward pass of `nl` layers on `batch` samples at `x`. Status code.
#[no_mangle]
pub unsafe extern "C" fn nn_forward(desc: *const u32, nl: usize, x: *const f32, batch: usize) -> u32 {
    status(forward_all(slice(desc, nl * REC), nl, x, batch))
}

/// Backward pass (the last layer's output gradient is already set); the
/// gradient of the input goes to `dx` unless it is null. Status code.
#[no_mangle]
pub unsafe extern "C" fn nn_backward(desc: *const u32, nl: usize, x: *const f32, batch: usize, dx: *mut f32) -> u32 {
    status(backward_all(slice(desc, nl * REC), nl, x, batch, dx))
}

/// Loss of the last layer's output (kind 1 cross-entropy with i32 labels,
/// 2 MSE with f32 targets); writes the last layer's output gradient.
#[no_mangle]
pub unsafe extern "C" fn nn_loss(desc: *const u32, nl: usize, target: *const u8, batch: usize, kind: u32) -> f32 {
    let last = Rec::decode(slice(desc, nl * REC), nl - 1);
    loss_of(&last, target, batch, kind)
}

/// x[..n] = v.
#[no_mangle]
pub unsafe extern "C" fn nn_fill(x: *mut f32, n: usize, v: f32) { fill(slice_mut(x, n), v) }

/// One optimizer update from the record at `opt`.
#[no_mangle]
pub unsafe extern "C" fn nn_opt_step(opt: *mut u32) { opt_step(opt) }

/// Forward, loss, zero_grad, backward and update in one call. Returns the
/// loss before the update; a NaN or infinite loss is returned without
/// touching the gradients or parameters; −1 when scratch memory ran out.
#[no_mangle]
pub unsafe extern "C" fn nn_train_step(
    desc: *const u32, nl: usize, x: *const f32, target: *const u8, batch: usize, loss_kind: u32, opt: *mut u32,
) -> f32 {
    let d = slice(desc, nl * REC);
    if forward_all(d, nl, x, batch).is_err() {
        return -1.0;
    }
    let l = loss_of(&Rec::decode(d, nl - 1), target, batch, loss_kind);
    if !l.is_finite() {
        return l;
    }
    let o = slice(opt as *const u32, OPT_REC);
    fill(slice_mut(o[3] as *mut f32, o[1] as usize), 0.0);
    if backward_all(d, nl, x, batch, core::ptr::null_mut()).is_err() {
        return -1.0;
    }
    opt_step(opt);
    l
}
