"""The peer report: our kernels beside TF.js-wasm, WebGPU and numpy, in every engine."""
