"""The CLI end to end on asv result files in a temporary git repository."""
from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from rustorch_wasm.regress.cli import main
from rustorch_wasm.regress.io.results import ResultsError, load_results
from rustorch_wasm.regress.io.synth import Row, make_history, write_benchmarks_json, write_result_file

N = 40
STEP = 30


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> tuple[Path, Path, list[str]]:
    """40 commits; time_a(size=100) +40 % and its instruction count +30 % at commit 30."""
    root = tmp_path_factory.mktemp("regress")
    repo = root / "repo"
    shas = make_history(repo, N)
    results = root / "results"
    write_benchmarks_json(results, {
        "mod.C.time_a": (["size"], [["10", "100"]], "seconds"),
        "mod.C.track_a_instructions": (["size"], [["10", "100"]], "unit"),
        "mod.D.time_b": ([], [], "seconds")})
    rng = np.random.default_rng(1)
    for i, sha in enumerate(shas):
        if i in (7, 23):
            continue                                    # commits that were never run
        level = 1e-3 * math.exp(rng.normal(0, 0.02))
        slow = 1.4 if i >= STEP else 1.0
        samples = [list(level * np.exp(rng.normal(0, 0.02, 8))),
                   list(level * 3 * slow * np.exp(rng.normal(0, 0.02, 8)))]
        rows = {
            "mod.C.time_a": Row([float(np.median(s)) for s in samples], [["10", "100"]],
                                samples),
            "mod.C.track_a_instructions": Row([1000.0, 50000.0 * (1.3 if i >= STEP else 1.0)],
                                              [["10", "100"]]),
            "mod.D.time_b": Row([None if i == 12 else 2e-3 * math.exp(rng.normal(0, 0.02))]),
        }
        if i == 15:
            rows["mod.C.time_a"].result[0] = math.nan       # skipped combination
            rows["mod.C.time_a"].samples[0] = None
        write_result_file(results, "box", sha, "venv-py3.10", rows)
    return repo, results, shas


def run(args: list[str], capsys) -> tuple[int, str, str]:
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_detect_pins_the_commit_and_writes_schema_2(project, tmp_path, capsys):
    repo, results, shas = project
    out = tmp_path / "report.json"
    md = tmp_path / "report.md"
    code, stdout, _ = run(["detect", "--results", str(results), "--repo", str(repo),
                           "--json", str(out), "--markdown", str(md)], capsys)
    assert code == 1
    doc = json.loads(out.read_text())
    assert set(doc) == {"schema", "threshold", "alpha", "series_checked", "findings",
                        "alert_groups", "series"}
    assert doc["schema"] == 2 and doc["threshold"] == 0.2 and doc["alpha"] == 0.01
    assert doc["series_checked"] == 5
    found = {(f["benchmark"], f["kind"]): f for f in doc["findings"]}
    assert set(found) == {("mod.C.time_a", "regression"),
                          ("mod.C.track_a_instructions", "regression")}
    f = found[("mod.C.time_a", "regression")]
    assert f["commit"] == shas[STEP] and f["previous_commit"] == shas[STEP - 1]
    assert f["params"] == {"size": "100"} and f["machine"] == "box"
    assert f["env"] == "venv-py3.10" and f["unit"] == "seconds"
    assert 1.3 < f["ratio"] < 1.5 and f["ci"][0] < f["ratio"] < f["ci"][1]
    assert 0 < f["p_value"] < 0.01
    assert any("track_a_instructions x1.300" in e for e in f["evidence"])
    assert found[("mod.C.track_a_instructions", "regression")]["p_value"] == 0.0
    # schema 2: an instruction change backs the timing step, so it is confirmed
    assert f["confirmed"] is True and f["better"] == "lower" and f["commits_after"] >= 3
    assert [g["commit"] for g in doc["alert_groups"]] == [shas[STEP]]
    assert doc["alert_groups"][0]["counts"] == {"regression": 2}
    cps = {s["benchmark"]: s["change_points"] for s in doc["series"]}
    assert cps["mod.C.time_a"] == [shas[STEP]]
    assert "mod.C.time_a" in md.read_text() and "regression" in stdout


def test_detect_clean_with_a_higher_threshold(project, tmp_path, capsys):
    repo, results, _ = project
    config = tmp_path / "c.json"
    config.write_text(json.dumps({"overrides": [{"pattern": r"^mod\.C\.", "threshold": 0.6}]}))
    code, _, _ = run(["detect", "--results", str(results), "--repo", str(repo),
                      "--config", str(config)], capsys)
    assert code == 0


