"""The detector installs alone: packaging/rustorch-regress builds a wheel of
rustorch_wasm/regress/ as ``rustorch_regress`` that needs only numpy,
GitPython and matplotlib (no module of the detector imports scipy: its
statistics are numpy's; scipy is the tests' oracle).

The wheel is built offline (no build isolation), then installed with
dependency resolution into a fresh venv that sees exactly those three and what
they require (linked from this interpreter's site-packages through a ``.pth``
file, no index), where wasmer and wasmtime are absent; the console script runs
``detect`` on a small asv results directory without a git repository, and
``site`` on it, whose pages need the browser assets (the interactive plot's
script, the vendored uPlot and its LICENSE): both wheels, this one and
rustorch_wasm's, carry them.
"""
from __future__ import annotations

import email
import importlib.metadata
import importlib.util
import json
import math
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from rustorch_wasm.regress.io.synth import Row, write_benchmarks_json, write_result_file

REPO = Path(__file__).resolve().parent.parent
PROJECT = REPO / "packaging" / "rustorch-regress"
SOURCE = REPO / "rustorch_wasm" / "regress"
ASSETS = SOURCE / "render" / "assets"
#: The browser assets every wheel must carry (paths under render/assets/).
ASSET_FILES = {"series.js", "uplot/uPlot.iife.min.js", "uplot/uPlot.min.css", "uplot/LICENSE"}
DEPENDENCIES = ("numpy", "GitPython", "matplotlib")
N, STEP = 30, 20

try:
    import tomllib
except ModuleNotFoundError:             # Python 3.10: hatchling's own dependency
    import tomli as tomllib

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("hatchling") is None or importlib.util.find_spec("build") is None,
    reason="hatchling and build (the dev extras) are needed to build the wheel offline")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_closure(names: tuple[str, ...]) -> dict[str, importlib.metadata.Distribution]:
    """The installed distributions that ``names`` need, transitively (no extras)."""
    from packaging.requirements import Requirement

    found: dict[str, importlib.metadata.Distribution] = {}
    todo = list(names)
    while todo:
        req = Requirement(todo.pop())
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        key = canonical(req.name)
        if key not in found:
            found[key] = importlib.metadata.distribution(req.name)
            todo.extend(found[key].requires or [])
    return found


def link_distributions(dists: dict[str, importlib.metadata.Distribution], into: Path) -> None:
    """Symlink each distribution's top-level packages, modules and .dist-info into ``into``."""
    into.mkdir()
    for key, dist in dists.items():
        assert dist.files, f"{key}: installed without a RECORD, its files are unknown"
        for top in sorted({f.parts[0] for f in dist.files} - {"..", "__pycache__"}):
            link = into / top
            if not link.exists():
                link.symlink_to(Path(dist.locate_file(top)).resolve())


def clean_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "PIP_", "VIRTUAL_ENV", "CONDA"))}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1",
               PIP_NO_CACHE_DIR="1", PYTHONNOUSERSITE="1", PYTHONDONTWRITEBYTECODE="1",
               MPLBACKEND="Agg", MPLCONFIGDIR=str(tmp / "mpl"))
    return env


def run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def synthetic_results(results: Path) -> list[str]:
    """asv results for N commits ordered only by their dates; time_a x1.5 from commit STEP."""
    write_benchmarks_json(results, {"mod.C.time_a": ([], [], "seconds"),
                                    "mod.C.time_b": ([], [], "seconds")})
    rng = np.random.default_rng(7)
    shas = [f"{i:02x}" + "5" * 38 for i in range(N)]
    for i, sha in enumerate(shas):
        a = list(1e-3 * (1.5 if i >= STEP else 1.0) * np.exp(rng.normal(0, 0.02, 8)))
        b = list(2e-3 * np.exp(rng.normal(0, 0.02, 8)))
        path = write_result_file(results, "box", sha, "venv-py3.10", {
            "mod.C.time_a": Row([float(np.median(a))], [], [a]),
            "mod.C.time_b": Row([float(np.median(b))], [], [b])})
        doc = json.loads(path.read_text())
        doc["date"] = 1700000000000 + 60000 * i           # the only order without --repo
        path.write_text(json.dumps(doc))
    return shas


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    proc = run([sys.executable, "-m", "build", "--no-isolation", "--wheel", "--outdir", out, PROJECT],
               cwd=REPO, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (path,) = out.glob("rustorch_regress-*-py3-none-any.whl")
    return path


def test_the_wheel_holds_the_detector_as_rustorch_regress_and_needs_only_three(wheel):
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        (info,) = {n.split("/")[0] for n in names if ".dist-info/" in n}
        meta = email.message_from_string(zf.read(f"{info}/METADATA").decode())
        entry_points = zf.read(f"{info}/entry_points.txt").decode()
    code = {n for n in names if not n.startswith(info + "/")}
    expected = {"rustorch_regress/" + p.relative_to(SOURCE).as_posix()
                for p in SOURCE.rglob("*.py") if "__pycache__" not in p.parts}
    assets = {"rustorch_regress/render/assets/" + a for a in ASSET_FILES}
    assert {p.relative_to(ASSETS).as_posix() for p in ASSETS.rglob("*") if p.is_file()} == ASSET_FILES
    assert code == expected | assets             # the package's modules and assets, nothing else
    assert "rustorch_regress/__main__.py" in code
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)

    assert meta["Name"] == "rustorch-regress"
    main = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert meta["Version"] == main["version"]
    def parsed(reqs) -> dict[str, tuple[str, str]]:
        from packaging.requirements import Requirement
        return {canonical(r.name): (str(r.specifier), str(r.marker or "")) for r in map(Requirement, reqs)}

    required = parsed(meta.get_all("Requires-Dist"))        # exactly the three, floors as rustorch_wasm's
    assert required == {k: v for k, v in parsed(main["dependencies"]).items()
                        if k in {canonical(d) for d in DEPENDENCIES}}
    assert set(required) == {canonical(d) for d in DEPENDENCIES}
    assert re.search(r"^rustorch-regress = rustorch_regress\.cli:main$", entry_points, re.M)


