"""evaluation.speed on a small results directory: every time is printed,
and the command finds what the analysis in the same process finds."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from rustorch_wasm.regress.io.synth import Row, write_benchmarks_json, write_result_file

ROOT = Path(__file__).resolve().parent.parent


def small_results(root: Path) -> Path:
    results = root / "results"
    write_benchmarks_json(results, {"m.C.time_a": ([], [], "seconds"),
                                    "m.C.time_b": ([], [], "seconds")})
    rng = np.random.default_rng(3)
    for i in range(40):
        level = 1.0 if i < 30 else 1.5                    # a x1.5 step at commit 30
        rows = {name: Row([level], samples=[list(rng.normal(level, 0.01, 5))],
                          ci_a=[level * 0.99], ci_b=[level * 1.01])
                for name in ("m.C.time_a", "m.C.time_b")}
        write_result_file(results, "box", f"{i + 1:08x}" + "ab" * 16, "py", rows,
                          date=1700000000000 + i * 1000)
    return results


def test_speed_prints_every_time_and_agrees_with_the_command(tmp_path):
    results = small_results(tmp_path)
    out = tmp_path / "speed.json"
    proc = subprocess.run([sys.executable, "-m", "evaluation.speed", "--results", str(results),
                           "--repeat", "2", "--json", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    for label in ("read: result files -> series", "analysis: series -> findings",
                  "read + analysis", "`rustorch-regress detect` command",
                  "asv `detect_steps` + `detect_regressions`", "load average", "host: "):
        assert label in proc.stdout
    measured = json.loads(out.read_text())
    assert measured["series"] == 2 and measured["repeat"] == 2
    assert measured["files"] == 40 and measured["machines"] == 1
    assert measured["findings"] == measured["command_findings"] >= 2
    assert measured["command_exit"] == 1 and measured["asv_failed"] == 0
    assert all(len(v) == 2 for v in measured["runs"].values())
    assert measured["median"]["total"] >= measured["median"]["read"]


def test_the_package_docstring_is_the_shared_one():
    text = (ROOT / "evaluation" / "__init__.py").read_text()
    assert text == ('"""The detector\'s evaluation: synthetic corpora, real asv histories, peers, '
                    'speed."""\n')
