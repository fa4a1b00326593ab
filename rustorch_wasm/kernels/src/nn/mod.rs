//! Neural-network layers, losses and optimizers, driven by a model
//! descriptor that lives in wasm memory.
//!
//! The host describes a model once as an array of fixed-size records
//! (`REC` u32 words per layer, see [`Rec`]): the layer kind, its dimensions,
//! per-sample input/output sizes and the addresses of its parameters,
//! parameter gradients, output, output gradient and auxiliary buffer. All
//! parameters of a model form one contiguous arena, and so do their
//! gradients and the optimizer state, so an optimizer step is one pass.
//!
//! `nn_forward` runs the layers in order (layer k reads layer k−1's output,
//! layer 0 reads the input), `nn_backward` runs them in reverse (the loss
//! has written the last layer's output gradient; parameter gradients are
//! accumulated, input gradients overwritten), and `nn_train_step` does
//! forward, loss, zeroing of the gradients, backward and the optimizer
//! update in one call. A residual `Add` layer y = x + out[src] sends its
//! output gradient to both inputs: after layer src+1 has written the
//! gradient of out[src], the gradients of the `Add` layers reading src are
//! added to it.
//!
//! Status codes of the exports: 0 ok, 1 the kernel heap could not provide
//! scratch memory.
#[cfg(target_arch = "wasm32")]
pub mod activation;
#[cfg(target_arch = "wasm32")]
pub mod conv;
#[cfg(target_arch = "wasm32")]
pub mod linalg;
#[cfg(target_arch = "wasm32")]
pub mod linear;
#[cfg(target_arch = "wasm32")]
pub mod loss;
#[cfg(target_arch = "wasm32")]
pub mod lstm;
#[cfg(target_arch = "wasm32")]
pub mod optim;
#[cfg(target_arch = "wasm32")]
pub mod pool;
#[cfg(target_arch = "wasm32")]
pub mod rnn;
#[cfg(target_arch = "wasm32")]
mod model;

/// u32 words per layer record.
pub const REC: usize = 20;

pub const LINEAR: u32 = 1;
pub const CONV2D: u32 = 2;
pub const MAXPOOL2D: u32 = 3;
pub const FLATTEN: u32 = 4;
pub const RELU: u32 = 5;
pub const SIGMOID: u32 = 6;
pub const TANH: u32 = 7;
pub const RNN: u32 = 8;
pub const LSTM: u32 = 9;
pub const ADD: u32 = 10;
/// `src` of an `Add` layer that reads the model input.
pub const SRC_INPUT: u32 = u32::MAX;

/// One decoded layer record. Word layout: 0 kind, 1–7 dimensions,
/// 8 input size and 9 output size (elements per sample), 10 parameters
/// address, 11 parameter count, 12 gradients address, 13 output address,
/// 14 output-gradient address, 15 aux address, 16 aux length (elements),
/// 17–19 reserved (0).
#[derive(Clone, Copy)]
pub struct Rec {
    pub kind: u32,
    pub p: [usize; 7],
    pub in_size: usize,
    pub out_size: usize,
    pub params: usize,
    pub n_params: usize,
    pub grads: usize,
    pub out: usize,
    pub dout: usize,
    pub aux: usize,
    pub aux_len: usize,
}

impl Rec {
    pub fn decode(desc: &[u32], k: usize) -> Rec {
        let w = &desc[k * REC..(k + 1) * REC];
        let mut p = [0usize; 7];
        for (d, s) in p.iter_mut().zip(&w[1..8]) {
            *d = *s as usize;
        }
        Rec {
            kind: w[0],
            p,
            in_size: w[8] as usize,
            out_size: w[9] as usize,
            params: w[10] as usize,
            n_params: w[11] as usize,
            grads: w[12] as usize,
            out: w[13] as usize,
            dout: w[14] as usize,
            aux: w[15] as usize,
            aux_len: w[16] as usize,
        }
    }
}
