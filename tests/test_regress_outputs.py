"""Never lose a user's file (issue #23): what a command may write and
replace, checked before it reads anything; all its outputs together; the
site exchanged whole; modes; what interrupted runs left; exit codes."""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from _dated_results import sha, write_results
from rustorch_wasm.regress.cli import main
from rustorch_wasm.regress.io import atomic
from rustorch_wasm.regress.io.ownership import SITE_MARKER, STAGING_MARKER


@pytest.fixture()
def work(tmp_path, monkeypatch) -> Path:
    """A working directory outside any git repository, with results/."""
    probe = subprocess.run(["git", "-C", str(tmp_path), "rev-parse", "--git-dir"],
                           capture_output=True, text=True)
    assert probe.returncode != 0
    write_results(tmp_path / "results")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() if p.is_file() else b"<dir>"
            for p in sorted(root.rglob("*"))}


SITE = ["site", "--results", "results", "--jobs", "1", "--no-asv-publish"]


# ------------------------------------------------- outputs destroy nothing
def test_a_gh_pages_checkout_as_out_is_refused_with_nothing_changed(work, capsys):
    pages = work / "gh-pages"
    (pages / ".git" / "refs").mkdir(parents=True)
    (pages / ".git" / "HEAD").write_text("ref: refs/heads/gh-pages\n")
    (pages / "CNAME").write_text("bench.example.org\n")
    (pages / "index.html").write_text("<p>published</p>")
    before = tree(pages)
    code, _, err = run([*SITE, "--out", str(pages), "--json", "r.json"], capsys)
    assert code == 2 and err.count("\n") == 1 and err.startswith("error: ")
    assert f"{pages / '.git'}: not written by rustorch-regress; refusing to replace" in err
    assert tree(pages) == before and not (work / "r.json").exists()
    assert sorted(p.name for p in work.iterdir()) == ["gh-pages", "results"]


def test_a_site_built_here_is_replaced_and_one_added_file_refuses_it(work, capsys):
    assert run([*SITE, "--out", "site"], capsys)[0] == 0
    marker = json.loads((work / "site" / SITE_MARKER).read_text())
    files = {p for p, data in tree(work / "site").items() if data != b"<dir>"}
    assert set(marker["files"]) == files - {SITE_MARKER} and "index.html" in files
    assert run([*SITE, "--out", "site"], capsys)[0] == 0        # its own site: replaced
    (work / "site" / "CNAME").write_text("bench.example.org\n")
    code, _, err = run([*SITE, "--out", "site"], capsys)
    assert code == 2 and "site/CNAME: not written by rustorch-regress" in err
    assert (work / "site" / "CNAME").read_text() == "bench.example.org\n"


@pytest.mark.parametrize("argv, expect", [
    (["--out", "results"], "--out results: is the input --results results"),
    (["--out", "results/site"], "--out results/site: lies inside the input --results"),
    (["--out", "."], "--results results: lies inside --out ., which is replaced as a whole"),
    (["--out", "site", "--json", "results/benchmarks.json"],
     "--json results/benchmarks.json: lies inside the input --results results"),
    (["--out", "site", "--markdown", "site/report.md"],
     "--markdown site/report.md: lies inside --out site"),
    (["--out", "site", "--json", "r.json", "--markdown", "r.json"],
     "--markdown r.json: also named by --json"),
    (["--out", "site", "--markdown", "afile/report.md"], "afile is not a directory"),
    (["--out", "afile"], "is a file, not a site directory"),
])
def test_outputs_that_would_overwrite_an_input_or_fail_are_refused_first(work, capsys,
                                                                        monkeypatch, argv, expect):
    (work / "afile").write_text("mine")
    read = []
    from rustorch_wasm.regress.cli import commands
    monkeypatch.setattr(commands, "load_history",
                        lambda *a, **k: read.append(1) or pytest.fail("read"))
    before = tree(work)
    code, _, err = run(["site", "--results", "results", *argv], capsys)
    assert code == 2 and err.count("\n") == 1 and expect in err, err
    assert read == [] and tree(work) == before


def test_results_inside_the_previous_site_are_refused(work, capsys):
    assert run([*SITE, "--out", "site"], capsys)[0] == 0
    shutil.copytree(work / "results", work / "site" / "results")
    code, _, err = run(["site", "--results", "site/results", "--out", "site"], capsys)
    assert code == 2 and "--results site/results: lies inside --out site" in err
    assert (work / "site" / "results" / "benchmarks.json").is_file()


@pytest.mark.parametrize("command", [
    ["detect"], ["compare", "HEAD", "HEAD~1"], ["baseline", "check", "--commit", "HEAD"]])
