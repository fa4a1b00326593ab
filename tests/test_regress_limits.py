"""A result file over the size limit (``DetectorConfig.max_result_bytes``) is
refused from its size alone: never opened, so a 200 MB file costs neither
the time nor the memory of reading it (it once peaked at 470 MB)."""
from __future__ import annotations

import json
import subprocess
import sys

from rustorch_wasm.regress.model.config import DetectorConfig
from _dated_results import sha, write_results

#: Runs the command line in this (child) process; reports its exit code and
#: whether the big file or any other result file was opened (an audit hook
#: sees every open).
CHILD = r"""
import json, os, resource, sys
big, argv = sys.argv[1], sys.argv[2:]
opened = {"big": [], "others": 0}

def hook(event, args):
    if event == "open" and args and isinstance(args[0], (str, os.PathLike)):
        path = os.fspath(args[0])
        if path == big:
            opened["big"].append(str(args[1]))
        elif path.endswith("-py3.10.json"):
            opened["others"] += 1

sys.addaudithook(hook)
from rustorch_wasm.regress.cli.main import main
code = main(argv)
print(json.dumps({"code": code, "opened": opened}))
"""

#: Starts CHILD and reports, after it ended, its peak memory as getrusage
#: gives it to its parent (RUSAGE_CHILDREN, kB on Linux). The parent is this
#: small process, not pytest: a process forked from a large one carries that
#: one's size in its own maximum (Linux keeps it across exec).
MEASURE = r"""
import json, resource, subprocess, sys
proc = subprocess.run([sys.executable, "-c", *sys.argv[1:]], capture_output=True, text=True)
report = json.loads(proc.stdout.splitlines()[-1]) if proc.stdout.strip() else {}
report["peak_kb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
report["stderr"] = proc.stderr
print(json.dumps(report))
"""


def test_a_200_mb_result_file_is_refused_unread(tmp_path):
    results = tmp_path / "results"
    write_results(results)
    big = results / "box" / f"{sha(99)[:8]}-py3.10.json"
    with open(big, "wb") as fh:                       # sparse: no disk space, 200 MB by stat
        fh.truncate(200 * 2 ** 20)
    assert DetectorConfig().max_result_bytes == 64 * 2 ** 20
    proc = subprocess.run([sys.executable, "-c", MEASURE, CHILD, str(big), "detect",
                           "--results", str(results), "--json", str(tmp_path / "r.json")],
                          capture_output=True, text=True, cwd=tmp_path, timeout=600)
    report = json.loads(proc.stdout.splitlines()[-1])
    assert report["code"] == 1, report["stderr"]           # the rest is read and judged
    assert report["opened"]["big"] == [] and report["opened"]["others"] == 24
    assert 20 * 1024 < report["peak_kb"] < 200 * 1024      # (a Python with numpy: > 20 MB)
    [warning] = [line for line in report["stderr"].splitlines() if big.name in line]
    assert warning == (f"warning: {big}: 200 MB, over the limit of 64 MB for an asv file "
                       "(DetectorConfig.max_result_bytes); not read; skipped")
    assert json.loads((tmp_path / "r.json").read_text())["findings"]


def test_the_limit_is_the_configs(tmp_path):
    from rustorch_wasm.regress.io.results import load_results
    results = tmp_path / "results"
    write_results(results, n=6)
    size = max(p.stat().st_size for p in (results / "box").glob("*-py3.10.json"))
    assert len(load_results(results, max_bytes=size).files) == 6
    small = load_results(results, max_bytes=size - 1)
    assert len(small.files) < 6 and all("not read; skipped" in w for w in small.warnings)