def test_compare_two_commits(project, capsys, tmp_path):
    repo, results, shas = project
    out = tmp_path / "c.json"
    code, _, _ = run(["compare", shas[10], shas[35], "--results", str(results),
                      "--repo", str(repo), "--json", str(out)], capsys)
    assert code == 1
    doc = json.loads(out.read_text())
    kinds = {(f["benchmark"], f["params"].get("size")) for f in doc["findings"]}
    assert ("mod.C.time_a", "100") in kinds and ("mod.C.time_a", "10") not in kinds
    assert all(f["commit"] == shas[35] and f["previous_commit"] == shas[10]
               for f in doc["findings"])
    code, _, _ = run(["compare", shas[10], shas[20], "--results", str(results),
                      "--repo", str(repo)], capsys)
    assert code == 0


def test_baseline_set_and_check(project, tmp_path, capsys):
    repo, results, shas = project
    base = tmp_path / "baselines"
    common = ["--results", str(results), "--repo", str(repo), "--baselines", str(base)]
    assert run(["baseline", "set", "--commit", shas[10], *common], capsys)[0] == 0
    doc = json.loads((base / "box.json").read_text())
    assert doc["commit"] == shas[10] and len(doc["benchmarks"]) == 5
    assert run(["baseline", "set", "--commit", shas[12], *common], capsys)[0] == 0
    assert json.loads((base / "box.json.bak").read_text())["commit"] == shas[10]
    assert json.loads((base / "box.json").read_text())["commit"] == shas[12]
    assert run(["baseline", "check", "--commit", shas[35], *common], capsys)[0] == 1
    assert run(["baseline", "check", "--commit", shas[20], *common], capsys)[0] == 0
    # a failing set leaves the stored baseline as it was
    before = (base / "box.json").read_bytes()
    code, _, err = run(["baseline", "set", "--commit", "no-such-rev", *common], capsys)
    assert code == 2 and (base / "box.json").read_bytes() == before
    (base / "box.json").write_text('{"schema": 1, "machine": "box", "commit": ')
    code, _, err = run(["baseline", "check", "--commit", shas[35], *common], capsys)
    assert code == 2 and "box.json" in err and "corrupt" in err
    assert err.count("\n") == 1 and "Traceback" not in err


