"""The public asv result repositories of the real-history evaluation, and
the command that brings their results here.

    python -m evaluation.real_sources --into DIR [--mirrors ROOT] [--only NAME,...]

Each entry of :data:`SOURCES` pins a repository, the ref and path of its
asv results and the commit they were taken at. For each one not yet in
``DIR/<name>/results`` the command takes a bare clone: ``ROOT/<owner>+<name>/repo``
when ``--mirrors`` names a directory of such clones, else ``git clone --bare
--filter=blob:none https://github.com/<owner>/<name>`` (network needed), and
extracts ``git archive <commit> <path>`` into ``DIR/<name>/results`` (the
tar read by Python's :mod:`tarfile`, no shell), with a ``SOURCE`` file
naming where it came from. Nothing fetched is committed to this repository.
A repository that cannot be had is reported in one line and left out.
"""
from __future__ import annotations

import argparse
import io
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

#: Where the extracts come from: name -> (GitHub repository, ref, results path in it, the
#: commit extracted (None: extracted earlier, not recorded)). Extract one with
#: ``git --git-dir=<clone> archive COMMIT PATH | tar -x`` into
#: ``~/.cache/rustorch_wasm/real/<name>/results`` (never committed here).
SOURCES: dict[str, tuple[str, str, str, str | None]] = {
    "NCAR+geocat-comp-asv":
        ("NCAR/geocat-comp-asv", "main", "results",
         "e34e9d02a7cfcc767bfc919e793175cd2ae0f030"),
    "UXARRAY+uxarray-asv":
        ("UXARRAY/uxarray-asv", "main", "results",
         "c48d3a311e2fabc6f343e9c480ac3b5d4d0dcf60"),
    "OpenMathLib+BLAS-Benchmarks":
        ("OpenMathLib/BLAS-Benchmarks", "gh-pages", "results",
         "119801447b82eac47da606083189e52b7bc8b23e"),
    "PlasmaPy+plasmapy-benchmarks":
        ("PlasmaPy/plasmapy-benchmarks", "results", "results",
         "ac46d7a8bf8a47571d62b9f123b249c6dd92aaa8"),
    "Quansight+versioned-hdf5-benchmarks":
        ("Quansight/versioned-hdf5-benchmarks", "main", ".asv/results",
         "9e7080f4a367bcb010b9fb514050f4b9fb396774"),
    "Unidata+MetPy-benchmark":
        ("Unidata/MetPy-benchmark", "main", "results",
         "d7e4c144d5c61199e762c942d742c76f5cd0fba0"),
    "brian-team+brian2_benchmarks":
        ("brian-team/brian2_benchmarks", "master", ".asv/results",
         "01a3a91642d32fb481ba9b44cb83c6877ee41839"),
    "conda+conda-benchmarks":
        ("conda/conda-benchmarks", "main", ".asv/results",
         "9b4e497b533a76fb03221edc780fbc8e9724299b"),
    "kedro-org+kedro-benchmark-results":
        ("kedro-org/kedro-benchmark-results", "main", ".asv/results",
         "ea5683f69ab56493b574a29e6f90bc6da43f4570"),
    "xdslproject+xdsl-bench":
        ("xdslproject/xdsl-bench", "main", ".asv/results",
         "ad1016468ea28d8ce4ce657e21f21419e57ee0e8"),
    "cvxpy+benchmarks":
        ("cvxpy/benchmarks", "gh-pages", "results",
         "94b5967d57012f282fb199cdc20da388e52d102c"),
    "pvlib+pvlib-benchmarks":
        ("pvlib/pvlib-benchmarks", "master", "results",
         "95acc373ce31e66e78cdb8fd0c729ef9c5e2199b"),
    "astropy+photutils-benchmarks":
        ("astropy/photutils-benchmarks", "main", "results",
         "7c0da0db05a36c6993214bbbcc627cb83a3ae59d"),
    "emsig+empymod-bench":
        ("emsig/empymod-bench", "main", "results",
         "814affd7811e69df204ecb1525f18494ac55c3e9"),
    "emsig+emg3d-bench":
        ("emsig/emg3d-bench", "main", "results",
         "dbc96547195340a30d9b0361aecc624883008710"),
    "vaexio+vaex-asv":
        ("vaexio/vaex-asv", "master", ".asv/results",
         "b48b446cf2da12349eedf0096465a2c8d938450e"),
    "Flowminder+FlowKit-benchmarks":
        ("Flowminder/FlowKit-benchmarks", "master", "results",
         "bbfad11977c0caabef5bce2673caa1d27fb6b387"),
    "GridTools+gt4py-benchmarks":
        ("GridTools/gt4py-benchmarks", "airspeed-velocity", "results",
         "a292e67357f80d726193b1bf35a3268e81ad8fd9"),
    "astrofrog+reproject-benchmarks":
        ("astrofrog/reproject-benchmarks", "master", "results",
         "d0f6d77faab5e915a35927cb6073542aea18ccdf"),
    "django-asv":
        ("django/django-asv", "main", "results",
         None),
}


def bare_clone(owner_repo: str, mirrors: Path | None, scratch: Path) -> Path:
    """A bare clone of ``owner_repo``: the mirror's when there is one, else a new one."""
    if mirrors is not None:
        local = mirrors / owner_repo.replace("/", "+") / "repo"
        if local.is_dir():
            return local
    dest = scratch / owner_repo.replace("/", "+")
    proc = subprocess.run(["git", "clone", "-q", "--bare", "--filter=blob:none", "--",
                           f"https://github.com/{owner_repo}", str(dest)],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise OSError((proc.stderr.strip().splitlines() or ["git clone failed"])[-1])
    return dest


def extract(name: str, into: Path, mirrors: Path | None, scratch: Path) -> str:
    """Bring one repository's results to ``into/name/results``; what happened."""
    owner_repo, ref, path, commit = SOURCES[name]
    target = into / name / "results"
    if target.is_dir():
        return "present"
    git_dir = bare_clone(owner_repo, mirrors, scratch)
    rev = commit or ref
    proc = subprocess.run(["git", "--git-dir", str(git_dir), "archive", "--format=tar",
                           "--end-of-options", rev, path], capture_output=True, check=False)
    if proc.returncode != 0:
        raise OSError(proc.stderr.decode(errors="replace").strip().splitlines()[-1])
    staging = into / name / ".extract"
    with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as tar:
        tar.extractall(staging, filter="data")
    (staging / path).rename(target)
    shutil.rmtree(staging)
    (into / name / "SOURCE").write_text(f"{owner_repo} {ref} {path} {rev}\n")
    return f"extracted {rev[:12]}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m evaluation.real_sources",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("--into", type=Path, required=True, help="where the results go")
    ap.add_argument("--mirrors", type=Path, default=None,
                    help="a directory of bare clones named <owner>+<name>/repo")
    ap.add_argument("--only", default="", help="comma-separated names (default: all)")
    args = ap.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(SOURCES)
    unknown = [n for n in names if n not in SOURCES]
    if unknown:
        print(f"error: unknown repository name(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    missing = 0
    with tempfile.TemporaryDirectory(prefix="real-sources-") as tmp:
        for name in names:
            try:
                print(f"{name}: {extract(name, args.into, args.mirrors, Path(tmp))}")
            except OSError as exc:
                missing += 1
                print(f"{name}: not had: {exc}", file=sys.stderr)
    return 1 if missing == len(names) else 0


if __name__ == "__main__":
    sys.exit(main())
