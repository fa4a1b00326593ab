"""``python -m rustorch_wasm.regress``: see :mod:`.cli`."""
import sys

from .cli import main

sys.exit(main())