def copy_results(results: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "results"
    shutil.copytree(results, dst)
    return dst


def one_file(results: Path, shas: list[str], i: int) -> Path:
    return next((results / "box").glob(f"{shas[i][:8]}-*.json"))


DAMAGES = {
    "truncate": "corrupt or truncated JSON",
    "garbage": "corrupt or truncated JSON",
    "no-commit": "commit_hash",
    "v2-no-columns": "no result_columns",
    "date-nan": "date nan is not a commit date",
    "date-infinity": "date inf is not a commit date",
    "date-negative": "date -5 is not a commit date",
    "date-string": "date '2026-01-01' is not a commit date",
    "date-year-30000": "is not a commit date",
}


def damaged(path: Path, damage: str) -> None:
    text = path.read_text()
    data = json.loads(text)
    if damage == "truncate":
        path.write_text(text[: len(text) // 2])
        return
    if damage == "garbage":
        path.write_bytes(b"\x00\xffnot json")
        return
    if damage == "no-commit":
        del data["commit_hash"]
    elif damage == "v2-no-columns":
        del data["result_columns"]
    elif damage.startswith("date-"):
        data["date"] = {"date-nan": math.nan, "date-infinity": math.inf, "date-negative": -5,
                        "date-string": "2026-01-01",
                        "date-year-30000": 10 ** 15}[damage]
    path.write_text(json.dumps(data))                 # NaN and Infinity as Python writes them


@pytest.mark.parametrize("damage", sorted(DAMAGES))
@pytest.mark.parametrize("command", ["detect", "baseline set", "compare"])
def test_an_unusable_result_file_is_skipped_with_one_warning(project, tmp_path, capsys, damage,
                                                            command):
    """Every command reads the rest: one warning line naming the file and the
    problem, never a traceback (which once exited 1, "regression found")."""
    repo, results, shas = project
    results = copy_results(results, tmp_path)
    path = one_file(results, shas, 5)
    damaged(path, damage)
    common = ["--results", str(results), "--repo", str(repo)]
    argv = {"detect": ["detect", *common],
            "baseline set": ["baseline", "set", "--commit", shas[10], *common,
                             "--baselines", str(tmp_path / "b")],
            "compare": ["compare", shas[10], shas[35], *common]}[command]
    code, _, err = run(argv, capsys)
    assert code == {"detect": 1, "baseline set": 0, "compare": 1}[command], err
    assert err.startswith("warning: ") and err.count("\n") == 1, err
    assert path.name in err and DAMAGES[damage] in err and "skipped" in err


def test_a_bad_row_skips_that_row_only(project, tmp_path, capsys):
    repo, results, shas = project
    results = copy_results(results, tmp_path)
    path = one_file(results, shas, 5)
    data = json.loads(path.read_text())
    data["results"]["mod.C.time_a"][0] = [1.0]        # two combinations, one value
    path.write_text(json.dumps(data))
    out = tmp_path / "r.json"
    code, _, err = run(["detect", "--results", str(results), "--repo", str(repo),
                        "--json", str(out)], capsys)
    assert code == 1 and err.count("\n") == 1
    assert f"{path}: 1 of 3 benchmark row(s) skipped: 'mod.C.time_a': column 'result' does " \
           "not match its 2 parameter combination(s)" in err
    assert load_results(results).at_commit(shas[5])      # the file's other rows are read


def test_a_run_with_no_usable_file_is_one_error_line(project, tmp_path, capsys):
    repo, results, shas = project
    results = copy_results(results, tmp_path)
    for path in (results / "box").glob("*-venv-py3.10.json"):
        damaged(path, "date-nan")
    code, _, err = run(["detect", "--results", str(results), "--repo", str(repo)], capsys)
    lines = err.splitlines()
    assert code == 2 and lines[-1].startswith("error: ") and "Traceback" not in err
    assert "no usable asv result file (38 skipped; the first: " in lines[-1]
    assert "is not a commit date" in lines[-1]


def test_odd_but_valid_files_are_skipped_with_one_warning_each(project, tmp_path, capsys):
    """A rebased-away commit's file and a stray JSON file: one warning line
    each, and the exit code is the findings' (1: the step is still found)."""
    repo, results, shas = project
    results = copy_results(results, tmp_path)
    data = json.loads(one_file(results, shas, 5).read_text())
    data["commit_hash"] = "f" * 40                       # git has no such commit
    (results / "box" / "ffffffff-venv-py3.10.json").write_text(json.dumps(data))
    (results / "box" / "notes.json").write_text('["not", "a", "result"]')
    out = tmp_path / "r.json"
    code, _, err = run(["detect", "--results", str(results), "--repo", str(repo),
                        "--json", str(out)], capsys)
    assert code == 1
    lines = err.splitlines()
    assert len(lines) == 2 and all(line.startswith("warning: ") for line in lines)
    assert any("ffffffff-venv-py3.10.json" in line and "not in the repository" in line
               for line in lines)
    assert any("notes.json" in line and "not an asv result" in line for line in lines)
    doc = json.loads(out.read_text())
    assert all(f["commit"] != "f" * 40 for f in doc["findings"])
    assert any(f["benchmark"] == "mod.C.time_a" and f["commit"] == shas[STEP]
               for f in doc["findings"])


def test_format_version_1_files_are_read_by_asvs_rule(project, tmp_path, capsys):
    """A version-1 result file (rows as objects, no result_columns) reads as
    the same measurements as its version-2 form."""
    from rustorch_wasm.regress.io.results import COLUMNS
    repo, results, shas = project
    results = copy_results(results, tmp_path)
    path = one_file(results, shas, 6)
    data = json.loads(path.read_text())
    before = {m.key: (m.value, m.samples) for m in load_results(results).at_commit(shas[6])}
    rows = {}
    for name, row in data["results"].items():
        cols = dict(zip(data["result_columns"], row))
        rows[name] = {"result": cols["result"], "params": cols.get("params", []),
                      "samples": cols.get("samples"),
                      "stats": [{"ci_99": [a, b]} if a is not None else None for a, b in
                                zip(cols.get("stats_ci_99_a") or [None] * len(cols["result"]),
                                    cols.get("stats_ci_99_b") or [None] * len(cols["result"]))]}
    del data["result_columns"]
    data["results"], data["version"] = rows, 1
    path.write_text(json.dumps(data))
    after = {m.key: (m.value, m.samples) for m in load_results(results).at_commit(shas[6])}
    assert after == before and len(after) == 5 and "samples" in COLUMNS


@pytest.mark.parametrize("args,expect", [
    (["detect", "--results", "{missing}"], "does not exist"),
    (["detect", "--results", "{empty}"], "no asv result files"),
    (["detect", "--results", "{results}", "--branch=--all"], "starts with '-'"),
    (["detect", "--results", "{results}", "--branch", "nosuch"], "unknown branch"),
    (["detect", "--results", "{results}", "--threshold", "-1"], "threshold"),
    (["detect", "--results", "{results}", "--alpha", "2"], "alpha"),
    (["detect", "--results", "{results}", "--config", "{missing}"], "cannot read"),
    (["compare", "HEAD", "-x", "--results", "{results}"], "error"),
    (["compare", "HEAD", "nosuch", "--results", "{results}"], "unknown commit"),
    (["baseline", "check", "--commit", "HEAD", "--results", "{results}",
      "--baselines", "{empty}"], "no baseline"),
    (["bogus"], "invalid choice"),
])
def test_usage_and_input_errors(project, tmp_path, capsys, args, expect):
    repo, results, _ = project
    empty = tmp_path / "empty"
    empty.mkdir()
    subst = {"missing": str(tmp_path / "missing"), "empty": str(empty), "results": str(results)}
    argv = [a.format(**subst) for a in args]
    if argv[0] != "bogus":
        argv += ["--repo", str(repo)]
    try:
        code = main(argv)
    except SystemExit as exc:            # argparse usage errors
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1, err
    assert expect in err


def test_nan_infinity_null_and_renamed_benchmarks_are_read(project, tmp_path, capsys):
    repo, results, shas = project
    results = copy_results(results, tmp_path)
    path = one_file(results, shas, 3)
    data = json.loads(path.read_text())
    data["results"]["mod.C.time_a"][0] = [float("nan"), float("inf")]
    data["results"]["mod.C.time_a"][11] = [None, [1.0, float("inf"), float("nan")]]
    data["results"]["mod.Old.time_renamed"] = [[1e-3, 2e-3], [["1", "2"]]]
    data["results"]["mod.D.time_b"] = [[3e-3, 4e-3], [["x", "y"]]]      # params changed
    path.write_text(json.dumps(data))                                     # writes NaN/Infinity
    assert "NaN" in path.read_text() and "Infinity" in path.read_text()
    rs = load_results(results)
    at3 = {(m.key.benchmark, m.key.params): m for m in rs.at_commit(shas[3])}
    assert ("mod.C.time_a", (("size", "10"),)) not in at3     # NaN result, no samples
    assert at3[("mod.C.time_a", (("size", "100"),))].samples == (1.0,)
    assert at3[("mod.Old.time_renamed", (("param1", "1"),))].value == 1e-3
    assert ("mod.D.time_b", (("param1", "x"),)) in at3
    code, _, err = run(["detect", "--results", str(results), "--repo", str(repo)], capsys)
    assert code in (0, 1) and err == ""


def test_load_results_error_type(tmp_path):
    with pytest.raises(ResultsError):
        load_results(tmp_path / "none")


def test_results_of_other_branches_are_left_out(project, tmp_path, capsys):
    import subprocess
    repo, results, shas = project
    results = copy_results(results, tmp_path)
    tree = subprocess.run(["git", "-C", str(repo), "rev-parse", f"{shas[5]}^{{tree}}"],
                          check=True, capture_output=True, text=True).stdout.strip()
    side = subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c",
                           "user.email=t@t.invalid", "commit-tree", tree, "-p", shas[5],
                           "-m", "side"], check=True, capture_output=True, text=True).stdout.strip()
    subprocess.run(["git", "-C", str(repo), "branch", "-f", "side-branch", side], check=True)
    write_result_file(results, "box", side, "venv-py3.10",
                      {"mod.C.time_a": Row([9.0, 9.0], [["10", "100"]])})
    out = tmp_path / "r.json"
    code, _, err = run(["detect", "--results", str(results), "--repo", str(repo),
                        "--json", str(out)], capsys)
    assert code == 1
    assert err.count("\n") == 1 and "is not on 'main'" in err and side[:8] in err
    doc = json.loads(out.read_text())
    assert all(f["commit"] != side for f in doc["findings"])
    assert {f["benchmark"] for f in doc["findings"]} == {"mod.C.time_a",
                                                         "mod.C.track_a_instructions"}


def test_detect_reads_a_results_directory_alone(project, tmp_path, capsys, monkeypatch):
    """No git repository anywhere above the results (they live in a repository
    of their own, or came as CI artifacts): commits are ordered by the commit
    date asv records, with one warning saying so; a file without a date is
    skipped with a warning of its own."""
    repo, results, shas = project
    alone = tmp_path / "alone"
    alone.mkdir()
    results = copy_results(results, alone)
    for i, sha in enumerate(shas):
        for path in (results / "box").glob(f"{sha[:8]}-*.json"):
            data = json.loads(path.read_text())
            data["date"] = 1_700_000_000_000 + 60_000 * i
            if i == 3:
                del data["date"]
            path.write_text(json.dumps(data))
    monkeypatch.chdir(alone)
    out = alone / "r.json"
    code, _, err = run(["detect", "--results", str(results), "--json", str(out)], capsys)
    assert code == 1
    lines = err.splitlines()
    assert len(lines) == 2 and all(line.startswith("warning: ") for line in lines)
    assert "ordered by asv's commit dates" in err
    assert "1 result file(s) of 1 commit(s) have no commit date" in err
    assert "main" not in err and "branch" not in err          # no repository, no branch
    doc = json.loads(out.read_text())
    assert {(f["benchmark"], f["commit"]) for f in doc["findings"]} == {
        ("mod.C.time_a", shas[STEP]), ("mod.C.track_a_instructions", shas[STEP])}


def dated_alone(project, tmp_path, monkeypatch, dates=True) -> Path:
    """The project's results, dated one minute apart (none when ``dates`` is
    False), in a working directory outside any repository."""
    _, results, shas = project
    alone = tmp_path / "alone"
    alone.mkdir()
    results = copy_results(results, alone)
    for i, sha in enumerate(shas):
        for path in (results / "box").glob(f"{sha[:8]}-*.json"):
            data = json.loads(path.read_text())
            if dates:
                data["date"] = 1_700_000_000_000 + 60_000 * i
            else:
                del data["date"]
            path.write_text(json.dumps(data))
    monkeypatch.chdir(alone)
    return results


def test_no_file_with_a_date_and_no_repository_is_one_error_line(project, tmp_path, capsys,
                                                                 monkeypatch):
    results = dated_alone(project, tmp_path, monkeypatch, dates=False)
    code, _, err = run(["detect", "--results", str(results)], capsys)
    assert code == 2 and err.count("\n") == 1, err
    assert err.startswith("error: ") and "no result file has a commit date" in err
    assert "main" not in err and "branch" not in err


@pytest.mark.parametrize("repository", ["empty", "other branch"])
def test_an_empty_or_unrelated_repository_here_falls_back_to_asvs_dates(
        project, tmp_path, capsys, monkeypatch, repository):
    import subprocess
    results = dated_alone(project, tmp_path, monkeypatch)
    subprocess.run(["git", "init", "-q", "-b", "main", "."], check=True)
    if repository == "other branch":
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid", "commit",
                        "-q", "--allow-empty", "-m", "x"], check=True)
        subprocess.run(["git", "branch", "-q", "-m", "trunk"], check=True)
    code, _, err = run(["detect", "--results", str(results)], capsys)
    assert code == 1 and err.count("\n") == 1
    assert "none of its commits is on 'main' of the working directory's repository, commits " \
           "ordered by asv's commit dates" in err


