//! LSTM over a batch of sequences, the four gates as one fused product.
//!
//! x is (batch, T, I), y is (batch, T, H). Parameters, in order:
//! Wx (I×4H), Wh (H×4H), b (4H), gate blocks in the order i, f, g, o.
//! Per step, z = x_t·Wx + h_{t−1}·Wh + b is computed with one B×H×4H product
//! (the x_t·Wx part for all steps at once, before the loop), then
//! i = σ(z_i), f = σ(z_f), g = tanh(z_g), o = σ(z_o),
//! c_t = f⊙c_{t−1} + i⊙g, h_t = o⊙tanh(c_t); h_0 = c_0 = 0.
//!
//! The aux buffer keeps, time-major, the activated gates G (T×B×4H), the
//! cells C ((T+1)×B×H) and the hidden states Hs ((T+1)×B×H).
//!
//! Backward through time, with dh, dc carried from step t+1 (zero at T):
//! dh' = dy_t + dh, τ = tanh(c_t), do = dh'⊙τ, dc' = dc + dh'⊙o⊙(1−τ²),
//! di = dc'⊙g, df = dc'⊙c_{t−1}, dg = dc'⊙i, carried dc = dc'⊙f;
//! pre-activation dz = (di·i(1−i), df·f(1−f), dg·(1−g²), do·o(1−o));
//! dWh += h_{t−1}ᵀ·dz, db += Σ_b dz, carried dh = dz·Whᵀ;
//! after the loop dWx += Xᵀ·dZ and dX = dZ·Wxᵀ.
use super::linalg::{mm, add_to, bias_grad_rows, fill, matmul_nt, matmul_tn_acc, Oom, Scratch};
use crate::elementwise::{map, map_assign, Sigmoid, Tanh};
use crate::reduce::transpose;

#[derive(Clone, Copy)]
pub struct Dims {
    pub t: usize,
    pub i: usize,
    pub h: usize,
}

impl Dims {
    pub fn n_params(&self) -> usize { 4 * self.h * (self.i + self.h + 1) }
    pub fn aux_len(&self, batch: usize) -> usize {
        self.t * batch * 4 * self.h + 2 * (self.t + 1) * batch * self.h
    }
}

/// The aux buffer split into (gates, cells, hidden states).
fn split_aux<'a>(d: &Dims, aux: &'a mut [f32], batch: usize) -> (&'a mut [f32], &'a mut [f32], &'a mut [f32]) {
    let g_len = d.t * batch * 4 * d.h;
    let s_len = (d.t + 1) * batch * d.h;
    let (g, rest) = aux.split_at_mut(g_len);
    let (c, rest) = rest.split_at_mut(s_len);
    (g, c, &mut rest[..s_len])
}

pub fn forward(d: &Dims, x: &[f32], params: &[f32], y: &mut [f32], aux: &mut [f32], batch: usize) -> Result<(), Oom> {
    let (t_len, i, h) = (d.t, d.i, d.h);
    let h4 = 4 * h;
    let (wx, rest) = params.split_at(i * h4);
    let (wh, b) = rest.split_at(h * h4);
    let rows = batch * t_len;
    let mut xw = Scratch::new(rows * h4)?;
    mm(&x[..rows * i], wx, xw.buf(), rows, i, h4);
    let mut tc = Scratch::new(h)?;
    let (gates, cs, hs) = split_aux(d, aux, batch);
    let bh = batch * h;
    fill(&mut cs[..bh], 0.0);
    fill(&mut hs[..bh], 0.0);
    for t in 0..t_len {
        let gt = &mut gates[t * batch * h4..(t + 1) * batch * h4];
        mm(&hs[t * bh..(t + 1) * bh], wh, gt, batch, h, h4);
        let (c_prev, c_cur) = cs[t * bh..(t + 2) * bh].split_at_mut(bh);
        let h_cur = &mut hs[(t + 1) * bh..(t + 2) * bh];
        for n in 0..batch {
            let z = &mut gt[n * h4..(n + 1) * h4];
            let r = n * t_len + t;
            add_to(&xw.buf()[r * h4..(r + 1) * h4], z);
            add_to(&b[..h4], z);
            map_assign::<Sigmoid>(&mut z[..2 * h]);
            map_assign::<Tanh>(&mut z[2 * h..3 * h]);
            map_assign::<Sigmoid>(&mut z[3 * h..]);
            let cp = &c_prev[n * h..(n + 1) * h];
            let cc = &mut c_cur[n * h..(n + 1) * h];
            for j in 0..h {
                cc[j] = z[h + j] * cp[j] + z[j] * z[2 * h + j];
            }
            map::<Tanh>(cc, tc.buf());
            let hc = &mut h_cur[n * h..(n + 1) * h];
            let tcb = tc.buf();
            for j in 0..h {
                hc[j] = z[3 * h + j] * tcb[j];
            }
            y[r * h..(r + 1) * h].copy_from_slice(hc);
        }
    }
    Ok(())
}

