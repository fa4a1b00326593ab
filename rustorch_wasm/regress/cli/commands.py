"""The built-in subcommands: detect, baseline set|check, compare.

Shared pieces other command modules (the PR gate, ``site``) can reuse:
:func:`add_rule_options`, :func:`config_from_args`, :func:`emit`,
:func:`write_reports`, :func:`history_of` (results read and ordered as
``detect`` does), :func:`check_report_outputs` (every output checked
before anything is read: :mod:`..io.outputs`).

Every command writes its outputs together at its end
(:func:`..io.atomic.staged_outputs`): all of them or, when anything
failed, none.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ..model.config import DetectorConfig, config_path, load_config
from ..model.direction import change_text
from ..model.findings import Report
from ..model.profile import Profile
from ..model.series import SeriesKey, paused_gc
from ..model.units import format_p
from ..io.atomic import Staging, staged_outputs
from ..io.baseline import set_baselines
from ..io.history import History, load_history
from ..io.outputs import Input, Output, check_outputs
from ..io.repository import HistoryError, resolve_commit, toplevel
from ..io.results import ResultSet, ResultsError, load_results
from ..analysis.compare import check_against_baselines, compare_samples
from ..analysis.pipeline import analyse
from ..render.report import render_markdown
from .commit_links import commit_details, commit_url_template, history_url_template

def add_rule_options(p: argparse.ArgumentParser, repo: Path | None = Path(".")) -> None:
    """--results/--repo/--threshold/--alpha/--config/--json/--markdown."""
    p.add_argument("--results", type=Path, required=True, help="asv results directory")
    p.add_argument("--repo", type=Path, default=repo,
                   help="git repository (default: the working directory's"
                        + (", if any)" if repo is None else ")"))
    p.add_argument("--threshold", type=float, default=None,
                   help="relative change that matters (default 0.20)")
    p.add_argument("--alpha", type=float, default=None,
                   help="false discovery rate (default 0.01)")
    p.add_argument("--config", type=Path, default=None,
                   help="JSON file: threshold, alpha, per-benchmark regex overrides, the project's "
                        "profile (default: ./regress.json when present)")
    p.add_argument("--json", type=Path, default=None, dest="json_out", help="write the JSON report")
    p.add_argument("--markdown", type=Path, default=None, help="write a Markdown report")


def config_from_args(args: argparse.Namespace) -> DetectorConfig:
    config = load_config(config_path(args.config, Path.cwd()))
    return config.with_values(threshold=args.threshold, alpha=args.alpha)


def check_report_outputs(args: argparse.Namespace, *more: Output,
                         reads: tuple[Input, ...] = ()) -> None:
    """``--json``/``--markdown`` (and ``more`` outputs) checked against
    ``--results``, the config file and ``reads`` before anything is read."""
    outputs = [("--json", getattr(args, "json_out", None), "file"),
               ("--markdown", getattr(args, "markdown", None), "file"), *more]
    inputs = [("--results", getattr(args, "results", None), "tree"),
              ("--config", config_path(getattr(args, "config", None), Path.cwd()), "file"),
              *reads]
    check_outputs(outputs, inputs)


def write_reports(report: Report, args: argparse.Namespace, title: str,
                  staging: Staging, links: dict | None = None) -> None:
    """``--json`` (``-`` for stdout) and ``--markdown``, when asked for,
    staged in ``staging`` (stdout at once); the Markdown titled ``title`` (say
    what the report is), its commits linked (``links``:
    :func:`~..render.report.render_markdown`'s keywords)."""
    if args.json_out is not None:
        text = report.dumps() + "\n"
        if str(args.json_out) == "-":
            sys.stdout.write(text)
        else:
            staging.write(args.json_out, text)
    if args.markdown is not None:
        staging.write(args.markdown, render_markdown(report, title, **(links or {})))


def emit(report: Report, args: argparse.Namespace, title: str, heading: str | None = None,
         links: dict | None = None) -> int:
    """Write the requested outputs (the Markdown titled ``heading``), print a
    summary headed ``title``; the exit code."""
    with staged_outputs() as staging:
        write_reports(report, args, heading or title, staging, links)
    out = sys.stderr if args.json_out is not None and str(args.json_out) == "-" else sys.stdout
    print(f"{title}: {report.series_checked} series checked, {len(report.findings)} finding(s)",
          file=out)
    for group in report.alert_groups():
        for i in group.findings:
            print("  " + finding_line(report.findings[i]), file=out)
    return 1 if report.failing else 0


def finding_line(f) -> str:
    """One line of the console summary, starting with the finding's id (for
    ``rustorch-regress triage``); a triage decision shows as its status."""
    if f.is_environment:
        cause = f"evidence: {f.decided_by}" if f.kind == "environment" else "cause unknown"
        cause += f"; {f.status}" if f.triage is not None else ""
        return (f"{f.id} {f.kind:11s} [{f.key.machine}/{f.key.env}] at {f.commit[:10]}: "
                f"{f.moved} series ({f.share:.0%}) moved x{f.ratio:.3f} together ({cause})")
    state = f.status
    mark = f", {state}" if state else ""
    return (f"{f.id} {f.kind:11s} {f.key.label} [{f.key.machine}/{f.key.env}] at {f.commit[:10]}"
            f" {change_text(f.ratio, f.better, f.unit)} (p={format_p(f.p_value)}{mark})")


def warn_all(result_set: ResultSet) -> None:
    for line in result_set.warnings:
        print(f"warning: {line}", file=sys.stderr)


#: A step that took longer than this says so on stderr (unless ``--quiet``).
PROGRESS_SECONDS = 2.0


def progress(args: argparse.Namespace, text: str, seconds: float) -> None:
    """One progress line on stderr for a step that took ``seconds`` (a long one,
    and not with ``--quiet``)."""
    if seconds >= PROGRESS_SECONDS and not getattr(args, "quiet", False):
        print(f"{text} in {seconds:.1f} s", file=sys.stderr, flush=True)


def history_of(args: argparse.Namespace, config: DetectorConfig) -> History:
    """``--results`` along the first-parent history of ``--branch`` in ``--repo``
    (or the working directory's repository), else asv's recorded dates
    (:func:`..io.history.load_history`); warnings go to stderr, and how much
    was read in what time (``--quiet``: not)."""
    started = time.monotonic()
    history = load_history(args.results, repo=args.repo, search=Path("."), branch=args.branch,
                           build_paths=build_paths_of(args, config),
                           max_bytes=config.max_result_bytes)
    warn_all(history.result_set)
    progress(args, f"{args.command}: read {args.results}: {len(history.series)} series over "
                   f"{len(history.measured)} commits", time.monotonic() - started)
    return history


def build_paths_of(args: argparse.Namespace, config: DetectorConfig) -> tuple[str, ...] | None:
    """The profile's build paths when the profile is the repository's own (its
    config file lies at the repository's root, or the repository is the
    working directory's); None (the generic paths) for another repository."""
    source = config_path(args.config, Path.cwd())
    repo = args.repo if args.repo is not None else Path(".")
    try:
        root = toplevel(repo).resolve()
    except HistoryError:
        return None
    home = source.resolve().parent if source is not None else Path.cwd().resolve()
    return config.profile.build_paths if home == root else None


def history_heading(history: History, profile_title: str, branch: str) -> str:
    """What a history's report is: the project, the findings, over which commits."""
    over = (f"the first-parent history of {branch}" if history.repo is not None
            else "the commits asv measured, by their recorded dates")
    return f"{profile_title}: findings over {over} ({len(history.measured)} commits measured)"


def history_links(history: History, report: Report, profile: Profile) -> dict:
    """The commit URL template and the findings' commit dates and subjects."""
    shas = {c for f in report.findings for c in (f.commit, f.previous_commit)}
    return {"commit_url": history_url_template(history, profile),
            "commit_info": commit_details(history, sorted(shas))}


def repo_links(repo: Path, profile: Profile) -> dict:
    """The commit URL template of ``repo`` (commands on two commits of it)."""
    return {"commit_url": commit_url_template(profile, project_dirs=(repo,), repo=repo)}


def run_detect(args: argparse.Namespace) -> int:
    check_report_outputs(args)
    config = config_from_args(args)
    with paused_gc(freeze=True):        # millions of acyclic objects: no GC passes
        history = history_of(args, config)
        started = time.monotonic()
        report = analyse(history, config)
    progress(args, f"detect: analysed {report.series_checked} series",
             time.monotonic() - started)
    links = history_links(history, report, config.profile) if args.markdown is not None else None
    return emit(report, args, "detect", history_heading(history, config.profile.title, args.branch),
                links)


def samples_at(result_set: ResultSet, commit: str) -> tuple[dict[SeriesKey, list[float]],
                                                            dict[SeriesKey, str]]:
    found = result_set.at_commit(commit)
    if not found:
        raise ResultsError(f"{result_set.root}: no results for commit {commit}")
    samples = {m.key: m.values for m in found}
    return samples, {m.key: result_set.unit_of(m.key.benchmark) for m in found}


def run_compare(args: argparse.Namespace) -> int:
    check_report_outputs(args)
    config = config_from_args(args)
    a = resolve_commit(args.repo, args.rev_a)
    b = resolve_commit(args.repo, args.rev_b)
    result_set = load_results(args.results, max_bytes=config.max_result_bytes)
    warn_all(result_set)
    before, units_a = samples_at(result_set, a)
    after, units_b = samples_at(result_set, b)
    report = compare_samples(before, after, {**units_a, **units_b}, a, b, config)
    return emit(report, args, f"compare {a[:10]}..{b[:10]}",
                f"{config.profile.title}: {b[:10]} compared with {a[:10]}",
                repo_links(args.repo, config.profile))


def run_baseline_set(args: argparse.Namespace) -> int:
    check_outputs([("--baselines", args.baselines, "dir")],
                  [("--results", args.results, "tree")])
    commit = resolve_commit(args.repo, args.commit)
    result_set = load_results(args.results)
    warn_all(result_set)
    with staged_outputs() as staging:
        written = set_baselines(result_set, commit, args.baselines, staging)
    for path in written:
        print(f"baseline {path} <- {commit[:10]}")
    return 0


def run_baseline_check(args: argparse.Namespace) -> int:
    check_report_outputs(args, reads=(("--baselines", args.baselines, "json-files"),))
    config = config_from_args(args)
    commit = resolve_commit(args.repo, args.commit)
    result_set = load_results(args.results, max_bytes=config.max_result_bytes)
    warn_all(result_set)
    report = check_against_baselines(result_set, commit, args.baselines, config)
    return emit(report, args, f"baseline check {commit[:10]}",
                f"{config.profile.title}: {commit[:10]} checked against the stored baselines",
                repo_links(args.repo, config.profile))


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register detect, baseline and compare."""
    p = sub.add_parser("detect", help="change points and regressions over the branch history")
    add_rule_options(p, repo=None)
    p.add_argument("--branch", default="main", help="branch whose first-parent history is used")
    p.set_defaults(func=run_detect)

    p = sub.add_parser("compare", help="two commits side by side")
    p.add_argument("rev_a")
    p.add_argument("rev_b")
    add_rule_options(p)
    p.set_defaults(func=run_compare)

    p = sub.add_parser("baseline", help="store or check per-machine baselines")
    bsub = p.add_subparsers(dest="baseline_command", metavar="{set,check}",
                            parser_class=type(p))
    bsub.required = True
    s = bsub.add_parser("set", help="store the results at --commit as the baseline")
    s.add_argument("--results", type=Path, required=True)
    s.add_argument("--repo", type=Path, default=Path("."))
    s.add_argument("--commit", required=True)
    s.add_argument("--baselines", type=Path, default=Path("baselines"))
    s.set_defaults(func=run_baseline_set)
    c = bsub.add_parser("check", help="compare --commit with the stored baseline")
    add_rule_options(c)
    c.add_argument("--commit", required=True)
    c.add_argument("--baselines", type=Path, default=Path("baselines"))
    c.set_defaults(func=run_baseline_check)


__all__ = ["add_parser", "add_rule_options", "check_report_outputs", "config_from_args", "emit",
           "history_heading", "history_links", "history_of", "write_reports"]
