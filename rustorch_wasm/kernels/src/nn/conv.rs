//! Conv2d over NCHW batches by im2col and the blocked matrix product.
//!
//! For one sample, im2col lays the receptive fields out as a matrix
//! `cols` of shape (C·K·K) × (OH·OW): row (c, ky, kx), column (oy, ox) holds
//! x[c, oy·s − pad + ky, ox·s − pad + kx] (0 outside the image). With W stored
//! as Cout × (C·K·K) the output plane is one product, y = W·cols, which is
//! already NCHW; then the bias is added per output channel.
//!
//! Backward, per sample: dW += dy·colsᵀ (cols transposed into scratch, then
//! the blocked product), db += Σ_pixels dy, and dcols = Wᵀ·dy scattered back
//! with col2im (the adjoint of im2col: overlapping windows add up).
//! Output size: OH = (H + 2·pad − K)/s + 1 (and the same for OW).
use super::linalg::{mm, add_to, fill, Oom, Scratch};
use crate::reduce::transpose;

/// Geometry of one convolution.
#[derive(Clone, Copy)]
pub struct Geom {
    pub cin: usize,
    pub h: usize,
    pub w: usize,
    pub cout: usize,
    pub k: usize,
    pub stride: usize,
    pub pad: usize,
}

impl Geom {
    pub fn oh(&self) -> usize { (self.h + 2 * self.pad - self.k) / self.stride + 1 }
    pub fn ow(&self) -> usize { (self.w + 2 * self.pad - self.k) / self.stride + 1 }
    pub fn ckk(&self) -> usize { self.cin * self.k * self.k }
    pub fn in_size(&self) -> usize { self.cin * self.h * self.w }
    pub fn out_size(&self) -> usize { self.cout * self.oh() * self.ow() }
}

/// Output columns `[lo, hi)` whose input column ox·s + off − pad lies in [0, len).
#[inline(always)]
fn valid_range(off: usize, pad: usize, s: usize, len: usize, out: usize) -> (usize, usize) {
    // ox·s + off >= pad  and  ox·s + off < len + pad
    let lo = if pad > off { (pad - off + s - 1) / s } else { 0 };
    let hi = if len + pad > off { ((len + pad - off + s - 1) / s).min(out) } else { 0 };
    (lo.min(hi), hi)
}

/// cols ((C·K·K) × (OH·OW)) from one sample x (C×H×W).
pub fn im2col(g: &Geom, x: &[f32], cols: &mut [f32]) {
    let (oh, ow, k, s) = (g.oh(), g.ow(), g.k, g.stride);
    let p = oh * ow;
    for c in 0..g.cin {
        let plane = &x[c * g.h * g.w..(c + 1) * g.h * g.w];
        for ky in 0..k {
            let (ylo, yhi) = valid_range(ky, g.pad, s, g.h, oh);
            for kx in 0..k {
                let (xlo, xhi) = valid_range(kx, g.pad, s, g.w, ow);
                let row = &mut cols[((c * k + ky) * k + kx) * p..][..p];
                for oy in 0..oh {
                    let dst = &mut row[oy * ow..oy * ow + ow];
                    if oy < ylo || oy >= yhi {
                        fill(dst, 0.0);
                        continue;
                    }
                    let iy = oy * s + ky - g.pad;
                    let src = &plane[iy * g.w..iy * g.w + g.w];
                    fill(&mut dst[..xlo], 0.0);
                    fill(&mut dst[xhi..], 0.0);
                    if xhi > xlo {
                        let ix0 = xlo * s + kx - g.pad;
                        if s == 1 {
                            dst[xlo..xhi].copy_from_slice(&src[ix0..ix0 + (xhi - xlo)]);
                        } else {
                            for (j, d) in dst[xlo..xhi].iter_mut().enumerate() {
                                *d = src[ix0 + j * s];
                            }
                        }
                    }
                }
            }
        }
    }
}

