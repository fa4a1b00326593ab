//! Simple (Elman) RNN with tanh over a batch of sequences.
//!
//! x is (batch, T, I) and y is (batch, T, H), both batch-major;
//! h_t = tanh(x_t·Wx + h_{t−1}·Wh + b), h_0 = 0.
//! Parameters, in order: Wx (I×H), Wh (H×H), b (H).
//!
//! The input projection of every step is one product X·Wx over all B·T rows;
//! each step then adds h_{t−1}·Wh (one B×H×H product). The hidden states are
//! kept time-major in the aux buffer, `hs` ((T+1) × B × H, slot 0 = h_0),
//! so each step's h_{t−1} is a contiguous B×H matrix.
//!
//! Backward through time: with g_t = dy_t + dh_t (dh_T = 0),
//! da_t = g_t ⊙ (1 − h_t²); dWh += h_{t−1}ᵀ·da_t; db += Σ_b da_t;
//! dh_{t−1} = da_t·Whᵀ; and after the loop dWx += Xᵀ·dA, dX = dA·Wxᵀ.
use super::linalg::{mm, add_to, bias_grad_rows, fill, matmul_nt, matmul_tn_acc, Oom, Scratch};
use crate::elementwise::{map_assign, Tanh};
use crate::reduce::transpose;

#[derive(Clone, Copy)]
pub struct Dims {
    pub t: usize,
    pub i: usize,
    pub h: usize,
}

impl Dims {
    pub fn n_params(&self) -> usize { self.i * self.h + self.h * self.h + self.h }
    pub fn aux_len(&self, batch: usize) -> usize { (self.t + 1) * batch * self.h }
}

pub fn forward(d: &Dims, x: &[f32], params: &[f32], y: &mut [f32], hs: &mut [f32], batch: usize) -> Result<(), Oom> {
    let (t_len, i, h) = (d.t, d.i, d.h);
    let (wx, rest) = params.split_at(i * h);
    let (wh, b) = rest.split_at(h * h);
    let rows = batch * t_len;
    let mut xw = Scratch::new(rows * h)?;
    mm(&x[..rows * i], wx, xw.buf(), rows, i, h);
    let bh = batch * h;
    fill(&mut hs[..bh], 0.0);
    for t in 0..t_len {
        let (prev, cur) = hs[t * bh..(t + 2) * bh].split_at_mut(bh);
        mm(prev, wh, cur, batch, h, h);
        for n in 0..batch {
            let row = &mut cur[n * h..(n + 1) * h];
            add_to(&xw.buf()[(n * t_len + t) * h..(n * t_len + t + 1) * h], row);
            add_to(&b[..h], row);
            map_assign::<Tanh>(row);
            y[(n * t_len + t) * h..(n * t_len + t + 1) * h].copy_from_slice(row);
        }
    }
    Ok(())
}

pub fn backward(
    d: &Dims, x: &[f32], dy: &[f32], dx: Option<&mut [f32]>, params: &[f32], grads: &mut [f32],
    hs: &[f32], batch: usize,
) -> Result<(), Oom> {
    let (t_len, i, h) = (d.t, d.i, d.h);
    let (wx, rest) = params.split_at(i * h);
    let wh = &rest[..h * h];
    let (gwx, grest) = grads.split_at_mut(i * h);
    let (gwh, gb) = grest.split_at_mut(h * h);
    let rows = batch * t_len;
    let bh = batch * h;
    let mut da_all = Scratch::new(rows * h)?;
    let mut da = Scratch::new(bh)?;
    let mut dh = Scratch::zeroed(bh)?;
    let mut wh_t = Scratch::new(h * h)?;
    transpose(wh, wh_t.buf(), h, h);
    for t in (0..t_len).rev() {
        let hcur = &hs[(t + 1) * bh..(t + 2) * bh];
        {
            let (da_b, dh_b) = (da.buf(), dh.buf());
            for n in 0..batch {
                for j in 0..h {
                    let g = dy[(n * t_len + t) * h + j] + dh_b[n * h + j];
                    let hv = hcur[n * h + j];
                    da_b[n * h + j] = g * (1.0 - hv * hv);
                }
            }
        }
        for n in 0..batch {
            let src = &da.buf()[n * h..(n + 1) * h];
            da_all.buf()[(n * t_len + t) * h..(n * t_len + t + 1) * h].copy_from_slice(src);
        }
        bias_grad_rows(da.buf(), &mut gb[..h], batch);
        matmul_tn_acc(&hs[t * bh..(t + 1) * bh], da.buf(), gwh, batch, h, h);
        mm(da.buf(), wh_t.buf(), dh.buf(), batch, h, h);
    }
    matmul_tn_acc(&x[..rows * i], da_all.buf(), gwx, rows, i, h);
    if let Some(dx) = dx {
        matmul_nt(da_all.buf(), wx, dx, rows, h, i)?;
    }
    Ok(())
}
