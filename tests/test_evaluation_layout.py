"""The evaluation is an importable package: no module imports itself back
through another, none imports scripts/, every path to our findings goes
through one module (evaluation/ours.py), and it ships in no wheel."""
from __future__ import annotations

import ast
import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "evaluation"
INIT = '"""The detector\'s evaluation: synthetic corpora, real asv histories, peers, speed."""\n'


def modules() -> dict[str, Path]:
    return {".".join(("evaluation", *p.relative_to(PACKAGE).with_suffix("").parts)): p
            for p in sorted(PACKAGE.rglob("*.py")) if "__pycache__" not in p.parts}


def imported(name: str, path: Path) -> set[str]:
    """Every module name ``name`` imports (absolute, relative resolved), lazily or not."""
    package = name.split(".")[:-1] if path.name != "__init__.py" else name.split(".")
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                stem = package[:len(package) - (node.level - 1)]
                base = ".".join(stem + (node.module.split(".") if node.module else []))
            else:
                base = node.module or ""
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def graph() -> dict[str, set[str]]:
    known = modules()
    out = {}
    for name, path in known.items():
        targets = {t for t in imported(name, path) if t in known and t != name}
        targets |= {f"{t}.__init__" for t in imported(name, path) if f"{t}.__init__" in known}
        out[name] = targets - {name}
    return out


def test_init_is_the_one_line_docstring():
    assert (PACKAGE / "__init__.py").read_text(encoding="utf-8") == INIT


def test_no_import_cycles_inside_the_evaluation():
    edges = graph()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(trail[trail.index(nxt):] + [nxt] if nxt in trail else [node, nxt])
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    assert not cycles, cycles


def test_no_scripts_module_and_no_loading_by_path():
    bad = []
    scripts = {p.stem for p in (REPO / "scripts").glob("*.py")}
    for name, path in modules().items():
        text = path.read_text(encoding="utf-8")
        heads = {t.split(".")[0] for t in imported(name, path)}
        bad += [f"{name} imports {h}" for h in heads & (scripts | {"scripts", "tests"})]
        bad += [f"{name}: {needle}" for needle in ("sys.path", "spec_from_file_location")
                if needle in text]
    assert bad == []


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
    long = {n: len(p.read_text(encoding="utf-8").splitlines()) for n, p in modules().items()}
    assert {n: k for n, k in long.items() if k > 400} == {}


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
