"""Compile the Rust kernel crate to ``_kernels.wasm``.

Used by the package build hook (``hatch_build.py``), by ``make`` and by tests
(``python -m rustorch_wasm._build``). It needs nothing but the standard
library, because it runs inside PEP 517 build environments.

Toolchain discovery, in order:

1. ``$RUSTC`` if set (it must have the ``wasm32-unknown-unknown`` target);
2. every ``rustc`` on ``PATH`` and ``/usr/bin/rustc``, first one whose sysroot
   holds ``libcore`` for ``wasm32-unknown-unknown``.

The build is a single ``rustc`` invocation (no cargo) with paths remapped
and symbols stripped, so the same sources give the same bytes whatever the
checkout directory: asv's per-commit build cache and our module cache both
key on the sha256 of the result.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

TARGET = "wasm32-unknown-unknown"
PACKAGE_DIR = Path(__file__).resolve().parent
CRATE_DIR = PACKAGE_DIR / "kernels"
WASM_PATH = PACKAGE_DIR / "_kernels.wasm"
FIX_HINT = (
    "no rustc with the wasm32-unknown-unknown target was found. Fix: "
    "`sudo apt-get install rustc libstd-rust-dev-wasm32 lld` (Debian), or "
    "`rustup target add wasm32-unknown-unknown`, or set RUSTC to such a rustc"
)
RUSTC_FLAGS = (
    "--edition", "2021",
    "--target", TARGET,
    "--crate-type", "cdylib",
    "--crate-name", "rustorch_kernels",
    "-C", "opt-level=3",
    "-C", "target-feature=+simd128",
    "-C", "panic=abort",
    "-C", "codegen-units=1",
    "-C", "debuginfo=0",
    "-C", "strip=symbols",
)


class BuildError(RuntimeError):
    """The kernels could not be built; the message says how to fix it."""


def _has_wasm_target(rustc: str) -> bool:
    try:
        out = subprocess.run(
            [rustc, "--print", "target-libdir", "--target", TARGET],
            capture_output=True, text=True, timeout=60, check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    if out.returncode != 0:
        return False
    libdir = Path(out.stdout.strip())
    return libdir.is_dir() and any(libdir.glob("libcore-*.rlib"))


def candidate_rustcs() -> list[str]:
    """Every rustc worth trying, in order of preference, without duplicates."""
    found: list[str] = []
    for entry in os.environ.get("PATH", "").split(os.pathsep):
        exe = Path(entry) / "rustc"
        if entry and exe.is_file() and os.access(exe, os.X_OK):
            found.append(str(exe))
    found.append("/usr/bin/rustc")
    unique: list[str] = []
    for path in found:
        if Path(path).exists() and path not in unique:
            unique.append(path)
    return unique


def find_rustc() -> str:
    """The rustc to build with; raises BuildError naming the fix."""
    env = os.environ.get("RUSTC")
    if env:
        if not _has_wasm_target(env):
            raise BuildError(f"RUSTC={env} cannot build for {TARGET}; " + FIX_HINT)
        return env
    for rustc in candidate_rustcs():
        if _has_wasm_target(rustc):
            return rustc
    raise BuildError(FIX_HINT)


def source_files(crate: Path = CRATE_DIR) -> list[Path]:
    """The crate's sources in a stable order."""
    return sorted(p for p in (crate / "src").rglob("*.rs") if p.is_file())


def source_digest(crate: Path = CRATE_DIR) -> str:
    """sha256 over the crate's relative paths and contents."""
    h = hashlib.sha256()
    for path in source_files(crate):
        h.update(path.relative_to(crate).as_posix().encode())
        h.update(b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def build_wasm(out: Path = WASM_PATH, crate: Path = CRATE_DIR, rustc: str | None = None) -> Path:
    """Compile ``crate`` to ``out`` (atomically replaced) and return ``out``."""
    rustc = rustc or find_rustc()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rustorch-build-") as tmp:
        tmp_out = Path(tmp) / "kernels.wasm"
        cmd = [
            rustc, *RUSTC_FLAGS,
            f"--remap-path-prefix={crate.resolve()}=kernels",
            f"--remap-path-prefix={Path.home()}=~",
            str(crate / "src" / "lib.rs"), "-o", str(tmp_out),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise BuildError(f"rustc failed ({rustc}):\n{proc.stderr.strip()}")
        fd, staged = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.")
        os.close(fd)
        shutil.copyfile(tmp_out, staged)
        os.replace(staged, out)
    stamp_path(out).write_text(source_digest(crate) + "\n")
    return out


def stamp_path(wasm: Path) -> Path:
    """File beside the wasm holding the source digest it was built from."""
    return wasm.with_name(wasm.name + ".src-sha256")


def is_fresh(out: Path = WASM_PATH, crate: Path = CRATE_DIR) -> bool:
    """True when ``out`` exists and was built from the current sources."""
    stamp = stamp_path(out)
    if not out.is_file() or not stamp.is_file():
        return False
    return stamp.read_text().strip() == source_digest(crate)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the RusTorch wasm kernels.")
    parser.add_argument("--out", type=Path, default=WASM_PATH, help="output .wasm path")
    parser.add_argument("--crate", type=Path, default=CRATE_DIR, help="crate directory (default: the packaged one)")
    parser.add_argument("--force", action="store_true", help="rebuild even when up to date")
    parser.add_argument("--print-rustc", action="store_true", help="print the rustc that would be used")
    args = parser.parse_args(argv)
    try:
        if args.print_rustc:
            print(find_rustc())
            return 0
        if not args.force and is_fresh(args.out, args.crate):
            print(f"{args.out} is up to date")
            return 0
        path = build_wasm(args.out, args.crate)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    print(f"built {path} ({path.stat().st_size} bytes, sha256 {digest[:16]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
