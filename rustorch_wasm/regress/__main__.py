"""``python -m rustorch_wasm.regress``: see :mod:`.cli`."""
import sys

from .cli.main import main

sys.exit(main())
