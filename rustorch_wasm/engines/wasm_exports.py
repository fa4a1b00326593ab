"""Names of the function exports of a wasm module, read from its binary.

The binary format: magic ``\\0asm``, version 1, then sections ``(id: u8,
size: LEB128 u32, payload)``. The export section (id 7) is a vector of
``(name: LEB128 length + UTF-8 bytes, kind: u8, index: LEB128)``; kind 0 is
a function. Used to know which kernels a build has without instantiating it.
"""
from __future__ import annotations

from pathlib import Path


def _leb_u32(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data) or shift > 28:
            raise ValueError("malformed wasm: bad LEB128")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def function_exports(wasm: bytes | Path) -> list[str]:
    """Sorted names of the exported functions (ValueError if not a wasm module)."""
    data = wasm.read_bytes() if isinstance(wasm, Path) else bytes(wasm)
    if data[:8] != b"\0asm\x01\0\0\0":
        raise ValueError("not a wasm module (bad magic or version)")
    pos = 8
    while pos < len(data):
        section = data[pos]
        size, pos = _leb_u32(data, pos + 1)
        end = pos + size
        if end > len(data):
            raise ValueError("malformed wasm: section runs past the end")
        if section == 7:
            count, p = _leb_u32(data, pos)
            names = []
            for _ in range(count):
                length, p = _leb_u32(data, p)
                name = data[p:p + length].decode("utf-8")
                kind = data[p + length]
                _, p = _leb_u32(data, p + length + 1)
                if kind == 0:
                    names.append(name)
            return sorted(names)
        pos = end
    return []
