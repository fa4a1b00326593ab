//! A peak-throughput probe for SIMD128 f32 arithmetic.
//!
//! Twelve independent accumulator chains, each doing one f32x4 multiply and
//! one f32x4 add per step, with no memory traffic: enough independent work
//! to hide the latency of both operations, so the time per iteration is set
//! by how many vector multiply and add units the core feeds. The host times
//! `peak_f32x4(iters)` and gets the ceiling as iters·peak_flops_per_iter()/s.
use core::arch::wasm32::*;

const CHAINS: usize = 12;

/// Floating-point operations per iteration: CHAINS × (mul + add) × 4 lanes.
pub const FLOPS_PER_ITER: u32 = (CHAINS * 2 * 4) as u32;

/// Run the probe; returns a value derived from every chain so that nothing
/// is optimised away.
pub fn peak(iters: u32) -> f32 {
    let m = f32x4_splat(0.999_999);
    let d = f32x4_splat(1e-7);
    let mut acc = [f32x4_splat(1.0); CHAINS];
    for _ in 0..iters {
        for a in acc.iter_mut() {
            *a = f32x4_add(f32x4_mul(*a, m), d);
        }
    }
    let mut s = f32x4_splat(0.0);
    for a in acc.iter() {
        s = f32x4_add(s, *a);
    }
    f32x4_extract_lane::<0>(s)
}

// --- exports ---

#[no_mangle]
pub extern "C" fn peak_flops_per_iter() -> u32 { FLOPS_PER_ITER }

#[no_mangle]
pub extern "C" fn peak_f32x4(iters: u32) -> f32 { peak(iters) }
