"""``rustorch-regress site``: the static trend site of any asv results directory.

    rustorch-regress site --results DIR [--repo R] [--branch B] [--config F]
        [--baselines DIR] [--out SITE] [--no-asv-publish] [--png WHICH] [--jobs N]

The results are read and ordered as ``detect`` reads them (the first-parent
history of ``--branch`` in ``--repo`` or the working directory's
repository, else asv's recorded commit dates, with the same warnings), the
detector runs with the same config (``--config``, else ``./regress.json``),
and :func:`publish_site` writes the pages with their interactive plots and
heat map (:mod:`..render.site`), with the stored baselines of
``--baselines``, commit subjects and dates from the repository when there is
one (else the dates asv recorded), every commit linked to its page on the
code host (:mod:`.commit_links`), asv's own pages when ``--repo`` is an asv
project (``asv publish``), and PNGs when ``--png`` asks for them.

``rustorch-regress run`` (``make run``) builds its site with
:func:`publish_site` too, after benchmarking and confirmation.

The output directory (``--out``) is replaced as a whole, so it must be
missing, empty, or a site this command built (its marker file
``.rustorch-regress-site`` lists every file the build wrote); anything
else in it (a ``.git``, a ``CNAME``, a file of yours) makes the command
refuse with one line naming that file, before anything is read, and
nothing is changed. ``--out`` must not be or lie inside ``--results`` or
``--baselines``, nor they inside it. The new site is built beside the old
one and exchanged with it in one step, together with ``--json`` and
``--markdown`` (:func:`..io.atomic.staged_outputs`); a build that fails
or is interrupted leaves the old site whole, and the next build removes
what it left.

Exit status 0 when the site was built, findings or not (the site is a view:
``detect`` is the command whose exit status says whether something
regressed); 2 on bad input, one line ``error: ...`` on stderr; 3 on an
internal error.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

from ..model.findings import Report
from ..model.profile import Profile
from ..model.series import Series, SeriesKey, paused_gc
from ..io.atomic import staged_outputs
from ..io.baseline import BaselineError, load_baseline
from ..io.history import History
from ..analysis.pipeline import analyse
from .asv_runner import asv_publish
from .commands import (add_rule_options, check_report_outputs, config_from_args,
                       history_heading, history_links, history_of, write_reports)
from .commit_links import commit_details, history_url_template


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def stored_baselines(directory: Path, series: Sequence[Series]) -> tuple[dict[SeriesKey, float], str]:
    """Median of the stored baseline samples per series key (``<machine>.json``
    of the machines measured), and where they came from."""
    levels: dict[SeriesKey, float] = {}
    sources = []
    machines = {s.key.machine for s in series}
    for path in sorted(Path(directory).glob("*.json")):
        if path.stem not in machines:
            continue
        try:
            base = load_baseline(path)
        except BaselineError as exc:
            print(f"warning: {exc}; not used", file=sys.stderr)
            continue
        for key, samples in base.samples.items():
            if samples:
                levels[key] = float(statistics.median(samples))
        sources.append(f"{Path(directory).name}/{path.name} (commit {base.commit[:10]})")
    return levels, ", ".join(sources)


def publish_site(out: Path, history: History, report: Report, profile: Profile, *,
                 results: Path | None = None, baselines: Path | None = None, asv: bool = True,
                 progress: bool = True, workers: int = 1, png: str = "findings",
                 project: Path | None = None) -> Path:
    """The site of the analysis ``report`` of ``history``: plots of the change
    points the report decided, stored baselines from ``baselines`` when
    given, commit subjects and dates from the history's repository when it
    has one (else asv's recorded dates), every commit linked through the
    commit URL template (of ``project``'s asv.conf.json, the profile, or the
    repository's GitHub remote: :mod:`.commit_links`), ``asv publish`` of
    ``results`` when that repository is an asv project (``asv``: try it at
    all), the commits not measured with the commit whose build they have;
    ``png``: which series also get a PNG (``findings``: those with a finding
    shown as a change, what ``findings.md`` links); ``workers``: plotting
    processes (see :func:`~..render.site.build_site`). Returns ``out/index.html``."""
    from ..render.site import SiteData, build_site

    series, commits, repo = history.series, history.measured, history.repo
    same = history.unmeasured_builds
    levels, source = stored_baselines(baselines, series) if baselines is not None else ({}, "")
    info = commit_details(history)
    with tempfile.TemporaryDirectory(prefix="asv-html-") as tmp:
        asv_html = None
        if asv and repo is not None and (Path(repo) / "asv.conf.json").is_file():
            if progress:
                say("site: asv publish")
            asv_html = asv_publish(repo, Path(tmp) / "html", results)
        data = SiteData(series=list(series), report=report, commits=list(commits),
                        change_points={k: a.change_points for k, a in report.analyses.items()},
                        baselines=levels, baseline_source=source, commit_info=info,
                        same_build=same, profile=profile,
                        commit_url=history_url_template(history, profile, project),
                        order="first-parent history" if repo is not None else
                        "ordered by asv's recorded commit dates")
        return build_site(data, out, asv_html=asv_html, progress=progress, workers=workers,
                          png=png)


def run(args: argparse.Namespace) -> int:
    from ..render.plot_jobs import default_workers

    check_report_outputs(args, ("--out", args.out, "site"),
                         reads=(("--baselines", args.baselines, "json-files"),))
    config = config_from_args(args)
    started = time.monotonic()
    with paused_gc(freeze=True):
        history = history_of(args, config)   # (no line before: an error stays the only line)
        say(f"site: {args.results} read in {time.monotonic() - started:.1f} s; detecting over "
            f"{len(history.series)} series, {len(history.measured)} commits")
        report = analyse(history, config)
    say(f"site: {len(report.findings)} finding(s) at {time.monotonic() - started:.1f} s; "
        f"writing {args.out}")
    links = history_links(history, report, config.profile) if args.markdown else None
    with staged_outputs() as staging:         # the site and the reports, together
        write_reports(report, args, history_heading(history, config.profile.title, args.branch),
                      staging, links)
        index = publish_site(args.out, history, report, config.profile, results=args.results,
                             baselines=args.baselines, asv=not args.no_asv_publish,
                             workers=args.jobs or default_workers(), png=args.png)
    kinds: dict[str, int] = {}
    for f in report.findings:
        kinds[f.kind] = kinds.get(f.kind, 0) + 1
    counts = ", ".join(f"{n} {k}" for k, n in kinds.items())
    print(f"site: {report.series_checked} series checked, {len(report.findings)} finding(s)"
          f"{' (' + counts + ')' if counts else ''} in {time.monotonic() - started:.1f} s: {index}")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "site", help="build the static trend site (findings, plots, heat map) of a results directory",
        description=__doc__.split("\n\n")[0].split(": ", 1)[1],
        epilog="Exit status 0 when the site was built, whether or not there are findings "
               "(the site is a view; use `detect` for an exit status that fails on a "
               "regression); 2 on bad input; 3 on an internal error. --out must be missing, "
               "empty or a site this command built: anything else in it (a .git, a CNAME) "
               "is refused, never removed.")
    add_rule_options(p, repo=None)
    p.add_argument("--branch", default="main",
                   help="branch whose first-parent history orders the commits (with a repository)")
    p.add_argument("--baselines", type=Path, default=None,
                   help="directory of stored baselines (<machine>.json, `baseline set`)")
    p.add_argument("--out", type=Path, default=Path("site"),
                   help="site directory, replaced as a whole: missing, empty or built by this "
                        "command (default: ./site)")
    p.add_argument("--no-asv-publish", action="store_true",
                   help="skip asv's own pages (they need --repo to be an asv project)")
    p.add_argument("--png", choices=("none", "findings", "all"), default="none",
                   help="also draw PNGs (matplotlib) in plots/: of the series with a finding "
                        "shown as a change, or of all; default none (the site's plots are "
                        "drawn in the browser)")
    p.add_argument("--jobs", type=int, default=None, metavar="N",
                   help="PNG plotting processes (default: the CPUs available)")
    p.set_defaults(func=run)
    return p


__all__ = ["add_parser", "publish_site", "run", "stored_baselines"]
