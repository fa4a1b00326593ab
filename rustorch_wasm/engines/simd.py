"""The wasm SIMD128 feature probe every engine runs before the kernels.

The kernels are built with ``+simd128``; an engine without it cannot even
compile them. Rather than assume SIMD is on, each engine is asked to validate
:data:`SIMD_PROBE`, the smallest module using a SIMD op: one function
``() -> v128`` whose body is ``i32.const 0; i32x4.splat``. Its bytes:

* ``00 61 73 6d 01 00 00 00``: magic and version 1;
* type section ``01 05 01 60 00 01 7b``: one type, no params, one v128 result;
* function section ``03 02 01 00``: one function of type 0;
* code section ``0a 08 01 06 00 41 00 fd 11 0b``: one body of 6 bytes, no
  locals, ``i32.const 0`` (0x41 0x00), ``i32x4.splat`` (prefix 0xfd, opcode
  0x11), ``end``.

The JS hosts get the bytes in the request (``simd_probe``) and answer with
``WebAssembly.validate`` (``core.mjs``); in-process engines validate with
their own ``Module.validate``.
"""
from __future__ import annotations

SIMD_PROBE = bytes([
    0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00,
    0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7B,
    0x03, 0x02, 0x01, 0x00,
    0x0A, 0x08, 0x01, 0x06, 0x00, 0x41, 0x00, 0xFD, 0x11, 0x0B,
])


def simd_off_reason(engine: str) -> str:
    """The message for an engine whose probe did not validate."""
    return f"{engine}: wasm SIMD128 is off (the SIMD probe module does not validate)"


def wasmer_validates(module: bytes = SIMD_PROBE) -> bool:
    """Whether Wasmer (cranelift) validates ``module``."""
    import wasmer
    from wasmer_compiler_cranelift import Compiler

    store = wasmer.Store(wasmer.engine.JIT(Compiler))
    return bool(wasmer.Module.validate(store, module))


def wasmtime_validates(module: bytes = SIMD_PROBE, simd: bool = True) -> bool:
    """Whether wasmtime validates ``module``; ``simd=False`` turns its SIMD
    proposal off, a real engine configuration without SIMD128."""
    import wasmtime

    config = wasmtime.Config()
    config.wasm_simd = simd
    if not simd:
        config.wasm_relaxed_simd = False
    try:
        wasmtime.Module.validate(wasmtime.Engine(config), module)
    except wasmtime.WasmtimeError:
        return False
    return True
