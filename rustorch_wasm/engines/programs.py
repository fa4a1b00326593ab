"""Finding the external programs the browser engines need, and their versions."""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path


def find_program(env_var: str, *names: str) -> str | None:
    """``$env_var`` if it names an executable file, else the first of ``names`` on
    PATH (a name may also be an absolute path), else None. A set but unusable
    ``$env_var`` gives None, never a fallback: the user asked for that one."""
    env = os.environ.get(env_var)
    if env:
        return env if Path(env).is_file() and os.access(env, os.X_OK) else None
    for name in names:
        if os.path.isabs(name):
            if Path(name).is_file() and os.access(name, os.X_OK):
                return name
        else:
            found = shutil.which(name)
            if found:
                return found
    return None


@functools.lru_cache(maxsize=16)
def program_version(path: str, flag: str = "--version") -> str:
    """First line ``path flag`` prints, or "" when it does not answer."""
    try:
        proc = subprocess.run([path, flag], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    lines = proc.stdout.strip().splitlines()
    return lines[0].strip() if proc.returncode == 0 and lines else ""
