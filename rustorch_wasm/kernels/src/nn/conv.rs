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
//!
//! Stride-1 forward passes with K ∈ {1, 3, 5} use a direct kernel instead
//! ([`forward_direct`]): timed A/B in one Wasmer process against im2col +
//! the blocked product as of this writing, it was faster on each conv shape
//! of the reference cases (224×224×3→64, 64→128 on 16×16, 16→16 on 56×56).
//! If the blocked product gets faster, re-check `direct_ok`.
use super::linalg::{mm, add_to, fill, Oom, Scratch};
use crate::reduce::transpose;
use crate::simd::{load, store};
use core::arch::wasm32::*;

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
/// Stride 1 with K ∈ {1, 3, 5} uses the direct kernel, the rest im2col + the blocked product.
pub fn forward(g: &Geom, x: &[f32], params: &[f32], y: &mut [f32], batch: usize) -> Result<(), Oom> {
    if direct_ok(g) {
        forward_direct(g, x, params, y, batch)
    } else {
        forward_im2col(g, x, params, y, batch)
    }
}

fn forward_im2col(g: &Geom, x: &[f32], params: &[f32], y: &mut [f32], batch: usize) -> Result<(), Oom> {
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

/// Output pixels per register tile of the direct kernel (four vectors).
const TILE: usize = 16;

/// Padded-input geometry of the direct kernel: rows of `stride` floats (the
/// padded width rounded up so a tile's loads at any tile start stay inside
/// the row), `rows` rows per channel.
fn padded(g: &Geom) -> (usize, usize) {
    let tiles = (g.ow() + TILE - 1) / TILE;
    let stride = (tiles * TILE + g.k - 1).max(g.w + 2 * g.pad);
    (stride, g.h + 2 * g.pad)
}

/// Sixteen outputs of one channel: Σ over (c, ky, kx) of w·x, where `xp`
/// starts at the tile's top-left input in channel 0 and `w` holds the
/// channel's C·K·K weights. The kernel width is a constant, so every row
/// slice has a known length and the loads need no bounds checks. Not
/// inlined, so Cranelift keeps the four accumulators in registers (as in
/// the matmul micro-kernel).
#[inline(never)]
fn direct_tile<const K: usize>(xp: &[f32], w: &[f32], row_stride: usize, plane: usize, bias: f32) -> [v128; 4] {
    let b = f32x4_splat(bias);
    let (mut c0, mut c1, mut c2, mut c3) = (b, b, b, b);
    for (c, wc) in w.chunks_exact(K * K).enumerate() {
        let base = c * plane;
        for ky in 0..K {
            let at = base + ky * row_stride;
            let row = &xp[at..at + TILE + K - 1];
            let wrow = &wc[ky * K..ky * K + K];
            for kx in 0..K {
                let wv = f32x4_splat(wrow[kx]);
                c0 = f32x4_add(c0, f32x4_mul(wv, load(&row[kx..kx + 4])));
                c1 = f32x4_add(c1, f32x4_mul(wv, load(&row[kx + 4..kx + 8])));
                c2 = f32x4_add(c2, f32x4_mul(wv, load(&row[kx + 8..kx + 12])));
                c3 = f32x4_add(c3, f32x4_mul(wv, load(&row[kx + 12..kx + 16])));
            }
        }
    }
    [c0, c1, c2, c3]
}

/// Whether the direct kernel handles this geometry (stride 1 and a kernel
/// width it is compiled for); otherwise im2col + the blocked product.
pub fn direct_ok(g: &Geom) -> bool { g.stride == 1 && (g.k == 1 || g.k == 3 || g.k == 5) }

/// Stride-1 convolution computed directly: each sample is copied once into
/// a zero-padded buffer, then every 16-pixel run of an output row is a
/// register tile accumulated over C·K·K taps (no im2col matrix, no packing).
fn forward_direct(g: &Geom, x: &[f32], params: &[f32], y: &mut [f32], batch: usize) -> Result<(), Oom> {
    let (oh, ow, ckk) = (g.oh(), g.ow(), g.ckk());
    let (w, b) = params.split_at(g.cout * ckk);
    let (row_stride, rows) = padded(g);
    let plane = row_stride * rows;
    let mut xp = Scratch::zeroed(g.cin * plane)?;
    for n in 0..batch {
        let xs = &x[n * g.in_size()..(n + 1) * g.in_size()];
        let buf = xp.buf();
        for c in 0..g.cin {
            for iy in 0..g.h {
                let dst = (c * rows + iy + g.pad) * row_stride + g.pad;
                buf[dst..dst + g.w].copy_from_slice(&xs[(c * g.h + iy) * g.w..(c * g.h + iy + 1) * g.w]);
            }
        }
        let ys = &mut y[n * g.out_size()..(n + 1) * g.out_size()];
        let buf = xp.buf();
        for co in 0..g.cout {
            let wco = &w[co * ckk..(co + 1) * ckk];
            for oy in 0..oh {
                let yrow = &mut ys[(co * oh + oy) * ow..(co * oh + oy + 1) * ow];
                let mut ox = 0;
                while ox < ow {
                    let xs = &buf[oy * row_stride + ox..];
                    let t = match g.k {
                        1 => direct_tile::<1>(xs, wco, row_stride, plane, b[co]),
                        3 => direct_tile::<3>(xs, wco, row_stride, plane, b[co]),
                        _ => direct_tile::<5>(xs, wco, row_stride, plane, b[co]),
                    };
                    let cols = (ow - ox).min(TILE);
                    if cols == TILE {
                        for (q, v) in t.iter().enumerate() {
                            store(&mut yrow[ox + 4 * q..], *v);
                        }
                    } else {
                        let mut tmp = [0.0f32; TILE];
                        for (q, v) in t.iter().enumerate() {
                            store(&mut tmp[4 * q..], *v);
                        }
                        yrow[ox..ox + cols].copy_from_slice(&tmp[..cols]);
                    }
                    ox += TILE;
                }
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
        if direct_ok(g) && g.pad < g.k {
            return input_grad_direct(g, dy, params, dx, batch);
        }
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

/// dx for a stride-1 convolution, as a stride-1 convolution itself: dy
/// padded by K−1−pad, convolved with the weights flipped in both spatial
/// axes and with input and output channels swapped (W'[c, co, ky, kx] =
/// W[co, c, K−1−ky, K−1−kx], no bias). The output is H×W again, since
/// OH + 2(K−1−pad) − K + 1 = H. Runs on the direct kernel.
fn input_grad_direct(g: &Geom, dy: &[f32], params: &[f32], dx: &mut [f32], batch: usize) -> Result<(), Oom> {
    let k = g.k;
    let kk = k * k;
    let g2 = Geom { cin: g.cout, h: g.oh(), w: g.ow(), cout: g.cin, k, stride: 1, pad: k - 1 - g.pad };
    let mut w2 = Scratch::zeroed(g.cin * g.cout * kk + g.cin)?;
    {
        let buf = w2.buf();
        for co in 0..g.cout {
            for c in 0..g.cin {
                let src = &params[(co * g.cin + c) * kk..(co * g.cin + c + 1) * kk];
                let dst = &mut buf[(c * g.cout + co) * kk..(c * g.cout + co + 1) * kk];
                for (i, v) in src.iter().enumerate() {
                    dst[kk - 1 - i] = *v;
                }
            }
        }
    }
    forward_direct(&g2, &dy[..batch * g.out_size()], w2.buf(), &mut dx[..batch * g.in_size()], batch)
}

// --- exports ---

/// One Conv2d layer on its own (for the engine/peer comparison), NCHW, with
/// `params` = weights (cout × cin·k·k) then bias (cout). Returns 0, 1 when
/// scratch memory could not be allocated, 2 for an impossible geometry.
#[no_mangle]
pub unsafe extern "C" fn nn_conv2d_forward(x: *const f32, params: *const f32, y: *mut f32,
                                           batch: usize, cin: usize, h: usize, w: usize, cout: usize,
                                           k: usize, stride: usize, pad: usize) -> u32 {
    if k == 0 || stride == 0 || k > h + 2 * pad || k > w + 2 * pad {
        return 2;
    }
    let g = Geom { cin, h, w, cout, k, stride, pad };
    let (x, y) = (crate::ffi::slice(x, batch * g.in_size()), crate::ffi::slice_mut(y, batch * g.out_size()));
    match forward(&g, x, crate::ffi::slice(params, cout * g.ckk() + cout), y, batch) {
        Ok(()) => 0,
        Err(_) => 1,
    }
}