pub fn backward(
    d: &Dims, x: &[f32], dy: &[f32], dx: Option<&mut [f32]>, params: &[f32], grads: &mut [f32],
    aux: &mut [f32], batch: usize,
) -> Result<(), Oom> {
    let (t_len, i, h) = (d.t, d.i, d.h);
    let h4 = 4 * h;
    let (wx, rest) = params.split_at(i * h4);
    let wh = &rest[..h * h4];
    let (gwx, grest) = grads.split_at_mut(i * h4);
    let (gwh, gb) = grest.split_at_mut(h * h4);
    let rows = batch * t_len;
    let bh = batch * h;
    let mut dz_all = Scratch::new(rows * h4)?;
    let mut dz = Scratch::new(batch * h4)?;
    let mut dh = Scratch::zeroed(bh)?;
    let mut dc = Scratch::zeroed(bh)?;
    let mut tc = Scratch::new(h)?;
    let mut wh_t = Scratch::new(h4 * h)?;
    transpose(wh, wh_t.buf(), h, h4);
    let (gates, cs, hs) = split_aux(d, aux, batch);
    for t in (0..t_len).rev() {
        let gt = &gates[t * batch * h4..(t + 1) * batch * h4];
        for n in 0..batch {
            let r = n * t_len + t;
            let z = &gt[n * h4..(n + 1) * h4];
            let c_prev = &cs[t * bh + n * h..t * bh + (n + 1) * h];
            let c_cur = &cs[(t + 1) * bh + n * h..(t + 1) * bh + (n + 1) * h];
            map::<Tanh>(c_cur, tc.buf());
            let tcb = tc.buf();
            let dzb = &mut dz.buf()[n * h4..(n + 1) * h4];
            let dhb = &dh.buf()[n * h..(n + 1) * h];
            let dcb = &mut dc.buf()[n * h..(n + 1) * h];
            for j in 0..h {
                let (ig, fg, gg, og) = (z[j], z[h + j], z[2 * h + j], z[3 * h + j]);
                let dht = dy[r * h + j] + dhb[j];
                let tau = tcb[j];
                let d_o = dht * tau;
                let dct = dcb[j] + dht * og * (1.0 - tau * tau);
                let di = dct * gg;
                let df = dct * c_prev[j];
                let dg = dct * ig;
                dcb[j] = dct * fg;
                dzb[j] = di * ig * (1.0 - ig);
                dzb[h + j] = df * fg * (1.0 - fg);
                dzb[2 * h + j] = dg * (1.0 - gg * gg);
                dzb[3 * h + j] = d_o * og * (1.0 - og);
            }
            let src = &dz.buf()[n * h4..(n + 1) * h4];
            dz_all.buf()[r * h4..(r + 1) * h4].copy_from_slice(src);
        }
        bias_grad_rows(dz.buf(), &mut gb[..h4], batch);
        matmul_tn_acc(&hs[t * bh..(t + 1) * bh], dz.buf(), gwh, batch, h, h4);
        mm(dz.buf(), wh_t.buf(), dh.buf(), batch, h4, h);
    }
    matmul_tn_acc(&x[..rows * i], dz_all.buf(), gwx, rows, i, h4);
    if let Some(dx) = dx {
        matmul_nt(dz_all.buf(), wx, dx, rows, h4, i)?;
    }
    Ok(())
}
