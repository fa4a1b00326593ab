"""Make a demo history with a known regression, for screenshots and trying `make run`.

Run by ``python scripts/demo_history.py DEST [--before 8] [--after 8]``.

Copies this project's tracked files into a new git repository at ``DEST``:
one commit of the project, ``before - 1`` README-only commits, the commit
"sigmoid: recompute the first 35% (injected regression)" (``ew_sigmoid``
computes the first 35 % of its input twice), then ``after - 1`` README-only
commits. Then, inside ``DEST``::

    rustorch-regress run --range HEAD~20..HEAD \\
        --bench '^activations\\.' --bench '^tensor_ops\\.Add\\.'

benchmarks every distinct build and builds ``DEST/site``; the README's
screenshots come from that run.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from reports.paths import ROOT

UNARY = ("export_unary!(ew_relu => Relu, ew_sigmoid => Sigmoid, ew_tanh => Tanh, ew_exp => Exp, "
         "ew_log => Log);")
SLOW = """export_unary!(ew_relu => Relu, ew_tanh => Tanh, ew_exp => Exp, ew_log => Log);

#[no_mangle]
pub unsafe extern "C" fn ew_sigmoid(a: *const f32, out: *mut f32, n: usize) {
    // Injected regression (demo history): the first 35% is computed twice.
    unary::<Sigmoid>(a, out, n * 7 / 20);
    unary::<Sigmoid>(a, out, n);
}
"""
GIT_ENV = {"GIT_AUTHOR_NAME": "demo", "GIT_AUTHOR_EMAIL": "demo@example.invalid",
           "GIT_COMMITTER_NAME": "demo", "GIT_COMMITTER_EMAIL": "demo@example.invalid"}


def git(repo: Path, *args: str) -> str:
    """``git args`` in ``repo`` as the demo author; its stdout, stripped."""
    return subprocess.run(["git", *args], cwd=repo, env=dict(os.environ, **GIT_ENV), check=True,
                          capture_output=True, text=True).stdout.strip()


def make_history(dest: Path, before: int, after: int) -> list[str]:
    """The demo repository; its shas, oldest first."""
    if dest.exists():
        raise ValueError(f"{dest} exists")
    dest.mkdir(parents=True)
    for rel in filter(None, git(ROOT, "ls-files", "-z").split("\0")):
        if (ROOT / rel).is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, dest / rel)
    git(dest, "init", "-q", "-b", "main")
    git(dest, "add", "-A")
    git(dest, "commit", "-qm", "rustorch_wasm project")
    readme = dest / "README.md"
    note = 0

    def docs() -> None:
        nonlocal note
        readme.write_text(readme.read_text() + f"\nNote {note}.\n")
        git(dest, "commit", "-qam", f"docs: note {note}")
        note += 1

    for _ in range(before - 1):
        docs()
    ew = dest / "rustorch_wasm" / "kernels" / "src" / "elementwise.rs"
    text = ew.read_text()
    if UNARY not in text:
        raise ValueError("the regression patch no longer applies to elementwise.rs")
    ew.write_text(text.replace(UNARY, SLOW))
    git(dest, "commit", "-qam", "sigmoid: recompute the first 35% (injected regression)")
    for _ in range(after - 1):
        docs()
    return git(dest, "rev-list", "--reverse", "HEAD").split()


def run(dest: Path, before: int = 8, after: int = 8) -> int:
    """:func:`make_history` and a line naming the regression's commit; 2 after
    a one-line error (bad counts, ``dest`` exists, git failed)."""
    if before < 1 or after < 1:
        print("error: --before and --after must be >= 1", file=sys.stderr)
        return 2
    try:
        shas = make_history(dest, before, after)
    except (ValueError, OSError, subprocess.CalledProcessError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{dest}: {len(shas)} commits; regression at {shas[before][:10]}")
    return 0
