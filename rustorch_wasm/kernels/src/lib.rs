//! RusTorch WASM kernels.
//!
//! A `#![no_std]` crate with no external dependencies, compiled to
//! `wasm32-unknown-unknown` with SIMD128 and exported as plain `extern "C"`
//! functions over linear memory. Each area lives in its own module; each
//! module is written over safe slices, and `unsafe` appears only in the thin
//! `#[no_mangle]` wrappers at the bottom of a module (the export boundary),
//! which turn `(pointer, length)` pairs into slices with [`ffi`].
//!
//! When compiled for the host (`cargo test`), `std` is linked so the pure
//! helpers can be unit-tested natively.
#![cfg_attr(not(test), no_std)]

pub mod alloc;
pub mod ffi;
pub mod math;

// SIMD128 kernels: wasm32 only (the host build keeps the portable helpers).
#[cfg(target_arch = "wasm32")]
pub mod simd;
#[cfg(target_arch = "wasm32")]
pub mod elementwise;
#[cfg(target_arch = "wasm32")]
pub mod reduce;
#[cfg(target_arch = "wasm32")]
pub mod matmul;
#[cfg(target_arch = "wasm32")]
pub mod peak;
pub mod special;
pub mod nn;
pub mod timeseries;
pub mod fusion;

#[cfg(all(target_arch = "wasm32", not(test)))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    // A panic in a kernel is a bug or an unchecked bound: trap, and the host
    // turns the trap into an exception naming the operation.
    core::arch::wasm32::unreachable()
}
