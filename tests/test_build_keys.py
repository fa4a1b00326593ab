"""Build keys and same-build mapping from git alone, on small temporary histories.

History (first parent): base, docs (README), docs2 (docs/ + *.md), kernel
(rustorch_wasm/), docs3 (README), bench (benchmarks/), tests (tests/), a
merge of a side branch that changed only README, pyproject.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from rustorch_wasm.regress.model.config import load_config
from rustorch_wasm.regress.io import repository as history
from rustorch_wasm.regress.io.repository import HistoryError, build_keys, same_build
from test_asv_integration import git

NAMES = ["base", "docs", "docs2", "kernel", "docs3", "bench", "tests", "merge", "pyproject"]


def write(repo: Path, rel: str, text: str) -> None:
    path = repo / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(path.read_text() + text if path.exists() else text)


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    repo = tmp_path_factory.mktemp("keys") / "r"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    for rel in ["rustorch_wasm/kernels/src/lib.rs", "benchmarks/b.py", "pyproject.toml",
                "README.md", "tests/t.py"]:
        write(repo, rel, "x\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    steps = {"docs": "README.md", "docs2": "docs/guide.md", "kernel": "rustorch_wasm/kernels/src/lib.rs",
             "docs3": "README.md", "bench": "benchmarks/b.py", "tests": "tests/t.py"}
    for name, rel in steps.items():
        write(repo, rel, f"{name}\n")
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", name)
    git(repo, "checkout", "-qb", "side")
    write(repo, "README.md", "side\n")
    git(repo, "commit", "-qam", "side docs")
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "-m", "merge", "side")
    write(repo, "pyproject.toml", "y\n")
    git(repo, "commit", "-qam", "pyproject")
    shas = history.first_parent_commits(repo, "main")
    return repo, dict(zip(NAMES, shas))


def test_docs_only_commits_keep_their_parents_key(repo):
    path, sha = repo
    keys = build_keys(path, list(sha.values()))
    assert keys[sha["docs"]] == keys[sha["base"]] == keys[sha["docs2"]]
    assert keys[sha["docs3"]] == keys[sha["kernel"]]
    assert keys[sha["tests"]] == keys[sha["bench"]] == keys[sha["merge"]]


def test_kernel_benchmark_and_build_changes_change_the_key(repo):
    path, sha = repo
    keys = build_keys(path, list(sha.values()))
    assert len({keys[sha[n]] for n in ["base", "kernel", "bench", "pyproject"]}) == 4


def test_keys_depend_on_content_not_on_the_commit(repo, tmp_path):
    path, sha = repo
    keys = build_keys(path, [sha["base"], sha["docs"]], paths=["README.md"])
    assert keys[sha["base"]] != keys[sha["docs"]]
    # a path that does not exist is part of the key too (as absent)
    keys = build_keys(path, [sha["base"], sha["docs2"]], paths=["docs/"])
    assert keys[sha["base"]] != keys[sha["docs2"]]


def test_generic_default_ignores_docs_tests_and_markdown(repo):
    path, sha = repo
    keys = build_keys(path, list(sha.values()), paths=history.GENERIC_BUILD_PATHS)
    assert keys[sha["base"]] == keys[sha["docs"]] == keys[sha["docs2"]]
    assert keys[sha["bench"]] == keys[sha["tests"]] == keys[sha["merge"]]
    assert keys[sha["kernel"]] != keys[sha["base"]] and keys[sha["pyproject"]] != keys[sha["merge"]]


def test_same_build_maps_to_the_commit_that_changed_the_key(repo):
    path, sha = repo
    mapping = same_build(path, list(sha.values()))
    expect = {"docs": "base", "docs2": "base", "docs3": "kernel", "tests": "bench", "merge": "bench"}
    assert mapping == {sha[a]: sha[b] for a, b in expect.items()}


def test_same_build_walks_back_beyond_the_given_commits(repo):
    path, sha = repo
    assert same_build(path, [sha["docs2"]]) == {sha["docs2"]: sha["base"]}
    assert same_build(path, [sha["merge"], sha["pyproject"]]) == {sha["merge"]: sha["bench"]}


@pytest.mark.parametrize("bad", ["--all", "HEAD", "abc", "x" * 40])
def test_only_full_shas_reach_git(repo, bad):
    path, _ = repo
    with pytest.raises(HistoryError):
        build_keys(path, [bad])


@pytest.mark.parametrize("paths", [[], ["--output=x"], [":(glob)x"], ["a\nb"]])
def test_bad_build_paths_are_refused(repo, paths):
    path, sha = repo
    with pytest.raises(HistoryError):
        build_keys(path, [sha["base"]], paths=paths)


def test_range_is_bounded_by_history(repo):
    path, sha = repo
    assert history.range_commits(path, "HEAD~50..HEAD") == list(sha.values())
    assert history.range_commits(path, "HEAD~2..HEAD") == [sha["merge"], sha["pyproject"]]
    with pytest.raises(HistoryError):
        history.range_commits(path, "--all..HEAD")


def test_an_unknown_commit_is_one_line(repo):
    path, _ = repo
    with pytest.raises(HistoryError, match=r"^git rev-list failed: fatal: bad object a{40}$"):
        same_build(path, ["a" * 40])


def test_the_suite_never_imports_the_detector():
    """The default build key leaves rustorch_wasm/regress/ out: that is right
    only while importing the package and the benchmark suite loads no
    module of the detector."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    code = ("import sys, importlib, pkgutil; sys.path.insert(0, '.');"
            "import benchmarks;"
            "[importlib.import_module('benchmarks.' + m.name)"
            " for m in pkgutil.iter_modules(benchmarks.__path__)];"
            "print(sorted(n for n in sys.modules if n.startswith('rustorch_wasm.regress')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "[]"
    profile = load_config(root / "regress.json").profile      # this project's build inputs
    assert "!/rustorch_wasm/regress/" in profile.build_paths
