"""`rustorch-regress site`: the trend site of any asv results directory, with
or without a git repository; and the worker processes that draw its plots."""
from __future__ import annotations

import json
import math
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from _synthetic import fake_sha, make_series
from rustorch_wasm.regress.cli import main
from rustorch_wasm.regress.io.synth import Row, make_history, write_benchmarks_json, write_result_file
from rustorch_wasm.regress.render import plot_jobs
from rustorch_wasm.regress.render.plot import series_slug

N, STEP = 40, 30
ENVS = ("conda-py3.11-Django-sqlparse", "conda-py3.12-Django-sqlparse")


def write_results(results: Path, shas: list[str]) -> None:
    """time_a +40 % at commit 30 in py3.12 only; time_b flat; dated one minute apart."""
    write_benchmarks_json(results, {"mod.C.time_a": (["size"], [["10"]], "seconds"),
                                    "mod.D.time_b": ([], [], "seconds")})
    rng = np.random.default_rng(4)
    for i, sha in enumerate(shas):
        for env in ENVS:
            slow = 1.4 if i >= STEP and "3.12" in env else 1.0
            a = list(1e-3 * slow * np.exp(rng.normal(0, 0.02, 8)))
            b = list(2e-3 * np.exp(rng.normal(0, 0.02, 8)))
            write_result_file(results, "ubuntu", sha, env, {
                "mod.C.time_a": Row([float(np.median(a))], [["10"]], [a]),
                "mod.D.time_b": Row([float(np.median(b))], [], [b])},
                date=1_700_000_000_000 + 60_000 * i)


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:            # argparse usage errors
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture()
def alone(tmp_path, monkeypatch) -> Path:
    """A results directory with no git repository anywhere above it (the working directory too)."""
    root = tmp_path / "alone"
    root.mkdir()
    probe = subprocess.run(["git", "-C", str(root), "rev-parse", "--git-dir"],
                           capture_output=True, text=True)
    assert probe.returncode != 0, f"{root} is inside a git repository"
    write_results(root / "results", [fake_sha(i) for i in range(N)])
    monkeypatch.chdir(root)
    return root


def test_site_of_a_results_directory_without_a_repository(alone, capsys):
    out = alone / "site"
    code, stdout, err = run(["site", "--results", str(alone / "results"), "--out", str(out),
                             "--json", str(alone / "site.json")], capsys)
    assert code == 0, err                      # findings exist: the site is a view, exit 0
    assert "ordered by asv's commit dates" in err and "PNG" not in err
    assert stdout.startswith("site: 4 series checked, 1 finding(s)") and str(out / "index.html") in stdout
    code, _, _ = run(["detect", "--results", str(alone / "results"),
                      "--json", str(alone / "detect.json")], capsys)
    assert code == 1
    detected = json.loads((alone / "detect.json").read_text())
    assert json.loads((out / "findings.json").read_text()) == detected   # the findings of detect
    assert json.loads((alone / "site.json").read_text()) == detected
    [f] = detected["findings"]
    assert (f["benchmark"], f["commit"], f["env"]) == ("mod.C.time_a", fake_sha(STEP), ENVS[1])
    index = (out / "index.html").read_text()
    group = re.findall(r'<tbody class="group".*?</tbody>', index, re.S)
    assert len(group) == 1 and fake_sha(STEP)[:10] in group[0] and "+4" in group[0]
    # short environment labels: the words the environment names do not share
    assert f'title="{ENVS[1]}">ubuntu · py3.12<' in group[0]
    assert f">{ENVS[1]}<" not in index
    assert not (out / "plots").exists()            # plots drawn in the browser, no PNG asked
    assert len(list((out / "data").glob("*.js"))) == 4 + 1 and (out / "series.js").is_file()
    assert len(list((out / "series").glob("*.html"))) == 4
    assert (out / "commit" / f"{fake_sha(STEP)}.html").is_file()
    # no repository: the dates asv recorded, in the series' own JSON and the commits table
    commits = (out / "data" / "commits.js").read_text()
    assert f'"{fake_sha(STEP)}":["20' in commits
    assert "Not published" in (out / "asv" / "index.html").read_text()   # no repo: no asv pages


