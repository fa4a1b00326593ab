"""Reading one JSON file of the user's (a config, a triage file, a report)
with one clear line on failure: the path, then what is wrong with it."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def read_json(path: Path | str, error: type[Exception]) -> Any:
    """The document at ``path``; ``error(message)`` when it cannot be read or
    is not valid JSON (the message names the path)."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise error(f"{path}: not valid JSON: {exc}") from None
