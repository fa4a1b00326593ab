"""The detector's staged layout: stages import only earlier stages, no module
imports itself back through another, git and file replacement have one home."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from _layout import cycles

ROOT = Path(__file__).resolve().parent.parent / "rustorch_wasm" / "regress"
ORDER = ("model", "io", "analysis", "render", "cli")


def modules() -> dict[str, Path]:
    return {".".join(p.relative_to(ROOT).with_suffix("").parts): p
            for p in ROOT.rglob("*.py")}


def imports_of(name: str, path: Path) -> set[str]:
    """Every module of the package that ``name`` imports, lazily or not."""
    package = name.split(".")[:-1] if not path.name == "__init__.py" else name.split(".")[:-1]
    known = modules()
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[:len(package) - (node.level - 1)] if node.level > 1 else package
            stem = base + (node.module.split(".") if node.module else [])
            for alias in node.names:
                full = ".".join(stem + [alias.name])
                target = full if full in known else ".".join(stem)
                if target in known or f"{target}.__init__" in known:
                    found.add(target if target in known else f"{target}.__init__")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("rustorch_wasm"):
            raise AssertionError(f"{name}: absolute import {node.module}; use relative imports "
                                 "so the detector installs on its own")
    found.discard(name)
    return found


def stage(name: str) -> str | None:
    head = name.split(".")[0]
    return head if head in ORDER else None


def test_every_stage_imports_only_itself_and_earlier_stages():
    bad = []
    for name, path in modules().items():
        here = stage(name)
        if here is None:
            continue
        for target in imports_of(name, path):
            there = stage(target)
            if there is None or ORDER.index(there) > ORDER.index(here):
                bad.append(f"{name} -> {target}")
    assert not bad, bad


def test_no_import_cycles():
    assert cycles({n: imports_of(n, p) for n, p in modules().items()}) == []


@pytest.mark.parametrize("needle, home", [
    ('"git"', {"io.repository"}),
    ("os.replace", {"io.atomic"}),
    (".rename(", {"io.atomic"}),
    ("subprocess", {"io.repository", "cli.asv_runner"}),
])
def test_one_home_for_git_and_for_replacing_files(needle, home):
    users = {n for n, p in modules().items() if needle in p.read_text(encoding="utf-8")}
    assert users <= home, sorted(users - home)


def test_no_module_over_400_lines():
    long = {n: len(p.read_text(encoding="utf-8").splitlines()) for n, p in modules().items()}
    assert {n: k for n, k in long.items() if k > 400} == {}


#: Limits of an algorithm's exact path (not tuning: the answer is the same
#: either side, only its cost changes). NUMPY_PAIRWISE_BLOCK: parts shorter
#: than numpy's pairwise-summation block are summed side by side in numpy's
#: order, longer ones one by one; the costs are the same bits either way.
COMPUTATION_LIMITS = {"EXACT_MAX_SMALL", "EXACT_MAX_CELLS", "EXACT_MAX_TIED", "LENTZ_TINY", "LENTZ_EPS",
                      "LENTZ_MAX_TERMS",
                      "NUMPY_PAIRWISE_BLOCK"}


def test_tuning_constants_live_in_detector_config():
    """No analysis module keeps a numeric setting of its own at module level."""
    found = []
    for name, path in modules().items():
        if stage(name) != "analysis":
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Constant) \
                    and isinstance(node.value.value, (int, float)) \
                    and not isinstance(node.value.value, bool):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                found += [f"{name}.{t.id}" for t in targets
                          if isinstance(t, ast.Name) and t.id not in COMPUTATION_LIMITS]
    assert found == []


def test_the_detector_imports_only_its_declared_dependencies():
    """numpy, GitPython (``git``), matplotlib and the standard library: what the
    standalone wheel declares (packaging/rustorch-regress); asv only lazily,
    where measuring needs it."""
    allowed = {"numpy", "git", "matplotlib", "asv"}
    stdlib = set(__import__("sys").stdlib_module_names)
    found = set()
    for name, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {(name, a.name.split(".")[0]) for a in node.names}
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                found.add((name, node.module.split(".")[0]))
    assert {(n, m) for n, m in found if m not in allowed | stdlib | {"__future__"}} == set()


def test_no_package_code_imports_a_script():
    """scripts/ holds thin commands over reports/; nothing in the packages reaches into it."""
    top = ROOT.parent.parent
    offenders = []
    for package in ("rustorch_wasm", "evaluation", "reports"):
        for path in (top / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            tree = ast.parse(text)
            for node in ast.walk(tree):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                         [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
                if any(n == "scripts" or n.startswith("scripts.") for n in names):
                    offenders.append(str(path.relative_to(top)))
            if '"scripts"' in text and "sys.path" in text:
                offenders.append(str(path.relative_to(top)))
    assert offenders == []
def numeric_default(node: ast.expr) -> bool:
    """Is a parameter default a number written in place: a literal (``30``,
    ``-1``, ``1e-4``, ``2 ** 10``), ``math.inf``-like, a tuple of them
    (``(24, 64)``), or an upper-case constant (``DEFAULT_WINDOW``) other
    than a computation limit? Booleans and ``None`` are switches, not settings."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (int, float)) and not isinstance(node.value, bool)
    if isinstance(node, ast.UnaryOp):
        return numeric_default(node.operand)
    if isinstance(node, ast.BinOp):
        return numeric_default(node.left) or numeric_default(node.right)
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return any(numeric_default(e) for e in node.elts)
    if isinstance(node, ast.Attribute):
        return node.attr in {"inf", "nan", "pi", "e", "tau"}
    if isinstance(node, ast.Name):
        return node.id.isupper() and node.id not in COMPUTATION_LIMITS
    return False


def test_no_numeric_keyword_defaults_in_analysis():
    """A setting that a function takes as a keyword default escapes
    ``DetectorConfig``: a caller that forgets to pass it silently keeps the
    old value when the config changes (``window=30`` stayed 30 whatever
    ``config.window`` said). Every numeric default of an ``analysis``
    function (positional, keyword-only, lambda) is refused; the caller passes
    the value from the config."""
    found = []
    for name, path in modules().items():
        if stage(name) != "analysis":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue
            args = node.args
            positional = args.posonlyargs + args.args
            pairs = list(zip(positional[len(positional) - len(args.defaults):], args.defaults))
            pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None]
            where = getattr(node, "name", "<lambda>")
            found += [f"{name}.{where}({a.arg}={ast.unparse(d)})" for a, d in pairs
                      if numeric_default(d)]
    assert found == []


@pytest.mark.parametrize("source, bad", [
    ("def f(x, window=30): pass", True),
    ("def f(x, *, floor=1e-4): pass", True),
    ("def f(x, widths=(24, 64)): pass", True),
    ("def f(x, shift=-1): pass", True),
    ("def f(x, tolerance=math.inf): pass", True),
    ("def f(x, window=DEFAULT_WINDOW): pass", True),
    ("def f(x, small=EXACT_MAX_SMALL): pass", False),
    ("def f(x, exact=False, config=None, note=''): pass", False),
    ("g = lambda x, k=3: x", True),
])
def test_numeric_default_check_sees_every_form(source, bad):
    tree = ast.parse(source)
    fn = next(n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.Lambda)))
    defaults = fn.args.defaults + [d for d in fn.args.kw_defaults if d is not None]
    assert any(numeric_default(d) for d in defaults) is bad