def test_results_of_another_project_ignore_the_working_directorys_repository(
        tmp_path, capsys, monkeypatch):
    root = tmp_path / "other"
    make_history(root, 3)                  # a repository without any of the results' commits
    write_results(root / "results", [fake_sha(i) for i in range(N)])
    monkeypatch.chdir(root)
    code, _, err = run(["site", "--results", "results", "--out", str(tmp_path / "s")], capsys)
    assert code == 0, err
    assert "none of its commits is on 'main' of the working directory's repository" in err
    assert "not in the repository" not in err


def test_site_with_a_repository_shows_commit_subjects_and_baselines(tmp_path, capsys):
    repo = tmp_path / "repo"
    shas = make_history(repo, N)
    results = tmp_path / "results"
    write_results(results, shas)
    base = tmp_path / "baselines"
    assert run(["baseline", "set", "--results", str(results), "--repo", str(repo),
                "--commit", shas[5], "--baselines", str(base)], capsys)[0] == 0
    out = tmp_path / "site"
    code, _, err = run(["site", "--results", str(results), "--repo", str(repo), "--out", str(out),
                        "--baselines", str(base)], capsys)
    assert code == 0, err
    assert "ordered by asv's commit dates" not in err      # first-parent order from git
    index = (out / "index.html").read_text()
    assert f"{shas[STEP][:10]}</span></a> <span class=\"muted\">" in index   # sha, then date
    assert f"commit {STEP}" in index                                      # and subject
    assert "commit 30" in (out / "commit" / f"{shas[STEP]}.html").read_text()
    baseline = (out / "baseline.html").read_text()
    assert f"baselines/ubuntu.json (commit {shas[5][:10]})" in baseline
    assert baseline.count(">stored<") == 4


@pytest.mark.parametrize("args, expect", [
    (["--results", "{tmp}/missing"], "no such directory"),
    (["--results", "{results}", "--out", "{tmp}/notasite"], "refusing to replace"),
    (["--results", "{results}", "--config", "{tmp}/missing.json"], "cannot read"),
    (["--results", "{results}", "--repo", "{tmp}/norepo"], "not a git repository"),
    (["--out", "{tmp}/x"], "required"),
])
def test_bad_input_is_one_line_and_exit_2(alone, capsys, args, expect):
    tmp = alone
    (tmp / "notasite").mkdir()
    (tmp / "notasite" / "mine.txt").write_text("keep me")
    (tmp / "norepo").mkdir()
    argv = ["site", *(a.format(tmp=tmp, results=tmp / "results") for a in args)]
    code, _, err = run(argv, capsys)
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1, err
    assert expect in err
    assert (tmp / "notasite" / "mine.txt").read_text() == "keep me"


def test_help_says_the_exit_status(capsys):
    code, stdout, _ = run(["site", "--help"], capsys)
    assert code == 0 and "Exit status 0 when the site was built" in " ".join(stdout.split())


def test_plots_from_worker_processes_equal_those_drawn_here(tmp_path):
    series = [make_series(f"m.C.time_{i}", n=30, seed=i, step_at=20 if i % 7 == 0 else None,
                          step=1.5) for i in range(plot_jobs.MIN_PARALLEL)]
    outputs = {}
    for workers in (1, 2):
        out = tmp_path / f"w{workers}"
        jobs = [plot_jobs.PlotJob(s, out / series_slug(s.key), 0.2, (), (20,) if i % 7 == 0 else (),
                                  math.nan) for i, s in enumerate(series)]
        seen: list[int] = []
        plot_jobs.plot_all(jobs, workers, lambda done, total: seen.append(done))
        assert seen[-1] == len(series)
        outputs[workers] = {p.name: p.read_bytes() for p in out.glob("*.png")}
    assert len(outputs[1]) == len(series) and outputs[1] == outputs[2]


def test_pngs_only_when_asked(alone, capsys):
    """--png findings: a PNG of each series with a change (time_a in py3.12), linked from its page."""
    out = alone / "site"
    code, _, err = run(["site", "--results", str(alone / "results"), "--out", str(out),
                        "--png", "findings", "--jobs", "1"], capsys)
    assert code == 0, err
    (png,) = (out / "plots").glob("*.png")
    assert png.name.startswith("mod.C.time_a") and "PNGs drawn 1/1" in err
    page = (out / "series" / png.name.replace(".png", ".html")).read_text()
    assert f'href="../plots/{png.name}">PNG</a>' in page
