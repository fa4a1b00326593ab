"""Load ``_kernels.wasm`` into a WebAssembly engine and expose its exports.

Engines:

* **wasmer** (default): ``wasmer`` + ``wasmer_compiler_cranelift`` 1.1.0,
  which compiles SIMD128 and calls an export in well under a microsecond.
* **wasmtime**: the fallback when wasmer is unavailable (CPython 3.11+ gets a
  stub wheel) or when ``RUSTORCH_WASM_ENGINE=wasmtime``; also the source of
  exact instruction counts (fuel), see :func:`instruction_counter`.

Compiled modules are cached under ``$XDG_CACHE_HOME/rustorch_wasm`` (mode
0700), keyed by the wasm's sha256, the engine and its version. A cache entry
carries the sha256 of its own payload; an entry that is corrupt, not ours, or
that the engine refuses is deleted and rebuilt, never trusted.
"""
from __future__ import annotations

import atexit
import hashlib
import os
import stat
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from . import _build

ENGINE_ENV = "RUSTORCH_WASM_ENGINE"
WASM_ENV = "RUSTORCH_WASM_PATH"
CACHE_MAGIC = b"RTWASM1\n"
ENGINES = ("wasmer", "wasmtime")


class WasmTrap(RuntimeError):
    """A kernel trapped (out-of-bounds access, unreachable, ...)."""


class EngineUnavailable(RuntimeError):
    """The requested engine cannot be loaded in this interpreter."""


def wasm_path() -> Path:
    """The kernel module to load: ``$RUSTORCH_WASM_PATH`` or the packaged one."""
    env = os.environ.get(WASM_ENV)
    path = Path(env) if env else _build.WASM_PATH
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} not found: build it with `python -m rustorch_wasm._build` "
            "(or reinstall the package, whose build compiles it)"
        )
    return path


