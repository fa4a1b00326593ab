"""Small excerpts of real asv result directories (public repositories).

:func:`excerpt` copies chosen result files of a results directory, each cut
to a few benchmarks and otherwise unchanged: every top-level entry is kept
as it is except the per-benchmark objects (``results``, and in format 1
``started_at``, ``ended_at``, ``benchmark_version``, ``profiles``), which
keep only the chosen benchmarks' keys. The JSON is written back in the
layout the file came in (:data:`LAYOUTS`: asv's compact one-line form, or
the indented, key-sorted forms of older asv versions), so that a file read
and written back uncut is byte for byte the original.
``machine.json`` is copied as it is, ``benchmarks.json`` cut to the chosen
benchmarks.

:data:`COMMITTED` names the excerpts in ``tests/data/real/`` (repositories
whose licence allows redistribution); ``python tests/_real_excerpt.py``
writes them again from ``~/.cache/rustorch_wasm/real/<name>/results``
(``python -m evaluation.real_sources``). :data:`LOCAL_ONLY` names excerpts
of repositories without a licence: they are never committed; the tests cut
them at test time from that cache and are skipped where it is absent.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Callable

CACHE = Path.home() / ".cache" / "rustorch_wasm" / "real"
DATA = Path(__file__).resolve().parent / "data" / "real"
#: json.dumps arguments of the layouts asv has written result files in.
LAYOUTS: tuple[dict[str, Any], ...] = (
    {}, {"indent": 2, "sort_keys": True}, {"indent": 4, "sort_keys": True},
    {"indent": 4, "sort_keys": True, "separators": (", ", ": ")}, {"indent": 2})
#: Format-1 top-level objects keyed by benchmark name, cut like ``results``.
PER_BENCHMARK = ("results", "started_at", "ended_at", "benchmark_version", "profiles")


def cut(data: dict[str, Any], benchmarks: set[str]) -> dict[str, Any]:
    """A result file's JSON with its per-benchmark objects cut to ``benchmarks``."""
    return {key: ({k: v for k, v in value.items() if k in benchmarks}
                  if key in PER_BENCHMARK and isinstance(value, dict) else value)
            for key, value in data.items()}


def layout_of(text: str, data: Any) -> tuple[dict[str, Any], str]:
    """The json.dumps arguments and the ending that give back ``text`` exactly
    (asv's compact form when none does)."""
    for layout in LAYOUTS:
        dumped = json.dumps(data, **layout)
        for end in ("", "\n"):
            if dumped + end == text:
                return layout, end
    return {}, ""


def excerpt(src: Path, dst: Path, benchmarks: set[str],
            keep: Callable[[Path, dict[str, Any]], bool]) -> list[Path]:
    """The files of results directory ``src`` that ``keep`` accepts, cut to
    ``benchmarks``, written under ``dst`` (same machine directories and names)."""
    dst.mkdir(parents=True, exist_ok=True)
    suite = src / "benchmarks.json"
    if suite.is_file():
        data = json.loads(suite.read_text())
        (dst / "benchmarks.json").write_text(json.dumps(
            {k: v for k, v in data.items() if k == "version" or k in benchmarks},
            indent=4, sort_keys=True) + "\n")
    out = []
    for machine in sorted(p for p in src.iterdir() if p.is_dir()):
        for path in sorted(machine.glob("*.json")):
            if path.name == "machine.json":
                continue
            text = path.read_text()
            data = json.loads(text)
            if not keep(path, data):
                continue
            layout, end = layout_of(text, data)
            target = dst / machine.name / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            (target.parent / "machine.json").write_bytes((machine / "machine.json").read_bytes())
            target.write_text(json.dumps(cut(data, benchmarks), **layout) + end)
            out.append(target)
    return out


def by_prefix(*prefixes: str) -> Callable[[Path, dict[str, Any]], bool]:
    """Keep the files whose commit starts with one of ``prefixes``."""
    return lambda path, data: data["commit_hash"].startswith(prefixes)


#: name -> (benchmarks, commit prefixes) of the excerpts committed in tests/data/real.
COMMITTED: dict[str, tuple[set[str], tuple[str, ...]]] = {
    "emsig+empymod-bench": (
        {"model.Analytical.time_analytical", "model.Bipole.time_frequency",
         "transform.Dlf.time_dlf", "kernel.Kernel.time_fields", "model.Dipole.time_frequency"},
        ("1093def9", "a1568dff", "0e8bf222", "6f285823", "3dfd6649", "1b0961f0", "4f459fb2")),
    "conda+conda-benchmarks": (
        {"peakmem_create_numpy_mkl", "peakmem_create_numpy_openblas", "peakmem_create_python",
         "time_create_numpy_mkl", "time_create_numpy_openblas"},
        ("ed7e7f87", "337be433", "2b4c0ee7", "aaafb265", "0633f443", "8dd15ca3", "31dd8dda",
         "2ec1edc5")),
}

#: name -> (benchmarks, commit prefixes) of repositories without a licence: cut at test time.
LOCAL_ONLY: dict[str, tuple[set[str], tuple[str, ...]]] = {
    "pvlib+pvlib-benchmarks": (
        {"solarposition.SolarPosition.time_sun_rise_set_transit_ephem",
         "irradiance.Irradiance.time_get_extra_radiation", "irradiance.Irradiance.time_aoi",
         "temperature.Fuentes.time_fuentes"},
        ("72a7144e", "cc380b16", "1182c8e6", "726cf07e")),
    "astropy+photutils-benchmarks": (
        {"aperture.CircularAnnulusPhotometry.time_mult_bg_ap_err_exact",
         "aperture.CircularAnnulusPhotometry.time_mult_bg_ap_err_subpixel_01"},
        ("fb1a6606", "20627314", "e8017dbe", "7b893693", "ef40429d", "014531e7", "974b819b")),
    # the 24 commits (by asv's dates) around the 262 -> 391 MB peakmem step at 4a09b8fa
    "NCAR+geocat-comp-asv": (
        {"bench_spherical.Bench_spherical.peakmem_recomposition",
         "bench_spherical.Bench_spherical.peakmem_scale_voronoi"},
        ("004f90d7", "2977126c", "ac744837", "7c7e62eb", "3ae26c74", "2a26aafb", "115cfb73",
         "c224e387", "d8c33469", "0e54969e", "8081ab7a", "9afdf741", "4a09b8fa", "1cee7cd1",
         "6375f742", "5bf3a6ad", "7ed3e775", "486c6d98", "c99f3c98", "5d9aa3da", "891e38ec",
         "e4bcd40a", "c14072d2", "61fb5f81")),
}


def write_committed(into: Path = DATA) -> None:
    for name, (benchmarks, prefixes) in COMMITTED.items():
        files = excerpt(CACHE / name / "results", into / name / "results", benchmarks,
                        by_prefix(*prefixes))
        print(f"{name}: {len(files)} files")


if __name__ == "__main__":
    write_committed(Path(sys.argv[1]) if len(sys.argv) > 1 else DATA)
