//! Streaming anomaly detection: a rolling z-score over a sliding window.
//!
//! The detector state is one f64 block owned by the host: `HEADER` slots of
//! bookkeeping followed by a ring buffer of the last `w` points.
//!
//! Definition (the host's numpy reference computes exactly this): for a point
//! `x_t` with at least `w` earlier points, let `W` be the `w` points just
//! before it (`x_t` itself is *not* in its window), `m = mean(W)` and
//! `s = sqrt(mean((W - m)^2))` (population deviation). `x_t` is an anomaly
//! when `|x_t - m| > k·s` (strict). While fewer than `w` points have been
//! seen, nothing is flagged. When the window is constant, `s = 0` and `x_t` is
//! an anomaly exactly when it differs from that constant: no division, no NaN.
//!
//! Updates are O(1) per point and numerically stable:
//!
//! * Warm-up adds points with Welford's update
//!   `m += (x - m)/k`, `M2 += (x - m_old)(x - m_new)`.
//! * Once the window is full, each point replaces the oldest one `o` with the
//!   sliding form `m' = m + (x - o)/w`, `M2' = M2 + (x - o)((x - m') + (o - m))`.
//!   Both work on deviations from the mean, so a large common offset (1e6 on
//!   unit noise) never enters a difference of large sums.
//! * Every `w` sliding updates, mean and `M2` are recomputed exactly from the
//!   ring with the shifted, corrected two-pass formula (`K` = a window point,
//!   `m = K + Σ(r-K)/w`, `M2 = Σd² - (Σd)²/w` with `d = r - m`): O(w) work
//!   every `w` points, O(1) amortised, so rounding cannot drift on long
//!   streams.
//! * The length of the trailing run of equal values is tracked, so a constant
//!   window is recognised exactly (mean = that value, variance = 0) even after
//!   rounding in the sliding updates.
//!
//! Non-finite points are rejected (status 2) and leave the state unchanged.
use crate::math::{fabs, sqrt};

/// f64 slots before the ring buffer.
pub const HEADER: usize = 8;
const COUNT: usize = 0; // points in the window (saturates at w)
const HEAD: usize = 1; // ring slot the next point goes to
const MEAN: usize = 2;
const M2: usize = 3;
const SINCE: usize = 4; // sliding updates since the last exact recompute
const RUN: usize = 5; // trailing run of equal values (saturates at w)
const WINDOW: usize = 6;
const THRESHOLD: usize = 7;

/// `push` results.
pub const NORMAL: u32 = 0;
pub const ANOMALY: u32 = 1;
pub const NOT_FINITE: u32 = 2;
pub const BAD_STATE: u32 = 3;

/// Initialises a state block for window `w` (= `state.len() - HEADER`).
pub fn init(state: &mut [f64], threshold: f64) -> bool {
    if state.len() <= HEADER + 1 || !threshold.is_finite() || threshold < 0.0 {
        return false;
    }
    let w = state.len() - HEADER;
    for v in state.iter_mut() {
        *v = 0.0;
    }
    state[WINDOW] = w as f64;
    state[THRESHOLD] = threshold;
    true
}

/// Whether the header matches a ring of `state.len() - HEADER` points.
fn valid(state: &[f64]) -> bool {
    state.len() > HEADER + 1 && state[WINDOW] == (state.len() - HEADER) as f64
}

/// Exact (shifted, corrected two-pass) mean and M2 of the ring.
pub fn exact_moments(ring: &[f64]) -> (f64, f64) {
    let w = ring.len() as f64;
    let k = ring[0];
    let mut s = 0.0;
    for r in ring {
        s += *r - k;
    }
    let mean = k + s / w;
    let (mut sd, mut sd2) = (0.0, 0.0);
    for r in ring {
        let d = *r - mean;
        sd += d;
        sd2 += d * d;
    }
    let m2 = sd2 - sd * sd / w;
    (mean, if m2 > 0.0 { m2 } else { 0.0 })
}

/// The header as plain values, so a batch runs on locals.
struct Detector {
    count: usize,
    head: usize,
    mean: f64,
    m2: f64,
    since: usize,
    run: usize,
    w: usize,
    threshold: f64,
}

impl Detector {
    fn load(h: &[f64], w: usize) -> Detector {
        Detector {
            count: h[COUNT] as usize,
            head: h[HEAD] as usize,
            mean: h[MEAN],
            m2: h[M2],
            since: h[SINCE] as usize,
            run: h[RUN] as usize,
            w,
            threshold: h[THRESHOLD],
        }
    }

    fn store(&self, h: &mut [f64]) {
        h[COUNT] = self.count as f64;
        h[HEAD] = self.head as f64;
        h[MEAN] = self.mean;
        h[M2] = self.m2;
        h[SINCE] = self.since as f64;
        h[RUN] = self.run as f64;
    }

    /// Mean and population variance of the current window.
    fn moments(&self, ring: &[f64]) -> (f64, f64) {
        if self.run >= self.w {
            let last = if self.head == 0 { ring[self.w - 1] } else { ring[self.head - 1] };
            return (last, 0.0);
        }
        (self.mean, self.m2 / self.count.max(1) as f64)
    }

