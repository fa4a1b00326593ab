"""This repository's reports are the importable package reports/ and scripts/
holds thin commands over it: no import cycle, no module reaching into
scripts/ or the evaluation, small modules, in no wheel, and every command
runs from any directory of the development install."""
from __future__ import annotations

import ast
import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from _layout import REPO, cycles, import_graph, imported, long_modules, package_modules, reaches_into_scripts

SCRIPTS = REPO / "scripts"
#: The commands of scripts/: this repository's report generators (and the demo history).
COMMANDS = {"demo_history", "kernel_report", "noise_probe", "noise_report", "peer_report",
            "seed_tables", "site_screenshots", "comment_screenshot", "stream_report", "webgpu_crossover"}
#: What a command may import: argparse and the standard library around it, the
#: reports, and rustorch_wasm only for a default path.
COMMAND_IMPORTS = {"__future__", "argparse", "sys", "pathlib", "reports", "rustorch_wasm"}


def modules() -> dict[str, Path]:
    return package_modules("reports")


def test_every_init_is_a_one_line_docstring():
    for name, path in modules().items():
        if name.endswith("__init__"):
            text = path.read_text(encoding="utf-8")
            assert text.startswith('"""') and text.count("\n") == 1, name


def test_no_import_cycles():
    assert cycles(import_graph(modules())) == []


def test_no_module_imports_scripts_or_loads_by_path():
    assert reaches_into_scripts(modules()) == []


def test_no_module_imports_the_evaluation():
    bad = {n for n, p in modules().items() if any(t.split(".")[0] == "evaluation" for t in imported(n, p))}
    assert bad == set()


def test_modules_stay_small():
    assert long_modules(modules()) == {}


@pytest.mark.parametrize("name", sorted(modules()))
def test_every_module_imports(name):
    importlib.import_module(name.removesuffix(".__init__"))


def test_scripts_are_the_report_commands():
    assert {p.stem for p in SCRIPTS.glob("*.py")} == COMMANDS


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_command_is_argparse_and_one_call(name):
    """A command parses its options and calls into reports/: one function
    (``main``), imports from COMMAND_IMPORTS only, no sys.path, no logic of its own."""
    path = SCRIPTS / f"{name}.py"
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    heads = {t.split(".")[0] for t in imported(name, path)}
    assert heads <= COMMAND_IMPORTS, heads - COMMAND_IMPORTS
    assert "reports" in heads
    assert "sys.path" not in text and "importlib" not in text
    functions = [n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))]
    assert functions == ["main"]
    assert not any(isinstance(n, (ast.For, ast.While, ast.With, ast.Try, ast.ClassDef)) for n in ast.walk(tree))
    assert len(text.splitlines()) <= 50


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def test_importable_from_anywhere_in_the_development_install(tmp_path):
    """``pip install -e .`` puts the repository root on sys.path (pyproject's
    dev-mode-dirs): reports/ imports outside the repository too."""
    proc = subprocess.run([sys.executable, "-c", "import reports.kernel; print(reports.kernel.__file__)"],
                          cwd=tmp_path, env=_clean_env(), capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert Path(proc.stdout.strip()) == REPO / "reports" / "kernel.py"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_command_runs_from_another_directory(name, tmp_path):
    proc = subprocess.run([sys.executable, str(SCRIPTS / f"{name}.py"), "--help"], cwd=tmp_path,
                          env=_clean_env(), capture_output=True, text=True, check=False, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"usage: {name}.py")


def test_in_no_wheel():
    builder = pytest.importorskip("hatchling.builders.wheel").WheelBuilder(str(REPO))
    tops = {f.distribution_path.split(os.sep)[0] for f in builder.recurse_included_files()}
    assert "reports" not in tops and "scripts" not in tops