def test_json_naming_an_input_is_refused_and_the_input_kept(work, capsys, command):
    target = work / "results" / "benchmarks.json"
    before = target.read_bytes()
    code, _, err = run([*command, "--results", "results", "--json", str(target)], capsys)
    assert code == 2 and "lies inside the input --results" in err
    assert target.read_bytes() == before


def test_markdown_under_a_regular_file_writes_no_report_at_all(work, capsys):
    """Checked before the analysis: the --json report is not written either."""
    (work / "afile").write_text("mine")
    code, _, err = run(["detect", "--results", "results", "--json", "r.json",
                        "--markdown", "afile/r.md"], capsys)
    assert code == 2 and "afile is not a directory" in err
    assert not (work / "r.json").exists()


def test_a_failing_run_writes_none_of_its_outputs(work, capsys, monkeypatch):
    """Staged, then moved: the site and both reports appear together or not at all."""
    from rustorch_wasm.regress.cli import site_command
    assert run([*SITE, "--out", "site", "--json", "r.json"], capsys)[0] == 0
    before = tree(work)

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(site_command, "asv_publish", broken)
    monkeypatch.setattr("rustorch_wasm.regress.render.site.placeholder_asv_page", broken)
    code, _, err = run([*SITE, "--out", "site", "--json", "r.json", "--markdown", "r.md"],
                       capsys)
    assert code == 2 and "No space left on device" in err
    assert tree(work) == before                  # nothing new, nothing left beside


def test_backup_keeps_the_version_before_the_current_one(tmp_path):
    path = tmp_path / "box.json"
    for text in ("v1", "v2", "v2", "v3"):
        atomic.write_atomic(path, text, backup=True)
    assert path.read_text() == "v3" and (tmp_path / "box.json.bak").read_text() == "v2"
    # interrupted after the new file was in place, before .bak was updated:
    prev = tmp_path / f".box.json.rustorch-regress.{atomic.host_tag()}.999999999.0a0b0c0d.prev"
    os.link(path, prev)
    atomic.write_atomic(path, "v4")              # (no backup: .bak untouched)
    assert atomic.remove_stale(tmp_path) == [prev]
    assert (tmp_path / "box.json.bak").read_text() == "v3"     # the rotation completed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["box.json", "box.json.bak"]


def test_only_the_tools_own_leftovers_of_dead_runs_are_removed(tmp_path):
    host = atomic.host_tag()
    dead, alive = 999999999, os.getpid()
    keep = [tmp_path / ".site.old" / "important.txt",                      # a user's
            tmp_path / f".site.rustorch-regress.{host}.{dead}.00ff00ff.stage" / "mine.txt",
            tmp_path / f".r.json.rustorch-regress.{host}.{alive}.01020304.tmp",  # running
            tmp_path / f".r.json.rustorch-regress.0badc0de.{dead}.01020304.tmp",  # other host
            tmp_path / ".site.k2j4h5g6"]                                    # an old version's
    for p in keep:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("keep")
    stale_dir = tmp_path / f".site.rustorch-regress.{host}.{dead}.0a0a0a0a.stage"
    (stale_dir / "tree" / "plots").mkdir(parents=True)
    (stale_dir / STAGING_MARKER).write_text("{}")
    stale_file = tmp_path / f".r.json.rustorch-regress.{host}.{dead}.0b0b0b0b.tmp"
    stale_file.write_text("half")
    assert sorted(atomic.remove_stale(tmp_path)) == sorted([stale_dir, stale_file])
    assert all(p.read_text() == "keep" for p in keep)


def test_an_interrupted_site_build_leaves_the_old_site_and_the_next_one_cleans_up(work, capsys,
                                                                                  monkeypatch):
    from rustorch_wasm.regress.render import site as site_module
    assert run([*SITE, "--out", "site"], capsys)[0] == 0
    before = tree(work / "site")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(site_module, "write_series_data", interrupted)
    monkeypatch.setattr(atomic.StagedDir, "discard", lambda self: None)   # as if killed
    monkeypatch.setattr(atomic, "_alive", lambda pid: False)             # ... and gone
    assert run([*SITE, "--out", "site"], capsys)[0] == 2
    assert tree(work / "site") == before
    assert [p.name for p in work.iterdir() if ".rustorch-regress." in p.name]
    monkeypatch.undo()
    monkeypatch.chdir(work)
    monkeypatch.setattr(atomic, "_alive", lambda pid: False)
    assert run([*SITE, "--out", "site"], capsys)[0] == 0
    assert sorted(p.name for p in work.iterdir()) == ["results", "site"]


