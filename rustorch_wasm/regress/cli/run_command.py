"""``rustorch-regress run``: the history job of an asv project, end to end.

    rustorch-regress run [--range HEAD~50..HEAD] [--bench REGEX] [--no-bench | --no-analysis]
        [--results DIR] [--out SITE] [--no-confirm] [--branch HEAD] [--config F]
        [--baselines DIR] [--machine NAME] [--all-commits] [--asv-arg ARG]
        [--no-asv-publish] [--json OUT] [--markdown OUT]

For the asv project in the working directory (``--project``; its
``asv.conf.json`` names the repository and the results directory):

1. **Benchmark** one commit per distinct build of ``--range``
   (:mod:`..io.builds`: a commit with its first parent's build key, from
   the profile's build paths, cannot change a measurement), skipping builds
   that already have results on this machine; ``asv run`` with samples
   recorded. ``--no-bench`` uses the results that exist; ``--no-analysis``
   stops after this step (``make bench``).
2. **Analyse** the results along the first-parent history of ``--branch``
   (:func:`..io.history.load_history` and :func:`..analysis.pipeline.analyse`,
   the very path of ``detect`` and ``site``).
3. **Confirm** under the confirmation policy (:mod:`..analysis.policy`, the
   gate's too): every timing-only suspect is re-measured at its commit and
   parent, interleaved, and becomes confirmed, refuted or inconclusive
   (``--no-confirm`` skips it; the listing then says so).
4. **Report**: the site (``--out``, by :func:`.site_command.publish_site`)
   with ``findings.json``, ``findings.md`` (the listing by verdict, then the
   detector's report) and ``confirmations.json``; ``--json``/``--markdown``
   when asked; the listing on stdout.

Every output (``--out``, ``--json``, ``--markdown``) is checked before
benchmarking (:mod:`..io.outputs`: ``--out`` as ``site`` checks it) and
all are written together at the end.

Exit status 0 when the job ran (its findings are reported, not an error;
``detect`` on the results gives an exit status that fails on a
regression), 2 on bad input (one line ``error: ...``), 3 on an internal
error.
"""
from __future__ import annotations

import argparse
import json
import platform
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ..model.config import DetectorConfig, config_path, load_config
from ..model.findings import Report, finding_id
from ..model.series import SeriesKey, paused_gc
from ..io.atomic import staged_outputs
from ..io.builds import measured_commits, plan
from ..io.history import History, load_history
from ..io.outputs import check_outputs
from ..io.repository import HistoryError, build_keys, range_commits, toplevel
from ..io.results import ResultsError
from ..io.triage import project_triage
from ..analysis import policy
from ..analysis.confirm import Confirmation, RemeasureError, Samples, confirm
from ..analysis.pipeline import analyse, with_triage
from ..render import verdicts
from ..render.report import render_markdown
from .asv_runner import AsvRunError, PairRunner, load_asv_config, run_history
from .commands import warn_all
from .commit_links import commit_details, history_url_template
from .site_command import publish_site


def step(text: str) -> None:
    print(f"==> {text}", flush=True)


@dataclass(frozen=True)
class Project:
    """The asv project a run is for: its repository and results directory."""

    root: Path          # where asv.conf.json is
    repo: Path | None   # the benchmarked repository (asv.conf.json "repo"); None: none here
    results: Path

    @classmethod
    def at(cls, root: Path, results: Path | None, bench: bool) -> "Project":
        """The project at ``root``. Without benchmarking, a ``results`` directory
        is enough (no asv.conf.json): with the git repository ``root`` lies in,
        or with none (asv's recorded dates order the commits, nothing is
        re-measured)."""
        if not bench and results is not None and not (root / "asv.conf.json").is_file():
            try:
                repo: Path | None = toplevel(root)
            except HistoryError:
                repo = None
            return cls(root.resolve(), repo, Path(results))
        conf = load_asv_config(root)
        repo_spec = str(conf.get("repo", "."))
        try:
            repo = toplevel((root / repo_spec).resolve())
        except HistoryError:
            raise HistoryError(f"{root / 'asv.conf.json'}: 'repo' is {repo_spec!r}, not a local "
                               "git repository; run needs the repository here") from None
        where = results if results is not None else root / conf.get("results_dir", "results")
        return cls(root.resolve(), repo, Path(where))


class Remeasure:
    """The confirmation runner: asv on the project, its failures as RemeasureError."""

    def __init__(self, repo: Path, workdir: Path) -> None:
        self.asv = PairRunner(repo, workdir, log=workdir / "asv.log", echo_progress=True)

    def __call__(self, parent: str, commit: str, keys: Sequence[SeriesKey],
                 rounds: int) -> Samples:
        try:
            return self.asv(parent, commit, keys, rounds)
        except (AsvRunError, ResultsError) as exc:
            raise RemeasureError(f"{exc} (asv log: {self.asv.log})") from None


