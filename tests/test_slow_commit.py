"""evaluation.slow_commit still applies to this project's runtime, and the
patched runtime still computes the same results (only slower)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from evaluation.slow_commit import main, slow_down

ROOT = Path(__file__).resolve().parent.parent


def test_the_patch_applies_and_the_kernels_still_work(tmp_path):
    pkg = tmp_path / "rustorch_wasm"
    shutil.copytree(ROOT / "rustorch_wasm", pkg, ignore=shutil.ignore_patterns("regress", "__pycache__"))
    assert slow_down(tmp_path)
    assert "np.isfinite(checked)" in (pkg / "runtime.py").read_text()
    assert not slow_down(tmp_path)                      # applied once only
    code = ("import numpy as np, rustorch_wasm as rw;"
            "t = rw.Tensor.from_numpy(np.array([-1.0, 2.0], dtype=np.float32));"
            "print(rw.relu(t).numpy().tolist())")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "[0.0, 2.0]", out.stderr[-2000:]


def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys):
    assert main([str(tmp_path)]) == 2
    assert capsys.readouterr().err.count("\n") == 1