def test_without_an_atomic_exchange_an_interrupted_swap_is_undone(work, capsys, monkeypatch):
    """Where the system cannot exchange two directories, the swap is two
    renames; cut between them, the next run puts the old site back first."""
    assert run([*SITE, "--out", "site"], capsys)[0] == 0
    before = tree(work / "site")
    monkeypatch.setattr(atomic, "exchange", lambda a, b: False)
    real_rename = os.rename

    def cut(src, dst):
        real_rename(src, dst)
        if Path(dst).name == "old":
            raise KeyboardInterrupt                # killed right after the first rename
    monkeypatch.setattr(atomic.os, "rename", cut)
    monkeypatch.setattr(atomic.StagedDir, "discard", lambda self: None)
    assert run([*SITE, "--out", "site"], capsys)[0] == 2
    assert not (work / "site").exists()
    monkeypatch.undo()
    monkeypatch.chdir(work)
    monkeypatch.setattr(atomic, "_alive", lambda pid: False)
    atomic.remove_stale(work)
    assert tree(work / "site") == before


def test_the_exchange_swaps_two_directories_in_one_step(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "new").write_text("new")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "old").write_text("old")
    if not atomic.exchange(tmp_path / "a", tmp_path / "b"):
        pytest.skip("this system has no atomic exchange of two paths")
    assert [p.name for p in (tmp_path / "b").iterdir()] == ["new"]
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["old"]


@pytest.mark.parametrize("mask, file_mode, dir_mode", [(0o022, 0o644, 0o755),
                                                       (0o077, 0o600, 0o700)])
def test_written_files_are_readable_by_others_unless_the_umask_says_otherwise(
        work, capsys, mask, file_mode, dir_mode):
    old = os.umask(mask)
    try:
        assert run([*SITE, "--out", "site", "--json", "r.json"], capsys)[0] == 0
    finally:
        os.umask(old)
    modes = {stat.S_IMODE(p.stat().st_mode) for p in (work / "site").rglob("*") if p.is_file()}
    dirs = {stat.S_IMODE(p.stat().st_mode) for p in [work / "site", *(work / "site").rglob("*")]
            if p.is_dir()}
    assert modes == {file_mode} and dirs == {dir_mode}
    assert stat.S_IMODE((work / "r.json").stat().st_mode) == file_mode


# --------------------------------------------------------------- exit codes
def test_every_command_exits_3_on_an_internal_error(work, capsys, monkeypatch):
    """A deliberately broken module (the analysis, the comparison, the
    baseline writer, the gate's configuration): exit 3, one line asking for
    a report, never 1 (which CI reads as "regression found")."""
    from rustorch_wasm.regress.cli import commands, gate, run_command, site_command
    subprocess.run(["git", "init", "-q", "-b", "main", str(work / "repo")], check=True)

    def broken(*args, **kwargs):
        raise ZeroDivisionError("float division by zero")
    for module, name in [(commands, "analyse"), (commands, "compare_samples"),
                         (commands, "set_baselines"), (commands, "check_against_baselines"),
                         (site_command, "analyse"), (gate, "load_config"),
                         (run_command, "analyse")]:
        monkeypatch.setattr(module, name, broken)
    monkeypatch.setattr(commands, "resolve_commit", lambda repo, rev: sha(int(rev)))
    res = ["--results", "results"]
    for argv in (["detect", *res], ["compare", "3", "20", *res],
                 ["baseline", "set", "--commit", "3", *res],
                 ["baseline", "check", "--commit", "3", *res, "--baselines", "results"],
                 [*SITE, "--out", "site"], ["gate", "--base", "a", "--head", "b", "--repo", "repo"],
                 ["run", "--no-bench", *res, "--out", "site2", "--no-asv-publish"]):
        code, _, err = run(argv, capsys)
        assert code == 3, (argv, err)
        [line] = [line for line in err.splitlines() if line.startswith("error")]  # (progress)
        assert line.startswith("error: internal error") and "please report" in line, err
        assert "ZeroDivisionError: float division by zero" in err and "Traceback" not in err
    code, _, err = run(["detect", *res, "--debug"], capsys)
    assert code == 3 and "Traceback (most recent call last)" in err and "--debug" not in err[-80:]


def test_an_internal_error_in_a_real_process_is_exit_3_and_one_line(work):
    code = ("import sys; from rustorch_wasm.regress.analysis import pipeline\n"
            "def broken(*a, **k): raise IndexError('index 3 is out of bounds')\n"
            "pipeline.analyse = broken\n"
            "from rustorch_wasm.regress.cli import commands; commands.analyse = broken\n"
            "from rustorch_wasm.regress.cli.main import main; sys.exit(main(sys.argv[1:]))")
    proc = subprocess.run([sys.executable, "-c", code, "detect", "--results", "results"],
                          capture_output=True, text=True, cwd=work, timeout=300)
    assert proc.returncode == 3
    lines = [line for line in proc.stderr.splitlines() if not line.startswith("warning:")]
    assert len(lines) == 1 and "IndexError: index 3 is out of bounds" in lines[0]
