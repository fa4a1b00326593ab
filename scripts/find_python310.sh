#!/usr/bin/env bash
# Print the path of a working CPython 3.10 interpreter, or explain and fail.
# Order: $PYTHON310, pyenv's 3.10.x, python3.10 on PATH, /usr/bin/python3.10.
set -u
works() { [ -n "$1" ] && [ -x "$1" ] && "$1" -c 'import sys, venv; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1; }
candidates=()
[ -n "${PYTHON310:-}" ] && candidates+=("$PYTHON310")
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root 2>/dev/null)
  for p in $(ls -d "$root"/versions/3.10.*/bin/python3.10 2>/dev/null | sort -V -r); do candidates+=("$p"); done
fi
p=$(command -v python3.10 2>/dev/null) && candidates+=("$p")
candidates+=(/usr/bin/python3.10 /usr/local/bin/python3.10)
for c in "${candidates[@]}"; do
  if works "$c"; then echo "$c"; exit 0; fi
done
echo "error: no working Python 3.10 found (wasmer 1.1.0 has native wheels only for CPython <= 3.10)." >&2
echo "       install one (e.g. 'pyenv install 3.10', or your distribution's python3.10 with venv)" >&2
echo "       or point PYTHON310 at it: make setup PYTHON310=/path/to/python3.10" >&2
exit 1
