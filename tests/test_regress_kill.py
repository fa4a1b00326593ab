"""kill -9 at any moment of ``baseline set`` and ``site`` (issue #23): the
previous baseline or site is always there, whole; after the next run that
completes, nothing of the killed runs is left.

Each child runs the command line under an audit hook that, at the chosen
moment, tells the test (one byte on a pipe) and waits to be killed: while
the temporary file exists and is written, before the old version is linked
aside, between the replace and the ``.bak`` rename, when the site's
workspace is made, while plots are written into it, right before the
exchange, after it and before the old tree is removed. The other kills come
after a random delay within a whole run's duration.
"""
from __future__ import annotations

import json
import os
import random
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from _dated_results import write_results
from rustorch_wasm.regress.io.baseline import load_baseline
from rustorch_wasm.regress.io.ownership import SITE_MARKER
from rustorch_wasm.regress.io.repository import make_history

KILLS = 20

CHILD = r"""
import os, sys, time
where, fd = os.environ["KILL_AT"], int(os.environ["KILL_FD"])
done = []

def moment(event, args):
    text = " ".join(map(str, args))
    if "rustorch-regress." not in text and where not in ("temp", "exchange"):
        return False
    return {"temp": event == "os.chmod",          # fchmod of a temporary file just made
            "link": event == "os.link",
            "bak": event == "os.rename" and str(args[1]).endswith(".bak"),
            "replace": event == "os.rename" and str(args[1]).endswith(".json"),
            "workspace": event == "os.mkdir" and text.split()[0].endswith(".stage"),
            "exchange": event == "ctypes.dlsym" and "renameat2" in text,
            "cleanup": event == "shutil.rmtree" and ".stage" in text}.get(where, False)

def hook(event, args):
    if not done and moment(event, args):
        done.append(1)
        os.write(fd, b"k")
        time.sleep(120)

sys.addaudithook(hook)
from rustorch_wasm.regress.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def launch(argv: list[str], cwd: Path, where: str) -> tuple[subprocess.Popen, int]:
    r, w = os.pipe()
    env = dict(os.environ, KILL_AT=where, KILL_FD=str(w))
    proc = subprocess.Popen([sys.executable, "-c", CHILD, *argv], cwd=cwd, env=env,
                            pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    os.close(w)
    return proc, r


def kill_at(argv: list[str], cwd: Path, where: str, duration: float,
            rng: random.Random) -> bool:
    """Run ``argv`` and kill -9 it at ``where`` (or after a random delay); True if killed."""
    proc, r = launch(argv, cwd, where)
    try:
        if where == "random":
            deadline = time.monotonic() + rng.uniform(0.05, duration)
            while time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.01)
        else:
            ready, _, _ = select.select([r], [], [], 300)
            assert ready, f"the child never reached {where}"
            assert os.read(r, 1) == b"k"
        if proc.poll() is not None:
            assert proc.returncode == 0, proc.stderr.read().decode()
            return False
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        return True
    finally:
        os.close(r)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()


def run_ok(argv: list[str], cwd: Path) -> float:
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "rustorch_wasm.regress", *argv], cwd=cwd,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode in (0, 1), proc.stderr
    return time.monotonic() - started


def previous_version(base: Path) -> str:
    """The commit of the version before the current baseline: in ``.bak``, or
    still in the hard link a run killed between its replace and its ``.bak``
    rename left (the next run completes that rename; a link to the current
    file, made before a replace that never came, is dropped)."""
    pending = [p for p in base.glob(".box.json.rustorch-regress.*.prev")
               if not os.path.samefile(p, base / "box.json")]    # (linked, not yet replaced)
    return load_baseline(pending[-1] if pending else base / "box.json.bak").commit


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if "rustorch-regress." in p.name)


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> tuple[Path, list[str]]:
    root = tmp_path_factory.mktemp("kill")
    shas = make_history(root / "repo", 12)
    write_results(root / "results", n=12, shas=shas)
    return root, shas


def test_kill_9_during_baseline_set_never_loses_the_baseline(history):
    root, shas = history
    base = root / "baselines"
    rng = random.Random(23)
    argv = ["baseline", "set", "--results", str(root / "results"), "--repo", str(root / "repo"),
            "--baselines", str(base), "--commit"]
    duration = run_ok([*argv, shas[0]], root)
    run_ok([*argv, shas[1]], root)
    moments = ["temp", "link", "bak", "replace", "random"] * (KILLS // 5)
    kills, turn, hit = 0, 2, set()
    for i, where in enumerate(moments * 3):
        if kills == KILLS:
            break
        current = load_baseline(base / "box.json").commit
        previous = previous_version(base)
        new = next(shas[(turn + k) % len(shas)] for k in range(2)
                   if shas[(turn + k) % len(shas)] != current)
        turn += 1
        killed = kill_at([*argv, new], root, where, duration, rng)
        kills += killed
        hit.add(where) if killed else None
        now = load_baseline(base / "box.json")          # whole, and one of the two versions
        assert now.commit in (current, new)
        state = (where, sorted(p.name for p in base.iterdir()), shas.index(current),
                 shas.index(previous), shas.index(new), shas.index(now.commit))
        assert previous_version(base) == (current if now.commit == new else previous), state
        if i % 2:                                       # then a run that completes
            before = (base / "box.json").read_bytes()
            other = next(s for s in shas if s != now.commit)
            run_ok([*argv, other], root)
            assert leftovers(base) == []
            assert (base / "box.json.bak").read_bytes() == before   # the version before
            assert load_baseline(base / "box.json").commit == other
    assert kills == KILLS and hit == set(moments)


def site_is_whole(site: Path) -> None:
    marker = json.loads((site / SITE_MARKER).read_text())
    assert all((site / f).is_file() for f in marker["files"]), "a file of the site is missing"
    assert "index.html" in marker["files"]
    json.loads((site / "findings.json").read_text())


def test_kill_9_during_site_never_loses_the_site(history):
    root, _ = history
    rng = random.Random(230)
    argv = ["site", "--results", str(root / "results"), "--out", str(root / "site"), "--jobs",
            "1", "--no-asv-publish", "--json", str(root / "site.json")]
    duration = run_ok(argv, root)
    moments = ["workspace", "temp", "exchange", "cleanup", "random"] * (KILLS // 5)
    kills, hit = 0, set()
    for i, where in enumerate(moments * 3):
        if kills == KILLS:
            break
        killed = kill_at(argv, root, where, duration, rng)
        kills += killed
        hit.add(where) if killed else None
        site_is_whole(root / "site")
        json.loads((root / "site.json").read_text())
        if i % 2:
            run_ok(argv, root)
            site_is_whole(root / "site")
            assert leftovers(root) == []
    assert kills == KILLS and hit == set(moments)
