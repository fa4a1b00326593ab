"""Layout checks shared by the top-level packages beside rustorch_wasm
(``evaluation/``, ``reports/``): their modules, what each imports, cycles,
and modules that reach into ``scripts/`` or load code by path."""
from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def package_modules(package: str) -> dict[str, Path]:
    """Dotted name -> file of every module of the top-level ``package``
    (``__init__`` files as ``<package>.__init__``)."""
    root = REPO / package
    return {".".join((package, *p.relative_to(root).with_suffix("").parts)): p
            for p in sorted(root.rglob("*.py")) if "__pycache__" not in p.parts}


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


def import_graph(known: dict[str, Path]) -> dict[str, set[str]]:
    """Each module of ``known`` -> the modules of ``known`` it imports."""
    out = {}
    for name, path in known.items():
        targets = {t for t in imported(name, path) if t in known and t != name}
        targets |= {f"{t}.__init__" for t in imported(name, path) if f"{t}.__init__" in known}
        out[name] = targets - {name}
    return out


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every import cycle found by a depth-first walk of ``edges``."""
    state: dict[str, int] = {}
    found: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                found.append(trail[trail.index(nxt):] + [nxt] if nxt in trail else [node, nxt])
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    return found


def script_names() -> set[str]:
    """The module names a file of scripts/ would import as (its stem), and ``scripts``."""
    return {p.stem for p in (REPO / "scripts").glob("*.py")} | {"scripts"}


def reaches_into_scripts(known: dict[str, Path]) -> list[str]:
    """Modules of ``known`` that import a script, ``scripts`` or ``tests``, or
    touch ``sys.path`` or load a module from a file path."""
    bad = []
    for name, path in known.items():
        text = path.read_text(encoding="utf-8")
        heads = {t.split(".")[0] for t in imported(name, path)}
        bad += [f"{name} imports {h}" for h in sorted(heads & (script_names() | {"tests"}))]
        bad += [f"{name}: {needle}" for needle in ("sys.path", "spec_from_file_location")
                if needle in text]
    return bad


def long_modules(known: dict[str, Path], limit: int = 400) -> dict[str, int]:
    """Modules of ``known`` over ``limit`` lines, with their length."""
    lengths = {n: len(p.read_text(encoding="utf-8").splitlines()) for n, p in known.items()}
    return {n: k for n, k in lengths.items() if k > limit}
