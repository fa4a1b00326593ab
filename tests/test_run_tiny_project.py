"""`rustorch-regress run` on another asv project: a tiny pure-Python package
with two benchmarks in a temporary git repository, end to end (asv builds
and measures each distinct build, the analysis, the site), then a second
run that finds nothing new to measure. This is the real pipeline with asv
and a virtualenv per build: it takes a minute or two."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from test_asv_integration import git


ASV_CONF = {
    "version": 1, "project": "tiny", "repo": ".", "branches": ["main"],
    "environment_type": "virtualenv",
    "pythons": [f"{sys.version_info.major}.{sys.version_info.minor}"],
    "build_command": ["python -m build --wheel --no-isolation --outdir {build_cache_dir} {build_dir}"],
    "install_command": ["in-dir={env_dir} python -m pip install --no-deps {wheel_file}"],
    "matrix": {"req": {"build": "", "setuptools": "", "wheel": ""}},
    "benchmark_dir": "benchmarks", "env_dir": ".asv/env", "results_dir": ".asv/results",
    "html_dir": ".asv/html",
}
PYPROJECT = """[build-system]
requires = ["setuptools"]
build-backend = "setuptools.build_meta"

[project]
name = "tiny"
version = "0.1"

[tool.setuptools]
packages = ["tiny"]
"""
WORK = "def work(n):\n    return sum(i * i for i in range({loops} * n))\n"
BENCH = '''import tiny


class Tiny:
    def time_work(self):
        tiny.work(20000)

    def track_answer(self):
        return tiny.work(10) % 97
'''


def commit(repo: Path, files: dict[str, str], message: str) -> str:
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message)
    return git(repo, "rev-parse", "HEAD")


def run(repo: Path, *args: str) -> subprocess.CompletedProcess:
    bindir = str(Path(sys.executable).parent)       # asv finds python3.x here
    env = dict(os.environ, PATH=f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
    return subprocess.run([sys.executable, "-m", "rustorch_wasm.regress", "run", *args],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=1200)


def test_run_benchmarks_analyses_and_publishes_another_asv_project(tmp_path):
    repo = tmp_path / "tiny"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    first = commit(repo, {"asv.conf.json": json.dumps(ASV_CONF, indent=2),
                          "pyproject.toml": PYPROJECT, ".gitignore": ".asv/\nsite/\n",
                          "tiny/__init__.py": WORK.format(loops=1),
                          "benchmarks/__init__.py": "", "benchmarks/bench_tiny.py": BENCH},
                   "tiny: first build")
    docs = commit(repo, {"README.md": "tiny\n"}, "docs only: the same build")
    slow = commit(repo, {"tiny/__init__.py": WORK.format(loops=3)}, "tiny: three times the work")

    proc = run(repo, "--range", "HEAD~3..HEAD", "--machine", "box", "--no-confirm")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "3 commit(s), 2 distinct build(s) (1 commit(s) skipped" in proc.stdout
    files = sorted(p.name[:8] for p in (repo / ".asv" / "results" / "box").glob("*-*.json"))
    assert files == sorted([first[:8], slow[:8]])      # one file per build, none for docs
    assert docs[:8] not in files
    site = repo / "site"
    doc = json.loads((site / "findings.json").read_text())
    assert {s["benchmark"] for s in doc["series"]} == {"bench_tiny.Tiny.time_work",
                                                       "bench_tiny.Tiny.track_answer"}
    assert (site / "index.html").is_file() and (site / "findings.md").is_file()
    conf = json.loads((site / "confirmations.json").read_text())
    assert conf["rule"]["max_rounds"] == 12
    assert f"site: {site / 'index.html'}" in proc.stdout

    again = run(repo, "--range", "HEAD~3..HEAD", "--machine", "box", "--no-confirm")
    assert again.returncode == 0, again.stderr[-3000:]
    assert "2 measured already, 0 to measure" in again.stdout
    # the same results, the same analysis: the findings are byte for byte the same
    assert json.loads((site / "findings.json").read_text())["findings"] == doc["findings"]
