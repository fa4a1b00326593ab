//! Fused element-wise chains: a tiny stack bytecode run block by block.
//!
//! A program is a sequence of `(opcode, argument)` u32 pairs over a stack of
//! values. The output is produced in blocks of `BLOCK` = 128 elements; for
//! each block the whole program runs with its intermediates in a stack of at
//! most `DEPTH` block slots of 32 vectors (4 KiB in all, which stays in L1), and
//! the last op writes straight into the output. Every input is read once and
//! the output written once, whatever the chain's length, whereas op-by-op
//! evaluation streams one full intermediate array through memory per op.
//! The interpreter's dispatch costs one `match` per op per block.
//!
//! A `LOAD` copies nothing: the stack level remembers which input it stands
//! for and the next op reads that input in place.
//!
//! Each op applies the same lane function as the unfused kernel
//! (`crate::elementwise`'s `Add`, `Relu`, `Sigmoid`, ...: one vector form,
//! whose scalar form is the same IEEE operation or lane 0 of the vector
//! form), and the last partial block is zero-padded and computed with the
//! same vector code, so fused results are bit-identical to the op-by-op ones.
//!
//! Opcodes (argument in brackets):
//! * `LOAD [k]` pushes input k;
//! * `ADD SUB MUL DIV` pop b, pop a, push a∘b; `RSUB RDIV` push b-a, b/a;
//! * `ADD_S SUB_S RSUB_S MUL_S DIV_S RDIV_S [j]` replace the top t by t∘s_j
//!   (`RSUB_S`: s_j - t, `RDIV_S`: s_j / t);
//! * `RELU SIGMOID TANH EXP LOG` replace the top by f(top);
//! * `ADD_M SUB_M MUL_M DIV_M RSUB_M RDIV_M [k]` replace the top t by t∘x_k
//!   with input k read straight from memory (a `LOAD` fused into the op,
//!   which saves a pass over the block).
//!
//! A program is validated before it runs (known opcodes, argument ranges,
//! no stack underflow or overflow, exactly one value left); a bad one returns
//! a negative error code and writes nothing.
#![cfg(target_arch = "wasm32")]

use crate::elementwise::{Add, Binary, Div, Exp, Log, Mul, RDiv, RSub, Relu, Sigmoid, Sub, Tanh, Unary};
use crate::simd::{load, store};
use core::arch::wasm32::*;

/// Vectors per block.
pub const BV: usize = 32;
/// Elements per block.
pub const BLOCK: usize = BV * 4;
/// Stack slots.
pub const DEPTH: usize = 8;
/// Distinct input tensors per program.
pub const MAX_INPUTS: usize = 16;

pub const LOAD: u32 = 0;
pub const ADD: u32 = 1;
pub const SUB: u32 = 2;
pub const MUL: u32 = 3;
pub const DIV: u32 = 4;
pub const RSUB: u32 = 5;
pub const RDIV: u32 = 6;
pub const ADD_S: u32 = 7;
pub const SUB_S: u32 = 8;
pub const RSUB_S: u32 = 9;
pub const MUL_S: u32 = 10;
pub const DIV_S: u32 = 11;
pub const RDIV_S: u32 = 12;
pub const RELU: u32 = 13;
pub const SIGMOID: u32 = 14;
pub const TANH: u32 = 15;
pub const EXP: u32 = 16;
pub const LOG: u32 = 17;
pub const ADD_M: u32 = 18;
pub const SUB_M: u32 = 19;
pub const MUL_M: u32 = 20;
pub const DIV_M: u32 = 21;
pub const RSUB_M: u32 = 22;
pub const RDIV_M: u32 = 23;

pub const ERR_OPCODE: i32 = -1;
pub const ERR_UNDERFLOW: i32 = -2;
pub const ERR_OVERFLOW: i32 = -3;
pub const ERR_INPUT: i32 = -4;
pub const ERR_SCALAR: i32 = -5;
pub const ERR_RESULT: i32 = -6;
pub const ERR_ALIAS: i32 = -7;
pub const ERR_TOO_MANY: i32 = -8;
pub const ERR_LENGTH: i32 = -9;

/// 0 when `code` is a well-formed program over `n_inputs` inputs and
/// `n_scalars` scalars, else the first error's code.
pub fn validate(code: &[u32], n_inputs: usize, n_scalars: usize) -> i32 {
    if code.len() % 2 != 0 || code.is_empty() {
        return ERR_LENGTH;
    }
    let mut depth = 0usize;
    for ins in code.chunks_exact(2) {
        let (op, arg) = (ins[0], ins[1] as usize);
        match op {
            LOAD => {
                if arg >= n_inputs {
                    return ERR_INPUT;
                }
                if depth == DEPTH {
                    return ERR_OVERFLOW;
                }
                depth += 1;
            }
            ADD..=RDIV => {
                if depth < 2 {
                    return ERR_UNDERFLOW;
                }
                depth -= 1;
            }
            ADD_S..=RDIV_S => {
                if arg >= n_scalars {
                    return ERR_SCALAR;
                }
                if depth < 1 {
                    return ERR_UNDERFLOW;
                }
            }
            RELU..=LOG => {
                if depth < 1 {
                    return ERR_UNDERFLOW;
                }
            }
            ADD_M..=RDIV_M => {
                if arg >= n_inputs {
                    return ERR_INPUT;
                }
                if depth < 1 {
                    return ERR_UNDERFLOW;
                }
            }
            _ => return ERR_OPCODE,
        }
    }
    if depth != 1 { ERR_RESULT } else { 0 }
}


