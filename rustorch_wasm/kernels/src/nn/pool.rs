//! MaxPool2d over NCHW batches (no padding): y[c, oy, ox] is the largest
//! x[c, oy·s + i, ox·s + j] for 0 ≤ i, j < K, and the flat index of that
//! element within the sample is recorded so backward can route dy to it
//! (dx = 0 elsewhere; windows that overlap add up). A NaN in a window wins,
//! as numpy's max would give. OH = (H − K)/s + 1.

#[derive(Clone, Copy)]
pub struct Geom {
    pub c: usize,
    pub h: usize,
    pub w: usize,
    pub k: usize,
    pub stride: usize,
}

impl Geom {
    pub fn oh(&self) -> usize { (self.h - self.k) / self.stride + 1 }
    pub fn ow(&self) -> usize { (self.w - self.k) / self.stride + 1 }
    pub fn in_size(&self) -> usize { self.c * self.h * self.w }
    pub fn out_size(&self) -> usize { self.c * self.oh() * self.ow() }
}

pub fn forward(g: &Geom, x: &[f32], y: &mut [f32], arg: &mut [u32], batch: usize) {
    let (oh, ow, k, s) = (g.oh(), g.ow(), g.k, g.stride);
    for n in 0..batch {
        let xs = &x[n * g.in_size()..(n + 1) * g.in_size()];
        let base = n * g.out_size();
        for c in 0..g.c {
            let plane0 = c * g.h * g.w;
            for oy in 0..oh {
                for ox in 0..ow {
                    let first = plane0 + oy * s * g.w + ox * s;
                    let (mut best, mut at) = (xs[first], first);
                    for i in 0..k {
                        let row = plane0 + (oy * s + i) * g.w + ox * s;
                        for (j, v) in xs[row..row + k].iter().enumerate() {
                            if *v > best || (*v != *v && best == best) {
                                best = *v;
                                at = row + j;
                            }
                        }
                    }
                    let o = base + (c * oh + oy) * ow + ox;
                    y[o] = best;
                    arg[o] = at as u32;
                }
            }
        }
    }
}

pub fn backward(g: &Geom, dy: &[f32], arg: &[u32], dx: &mut [f32], batch: usize) {
    for v in dx[..batch * g.in_size()].iter_mut() {
        *v = 0.0;
    }
    for n in 0..batch {
        let dxs = &mut dx[n * g.in_size()..(n + 1) * g.in_size()];
        let o0 = n * g.out_size();
        for (d, a) in dy[o0..o0 + g.out_size()].iter().zip(&arg[o0..o0 + g.out_size()]) {
            dxs[*a as usize] += *d;
        }
    }
}
