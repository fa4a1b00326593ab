"""``python -m rustorch_wasm.regress``: see :mod:`.cli`."""
import sys

from .cli.main import main

if __name__ == "__main__":      # not when a spawned plotting process imports it
    sys.exit(main())