type Block = [v128; BV];
type Mem = [f32; BLOCK];

/// A block-sized operand: a stack slot or an input's block in memory.
trait Operand: Copy {
    fn at(self, i: usize) -> v128;
}
impl Operand for &Block {
    #[inline(always)]
    fn at(self, i: usize) -> v128 { self[i] }
}
impl Operand for &Mem {
    #[inline(always)]
    fn at(self, i: usize) -> v128 { load(&self[i * 4..]) }
}

/// Applies `f(value, vector index)` to one block: the value comes from
/// `src` (an input in memory) or, when `src` is None, from `slot` itself;
/// the result goes to `out` when given, else to `slot`. Fixed-length loops
/// over fixed-size arrays: no bounds checks, fully unrollable.
#[inline(always)]
fn apply<F: Fn(v128, usize) -> v128>(src: Option<&Mem>, slot: &mut Block, out: Option<&mut Mem>, f: F) {
    match (src, out) {
        (None, None) => {
            for i in 0..BV {
                slot[i] = f(slot[i], i);
            }
        }
        (None, Some(o)) => {
            for i in 0..BV {
                store(&mut o[i * 4..], f(slot[i], i));
            }
        }
        (Some(m), None) => {
            for i in 0..BV {
                slot[i] = f(load(&m[i * 4..]), i);
            }
        }
        (Some(m), Some(o)) => {
            for i in 0..BV {
                store(&mut o[i * 4..], f(load(&m[i * 4..]), i));
            }
        }
    }
}

#[inline(always)]
fn unary<O: Unary>(src: Option<&Mem>, slot: &mut Block, out: Option<&mut Mem>) {
    apply(src, slot, out, |v, _| O::v(v))
}

#[inline(always)]
fn scalar<O: Binary>(src: Option<&Mem>, slot: &mut Block, out: Option<&mut Mem>, s: f32) {
    let sv = f32x4_splat(s);
    apply(src, slot, out, |v, _| O::v(v, sv))
}

#[inline(always)]
fn binary<O: Binary, B: Operand>(src: Option<&Mem>, slot: &mut Block, out: Option<&mut Mem>, b: B) {
    apply(src, slot, out, |v, i| O::v(v, b.at(i)))
}

/// A two-operand op (`ADD..=RDIV` or its `_M` form) with right operand `b`.
#[inline(always)]
fn binary_op<B: Operand>(op: u32, src: Option<&Mem>, slot: &mut Block, out: Option<&mut Mem>, b: B) {
    match op {
        ADD | ADD_M => binary::<Add, B>(src, slot, out, b),
        SUB | SUB_M => binary::<Sub, B>(src, slot, out, b),
        MUL | MUL_M => binary::<Mul, B>(src, slot, out, b),
        DIV | DIV_M => binary::<Div, B>(src, slot, out, b),
        RSUB | RSUB_M => binary::<RSub, B>(src, slot, out, b),
        _ => binary::<RDiv, B>(src, slot, out, b),
    }
}

/// Runs a validated program on one block whose inputs are `mem`, writing
/// `out`. A stack level either holds its value in `stack` or, right after
/// a `LOAD`, still stands for its input (`loc = Some(k)`): the next op reads
/// the input in place, so no block is ever merely copied (a plain copy would
/// become a call to the slow word-wise `memcpy` of `no_std` wasm). The last
/// instruction writes straight into `out`.
fn eval_block(code: &[u32], mem: &[&Mem], sc: &[f32], stack: &mut [Block; DEPTH], out: &mut Mem) {
    let mut loc: [Option<usize>; DEPTH] = [None; DEPTH];
    let mut sp = 0usize;
    let last = code.len() / 2 - 1;
    for (pc, ins) in code.chunks_exact(2).enumerate() {
        let (op, arg) = (ins[0], ins[1] as usize);
        let dst = if pc == last { Some(&mut *out) } else { None };
        if op == LOAD {
            loc[sp] = Some(arg);
            sp += 1;
            if let Some(o) = dst {
                // A bare LOAD program: copy with vector stores.
                for i in 0..BV {
                    store(&mut o[i * 4..], load(&mem[arg][i * 4..]));
                }
            }
            continue;
        }
        let t = if op <= RDIV { sp - 2 } else { sp - 1 };
        let src = loc[t].map(|k| mem[k]);
        if op <= RDIV {
            let (lo, hi) = stack.split_at_mut(t + 1);
            match loc[t + 1] {
                Some(k) => binary_op(op, src, &mut lo[t], dst, mem[k]),
                None => binary_op(op, src, &mut lo[t], dst, &hi[0]),
            }
            sp -= 1;
        } else {
            let slot = &mut stack[t];
            match op {
                ADD_S => scalar::<Add>(src, slot, dst, sc[arg]),
                SUB_S => scalar::<Sub>(src, slot, dst, sc[arg]),
                RSUB_S => scalar::<RSub>(src, slot, dst, sc[arg]),
                MUL_S => scalar::<Mul>(src, slot, dst, sc[arg]),
                DIV_S => scalar::<Div>(src, slot, dst, sc[arg]),
                RDIV_S => scalar::<RDiv>(src, slot, dst, sc[arg]),
                RELU => unary::<Relu>(src, slot, dst),
                SIGMOID => unary::<Sigmoid>(src, slot, dst),
                TANH => unary::<Tanh>(src, slot, dst),
                EXP => unary::<Exp>(src, slot, dst),
                LOG => unary::<Log>(src, slot, dst),
                _ => binary_op(op, src, slot, dst, mem[arg]),
            }
        }
        loc[t] = None;
    }
}

