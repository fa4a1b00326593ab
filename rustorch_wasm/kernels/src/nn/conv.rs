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
//! Stride-1 forward passes with K ∈ {1, 3, 5} use the packed kernel instead
//! ([`forward_packed`]): no im2col matrix, the receptive fields are packed
//! per output row straight into the blocked product's B-strip layout. On
//! 224×224×3→64, 3×3 (`scripts/peer_report.py`, docs/peers.md) it takes
//! 5.78 ms in V8 and 7.03 ms in Wasmer, where the direct 1×16 register-tile
//! kernel it replaces took 9.92 and 12.1 ms (the previous docs/peers.md).
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
/// Stride 1 with K ∈ {1, 3, 5} uses the packed kernel, the rest im2col + the blocked product.
pub fn forward(g: &Geom, x: &[f32], params: &[f32], y: &mut [f32], batch: usize) -> Result<(), Oom> {
    if direct_ok(g) {
        forward_packed(g, x, params, y, batch)
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

/// Whether the packed kernel handles this geometry (stride 1 and a kernel
/// width it was measured for); otherwise im2col + the blocked product.
pub fn direct_ok(g: &Geom) -> bool { g.stride == 1 && (g.k == 1 || g.k == 3 || g.k == 5) }

/// Padded-input geometry of the packed kernel: rows of `stride` floats (the
/// padded width, rounded up so the last 8-pixel strip's inputs stay inside
/// the row), `rows` rows per channel.
fn padded(g: &Geom) -> (usize, usize) {
    let nr = crate::matmul::NR;
    let strips = (g.ow() + nr - 1) / nr;
    let stride = (strips * nr + g.k - 1).max(g.w + 2 * g.pad);
    (stride, g.h + 2 * g.pad)
}

/// The padded copy of one sample for the stride-1 kernels: channel c, padded
/// row iy starts at `(c·rows + iy)·row_stride` (see [`padded`]).
fn pad_sample(g: &Geom, xs: &[f32], row_stride: usize, rows: usize, buf: &mut [f32]) {
    for c in 0..g.cin {
        for iy in 0..g.h {
            let dst = (c * rows + iy + g.pad) * row_stride + g.pad;
            buf[dst..dst + g.w].copy_from_slice(&xs[(c * g.h + iy) * g.w..(c * g.h + iy + 1) * g.w]);
        }
    }
}

/// Stride-1 convolution on the matrix-product micro-kernel: per output row,
/// each run of NR = 8 pixels is a B strip of C·K·K taps × 8 pixels (tap
/// (c, ky, kx) holds the 8 inputs under that weight, a contiguous run of the
/// padded sample), packed k-major like [`crate::matmul`]'s B strips; the
/// weights are packed once as its A strips (MR = 4 output channels, each
/// value pre-broadcast). Each 4-channel × 8-pixel tile is then one call of
/// the product's micro-kernel over the taps. A row's strips (OW·C·K·K floats) are
/// packed once and every channel block passes over them, so the output is
/// written four planes at a time, row by row (packing per strip and then
/// writing all channels there scattered the stores over every plane).
fn forward_packed(g: &Geom, x: &[f32], params: &[f32], y: &mut [f32], batch: usize) -> Result<(), Oom> {
    const MR: usize = crate::matmul::MR;
    const NR: usize = crate::matmul::NR;
    let (oh, ow, ckk, k) = (g.oh(), g.ow(), g.ckk(), g.k);
    let (w, b) = params.split_at(g.cout * ckk);
    let blocks = (g.cout + MR - 1) / MR;
    let mut ap = Scratch::new(blocks * ckk * MR * 4)?;
    crate::matmul::pack_a(w, ckk, 0, g.cout, 0, ckk, ap.buf());
    let strips = (ow + NR - 1) / NR;
    let mut bs = Scratch::new(strips * ckk * NR)?;
    let (row_stride, rows) = padded(g);
    let plane = row_stride * rows;
    let mut xp = Scratch::zeroed(g.cin * plane)?;
    for n in 0..batch {
        pad_sample(g, &x[n * g.in_size()..(n + 1) * g.in_size()], row_stride, rows, xp.buf());
        let buf = xp.buf();
        let ys = &mut y[n * g.out_size()..(n + 1) * g.out_size()];
        for oy in 0..oh {
            // B strips of the whole output row, then every channel block over them.
            for (sidx, strip) in bs.buf().chunks_exact_mut(ckk * NR).enumerate() {
                let ox = sidx * NR;
                let mut taps = strip.chunks_exact_mut(NR);
                for c in 0..g.cin {
                    for ky in 0..k {
                        let at = c * plane + (oy + ky) * row_stride + ox;
                        let src = &buf[at..at + k - 1 + NR];
                        for (kx, dst) in (&mut taps).take(k).enumerate() {
                            store(&mut dst[0..4], load(&src[kx..kx + 4]));
                            store(&mut dst[4..8], load(&src[kx + 4..kx + 8]));
                        }
                    }
                }
            }
            for (blk, ab) in ap.buf().chunks_exact(ckk * MR * 4).enumerate() {
                let rows_here = (g.cout - blk * MR).min(MR);
                for (sidx, strip) in bs.buf().chunks_exact(ckk * NR).enumerate() {
                    let ox = sidx * NR;
                    let cols = (ow - ox).min(NR);
                    let tile = crate::matmul::micro_kernel(ab, strip, ckk);
                    for r in 0..rows_here {
                        let co = blk * MR + r;
                        let bias = f32x4_splat(b[co]);
                        let (lo, hi) = (f32x4_add(tile[2 * r], bias), f32x4_add(tile[2 * r + 1], bias));
                        let at = (co * oh + oy) * ow + ox;
                        if cols == NR {
                            let dst = &mut ys[at..at + NR];
                            store(&mut dst[0..4], lo);
                            store(&mut dst[4..8], hi);
                        } else {
                            let mut tmp = [0.0f32; NR];
                            store(&mut tmp[0..4], lo);
                            store(&mut tmp[4..8], hi);
                            ys[at..at + cols].copy_from_slice(&tmp[..cols]);
                        }
                    }
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
/// OH + 2(K−1−pad) − K + 1 = H. Runs on the packed kernel.
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
    forward_packed(&g2, &dy[..batch * g.out_size()], w2.buf(), &mut dx[..batch * g.in_size()], batch)
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
