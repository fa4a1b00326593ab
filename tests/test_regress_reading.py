"""Reading results fast changes nothing: the column-at-a-time check of a file
(``result_rows.bulk_blocks``) against the row-by-row one, and the sample
matrix of a series against one tuple per point."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from rustorch_wasm.regress.io import result_rows, results
from rustorch_wasm.regress.io.columns import build_series, sample_rows
from rustorch_wasm.regress.io.results import finite_samples, load_results

NAN = float("nan")


def row(result, samples=None, q=None, ci=None, params=None):
    """A result row in asv's column order, trailing nulls dropped."""
    cells = [result, params if params is not None else [], "0" * 64, 1, 1.0,
             ci[0] if ci else None, ci[1] if ci else None, q[0] if q else None,
             q[1] if q else None, None, None, samples]
    while cells and cells[-1] is None:
        cells.pop()
    return cells


def write(root: Path, machine: str, commit: str, rows: dict, env: str = "py") -> Path:
    path = root / machine / f"{commit[:8]}-{env}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"commit_hash": commit, "env_name": env, "date": int(commit[:6], 16),
            "result_columns": list(result_rows.COLUMNS), "results": rows, "version": 2}
    path.write_text(json.dumps(data))                  # NaN and Infinity as asv writes them
    return path


def history(root: Path, seed: int, with_params: bool) -> None:
    rng = np.random.default_rng(seed)
    for c in range(30):
        commit = f"{c + 1:06x}" + "ab" * 17
        rows = {}
        for b in range(6):
            kind = (b + c) % 7
            samples = [float(v) for v in rng.lognormal(0, 0.1, int(rng.integers(3, 11)))]
            if kind == 1:
                samples[0] = None                      # a failed sample
            elif kind == 2:
                samples[-1] = math.inf
            elif kind == 3:
                samples = []
            value = float(np.median([v for v in samples if v is not None and math.isfinite(v)]
                                    or [1.0]))
            if kind == 4:
                rows[f"m.C.time_{b}"] = row([None])
                continue
            if kind == 5:
                rows[f"m.C.track_{b}"] = row([int(rng.integers(1, 9))], q=([1], [2]))
                continue
            rows[f"m.C.time_{b}"] = row([value if kind != 6 else NAN], [samples],
                                        q=([value * 0.9], [value * 1.1]), ci=([0.5], [2]))
        if with_params and c % 3 == 0:    # these files are read row by row: groups mix both
            rows["m.C.time_p"] = row([1.0, None], [[1.0, 1.1, 0.9], None],
                                     params=[["1", "2"]])
        write(root, "box", commit, rows)


def measured(result_set) -> list:
    return [(m.key, m.commit, m.samples, repr(m.value), repr(m.q25), repr(m.q75), repr(m.ci),
             m.source) for m in result_set.measurements]


def columns_of(result_set) -> list:
    out = []
    for s in build_series(result_set, sorted(result_set.commits)):
        c = s.columns
        out.append((s.key, s.unit, c.commits, list(c.samples),
                    *(getattr(c, name).tolist() for name in (
                        "positions", "medians", "q25", "q75", "from_stats", "ci_lo", "ci_hi"))))
    return repr(out)                                     # NaN-aware equality


@pytest.mark.parametrize("with_params", [False, True])
def test_bulk_check_reads_what_the_row_check_reads(tmp_path, monkeypatch, with_params):
    history(tmp_path, 1, with_params)
    fast = load_results(tmp_path)
    assert fast.bulk.files                               # the bulk path was taken
    monkeypatch.setattr(results, "bulk_file", lambda *args: None)
    slow = load_results(tmp_path)
    assert not slow.bulk.files
    assert list(fast.groups) == list(slow.groups)
    assert [g.keys for g in fast.groups.values()] == [g.keys for g in slow.groups.values()]
    assert measured(fast) == measured(slow)
    assert columns_of(fast) == columns_of(slow)
    commit = sorted(fast.commits)[3]
    assert [m.key for m in fast.at_commit(commit)] == [m.key for m in slow.at_commit(commit)]
    assert fast.machines == slow.machines
    fast.skip_commits({commit}, "is gone")
    slow.skip_commits({commit}, "is gone")
    assert measured(fast) == measured(slow) and fast.warnings == slow.warnings