static ZEROS: Mem = [0.0; BLOCK];

/// The last, partial block: inputs copied into zero-padded blocks, computed
/// with the same vector code (lanes are independent, so the padding does not
/// change the real lanes), and the real part of the result copied out.
#[inline(never)]
fn eval_tail(code: &[u32], inputs: &[&[f32]], sc: &[f32], start: usize, stack: &mut [Block; DEPTH], out: &mut [f32]) {
    let len = out.len() - start;
    let mut pads = [[0.0f32; BLOCK]; MAX_INPUTS];
    for (pad, x) in pads.iter_mut().zip(inputs) {
        pad[..len].copy_from_slice(&x[start..]);
    }
    let mut mem: [&Mem; MAX_INPUTS] = [&ZEROS; MAX_INPUTS];
    for (m, pad) in mem.iter_mut().zip(pads.iter()) {
        *m = pad;
    }
    let mut res = [0.0f32; BLOCK];
    eval_block(code, &mem[..inputs.len()], sc, stack, &mut res);
    out[start..].copy_from_slice(&res[..len]);
}

/// Runs `code` over inputs of `out.len()` elements into `out`; 0 or an error.
pub fn run(code: &[u32], inputs: &[&[f32]], scalars: &[f32], out: &mut [f32]) -> i32 {
    let n = out.len();
    if inputs.len() > MAX_INPUTS {
        return ERR_TOO_MANY;
    }
    if inputs.iter().any(|x| x.len() != n) {
        return ERR_LENGTH;
    }
    let status = validate(code, inputs.len(), scalars.len());
    if status != 0 {
        return status;
    }
    let mut stack = [[f32x4_splat(0.0); BV]; DEPTH];
    let mut mem: [&Mem; MAX_INPUTS] = [&ZEROS; MAX_INPUTS];
    let full = n - n % BLOCK;
    let mut start = 0;
    while start < full {
        for (m, x) in mem.iter_mut().zip(inputs) {
            *m = x[start..start + BLOCK].try_into().unwrap();
        }
        let o: &mut Mem = (&mut out[start..start + BLOCK]).try_into().unwrap();
        eval_block(code, &mem[..inputs.len()], scalars, &mut stack, o);
        start += BLOCK;
    }
    if full < n {
        eval_tail(code, inputs, scalars, full, &mut stack, out);
    }
    0
}

// --- exports ---
use crate::ffi::{slice, slice_mut};

/// Runs a program: `code` holds `ncode` u32 (opcode/argument pairs),
/// `inputs` holds `ninputs` addresses of f32 arrays of `n` elements,
/// `scalars` holds `nscalars` f32. `out` (n f32) must not overlap an input.
/// Returns 0, or a negative error code (nothing written).
#[no_mangle]
pub unsafe extern "C" fn fuse_run(code: *const u32, ncode: usize, inputs: *const u32, ninputs: usize,
                                  scalars: *const f32, nscalars: usize, out: *mut f32, n: usize) -> i32 {
    if ninputs > MAX_INPUTS {
        return ERR_TOO_MANY;
    }
    let ptrs = slice(inputs, ninputs);
    let (out_lo, out_hi) = (out as usize, out as usize + n * 4);
    let mut ins: [&[f32]; MAX_INPUTS] = [&[]; MAX_INPUTS];
    for (slot, p) in ins.iter_mut().zip(ptrs) {
        let lo = *p as usize;
        if n > 0 && (lo == 0 || (lo < out_hi && out_lo < lo + n * 4)) {
            return ERR_ALIAS;
        }
        *slot = slice(lo as *const f32, n);
    }
    run(slice(code, ncode), &ins[..ninputs], slice(scalars, nscalars), slice_mut(out, n))
}

/// Validates a program without running it: 0 or the error code.
#[no_mangle]
pub unsafe extern "C" fn fuse_validate(code: *const u32, ncode: usize, ninputs: usize, nscalars: usize) -> i32 {
    if ninputs > MAX_INPUTS {
        return ERR_TOO_MANY;
    }
    validate(slice(code, ncode), ninputs, nscalars)
}