def test_a_fresh_venv_with_only_the_three_installs_and_runs_it(wheel, tmp_path):
    if importlib.util.find_spec("venv") is None or importlib.util.find_spec("ensurepip") is None:
        pytest.skip("the venv module with ensurepip is needed for a fresh environment")
    env = clean_env(tmp_path)
    venv = tmp_path / "venv"
    proc = run([sys.executable, "-m", "venv", venv], cwd=tmp_path, env=env)
    if proc.returncode != 0 and "ensurepip" in proc.stdout + proc.stderr:
        pytest.skip(f"venv cannot install pip offline here: {proc.stdout + proc.stderr}")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    py = venv / "bin" / "python"
    site = Path(run([py, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                    cwd=tmp_path, env=env).stdout.strip())

    # only the three and what they need, already "installed" for pip through a .pth
    closure = requirement_closure(DEPENDENCIES)
    assert not {"wasmer", "wasmtime", "rustorch-wasm"} & set(closure)
    deps = tmp_path / "deps"
    link_distributions(closure, deps)
    (site / "rustorch-regress-test-deps.pth").write_text(f"{deps}\n")

    proc = run([py, "-m", "pip", "install", "--no-index", "--find-links", wheel.parent,
                "rustorch-regress"], cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Successfully installed rustorch-regress" in proc.stdout
    proc = run([py, "-m", "pip", "check"], cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr

    probe = ("import importlib.util as u, rustorch_regress as r; "
             "print([m for m in ('wasmer', 'wasmtime', 'rustorch_wasm') if u.find_spec(m)]); "
             "print(r.__file__)")
    proc = run([py, "-c", probe], cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    missing, where = proc.stdout.splitlines()
    assert missing == "[]"
    assert Path(where).parent == site / "rustorch_regress"

    script = venv / "bin" / "rustorch-regress"
    proc = run([script, "detect", "--help"], cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("usage: rustorch-regress detect") and "--results" in proc.stdout
    proc = run([py, "-m", "rustorch_regress", "--help"], cwd=tmp_path, env=env)
    assert proc.returncode == 0 and "detect" in proc.stdout, proc.stderr
    proc = run([script, "run", "--help"], cwd=tmp_path, env=env)   # the history job too
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("usage: rustorch-regress run") and "--range" in proc.stdout

    results = tmp_path / "results"
    shas = synthetic_results(results)
    report = tmp_path / "report.json"
    proc = run([script, "detect", "--results", results, "--json", report], cwd=tmp_path, env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr          # 1: a regression found
    assert "no git repository here, commits ordered by asv's commit dates" in proc.stderr
    doc = json.loads(report.read_text())
    assert doc["schema"] == 2 and doc["series_checked"] == 2
    (finding,) = [f for f in doc["findings"] if f["kind"] == "regression"]
    assert finding["benchmark"] == "mod.C.time_a" and finding["commit"] == shas[STEP]
    assert finding["previous_commit"] == shas[STEP - 1]
    assert math.isclose(finding["ratio"], 1.5, rel_tol=0.05)
    assert not any(f["benchmark"] == "mod.C.time_b" for f in doc["findings"])

    site = tmp_path / "site"                 # the site needs the wheel's browser assets
    proc = run([script, "site", "--results", results, "--out", site], cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for name in ("series.js", "vendor/uplot/uPlot.iife.min.js", "vendor/uplot/uPlot.min.css"):
        assert (site / name).read_bytes() == (ASSETS / name.replace("vendor/", "")).read_bytes()
    assert "MIT License" in (site / "vendor" / "uplot" / "LICENSE").read_text()
    assert len(list((site / "data").glob("*.js"))) == 2 + 1       # two series + commits.js


def test_the_rustorch_wasm_wheel_carries_the_site_assets_too(tmp_path):
    """The main wheel (``packages = ["rustorch_wasm"]``) takes every file of the
    package, the assets among them; built offline like the other one."""
    proc = run([sys.executable, "-m", "build", "--no-isolation", "--wheel", "--outdir", tmp_path,
                REPO], cwd=REPO, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (path,) = tmp_path.glob("rustorch_wasm-*-py3-none-any.whl")
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        for a in ASSET_FILES:
            assert zf.read(f"rustorch_wasm/regress/render/assets/{a}") == (ASSETS / a).read_bytes()
    assert "rustorch_wasm/regress/render/series_data.py" in names
