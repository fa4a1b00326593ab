"""The built-in subcommands: detect, baseline set|check, compare.

Shared pieces other command modules (the PR gate, ``site``) can reuse:
:func:`add_rule_options`, :func:`config_from_args`, :func:`emit`,
:func:`write_reports`, :func:`load_history` (results read and ordered as
``detect`` does).
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from ..model.config import DetectorConfig, config_path, load_config
from ..model.direction import change_text
from ..model.findings import Report
from ..model.kinds import failing_kinds, status_text
from ..model.series import Series, SeriesKey, paused_gc
from ..io.atomic import write_atomic
from ..io.baseline import set_baselines
from ..io.columns import build_series
from ..io.history import (HistoryError, first_parent_commits, open_repo, resolve_commit,
                          unknown_commits)
from ..io.results import ResultSet, ResultsError, load_results
from ..analysis.compare import check_against_baselines, compare_samples
from ..analysis.detect import detect
from ..render.report import render_markdown

FAILING_KINDS = failing_kinds()


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


def write_reports(report: Report, args: argparse.Namespace, title: str) -> None:
    """``--json`` (``-`` for stdout) and ``--markdown``, when asked for."""
    if args.json_out is not None:
        text = report.dumps() + "\n"
        if str(args.json_out) == "-":
            sys.stdout.write(text)
        else:
            write_atomic(args.json_out, text)
    if args.markdown is not None:
        write_atomic(args.markdown, render_markdown(report, title))


def emit(report: Report, args: argparse.Namespace, title: str) -> int:
    """Write the requested outputs, print a summary; the exit code."""
    write_reports(report, args, title)
    out = sys.stderr if args.json_out is not None and str(args.json_out) == "-" else sys.stdout
    print(f"{title}: {report.series_checked} series checked, {len(report.findings)} finding(s)",
          file=out)
    for group in report.alert_groups():
        for i in group.findings:
            print("  " + finding_line(report.findings[i]), file=out)
    return 1 if any(f.kind in FAILING_KINDS for f in report.findings) else 0


def finding_line(f) -> str:
    """One line of the console summary."""
    if f.is_environment:
        return (f"{f.kind:11s} [{f.key.machine}/{f.key.env}] at {f.commit[:10]}: {f.moved} series"
                f" ({f.share:.0%}) moved x{f.ratio:.3f} together")
    state = status_text(f.kind, f.confirmed, f.commits_after)
    mark = f", {state}" if state else ""
    return (f"{f.kind:11s} {f.key.label} [{f.key.machine}/{f.key.env}] at {f.commit[:10]}"
            f" {change_text(f.ratio, f.better, f.unit)} (p={f.p_value:.2g}{mark})")


def warn_all(result_set: ResultSet) -> None:
    for line in result_set.warnings:
        print(f"warning: {line}", file=sys.stderr)


def skip_off_branch(result_set: ResultSet, repo: Path, order: list[str], branch: str) -> None:
    """Files of commits the repository lacks or that are not on ``branch``
    (rebased or force-pushed away; asv keeps their files) are skipped, one
    warning line each."""
    on_branch = set(order)
    off = result_set.commits - on_branch
    if not off:
        return
    missing = unknown_commits(repo, off)
    result_set.skip_commits(missing, f"is not in the repository {repo}")
    result_set.skip_commits(off - missing, f"is not on {branch!r}")


def git_repo(args: argparse.Namespace) -> Path | None:
    """The repository whose first-parent order ``detect`` uses: the one named,
    else the working directory's; None where there is none (results kept in
    a repository of their own, or received as CI artifacts)."""
    if args.repo is not None:
        return args.repo
    try:
        open_repo(Path("."))
    except HistoryError:
        return None
    return Path(".")


def date_order(result_set: ResultSet, why: str = "no git repository here") -> list[str]:
    """Commits ordered by the commit date asv records in each result file.
    Files without a date are skipped with a warning; commits that share a
    date are ordered by sha, with one warning saying how many."""
    undated = result_set.commits - set(result_set.dates)
    result_set.skip_commits(undated, "has no commit date in its result file (and no --repo "
                                     "gives the order)")
    dates = result_set.dates
    order = sorted(result_set.commits, key=lambda c: (dates[c], c))
    tied = len(order) - len({dates[c] for c in order})
    result_set.warnings.append(f"{result_set.root}: {why}, commits ordered by "
                               "asv's commit dates (--repo gives first-parent order)"
                               + (f"; {tied} commit(s) share a date with another, ordered by sha"
                                  if tied else ""))
    return order


@dataclass
class History:
    """The results of ``--results`` along the chosen commit order, as series."""

    result_set: ResultSet
    repo: Path | None           # the repository that gave the order (None: asv's dates)
    order: list[str]            # every commit of that order, oldest first
    series: list[Series]

    @property
    def measured(self) -> list[str]:
        """The commits of the order that have results."""
        have = self.result_set.commits
        return [c for c in self.order if c in have]


def load_history(args: argparse.Namespace) -> History:
    """Read ``args.results`` and order its commits: the first-parent history
    of ``args.branch`` in ``--repo`` (or the working directory's repository),
    else asv's recorded commit dates. The working directory's repository is
    ignored, with a warning, when none of the results' commits is on that
    branch (the results are another project's). Warnings go to stderr."""
    result_set = load_results(args.results)
    repo = git_repo(args)
    order: list[str] = []
    why = "no git repository here"
    if repo is not None:
        order = first_parent_commits(repo, args.branch)
        if args.repo is None and result_set.commits and not result_set.commits & set(order):
            why = (f"none of its commits is on {args.branch!r} of the working directory's "
                   "repository")
            repo = None
        else:
            skip_off_branch(result_set, repo, order, args.branch)
    if repo is None:
        order = date_order(result_set, why)
    warn_all(result_set)
    series = build_series(result_set, order)
    if not series:
        raise ResultsError(f"{args.results}: no results for any commit of {args.branch!r}")
    return History(result_set, repo, order, series)


def run_detect(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    with paused_gc(freeze=True):        # millions of acyclic objects: no GC passes
        history = load_history(args)
        report = detect(history.series, config, metadata=history.result_set.file_meta)
    return emit(report, args, "detect")


def samples_at(result_set: ResultSet, commit: str) -> tuple[dict[SeriesKey, list[float]],
                                                            dict[SeriesKey, str]]:
    found = result_set.at_commit(commit)
    if not found:
        raise ResultsError(f"{result_set.root}: no results for commit {commit}")
    samples = {m.key: list(m.samples) if m.samples else [m.value] for m in found}
    return samples, {m.key: result_set.unit_of(m.key.benchmark) for m in found}


def run_compare(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    a = resolve_commit(args.repo, args.rev_a)
    b = resolve_commit(args.repo, args.rev_b)
    result_set = load_results(args.results)
    warn_all(result_set)
    before, units_a = samples_at(result_set, a)
    after, units_b = samples_at(result_set, b)
    report = compare_samples(before, after, {**units_a, **units_b}, a, b, config)
    return emit(report, args, f"compare {a[:10]}..{b[:10]}")


def run_baseline_set(args: argparse.Namespace) -> int:
    commit = resolve_commit(args.repo, args.commit)
    result_set = load_results(args.results)
    for path in set_baselines(result_set, commit, args.baselines):
        print(f"baseline {path} <- {commit[:10]}")
    return 0


def run_baseline_check(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    commit = resolve_commit(args.repo, args.commit)
    result_set = load_results(args.results)
    report = check_against_baselines(result_set, commit, args.baselines, config)
    return emit(report, args, f"baseline check {commit[:10]}")


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


__all__ = ["History", "add_parser", "add_rule_options", "config_from_args", "emit",
           "load_history", "write_reports"]