def benchmark(project: Project, args: argparse.Namespace, config: DetectorConfig) -> None:
    """Step 1: asv over the distinct builds of the range not yet measured."""
    assert project.repo is not None         # Project.at: benchmarking needs the repository
    commits = range_commits(project.repo, args.range)
    if not commits:
        print(f"bench: nothing to benchmark in {args.range}")
        return
    machine = args.machine or platform.node()
    work = plan(project.repo, commits, measured_commits(project.results, machine),
                paths=config.profile.build_paths, every_commit=args.all_commits)
    print(f"bench: {work.summary(args.range)}", flush=True)
    if not work.to_measure:
        return
    failed: list[tuple[str, str]] = []
    code = run_history(project.repo, work.to_measure, benches=args.bench, machine=args.machine,
                       extra=args.asv_arg, failed=failed)
    if code != 0:
        named = "; ".join(f"{what} at {commit}" for commit, what in failed[:8])
        more = f" and {len(failed) - 8} more" if len(failed) > 8 else ""
        print(f"warning: asv exited with status {code}"
              + (f": failed {named}{more}" if failed else " (some commits or benchmarks failed)")
              + "; continuing with the results that exist", file=sys.stderr)


def confirmation(report: Report, history: History, project: Project, config: DetectorConfig,
                 no_confirm: bool) -> tuple[list[Confirmation], str]:
    """Step 3: the policy's suspects, re-measured (or the note why not); a
    triaged finding is not measured again (people decided it)."""
    triaged = {f.id for f in report.findings if f.triage is not None}
    todo = [s for s in policy.suspects(report, policy.companion_counts(history.series, config),
                                       config, {s.key: s.unit for s in history.series})
            if finding_id(s.key, s.commit) not in triaged]
    if not todo:
        return [], ""
    if no_confirm or project.repo is None:
        why = "--no-confirm" if no_confirm else "no repository to build them from"
        return [], f"{len(todo)} timing-only suspect(s) not re-measured ({why})"
    pairs = len({(c.parent, c.commit) for c in todo})
    step(f"confirming {len(todo)} timing-only suspect(s) at {pairs} commit pair(s) by "
         f"interleaved re-measurement ({config.confirm_rounds_per_look} rounds a look, at most "
         f"{config.confirm_max_rounds})")
    workdir = Path(tempfile.mkdtemp(prefix="rustorch-confirm-"))
    done = confirm(todo, Remeasure(project.repo, workdir), config,
                   progress=lambda text: print(f"confirm: {text}", flush=True))
    if any(c.reason.startswith("re-measurement failed") for c in done):
        print(f"warning: a re-measurement failed; its asv log is kept in {workdir}",
              file=sys.stderr)
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return done, ""


def findings_markdown(report: Report, entries: list[policy.Entry], title: str,
                      links: dict | None = None) -> str:
    """The detector's Markdown with the listing by verdict after its title
    (``links``: commit URL template, dates and subjects, PNGs; :mod:`.commit_links`)."""
    text = render_markdown(report, title, **(links or {}))
    head, _, rest = text.partition("\n")
    return f"{head}\n\n{verdicts.markdown(entries)}\n{rest.lstrip(chr(10))}"


def print_findings(report: Report, entries: list[policy.Entry], note: str) -> None:
    counts = verdicts.summary(entries)
    print(f"{report.series_checked} series checked, {len(report.findings)} finding(s)"
          + (f": {counts}" if counts else ""))
    for line in verdicts.text_lines(entries):
        print(line)
    if note:
        print(f"note: {note}")
    others = [f for f in report.findings if policy.section_of(f) is None]
    if others:
        print(f"Other findings ({len(others)}):")
    for f in others:
        print(f"  {f.kind:11s} {f.key.label} at {f.commit[:10]} x{f.ratio:.3f} "
              f"(p={f.p_value:.2g}) [{f.key.machine}]")


