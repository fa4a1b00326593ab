"""Hatchling build hook: ship ``rustorch_wasm/regress/`` as ``rustorch_regress``.

The detector's code lives once, in ``../../rustorch_wasm/regress/``; every import
inside it is relative, so the same files work under either name. Hatchling's
file selection cannot reach outside this directory, so the hook maps each
``.py`` file there (no ``__pycache__``, no stray data) and every file of the
site's browser assets (``render/assets/``: the interactive plot's script and
the vendored uPlot with its LICENSE) into the wheel and the sdist. An sdist
already holds ``rustorch_regress/``, so a wheel built from an unpacked sdist
takes the files from there.
"""
from __future__ import annotations

from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

PACKAGE = "rustorch_regress"
#: Data files of the package, besides its modules: the site's browser assets.
ASSETS = "render/assets"


def source_dir(root: Path) -> Path:
    """The detector's package directory: the repository's, or an unpacked sdist's."""
    src = root / PACKAGE if (root / "PKG-INFO").is_file() else root.parent.parent / "rustorch_wasm" / "regress"
    if not (src / "__init__.py").is_file():
        raise SystemExit(f"rustorch-regress: no detector source at {src}; "
                         "build from the rustorch_wasm repository or from this distribution's sdist")
    return src


def package_files(src: Path) -> dict[str, str]:
    """{absolute source path: path in the archive} for every module of the
    package and every file of its assets."""
    files = {}
    assets = [p for p in sorted((src / ASSETS).rglob("*")) if p.is_file()]
    for path in [*sorted(src.rglob("*.py")), *assets]:
        rel = path.relative_to(src)
        if "__pycache__" in rel.parts:
            continue
        files[str(path)] = f"{PACKAGE}/{rel.as_posix()}"
    return files


class DetectorSourceHook(BuildHookInterface):
    PLUGIN_NAME = "rustorch-regress-source"

    def initialize(self, version: str, build_data: dict) -> None:
        src = source_dir(Path(self.root))
        if self.target_name == "sdist" and src == Path(self.root) / PACKAGE:
            return  # an sdist of an sdist: its own include selects the files
        build_data["force_include"].update(package_files(src))