def test_a_nan_date_without_a_repository_skips_that_file(project, tmp_path, capsys, monkeypatch):
    _, _, shas = project
    results = dated_alone(project, tmp_path, monkeypatch)
    path = one_file(results, shas, 4)
    data = json.loads(path.read_text())
    data["date"] = math.nan
    path.write_text(json.dumps(data))
    code, _, err = run(["detect", "--results", str(results)], capsys)
    assert code == 1 and err.count("\n") == 2 and "Traceback" not in err
    assert f"{path}: date nan is not a commit date" in err


@pytest.mark.parametrize("samples, expect", [
    ("123", "samples (a non-empty list of numbers, got str '123')"),
    ([1.0, "2"], "a non-numeric sample '2'"),
    ([1.0, math.inf], "not finite"),
    ([], "a non-empty list"),
])
def test_a_baseline_with_bad_samples_is_refused_not_reinterpreted(project, tmp_path, capsys,
                                                                  samples, expect):
    """A string as samples was read as its digits (six invented -100 %
    improvements); now the baseline is refused in one line."""
    repo, results, shas = project
    base = tmp_path / "baselines"
    common = ["--results", str(results), "--repo", str(repo), "--baselines", str(base)]
    assert run(["baseline", "set", "--commit", shas[10], *common], capsys)[0] == 0
    doc = json.loads((base / "box.json").read_text())
    doc["benchmarks"][0]["samples"] = samples
    (base / "box.json").write_text(json.dumps(doc))
    code, out, err = run(["baseline", "check", "--commit", shas[12], *common], capsys)
    assert code == 2 and err.count("\n") == 1 and expect in err, err
    assert f"in benchmark {doc['benchmarks'][0]['benchmark']!r}" in err and "improvement" not in out