def run(args: argparse.Namespace) -> int:
    root = Path(args.project).resolve()
    config = load_config(config_path(args.config, root))
    config = config.with_values(threshold=args.threshold, alpha=args.alpha)
    project = Project.at(root, args.results, bench=not args.no_bench)
    check_outputs([("--out", args.out, "site"), ("--json", args.json_out, "file"),
                   ("--markdown", args.markdown, "file")],
                  [("--results", project.results, "tree"),
                   ("--config", config_path(args.config, root), "file"),
                   ("--baselines", args.baselines, "json-files")])
    if not args.no_bench:
        step(f"benchmarking {args.range} with asv")
        benchmark(project, args, config)
    if args.no_analysis:
        return 0
    step(f"analysing {project.results}")
    with paused_gc(freeze=True):
        history = load_history(project.results, repo=project.repo, search=None,
                               branch=args.branch, build_paths=config.profile.build_paths,
                               max_bytes=config.max_result_bytes)
        warn_all(history.result_set)
        decisions = project_triage(history.repo if history.repo is not None else root)
        report = analyse(history, config, decisions)
    confirmations, note = confirmation(report, history, project, config, args.no_confirm)
    report = policy.apply_verdicts(report, confirmations, history.series)  # every view shows them
    report = with_triage(report, decisions)     # a shift's confirmed members: findings now
    involved = {c for f in report.findings for c in (f.commit, f.previous_commit)}
    keys = (build_keys(project.repo, sorted(involved), config.profile.build_paths)
            if project.repo is not None else {})
    entries = policy.listing(report, confirmations, keys, history.order)
    title = (f"{config.profile.title or 'Benchmarks'}: findings over the first-parent history of "
             f"{args.branch} ({args.range})")
    from ..render.plot_jobs import default_workers   # matplotlib: imported only to draw

    step(f"plotting {len(history.series)} series and building the site")
    links = {"commit_url": history_url_template(history, config.profile, project.root),
             "commit_info": commit_details(history, sorted(involved))}
    with staged_outputs() as staging:     # the site, its listing and the reports together
        index = publish_site(args.out, history, report, config.profile, results=project.results,
                             baselines=args.baselines, asv=not args.no_asv_publish,
                             workers=default_workers(), project=project.root)
        staging.write(Path(args.out) / "findings.md",   # beside the site's plots/ (png="findings")
                      findings_markdown(report, entries, title, {**links, "plots": "plots/"}))
        staging.write(Path(args.out) / "confirmations.json", json.dumps(
            verdicts.document(entries, confirmations, config, note), indent=2,
            allow_nan=False) + "\n")
        if args.json_out is not None:
            staging.write(args.json_out, report.dumps() + "\n")
        if args.markdown is not None:
            staging.write(args.markdown, findings_markdown(report, entries, title, links))
    print_findings(report, entries, note)
    print(f"site: {index}")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "run", help="benchmark the new builds of a range with asv, analyse, confirm, publish",
        description=__doc__.split("\n\n")[0].split(": ", 1)[1],
        epilog="Exit status 0 when the job ran (findings are reported, not an error), "
               "2 on bad input.")
    p.add_argument("--project", type=Path, default=Path("."),
                   help="the asv project (its asv.conf.json; default: the working directory)")
    p.add_argument("--range", default="HEAD~50..HEAD", help="git range to benchmark")
    p.add_argument("--bench", "-b", action="append", default=[], metavar="REGEX",
                   help="asv benchmark regex (repeatable; default: all)")
    p.add_argument("--no-bench", action="store_true", help="analyse the results that exist")
    p.add_argument("--no-analysis", action="store_true",
                   help="benchmark only (make bench): no analysis, confirmation or site")
    p.add_argument("--asv-arg", action="append", default=[], metavar="ARG",
                   help="extra argument for asv run, e.g. --asv-arg=--quick")
    p.add_argument("--all-commits", action="store_true",
                   help="measure every commit, also those with their parent's build")
    p.add_argument("--machine", help="asv machine name (default: the host name)")
    p.add_argument("--results", type=Path, default=None,
                   help="asv results directory (default: asv.conf.json's results_dir)")
    p.add_argument("--branch", default="HEAD", help="history to analyse (first parents)")
    p.add_argument("--out", type=Path, default=Path("site"), help="site directory (default ./site)")
    p.add_argument("--baselines", type=Path, default=None,
                   help="directory of stored baselines (<machine>.json, `baseline set`)")
    p.add_argument("--config", type=Path, default=None,
                   help="detector config JSON (default: the project's regress.json when present)")
    p.add_argument("--threshold", type=float, default=None,
                   help="relative change that matters (default 0.20)")
    p.add_argument("--alpha", type=float, default=None, help="false discovery rate (default 0.01)")
    p.add_argument("--no-confirm", action="store_true",
                   help="do not re-measure timing-only suspects")
    p.add_argument("--no-asv-publish", action="store_true", help="skip asv's own pages")
    p.add_argument("--json", type=Path, default=None, dest="json_out",
                   help="also write the JSON report here")
    p.add_argument("--markdown", type=Path, default=None,
                   help="also write findings.md's Markdown here")
    p.set_defaults(func=run)
    return p


__all__ = ["Project", "add_parser", "run"]
