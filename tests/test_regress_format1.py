"""asv result format 1 (no ``result_columns``) is read as asv 0.6 reads it,
and failed entries of format 2 never abort a run.

The fixtures are written by hand; each reproduces a structure of a public
asv result repository (named in its comment) that made ``detect`` stop
with exit 2 before, where asv reads it. When asv is installed, each fixture
is also read by asv itself (``Results.update_to_2``, then
``Results.get_result_value``) and the values must be the same.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from rustorch_wasm.regress.cli import main
from rustorch_wasm.regress.io.format1 import env_name_of
from rustorch_wasm.regress.io.results import load_results, measurements_of_block

SHAS = [f"{i:02x}" * 20 for i in range(1, 9)]           # 40-hex commit hashes


def v1_file(results: Path, i: int, rows: dict, *, env_name: str | None = "conda-py3.6",
            machine: str = "box", requirements: dict | None = None) -> Path:
    """A format-1 result file of commit ``i`` (rows as objects or bare numbers)."""
    reqs = {"numpy": "1.12.0"} if requirements is None else requirements
    data = {"commit_hash": SHAS[i], "date": 1519232061000 + 3_600_000 * i,
            "params": {"machine": machine, "python": "3.6", **{k: v for k, v in reqs.items()}},
            "python": "3.6", "requirements": reqs, "results": rows, "version": 1}
    env = env_name if env_name is not None else env_name_of(Path("x"), data)
    if env_name is not None:
        data["env_name"] = env_name
    path = results / machine / f"{SHAS[i][:8]}-{env}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    (path.parent / "machine.json").write_text(json.dumps({"machine": machine, "version": 1}))
    path.write_text(json.dumps(data))
    return path


def stats(lo: float, hi: float, q25: float, q75: float) -> dict:
    return {"ci_99": [lo, hi], "q_25": q25, "q_75": q75, "min": lo, "max": hi,
            "repeat": 10, "number": 1}


def values_by_combination(results: Path) -> dict[tuple[str, str, int], float]:
    """What our reader yields: (file name, benchmark, combination index) -> value."""
    rs = load_results(results)
    out = {}
    for (_, _, name, _), group in rs.groups.items():
        for block in group.blocks:
            for m in measurements_of_block(group.keys, block):
                out[(block.source.name, name, group.keys.index(m.key))] = m.value
    return out


def asv_values_by_combination(results: Path) -> dict[tuple[str, str, int], float]:
    """What asv 0.6 yields for the same files after its own format update."""
    asv_results = pytest.importorskip("asv.results")
    out = {}
    for path in sorted(results.glob("*/*.json")):
        if path.name == "machine.json":
            continue
        r = asv_results.Results.__new__(asv_results.Results)
        d = asv_results.Results.update_to_2(json.loads(path.read_text()))
        r._results, r._benchmark_params = {}, {}
        for name, row in d["results"].items():
            cols = dict(zip(d["result_columns"], row))
            r._results[name], r._benchmark_params[name] = cols.get("result"), cols["params"]
        for name in r._results:
            params = r.get_result_params(name)
            for i, v in enumerate(r.get_result_value(name, params)):
                if v is not None and not (isinstance(v, float) and math.isnan(v)):
                    out[(path.name, name, i)] = v
    return out


@pytest.fixture()
def failed_parameterised(tmp_path) -> Path:
    """pvlib/pvlib-benchmarks: ``"result": null`` for a failed benchmark of 3
    combinations; emsig/empymod-bench and emg3d-bench: ``"result": [null]``
    (one null for several combinations) with ``"stats": [null]``;
    GridTools/gt4py-benchmarks: a list of results and nulls; bare numbers and
    a bare null (photutils, conda-benchmarks)."""
    results = tmp_path / "results"
    for i in range(8):
        level = 2e-3 * (1.0 + 0.001 * i)
        v1_file(results, i, {
            "solarposition.SolarPosition.time_sun_rise_set_transit_ephem":
                {"result": None, "params": [["1", "10", "100"]]},
            "transform.Dlf.time_dlf":
                {"result": [None], "params": [["dlf_standard", "dlf_lagged"], ["1", "2", "3"]],
                 "stats": [None]},
            "benchmarks.AdvectionDiffusionSuite.time_run":
                {"result": [0.2, None, 2.8, None], "params": [["a", "b"], ["16", "32"]],
                 "stats": [stats(0.19, 0.21, 0.1987654321, 0.2012345678), None,
                           stats(2.7, 2.9, 2.79, 2.81), None]},
            "irradiance.Irradiance.time_aoi":
                {"result": [level], "params": [],
                 "stats": [stats(level * 0.99, level * 1.3, level * 0.995, level * 1.01)],
                 "samples": [[level * 0.99, level, level * 1.01]]},
            "aperture.CircularAnnulusPhotometry.time_exact": 0.018 + 0.0001 * i,
            "aperture.CircularAnnulusPhotometry.time_failed": None,
        })
    return results


def test_failed_parameterised_results_read_as_asv_reads_them(failed_parameterised):
    ours = values_by_combination(failed_parameterised)
    names = {name for _, name, _ in ours}
    assert names == {"benchmarks.AdvectionDiffusionSuite.time_run",
                     "irradiance.Irradiance.time_aoi",
                     "aperture.CircularAnnulusPhotometry.time_exact"}
    assert {i for _, name, i in ours if name.endswith("time_run")} == {0, 2}
    assert len(ours) == 8 * 4
    assert ours == asv_values_by_combination(failed_parameterised)
    assert not load_results(failed_parameterised).warnings


def test_detect_reads_them_without_a_repository(failed_parameterised, tmp_path, capsys,
                                                 monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "r.json"
    code = main(["detect", "--results", str(failed_parameterised), "--json", str(out)])
    err = capsys.readouterr().err
    assert code in (0, 1) and err.count("\n") == 1 and "ordered by asv's commit dates" in err
    series = json.loads(out.read_text())["series"]
    assert {s["benchmark"] for s in series} >= {"irradiance.Irradiance.time_aoi",
                                                "benchmarks.AdvectionDiffusionSuite.time_run"}


def test_a_one_number_list_for_several_combinations_is_the_first(tmp_path):
    """asv pairs a column with the combinations by zip: a shorter column
    leaves the later combinations without a value, a longer one is cut."""
    results = tmp_path / "results"
    v1_file(results, 0, {"m.C.time_short": {"result": [1.5], "params": [["1", "2", "3"]]},
                         "m.C.time_long": {"result": [1.0, 2.0, 3.0], "params": [["1", "2"]],
                                           "samples": [[0.9, 1.1], [1.9, 2.1], [3.0]]}})
    ours = values_by_combination(results)
    assert {(n, i): v for (_, n, i), v in ours.items()} == {
        ("m.C.time_short", 0): 1.5, ("m.C.time_long", 0): 1.0, ("m.C.time_long", 1): 2.0}
    assert ours == asv_values_by_combination(results)
    [m] = [m for m in load_results(results).measurements
           if m.key.benchmark == "m.C.time_long" and m.value == 2.0]
    assert m.samples == (1.9, 2.1)


def test_stats_are_cut_to_five_digits_as_asv_converts_them(failed_parameterised):
    rs = load_results(failed_parameterised)
    [m] = [m for m in rs.at_commit(SHAS[0]) if m.key.benchmark.endswith("time_run")
           and m.value == 0.2]
    assert (m.q25, m.q75) == (0.19877, 0.20123)


def test_a_missing_env_name_is_asvs_name_for_the_environment(tmp_path, capsys, monkeypatch):
    """astropy/photutils-benchmarks and astrofrog/reproject-benchmarks: no
    env_name; asv names the environment get_env_name('', python,
    requirements, {}), which is the env part of their file names."""
    results = tmp_path / "results"
    reqs = {"Cython": None, "astropy": "0.4.1", "numpy": "1.8"}
    for i in range(6):
        path = v1_file(results, i, {"aperture.C.time_a": 0.018 + 0.001 * i}, env_name=None,
                       requirements=reqs)
        assert path.name == f"{SHAS[i][:8]}-py3.6-Cython-astropy0.4.1-numpy1.8.json"
    rs = load_results(results)
    assert {m.key.env for m in rs.measurements} == {"py3.6-Cython-astropy0.4.1-numpy1.8"}
    assert len(rs.measurements) == 6 and not rs.warnings
    environment = pytest.importorskip("asv.environment")
    assert environment.get_env_name("", "3.6", reqs, {}) == "py3.6-Cython-astropy0.4.1-numpy1.8"
    monkeypatch.chdir(tmp_path)
    assert main(["detect", "--results", str(results)]) in (0, 1)


@pytest.mark.parametrize("row, message", [
    ({"params": []}, "has no 'result'"),
    ({"result": [1.0], "stats": [{"q_25": 1.0}]}, "no two-entry ci_99"),
    ({"result": [1.0], "stats": [3.0]}, "a stats entry is not an object"),
])
def test_what_asv_cannot_convert_skips_the_file_with_one_warning(tmp_path, capsys, row, message):
    results = tmp_path / "results"
    for i in range(4):
        v1_file(results, i, {"m.C.time_a": 1.0 + i, **({"m.C.time_b": row} if i == 2 else {})})
    rs = load_results(results)
    [warning] = rs.warnings
    assert SHAS[2][:8] in warning and message in warning and warning.endswith("skipped")
    assert len(rs.files) == 3
    asv_results = pytest.importorskip("asv.results")
    data = json.loads(next((results / "box").glob(f"{SHAS[2][:8]}-*.json")).read_text())
    with pytest.raises(Exception):                      # asv refuses (or fails on) it too
        asv_results.Results.update_to_2(data)


def test_no_env_name_and_nothing_to_name_it_by_skips_the_file(tmp_path):
    results = tmp_path / "results"
    v1_file(results, 0, {"m.C.time_a": 1.0})
    path = v1_file(results, 1, {"m.C.time_a": 1.0}, env_name=None)
    data = json.loads(path.read_text())
    del data["requirements"]
    path.write_text(json.dumps(data))
    rs = load_results(results)
    assert len(rs.warnings) == 1 and "without env_name" in rs.warnings[0]


def test_failed_format_2_entries_skip_that_entry_only(tmp_path, capsys, monkeypatch):
    """Format 2 (NCAR/geocat-comp-asv, django-asv): a failed benchmark has no
    result column (no point, no warning); a row that does not match its
    params, or holds a string, is one warning for its file."""
    from rustorch_wasm.regress.io.synth import Row, write_result_file
    results = tmp_path / "results"
    for i in range(6):
        path = write_result_file(results, "box", SHAS[i], "py3.10", {
            "m.C.time_ok": Row([1.0 + 0.01 * i]),
            "m.C.time_failed": Row([None, None], [["1", "2"]]),
        }, date=1700000000000 + 60_000 * i)
        if i == 3:
            data = json.loads(path.read_text())
            data["results"]["m.C.time_failed"] = [[1.0], [["1", "2"]]]
            data["results"]["m.C.time_text"] = [["slow"]]
            data["results"]["m.C.time_failed_too"] = None
            path.write_text(json.dumps(data))
    monkeypatch.chdir(tmp_path)
    code = main(["detect", "--results", str(results)])
    err = capsys.readouterr().err.splitlines()
    assert code == 0
    [skipped] = [line for line in err if "skipped" in line]
    assert f"{SHAS[3][:8]}-py3.10.json: 3 of 4 benchmark row(s) skipped: " in skipped
    assert "'m.C.time_failed': column 'result' does not match its 2 parameter" in skipped
    assert "'m.C.time_text': column 'result': non-numeric value 'slow'" in skipped
