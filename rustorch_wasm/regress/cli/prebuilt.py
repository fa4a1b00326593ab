"""asv's own machinery for a backfill: build each wheel once, install it everywhere.

asv 0.6 keeps one wheel per commit in each environment's build cache
(``<env_dir>/<env dir name>/asv-build-cache/<sha>/*.whl`` with a
``<sha>.timestamp`` beside it); ``asv run`` installs a cached wheel with the
config's ``install_command`` instead of building. Environments that differ
only in ``env_nobuild`` variables (this project's engines) share one such
directory, hence one wheel per commit. So:

* :func:`build_wheels` (the build stage) builds commits with asv's Python API
  exactly as ``asv run`` would (``Environment.install_project``: the
  config's ``build_command`` in the environment's interpreter) and copies
  each wheel out, to ``<wheels>/<env dir name>/<sha>/``;
* :func:`seed_wheels` (a shard) creates the environments first (asv
  empties a new environment's directory), then puts every prebuilt wheel
  into its build cache; :func:`shard_config` gives ``asv run`` a
  ``build_command`` that fails, so a shard that would build says so instead;
* :func:`discover` lists the suite's benchmarks in this interpreter
  (asv's ``existing:same`` environment), for a plan without earlier results.

asv is imported lazily: only measuring needs it.
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..io.atomic import copy_atomic, write_atomic
from .asv_runner import AsvRunError, asv_env, private_config

#: ``build_command`` of a shard: shards install prebuilt wheels, they never build.
NO_BUILD = ("python -c \"import sys; sys.exit('rustorch-regress backfill shard: "
            "no prebuilt wheel for this commit; shards never build')\"")
_LOG_ON: list[bool] = []


def shard_config(repo: Path, workdir: Path, *, results: Path, env_dir: Path | None,
                 builds: int, build: bool) -> Path:
    """A private asv config (:func:`.asv_runner.private_config`) writing to
    ``results``, with its environments in ``env_dir`` (default: the
    project's), a build cache that holds every build, and (``build=False``)
    the failing build command."""
    workdir.mkdir(parents=True, exist_ok=True)
    path = private_config(Path(repo).resolve(), workdir, results)
    data = json.loads(path.read_text(encoding="utf-8"))
    if env_dir is not None:
        data["env_dir"] = str(Path(env_dir).resolve())
    data["build_cache_size"] = max(int(data.get("build_cache_size", 2)), builds + 2)
    if not build:
        data["build_command"] = [NO_BUILD]
    write_atomic(path, json.dumps(data, indent=2))
    return path


@contextmanager
def asv_api(config: Path) -> Iterator[tuple[Any, Any]]:
    """asv's (config, repository) for ``config``, with asv's log on stdout and
    this interpreter's bin directory on PATH (where asv finds python3.x)."""
    try:
        from asv import util
        from asv.config import Config
        from asv.console import log
        from asv.repo import get_repo
    except ModuleNotFoundError:
        raise AsvRunError("asv is not installed; a backfill needs it (pip install asv==0.6.6)") \
            from None
    if not _LOG_ON:
        log.enable(False)
        _LOG_ON.append(True)
    old = os.environ.get("PATH")
    os.environ["PATH"] = asv_env()["PATH"]
    try:
        conf = Config.load(str(config))
        yield conf, get_repo(conf)
    except (util.UserError, util.ProcessError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[-1]
        raise AsvRunError(f"asv: {first}") from None
    finally:
        if old is None:
            os.environ.pop("PATH", None)
        else:
            os.environ["PATH"] = old


def build_environments(conf: Any) -> list[Any]:
    """One asv environment per build directory (environments that differ only
    in ``env_nobuild`` share one, and one wheel per commit)."""
    from asv import environment

    seen: dict[str, Any] = {}
    for env in environment.get_environments(conf, None):
        seen.setdefault(env.dir_name, env)
    if not seen:
        raise AsvRunError("asv found no environment to build in (check 'pythons' and 'matrix')")
    return list(seen.values())


def cache_dir(conf: Any, env: Any) -> Path:
    """asv's build cache of ``env`` (asv.build_cache.BuildCache's layout)."""
    return Path(conf.env_dir) / env.dir_name / "asv-build-cache"


def build_wheels(config: Path, commits: Sequence[str], out: Path) -> list[Path]:
    """Build each of ``commits`` once per build directory, as ``asv run``
    would, into ``out/<env dir name>/<sha>/``; returns the wheels."""
    wheels = []
    with asv_api(config) as (conf, repo):
        for env in build_environments(conf):
            env.create()
            for commit in commits:
                print(f"backfill build: {commit[:8]} in {env.name}", flush=True)
                env.install_project(conf, repo, commit)
                found = sorted((cache_dir(conf, env) / commit).glob("*.whl"))
                if len(found) != 1:
                    raise AsvRunError(f"{commit[:8]}: asv left {len(found)} wheel(s) in its build "
                                      f"cache of {env.name}, expected one")
                target = Path(out) / env.dir_name / commit / found[0].name
                target.parent.mkdir(parents=True, exist_ok=True)
                copy_atomic(found[0], target)
                wheels.append(target)
    return wheels


def prebuilt(wheels: Path, dir_name: str, commit: str) -> Path | None:
    found = sorted((Path(wheels) / dir_name / commit).glob("*.whl"))
    return found[0] if len(found) == 1 else None


def seed_wheels(config: Path, commits: Sequence[str], wheels: Path) -> int:
    """Create the environments of ``config`` and put the prebuilt wheel of
    every commit in their build caches; returns how many were placed. A
    missing wheel is an error naming it (before anything is placed)."""
    placed = 0
    with asv_api(config) as (conf, _):
        envs = build_environments(conf)
        missing = [f"{env.dir_name}/{c}" for env in envs for c in commits
                   if prebuilt(wheels, env.dir_name, c) is None]
        if missing:
            raise AsvRunError(f"{wheels}: no single prebuilt wheel for {len(missing)} build(s), "
                              f"e.g. {missing[0]}")
        for env in envs:
            env.create()            # a new environment's directory is emptied: create first
            cache = cache_dir(conf, env)
            for commit in commits:
                wheel = prebuilt(wheels, env.dir_name, commit)
                assert wheel is not None
                target = cache / commit
                target.mkdir(parents=True, exist_ok=True)
                for old in target.glob("*.whl"):
                    if old.name != wheel.name:
                        old.unlink()          # asv refuses a cache dir with two wheels
                copy_atomic(wheel, target / wheel.name)
                write_atomic(cache / f"{commit}.timestamp", "")
                placed += 1
    return placed


def discover(config: Path) -> list[str]:
    """The names of the suite's benchmarks, imported in this interpreter."""
    from asv import environment
    from asv.benchmarks import Benchmarks

    with asv_api(config) as (conf, repo):
        envs = list(environment.get_environments(conf, ["existing:same"]))
        found = Benchmarks.discover(conf, repo, envs[:1], [None])
        return sorted(found)


__all__ = ["NO_BUILD", "build_wheels", "discover", "seed_wheels", "shard_config"]