def cache_dir() -> Path:
    """Per-user module cache directory, created with mode 0700."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    path = Path(base) / "rustorch_wasm"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.stat().st_uid != os.getuid():
        raise PermissionError(f"module cache {path} is not owned by this user")
    if stat.S_IMODE(path.stat().st_mode) != 0o700:
        os.chmod(path, 0o700)
    return path


def _read_cache(entry: Path) -> bytes | None:
    """The payload of a cache entry, or None (and the entry removed) if it is
    missing, foreign or corrupt."""
    try:
        st = entry.stat()
    except FileNotFoundError:
        return None
    data = b""
    if st.st_uid == os.getuid() and not stat.S_IMODE(st.st_mode) & 0o022:
        data = entry.read_bytes()
    header = len(CACHE_MAGIC) + 32
    if (
        len(data) > header
        and data.startswith(CACHE_MAGIC)
        and hashlib.sha256(data[header:]).digest() == data[len(CACHE_MAGIC):header]
    ):
        return data[header:]
    entry.unlink(missing_ok=True)
    return None


def _write_cache(entry: Path, payload: bytes) -> None:
    """Atomically write a cache entry (magic, sha256 of payload, payload)."""
    blob = CACHE_MAGIC + hashlib.sha256(payload).digest() + payload
    fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(blob)
        os.replace(tmp, entry)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _cached_module(key: str, compile_: Callable[[], Any], serialize: Callable[[Any], bytes],
                   deserialize: Callable[[bytes], Any]) -> Any:
    """Load a compiled module from the cache, compiling and storing on a miss."""
    try:
        directory = cache_dir()
    except OSError:
        return compile_()
    entry = directory / f"{key}.bin"
    payload = _read_cache(entry)
    if payload is not None:
        try:
            return deserialize(payload)
        except Exception:  # the engine refused the artifact: rebuild it
            entry.unlink(missing_ok=True)
    module = compile_()
    try:
        _write_cache(entry, serialize(module))
    except OSError:
        pass
    return module


@dataclass(frozen=True)
class HeapStats:
    """Kernel heap statistics in bytes (headers included)."""

    in_use: int
    peak: int
    allocs: int
    memory: int


class Runtime:
    """One instance of the kernel module in one engine.

    ``fn(name)`` gives the raw export as a Python callable taking plain ints
    and floats; ``call(op, name, *args)`` does the same but turns a trap into
    :class:`WasmTrap` naming ``op``. Views of linear memory are zero-copy
    numpy arrays; they are re-taken after every call that may grow memory,
    because an old view keeps its old length.
    """

    def __init__(self, engine: str | None = None, *, fuel: bool = False,
                 path: Path | None = None) -> None:
        requested = engine or os.environ.get(ENGINE_ENV) or "wasmer"
        if requested not in ENGINES:
            raise ValueError(f"{ENGINE_ENV}={requested!r}: expected one of {', '.join(ENGINES)}")
        if fuel:
            requested = "wasmtime"
        self.wasm = path or wasm_path()
        wasm_bytes = self.wasm.read_bytes()
        self.sha256 = hashlib.sha256(wasm_bytes).hexdigest()
        self.fuel = fuel
        if requested == "wasmer":
            try:
                self._init_wasmer(wasm_bytes)
            except EngineUnavailable as exc:
                _say_once(f"rustorch_wasm: wasmer unavailable ({exc}); using wasmtime")
                requested = "wasmtime"
        if requested == "wasmtime":
            self._init_wasmtime(wasm_bytes)
        self.engine = requested
        self._fns: dict[str, Callable[..., Any]] = {}
        self._view: np.ndarray | None = None
        self._pick_kernel_variants()

    def _pick_kernel_variants(self) -> None:
        """Per-engine kernel variants. Matmul's two-step micro-kernel is
        faster in Wasmer 1.1's Cranelift and slower in V8, so the module's
        default is off and Wasmer turns it on (matmul.rs). The fuel-metered
        runtime turns it on too: instruction counts describe the code the
        default engine (Wasmer) times."""
        if self.engine == "wasmer" or self.fuel:
            try:
                self.fn("matmul_set_two_step")(1)
            except AttributeError:
                pass  # an older kernel module without the switch

    # -- engines ---------------------------------------------------------
    def _init_wasmer(self, wasm_bytes: bytes) -> None:
        try:
            import wasmer
            import wasmer_compiler_cranelift
            store = wasmer.Store(wasmer.engine.Universal(wasmer_compiler_cranelift.Compiler))
        except (ImportError, AttributeError, TypeError) as exc:
            raise EngineUnavailable(str(exc) or type(exc).__name__) from None
        version = getattr(wasmer, "__version__", "1.1.0")
        key = f"wasmer-{version}-cranelift-{self.sha256}"
        module = _cached_module(
            key,
            lambda: wasmer.Module(store, wasm_bytes),
            lambda m: bytes(m.serialize()),
            lambda b: wasmer.Module.deserialize(store, b),
        )
        instance = wasmer.Instance(module)
        exports = instance.exports
        self._store = store
        self._memory = exports.memory
        self._export = lambda name: getattr(exports, name)
        self._mem_len = lambda: self._memory.data_size
        self._mem_view = lambda: np.frombuffer(memoryview(self._memory.buffer), np.uint8)
        self._trap_types: tuple[type[BaseException], ...] = (RuntimeError,)

    def _init_wasmtime(self, wasm_bytes: bytes) -> None:
        try:
            import wasmtime
        except ImportError as exc:
            raise EngineUnavailable(f"wasmtime is not installed: {exc}") from None
        config = wasmtime.Config()
        config.consume_fuel = self.fuel
        wt_engine = wasmtime.Engine(config)
        version = getattr(wasmtime, "__version__", "") or _dist_version("wasmtime")
        key = f"wasmtime-{version}-fuel{int(self.fuel)}-{self.sha256}"
        module = _cached_module(
            key,
            lambda: wasmtime.Module(wt_engine, wasm_bytes),
            lambda m: bytes(m.serialize()),
            lambda b: wasmtime.Module.deserialize(wt_engine, b),
        )
        store = wasmtime.Store(wt_engine)
        if self.fuel:
            store.set_fuel(_FUEL_TANK)
        instance = wasmtime.Instance(store, module, [])
        exports = instance.exports(store)
        memory = exports["memory"]
        self._store = store
        self._memory = memory

        def export(name: str) -> Callable[..., Any]:
            func = exports[name]
            return lambda *args: func(store, *args)

        self._export = export
        self._mem_len = lambda: memory.data_len(store)
        self._mem_view = lambda: np.ctypeslib.as_array(
            memory.data_ptr(store), shape=(memory.data_len(store),))
        self._trap_types = (wasmtime.Trap, wasmtime.WasmtimeError)

    # -- calls -----------------------------------------------------------
    def fn(self, name: str) -> Callable[..., Any]:
        """The raw export ``name`` (cached)."""
        f = self._fns.get(name)
        if f is None:
            try:
                f = self._export(name)
            except (KeyError, AttributeError, LookupError):
                raise AttributeError(f"kernel module has no export {name!r}") from None
            self._fns[name] = f
        return f

    def call(self, op: str, name: str, *args: Any) -> Any:
        """Call export ``name``; a trap becomes WasmTrap naming ``op``."""
        try:
            return self.fn(name)(*args)
        except self._trap_types as exc:
            first = str(exc).strip().splitlines()
            raise WasmTrap(f"{op}: wasm trap: {first[0] if first else type(exc).__name__}") from None

    # -- memory ----------------------------------------------------------
    def memory_bytes(self) -> int:
        """Current size of linear memory in bytes."""
        return int(self._mem_len())

    def u8(self) -> np.ndarray:
        """Writable uint8 view of all of linear memory (re-taken on growth)."""
        view = self._view
        if view is None or len(view) != self._mem_len():
            view = self._view = self._mem_view()
        return view

    def array(self, ptr: int, count: int, dtype: Any) -> np.ndarray:
        """Zero-copy view of ``count`` items of ``dtype`` at ``ptr``."""
        dt = np.dtype(dtype)
        return self.u8()[ptr:ptr + count * dt.itemsize].view(dt)

    def alloc(self, nbytes: int, op: str = "alloc") -> int:
        """Allocate ``nbytes`` in the kernel heap; MemoryError when it cannot."""
        if nbytes < 0 or nbytes >= 2**32:
            raise MemoryError(f"{op}: {nbytes} bytes do not fit in 4 GiB of wasm memory")
        ptr = self.call(op, "rt_alloc", nbytes)
        if ptr == 0:
            raise MemoryError(
                f"{op}: wasm heap exhausted allocating {nbytes} bytes "
                f"(linear memory {self.memory_bytes() / 2**20:.0f} MiB)")
        return ptr

    def free(self, ptr: int) -> None:
        """Free a block; ValueError for a pointer that is not a live block."""
        if not self.call("free", "rt_free", ptr):
            raise ValueError(f"free: {ptr:#x} is not a live wasm allocation (double free?)")

    def heap_stats(self) -> HeapStats:
        """Heap in-use bytes, high-water mark, allocation count, memory size."""
        return HeapStats(
            in_use=int(self.fn("rt_heap_in_use")()),
            peak=int(self.fn("rt_heap_peak")()),
            allocs=int(self.fn("rt_heap_allocs")()),
            memory=self.memory_bytes(),
        )

    def reset_peak(self) -> None:
        """Restart the heap high-water mark from the current use."""
        self.fn("rt_heap_reset_peak")()

    # -- fuel ------------------------------------------------------------
    def instructions(self, func: Callable[[], Any]) -> int:
        """Wasm instructions (wasmtime fuel) consumed by ``func()``.

        Only for a runtime made with ``fuel=True``.
        """
        if not self.fuel:
            raise RuntimeError("instruction counts need Runtime(fuel=True)")
        self._store.set_fuel(_FUEL_TANK)
        func()
        return _FUEL_TANK - int(self._store.get_fuel())


_FUEL_TANK = 2**62
_SAID: set[str] = set()
_DEFAULT: Runtime | None = None
_FUELED: Runtime | None = None


def _say_once(message: str) -> None:
    if message not in _SAID:
        _SAID.add(message)
        print(message, file=sys.stderr)


def _dist_version(name: str) -> str:
    try:
        from importlib.metadata import version
        return version(name)
    except Exception:
        return "unknown"


@atexit.register
def _drop_runtimes() -> None:
    """Release the process-wide runtimes while the engines' modules still
    exist: at interpreter teardown wasmtime's finalizers would otherwise run
    after its ctypes bindings are gone and print ignored exceptions."""
    global _DEFAULT, _FUELED
    _DEFAULT = _FUELED = None
    import gc

    gc.collect()


def get_runtime() -> Runtime:
    """The process-wide default runtime (engine from ``$RUSTORCH_WASM_ENGINE``)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Runtime()
    return _DEFAULT


def fueled_runtime() -> Runtime:
    """A process-wide wasmtime runtime with fuel metering, for instruction counts."""
    global _FUELED
    if _FUELED is None:
        _FUELED = Runtime("wasmtime", fuel=True)
    return _FUELED