/// dx (C×H×W) += col2im(dcols): the adjoint of [`im2col`].
pub fn col2im(g: &Geom, dcols: &[f32], dx: &mut [f32]) {
    let (oh, ow, k, s) = (g.oh(), g.ow(), g.k, g.stride);
    let p = oh * ow;
    for c in 0..g.cin {
        let plane = &mut dx[c * g.h * g.w..(c + 1) * g.h * g.w];
        for ky in 0..k {
            let (ylo, yhi) = valid_range(ky, g.pad, s, g.h, oh);
            for kx in 0..k {
                let (xlo, xhi) = valid_range(kx, g.pad, s, g.w, ow);
                if xhi <= xlo {
                    continue;
                }
                let row = &dcols[((c * k + ky) * k + kx) * p..][..p];
                for oy in ylo..yhi {
                    let iy = oy * s + ky - g.pad;
                    let src = &row[oy * ow + xlo..oy * ow + xhi];
                    let ix0 = xlo * s + kx - g.pad;
                    let dst = &mut plane[iy * g.w..iy * g.w + g.w];
                    if s == 1 {
                        add_to(src, &mut dst[ix0..ix0 + src.len()]);
                    } else {
                        for (j, v) in src.iter().enumerate() {
                            dst[ix0 + j * s] += *v;
                        }
                    }
                }
            }
        }
    }
}

/// y (batch × Cout×OH×OW) from x (batch × C×H×W); params = W (Cout×C·K·K), b (Cout).
pub fn forward(g: &Geom, x: &[f32], params: &[f32], y: &mut [f32], batch: usize) -> Result<(), Oom> {
    let (ckk, p) = (g.ckk(), g.oh() * g.ow());
    let (w, b) = params.split_at(g.cout * ckk);
    let mut cols = Scratch::new(ckk * p)?;
    for n in 0..batch {
        let xs = &x[n * g.in_size()..(n + 1) * g.in_size()];
        let ys = &mut y[n * g.out_size()..(n + 1) * g.out_size()];
        im2col(g, xs, cols.buf());
        mm(w, cols.buf(), ys, g.cout, ckk, p);
        for (co, plane) in ys.chunks_exact_mut(p).enumerate() {
            let bias = b[co];
            for v in plane.iter_mut() {
                *v += bias;
            }
        }
    }
    Ok(())
}

pub fn backward(
    g: &Geom, x: &[f32], dy: &[f32], dx: Option<&mut [f32]>, params: &[f32], grads: &mut [f32],
    batch: usize,
) -> Result<(), Oom> {
    let (ckk, p) = (g.ckk(), g.oh() * g.ow());
    let (gw, gb) = grads.split_at_mut(g.cout * ckk);
    let mut cols = Scratch::new(ckk * p)?;
    let mut cols_t = Scratch::new(ckk * p)?;
    let mut gw_n = Scratch::new(g.cout * ckk)?;
    for n in 0..batch {
        let xs = &x[n * g.in_size()..(n + 1) * g.in_size()];
        let dys = &dy[n * g.out_size()..(n + 1) * g.out_size()];
        im2col(g, xs, cols.buf());
        transpose(cols.buf(), cols_t.buf(), ckk, p);
        mm(dys, cols_t.buf(), gw_n.buf(), g.cout, p, ckk);
        add_to(gw_n.buf(), gw);
        for (co, plane) in dys.chunks_exact(p).enumerate() {
            gb[co] += crate::reduce::sum(plane) as f32;
        }
    }
    if let Some(dx) = dx {
        let mut w_t = Scratch::new(ckk * g.cout)?;
        transpose(&params[..g.cout * ckk], w_t.buf(), g.cout, ckk);
        fill(&mut dx[..batch * g.in_size()], 0.0);
        for n in 0..batch {
            let dys = &dy[n * g.out_size()..(n + 1) * g.out_size()];
            // cols is reused as dcols here.
            mm(w_t.buf(), dys, cols.buf(), ckk, g.cout, p);
            col2im(g, cols.buf(), &mut dx[n * g.in_size()..(n + 1) * g.in_size()]);
        }
    }
    Ok(())
}