    /// Scores a finite `x` against the window, then adds it.
    #[inline(always)]
    fn step(&mut self, ring: &mut [f64], x: f64) -> u32 {
        let w = self.w;
        let status = if self.count >= w {
            let (mean, var) = self.moments(ring);
            if fabs(x - mean) > self.threshold * sqrt(var) { ANOMALY } else { NORMAL }
        } else {
            NORMAL
        };
        let last = if self.head == 0 { ring[w - 1] } else { ring[self.head - 1] };
        self.run = if self.count > 0 && x == last { (self.run + 1).min(w) } else { 1 };
        if self.count < w {
            self.count += 1;
            let delta = x - self.mean;
            self.mean += delta / self.count as f64;
            self.m2 += delta * (x - self.mean);
            ring[self.head] = x;
        } else {
            let old = ring[self.head];
            ring[self.head] = x;
            let delta = x - old;
            let m_old = self.mean;
            self.mean = m_old + delta / w as f64;
            let m2 = self.m2 + delta * ((x - self.mean) + (old - m_old));
            self.m2 = if m2 > 0.0 { m2 } else { 0.0 };
            self.since += 1;
            if self.since >= w {
                let (m, m2) = exact_moments(ring);
                self.mean = m;
                self.m2 = m2;
                self.since = 0;
            }
        }
        self.head += 1;
        if self.head == w {
            self.head = 0;
        }
        status
    }
}

/// Mean and population variance of the current window (valid once full).
pub fn window_moments(state: &[f64]) -> (f64, f64) {
    let (h, ring) = state.split_at(HEADER);
    Detector::load(h, ring.len()).moments(ring)
}

/// Scores `x` against the current window, then adds it to the window.
pub fn push(state: &mut [f64], x: f64) -> u32 {
    if !valid(state) {
        return BAD_STATE;
    }
    if !x.is_finite() {
        return NOT_FINITE;
    }
    let (h, ring) = state.split_at_mut(HEADER);
    let mut d = Detector::load(h, ring.len());
    let status = d.step(ring, x);
    d.store(h);
    status
}

/// Pushes every point of `xs`, writing each status to `out` (non-finite
/// points get `NOT_FINITE` and are skipped); returns the number of
/// anomalies, or `usize::MAX` for an invalid state.
pub fn push_all(state: &mut [f64], xs: &[f64], out: &mut [u8]) -> usize {
    if !valid(state) {
        return usize::MAX;
    }
    let (h, ring) = state.split_at_mut(HEADER);
    let mut d = Detector::load(h, ring.len());
    let mut anomalies = 0;
    for (x, o) in xs.iter().zip(out.iter_mut()) {
        let s = if x.is_finite() { d.step(ring, *x) } else { NOT_FINITE };
        anomalies += (s == ANOMALY) as usize;
        *o = s as u8;
    }
    d.store(h);
    anomalies
}

// --- exports ---
use crate::ffi::{slice, slice_mut};

/// Initialises `HEADER + window` f64 at `state`; 1 on success, 0 for a bad
/// window (< 2) or threshold (negative or not finite).
#[no_mangle]
pub unsafe extern "C" fn ts_init(state: *mut f64, window: usize, threshold: f64) -> u32 {
    if window < 2 {
        return 0;
    }
    init(slice_mut(state, HEADER + window), threshold) as u32
}

/// One point: 0 normal, 1 anomaly, 2 not finite (state unchanged), 3 bad state.
#[no_mangle]
pub unsafe extern "C" fn ts_push(state: *mut f64, window: usize, x: f64) -> u32 {
    push(slice_mut(state, HEADER + window), x)
}

/// `n` points from `xs`, one status byte each into `out` (which must not
/// overlap the state or `xs`); returns the anomaly count or `usize::MAX`.
#[no_mangle]
pub unsafe extern "C" fn ts_push_all(state: *mut f64, window: usize, xs: *const f64, out: *mut u8, n: usize) -> usize {
    push_all(slice_mut(state, HEADER + window), slice(xs, n), slice_mut(out, n))
}

/// Mean of the current window (meaningful once `window` points were seen).
#[no_mangle]
pub unsafe extern "C" fn ts_mean(state: *const f64, window: usize) -> f64 {
    window_moments(slice(state, HEADER + window)).0
}

/// Population variance of the current window.
#[no_mangle]
pub unsafe extern "C" fn ts_var(state: *const f64, window: usize) -> f64 {
    window_moments(slice(state, HEADER + window)).1
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::vec;

    #[test]
    fn flags_a_spike_after_warmup() {
        let mut st = vec![0.0; HEADER + 4];
        assert!(init(&mut st, 2.0));
        for x in [1.0, 2.0, 1.0, 2.0] {
            assert_eq!(push(&mut st, x), NORMAL);
        }
        assert_eq!(push(&mut st, 10.0), ANOMALY);
        assert_eq!(push(&mut st, f64::NAN), NOT_FINITE);
    }
}
