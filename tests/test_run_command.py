"""`rustorch-regress run` (`make run`) on a synthetic asv history without
benchmarking: analysis, plots and site, with an injected regression and a
hostile benchmark name."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rustorch_wasm.regress.io.synth import Row, make_history, write_benchmarks_json, write_result_file

EVIL = "mod.<script>alert(1)</script>.time_x"
N, STEP = 30, 20


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> tuple[Path, Path, list[str]]:
    root = tmp_path_factory.mktemp("pipeline")
    repo = root / "repo"
    shas = make_history(repo, N)
    results = root / "results"
    write_benchmarks_json(results, {
        "mod.C.time_a": (["size"], [["100"]], "seconds"),
        "mod.C.track_a_instructions": (["size"], [["100"]], "instructions"),
        EVIL: ([], [], "seconds")})
    rng = np.random.default_rng(7)
    for i, sha in enumerate(shas):
        slow = 1.35 if i >= STEP else 1.0
        a = list(1e-4 * slow * np.exp(rng.normal(0, 0.02, 10)))
        x = list(2e-3 * np.exp(rng.normal(0, 0.02, 10)))
        write_result_file(results, "box", sha, "venv-py3.10", {
            "mod.C.time_a": Row([float(np.median(a))], [["100"]], [a]),
            "mod.C.track_a_instructions": Row([1000.0 * (1.35 if i >= STEP else 1.0)], [["100"]]),
            EVIL: Row([float(np.median(x))], [], [x]),
        })
    (repo / "regress.json").write_text(json.dumps({"profile": {   # the project's profile
        "exact_counts": {"prefix": "track_", "suffix": "_instructions", "timing_prefix": "time_"},
        "build_paths": ["f.txt"]}}))
    return repo, results, shas


def run_pipeline(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rustorch_wasm.regress", "run", "--no-bench",
                           *args], capture_output=True, text=True, timeout=600)


def test_pipeline_builds_the_site_with_the_regression(history, tmp_path):
    repo, results, shas = history
    out = tmp_path / "site"
    proc = run_pipeline("--no-asv-publish", "--results", str(results),
                        "--project", str(repo), "--branch", "main", "--out", str(out),
                        "--baselines", str(tmp_path / "none"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"site: {out / 'index.html'}" in proc.stdout
    # backed by its instruction count: confirmed without re-measurement
    listed = proc.stdout[proc.stdout.index("Confirmed regressions (2):"):]
    assert f"  mod.C.time_a(size=100) at {shas[STEP][:10]}" in listed
    assert "mod.C.track_a_instructions x1.350 at the same commit" in listed
    conf = json.loads((out / "confirmations.json").read_text())
    assert [e["section"] for e in conf["listing"]] == ["confirmed", "confirmed"]
    assert conf["confirmations"] == [] and conf["rule"]["max_rounds"] == 12
    doc = json.loads((out / "findings.json").read_text())
    regs = {(f["benchmark"], f["commit"]) for f in doc["findings"] if f["kind"] == "regression"}
    assert regs == {("mod.C.time_a", shas[STEP]), ("mod.C.track_a_instructions", shas[STEP])}
    index = (out / "index.html").read_text()
    group = index[index.index('<tbody class="group"'):index.index("</tbody>")]
    assert shas[STEP][:10] in group and f"commit {STEP}" in group  # sha and its message
    regressions = (out / "findings" / "regression.html").read_text()
    assert shas[STEP][:10] in regressions and "mod.C.time_a" in regressions
    assert (out / "commit" / f"{shas[STEP]}.html").is_file()
    for page in out.rglob("*.html"):
        assert "<script>alert(1)" not in page.read_text(), page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in (out / "benchmarks.html").read_text()
    # PNGs for the Markdown: the two regressions' series, each linked from findings.md
    pngs = sorted(p.name for p in (out / "plots").glob("*.png"))
    assert len(pngs) == 2 and len(list((out / "data").glob("*.js"))) == 3 + 1  # + commits.js
    findings_md = (out / "findings.md").read_text()
    assert findings_md.startswith("# ")
    assert all(f"[plot](plots/{name})" in findings_md for name in pngs)
    # one analysis shown everywhere: the JSON's change points are the detector's
    cps = {s["benchmark"]: s["change_points"] for s in doc["series"]}
    assert cps["mod.C.time_a"] == [shas[STEP]]


def test_pipeline_errors_are_one_line(tmp_path, history):
    repo, _, _ = history
    proc = run_pipeline("--results", str(tmp_path / "missing"), "--project", str(repo),
                        "--out", str(tmp_path / "site"))
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr
    assert not (tmp_path / "site").exists()


def test_pipeline_includes_asv_publish_output(history, tmp_path):
    repo, results, _ = history
    # asv reads the repository and results named by the config in the working directory
    (repo / "asv.conf.json").write_text(json.dumps({
        "version": 1, "project": "demo", "repo": ".", "branches": ["main"],
        "environment_type": "virtualenv", "results_dir": str(results),
        "html_dir": str(tmp_path / "unused-html")}))
    out = tmp_path / "site"
    proc = run_pipeline("--results", str(results), "--project", str(repo),
                        "--branch", "main", "--out", str(out), "--baselines", str(tmp_path))
    (repo / "asv.conf.json").unlink()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "warning: asv publish failed" not in proc.stderr
    assert (out / "asv" / "index.json").is_file()
    graphs = list((out / "asv" / "graphs").rglob("*.json"))
    assert any("time_a" in g.name for g in graphs)
