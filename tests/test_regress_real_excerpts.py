"""Real asv result files, read as asv reads them (issue #22).

Two excerpts are committed in ``tests/data/real/`` (their ``SOURCE.md``
names the repository, commit, paths, licence and what was cut):
emsig/empymod-bench (Apache-2.0) and conda/conda-benchmarks (BSD-3-Clause),
both asv result format 1 with the failed-benchmark shapes
``tests/test_regress_format1.py`` imitates by hand.

pvlib/pvlib-benchmarks, astropy/photutils-benchmarks and
NCAR/geocat-comp-asv have no licence file (no branch, no commit of their
history has one), so nothing of them is committed: their excerpts are cut
at test time from the local extract in ``~/.cache/rustorch_wasm/real``
(``python -m evaluation.real_sources``), and those tests are skipped where
it is absent.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from _real_excerpt import CACHE, COMMITTED, DATA, LOCAL_ONLY, by_prefix, excerpt
from rustorch_wasm.regress.cli import main
from rustorch_wasm.regress.io.results import load_results
from test_regress_format1 import asv_values_by_combination, values_by_combination

GEOCAT_STEP = "4a09b8fa52d7a7d23a17acf7aeb42640ab96d526"       # first commit at 391 MB
GEOCAT_BEFORE = "9afdf7416163965ee44c32a5559362d08b38880d"     # the last at 262 MB
RECOMPOSITION = "bench_spherical.Bench_spherical.peakmem_recomposition"


def local_excerpt(name: str, into: Path) -> Path:
    """The excerpt of an unlicensed repository, cut now from the local cache."""
    src = CACHE / name / "results"
    if not src.is_dir():
        pytest.skip(f"no local extract of {name} (python -m evaluation.real_sources)")
    benchmarks, prefixes = LOCAL_ONLY[name]
    dst = into / name / "results"
    assert excerpt(src, dst, benchmarks, by_prefix(*prefixes))
    return dst


@pytest.fixture(params=[*COMMITTED, "pvlib+pvlib-benchmarks", "astropy+photutils-benchmarks"])
def format1(request, tmp_path) -> tuple[str, Path]:
    name = request.param
    return name, DATA / name / "results" if name in COMMITTED else local_excerpt(name, tmp_path)


def raw_rows(results: Path) -> list[tuple[str, str, object]]:
    """(file, benchmark, row as stored) of every result file."""
    return [(p.name, name, row) for p in sorted(results.glob("*/*.json"))
            if p.name != "machine.json"
            for name, row in json.loads(p.read_text())["results"].items()]


#: Per excerpt: what asv reads from it, as (benchmark, combination) -> points.
EXPECTED = {
    "emsig+empymod-bench": {
        ("kernel.Kernel.time_fields", 0): 10, ("kernel.Kernel.time_fields", 1): 10,
        ("model.Dipole.time_frequency", 0): 10, ("model.Dipole.time_frequency", 1): 10,
        ("model.Dipole.time_frequency", 2): 10, ("model.Analytical.time_analytical", 0): 6,
        ("model.Bipole.time_frequency", 0): 6},
    "conda+conda-benchmarks": {
        ("peakmem_create_numpy_mkl", 0): 6, ("peakmem_create_python", 0): 6,
        ("time_create_numpy_mkl", 0): 6},
    "pvlib+pvlib-benchmarks": {("irradiance.Irradiance.time_aoi", 0): 8},
    "astropy+photutils-benchmarks": {
        ("aperture.CircularAnnulusPhotometry.time_mult_bg_ap_err_exact", 0): 3,
        ("aperture.CircularAnnulusPhotometry.time_mult_bg_ap_err_subpixel_01", 0): 3},
}


def test_the_excerpts_hold_the_failed_shapes_of_format_1(format1):
    """The excerpts are format 1 and hold what they are here for."""
    name, results = format1
    files = [json.loads(p.read_text()) for p in results.glob("*/*.json")
             if p.name != "machine.json"]
    assert files and all(d["version"] == 1 and "result_columns" not in d for d in files)
    rows = [row for _, _, row in raw_rows(results)]
    assert None in rows                                             # a bare null
    if name in ("emsig+empymod-bench", "pvlib+pvlib-benchmarks"):   # "result": null, params
        assert any(isinstance(r, dict) and r["result"] is None and r["params"] for r in rows)
    if name == "emsig+empymod-bench":
        assert any(isinstance(r, dict) and r["result"] == [None] and len(r["params"][0]) > 1
                   for r in rows)
        assert any(isinstance(r, dict) and r["result"] and r["result"][0] is not None
                   and None in r["result"] for r in rows)
    if name == "astropy+photutils-benchmarks":
        assert all("env_name" not in d for d in files)


def test_real_format_1_files_are_read_as_asv_reads_them(format1):
    name, results = format1
    rs = load_results(results)
    failed = sum(1 for _, _, row in raw_rows(results)
                 if row is None or isinstance(row, dict) and None in (row["result"] or [None]))
    assert failed and len(rs.warnings) <= failed                  # one per skipped entry at most
    assert not rs.skipped and len(rs.files) == len(
        [p for p in results.glob("*/*.json") if p.name != "machine.json"])
    ours = values_by_combination(results)
    counts: dict[tuple[str, int], int] = {}
    for _, benchmark, i in ours:
        counts[(benchmark, i)] = counts.get((benchmark, i), 0) + 1
    assert counts == EXPECTED[name]
    assert ours == asv_values_by_combination(results)


def test_the_environment_of_a_file_without_env_name_is_its_file_name_part(tmp_path):
    results = local_excerpt("astropy+photutils-benchmarks", tmp_path)
    envs = {m.key.env for m in load_results(results).measurements}
    assert envs == {p.name[9:-5] for p in results.glob("*/*.json") if p.name != "machine.json"}
    assert envs == {"py2.7-Cython-astropy0.4.1-numpy1.8"}


def test_detect_reads_real_format_1_files(format1, tmp_path, capsys, monkeypatch):
    name, results = format1
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "r.json"
    code = main(["detect", "--results", str(results), "--json", str(out)])
    err = capsys.readouterr().err
    assert code in (0, 1), err
    assert "ordered by asv's commit dates" in err and "skipped" not in err
    series = {s["benchmark"] for s in json.loads(out.read_text())["series"]}
    assert series == {benchmark for benchmark, _ in EXPECTED[name]}


def test_the_committed_excerpts_are_their_sources_cut(tmp_path):
    """Each committed file is what :func:`excerpt` cuts from the source now
    (no value edited); SOURCE.md names every file and the licence is there."""
    for name, (benchmarks, prefixes) in COMMITTED.items():
        committed = DATA / name / "results"
        source = (DATA / name / "SOURCE.md").read_text()
        files = sorted(p.relative_to(committed) for p in committed.rglob("*.json"))
        assert all(p.name in source for p in files if p.name != "machine.json")
        assert (DATA / name / "LICENSE").read_text().strip()
        src = CACHE / name / "results"
        if not src.is_dir():
            continue
        again = tmp_path / name
        excerpt(src, again, benchmarks, by_prefix(*prefixes))
        assert sorted(p.relative_to(again) for p in again.rglob("*.json")) == files
        for rel in files:
            assert (again / rel).read_bytes() == (committed / rel).read_bytes(), rel
    assert sum(p.stat().st_size for p in DATA.rglob("*") if p.is_file()) < 200_000


def test_geocat_peakmem_step_is_on_the_commit_that_made_it(tmp_path, capsys, monkeypatch):
    """NCAR/geocat-comp-asv's peakmem_recomposition: 262 MB until 9afdf741,
    391 MB from 4a09b8fa on, a second small step to 394 MB six commits later.
    Without a repository the commits are ordered by asv's dates. The step
    was placed one commit late (on 1cee7cd1, 'before' 4a09b8fa, already at
    391 MB) until change points went to the first commit of their new level;
    24 commits (12 either side) reproduce that, 20 do not."""
    results = local_excerpt("NCAR+geocat-comp-asv", tmp_path)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "r.json"
    assert main(["detect", "--results", str(results), "--json", str(out)]) == 1
    assert "ordered by asv's commit dates" in capsys.readouterr().err
    found = [f for f in json.loads(out.read_text())["findings"]
             if f["benchmark"] == RECOMPOSITION and f["kind"] == "regression"]
    assert {f["env"] for f in found} == {"conda-py3.10", "conda-py3.13"}
    for f in found:
        [before] = [p for p in results.glob(f"*/{GEOCAT_BEFORE[:8]}-{f['env']}.json")]
        data = json.loads(before.read_text())
        [level] = dict(zip(data["result_columns"], data["results"][RECOMPOSITION]))["result"]
        assert 261e6 < level < 262.5e6
        assert (f["commit"], f["previous_commit"]) == (GEOCAT_STEP, GEOCAT_BEFORE)
        assert abs(f["before"] / level - 1) < 0.002 and 390e6 < f["after"] < 395e6
