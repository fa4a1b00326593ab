"""The evaluation is an importable package: no module imports itself back
through another, none imports scripts/, every path to our findings goes
through one module (evaluation/ours.py), and it ships in no wheel."""
from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from _layout import REPO, cycles, import_graph, imported, long_modules, package_modules, reaches_into_scripts

PACKAGE = REPO / "evaluation"
INIT = '"""The detector\'s evaluation: synthetic corpora, real asv histories, peers, speed."""\n'


def modules() -> dict[str, Path]:
    return package_modules("evaluation")


def test_init_is_the_one_line_docstring():
    assert (PACKAGE / "__init__.py").read_text(encoding="utf-8") == INIT


def test_no_import_cycles_inside_the_evaluation():
    assert cycles(import_graph(modules())) == []


def test_no_scripts_module_and_no_loading_by_path():
    """Nothing in the evaluation imports scripts/ (thin commands over reports/)
    or tests/, touches sys.path or loads a module from a file."""
    assert reaches_into_scripts(modules()) == []


def test_no_report_module():
    """The evaluation and this repository's reports (reports/) share only
    doc_sections: neither imports the other."""
    assert {n for n, p in modules().items() if any(t.split(".")[0] == "reports" for t in imported(n, p))} == set()


def test_only_ours_runs_the_detector():
    """Our findings come from evaluation/ours.py alone: no other module reaches
    the analysis or assembles series from result files itself."""
    own = {"rustorch_wasm.regress.analysis", "rustorch_wasm.regress.io.columns",
           "rustorch_wasm.regress.io.results.load_results",
           "rustorch_wasm.regress.io.repository.first_parent_commits"}
    bad = []
    for name, path in modules().items():
        if name == "evaluation.ours":
            continue
        bad += [f"{name} -> {t}" for t in imported(name, path)
                if any(t == o or t.startswith(o + ".") for o in own)]
    assert bad == []


def test_ours_goes_through_the_one_analysis():
    """``detect``'s own path: load_history (order, build identity, metadata) and
    analyse, nothing of the analysis below it."""
    found = imported("evaluation.ours", PACKAGE / "ours.py")
    assert {"rustorch_wasm.regress.io.history.load_history",
            "rustorch_wasm.regress.analysis.pipeline.analyse"} <= found
    analysis = {t for t in found if t.startswith("rustorch_wasm.regress.analysis")}
    assert analysis == {"rustorch_wasm.regress.analysis.pipeline",
                        "rustorch_wasm.regress.analysis.pipeline.analyse"}


def test_modules_stay_small():
    assert long_modules(modules()) == {}


@pytest.mark.parametrize("name", sorted(modules()))
def test_every_module_imports(name):
    importlib.import_module(name.removesuffix(".__init__"))


def test_importable_from_anywhere_in_the_development_install(tmp_path):
    """``pip install -e .`` puts the repository root on sys.path (pyproject's
    dev-mode-dirs), so the evaluation and doc_sections import outside it too."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([sys.executable, "-c", "import evaluation.detector, doc_sections, sys;"
                           "print(evaluation.detector.__file__)"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert Path(proc.stdout.strip()) == PACKAGE / "detector.py"


def test_in_no_wheel():
    """The rustorch_wasm wheel selects rustorch_wasm/ only (the rustorch-regress
    wheel holds rustorch_wasm/regress/ alone: tests/test_regress_dist.py)."""
    builder = pytest.importorskip("hatchling.builders.wheel").WheelBuilder(str(REPO))
    tops = {f.distribution_path.split(os.sep)[0] for f in builder.recurse_included_files()}
    assert tops == {"rustorch_wasm"}
