"""Issue 22's cross-cutting slowdown, applied to a checkout of this project.

    python -m evaluation.slow_commit CHECKOUT

Wraps every kernel export of ``rustorch_wasm/runtime.py`` in a Python
argument check (``np.asarray`` of the arguments and an ``isfinite`` test per
call): the wasm is unchanged, only the Python path of each call is slower,
most for small kernels. Commit the result and run ``rustorch-regress run``
in the checkout to see the history job judge it (docs/gate_and_site.md,
"a slow commit when the history holds two builds"). Exit 2 when the
runtime no longer has the code the patch replaces.
"""
from __future__ import annotations

import sys
from pathlib import Path

OLD = """            try:
                f = self._export(name)
            except (KeyError, AttributeError, LookupError):
                raise AttributeError(f"kernel module has no export {name!r}") from None
            self._fns[name] = f"""
NEW = """            try:
                raw = self._export(name)
            except (KeyError, AttributeError, LookupError):
                raise AttributeError(f"kernel module has no export {name!r}") from None

            def f(*args, _raw=raw):
                checked = np.asarray(args, dtype=np.float64)
                if not np.isfinite(checked).all():
                    raise ValueError(f"{name}: non-finite argument")
                return _raw(*args)
            self._fns[name] = f"""


def slow_down(checkout: Path) -> bool:
    """Patch ``checkout``'s runtime; False when the expected code is not there."""
    path = checkout / "rustorch_wasm" / "runtime.py"
    text = path.read_text()
    if OLD not in text:
        return False
    path.write_text(text.replace(OLD, NEW))
    return True


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not (Path(args[0]) / "rustorch_wasm" / "runtime.py").is_file():
        print("usage: python -m evaluation.slow_commit CHECKOUT (a checkout of this project)",
              file=sys.stderr)
        return 2
    if not slow_down(Path(args[0])):
        print(f"error: {args[0]}/rustorch_wasm/runtime.py no longer has the code the patch "
              "replaces", file=sys.stderr)
        return 2
    print(f"{args[0]}/rustorch_wasm/runtime.py: every kernel call checks its arguments in Python")
    return 0


if __name__ == "__main__":
    sys.exit(main())