@pytest.mark.parametrize("cell, message", [
    (["x"], "non-numeric value 'x'"),
    ([True], "non-numeric value True"),
    ([1.0, 2.0], "does not match"),
    (1.0, "does not match"),
    ([10 ** 400], "too large for a float"),
])
def test_a_bad_cell_skips_its_row_with_one_warning_naming_it(tmp_path, cell, message):
    """The bulk check gives up on the file, the row check names the problem,
    and only that row is left out (never the run, never the file)."""
    history(tmp_path, 2, False)
    path = next((tmp_path / "box").glob("00000a*.json"))
    data = json.loads(path.read_text())
    data["results"]["m.C.time_0"][0] = cell
    path.write_text(json.dumps(data))
    rs = load_results(tmp_path)
    [warning] = rs.warnings
    assert warning.startswith(f"{path}: 1 of {len(data['results'])} benchmark row(s) skipped: "
                              "'m.C.time_0': ") and message in warning
    assert path in rs.files
    at = {m.key.benchmark for m in rs.at_commit(data["commit_hash"])}
    assert "m.C.time_0" not in at and at


@pytest.mark.parametrize("samples, message", [
    ([[1.0, "slow"]], "non-numeric value 'slow'"),
    (["123"], "samples must be lists of numbers, got '123'"),
    ([[1.0, 10 ** 400]], "too large for a float"),
])
def test_a_bad_sample_skips_its_row(tmp_path, samples, message):
    history(tmp_path, 3, False)
    path = next((tmp_path / "box").glob("00000b*.json"))
    data = json.loads(path.read_text())
    data["results"]["m.C.time_4"][11] = samples
    path.write_text(json.dumps(data))
    rs = load_results(tmp_path)
    assert len(rs.warnings) == 1 and "'m.C.time_4': " in rs.warnings[0]
    assert message in rs.warnings[0]
    assert "m.C.time_4" not in {m.key.benchmark for m in rs.at_commit(data["commit_hash"])}


def test_sample_rows_hold_the_finite_samples_of_each_entry():
    raws = [[1.0, 2.0, 3.0], None, [], [4.0, None, 5.0], [math.nan, math.inf, 6],
            [7.0, 8.0, 9.0], [1, 2]]
    rows = sample_rows(raws)
    assert [rows[i] for i in range(len(raws))] == [finite_samples(r) for r in raws]
    assert all(type(v) is float for v in rows[4] + rows[6])
    assert rows == [finite_samples(r) for r in raws]
    assert rows.take(np.array([3, 0])) == [(4.0, 5.0), (1.0, 2.0, 3.0)]
    wide = [[float(i) for i in range(50)], [2.0], None, [3.0, 4.0]]   # padding too wide
    rows = sample_rows(wide)
    assert rows == [finite_samples(r) for r in wide] and rows.values.size == 53
    np.testing.assert_array_equal(rows.block(np.array([3]), 2), [[3.0, 4.0]])


@pytest.mark.parametrize("with_params", [False, True])
def test_series_points_are_those_of_one_tuple_per_point(tmp_path, with_params):
    history(tmp_path, 4, with_params)
    result_set = load_results(tmp_path)
    order = sorted(result_set.commits)
    for s in build_series(result_set, order):
        cols = s.columns
        assert len(cols.samples) == len(cols)
        for i, p in enumerate(s.points):
            raw = cols.samples[i]
            if raw:
                q = np.quantile(np.array(raw), [0.25, 0.5, 0.75])
                assert (p.q25, p.median, p.q75) == tuple(float(v) for v in q)
            else:
                assert p.from_stats
