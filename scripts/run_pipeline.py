"""The main job (`make run`): benchmark history, detect, plot, publish the site.

    python scripts/run_pipeline.py [--range HEAD~50..HEAD] [--bench REGEX]
        [--skip-bench] [--out site] [--branch HEAD] [--config FILE]

1. ``scripts/bench.py``: ``asv run`` over one commit per distinct build of
   the range (commits with their first parent's build key are skipped;
   already measured builds too; samples recorded; whole-job progress).
2. The detector over everything in ``.asv/results`` along the first-parent
   history of ``--branch``: findings as JSON and Markdown.
3. Confirmation (:mod:`rustorch_wasm.regress.analysis.confirm`): every timing
   regression that no instruction-count change backs is re-measured at its
   culprit and parent, interleaved, and judged confirmed / refuted /
   inconclusive; ``site/confirmations.json`` keeps the verdicts
   (``--no-confirm`` skips it; results of another ``--repo`` are not
   re-measured). Build keys (``--build-path``; for another ``--repo``
   everything except docs, tests, CI files and Markdown) say for each
   finding whether the build changed between its two commits.
4. The site, by the code of ``rustorch-regress site``
   (:func:`rustorch_wasm.regress.cli.site_command.publish_site`): change
   points per series, the stored baselines (``baselines/*.json``), trend
   plots (in worker processes) and the heat map, ``asv publish``, the pages.
5. Prints confirmed regressions, environment shifts, refuted and
   inconclusive candidates (with their evidence), then the other findings,
   and the path of ``site/index.html``; ``findings.md`` starts with the
   same listing.

Exit status 0 when the site was built (regressions are reported, not an
error), 2 on an error (one line, no traceback).
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Sequence

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ROOT       # whose regress.json (profile) the main job reads; ROOT may be patched in tests
sys.path.insert(0, str(ROOT))

from rustorch_wasm.regress.cli.asv_runner import AsvRunError, PairRunner  # noqa: E402
from rustorch_wasm.regress.io.atomic import write_atomic  # noqa: E402
from rustorch_wasm.regress.io.baseline import BaselineError  # noqa: E402
from rustorch_wasm.regress.model.config import ConfigError, DetectorConfig, config_path, load_config  # noqa: E402
from rustorch_wasm.regress.analysis.confirm import (Candidate, Confirmation, RemeasureError,  # noqa: E402
                                                    Rule, Samples, confirm)
from rustorch_wasm.regress.analysis.pipeline import analyse  # noqa: E402
from rustorch_wasm.regress.io.history import load_history  # noqa: E402
from rustorch_wasm.regress.model.findings import Report  # noqa: E402
from rustorch_wasm.regress.io.repository import (GENERIC_BUILD_PATHS, HistoryError,  # noqa: E402
                                                 build_keys)
from rustorch_wasm.regress.render.report import render_markdown  # noqa: E402
from rustorch_wasm.regress.io.results import ResultsError  # noqa: E402
from rustorch_wasm.regress.model.series import Series, SeriesKey  # noqa: E402
from rustorch_wasm.regress.cli.site_command import publish_site  # noqa: E402
from rustorch_wasm.regress.render.plot_jobs import default_workers  # noqa: E402
from rustorch_wasm.regress.analysis import verdicts  # noqa: E402


def step(text: str) -> None:
    print(f"==> {text}", flush=True)


def run_benchmarks(range_spec: str, benches: list[str]) -> None:
    """asv over the range via scripts/bench.py (this project's repository);
    a failed commit is recorded by asv, not fatal."""
    cmd = [sys.executable, str(ROOT / "scripts" / "bench.py"), "--range", range_spec]
    for regex in benches:
        cmd += ["--bench", regex]
    code = subprocess.run(cmd, cwd=ROOT, check=False).returncode
    if code != 0:
        print(f"warning: asv exited with status {code} (some commits or benchmarks failed); "
              "continuing with the results that exist", file=sys.stderr)


def build_paths(args: argparse.Namespace, config: DetectorConfig) -> Sequence[str]:
    """The build inputs of ``--repo``: ``--build-path``, else this project's
    (its profile's ``build_paths``, regress.json), else, for another
    repository, everything but docs, tests and Markdown."""
    if args.build_path:
        return args.build_path
    return config.profile.build_paths if args.repo.resolve() == ROOT else GENERIC_BUILD_PATHS


class Remeasure:
    """The confirmation runner: asv on this project, its failures as RemeasureError."""

    def __init__(self, workdir: Path) -> None:
        self.asv = PairRunner(ROOT, workdir, log=workdir / "asv.log", echo_progress=True)

    def __call__(self, parent: str, commit: str, keys: Sequence[SeriesKey],
                 rounds: int) -> Samples:
        try:
            return self.asv(parent, commit, keys, rounds)
        except (AsvRunError, ResultsError) as exc:
            raise RemeasureError(f"{exc} (asv log: {self.asv.log})") from None


def confirmation(report: Report, series: list[Series], config: DetectorConfig,
                 args: argparse.Namespace,
                 rule: Rule) -> tuple[list[Candidate], list[Confirmation], str]:
    """Re-measure every timing-only regression (when asv can run for ``--repo``)."""
    cands = verdicts.candidates(report, series, config.profile)
    todo = verdicts.to_confirm(cands, report, config)
    if not todo:
        return cands, [], ""
    if args.no_confirm or args.repo.resolve() != ROOT:
        why = "--no-confirm" if args.no_confirm else "results of another repository"
        return cands, [], f"{len(todo)} timing-only regression(s) not re-measured ({why})"
    pairs = len({(c.parent, c.commit) for c in todo})
    step(f"confirming {len(todo)} timing-only regression(s) at {pairs} commit pair(s) by "
         f"interleaved re-measurement ({rule.rounds_per_look} rounds a look, at most "
         f"{rule.max_rounds})")
    workdir = Path(tempfile.mkdtemp(prefix="rustorch-confirm-"))
    done = confirm(todo, Remeasure(workdir), config, rule,
                   progress=lambda text: print(f"confirm: {text}", flush=True))
    if any(c.reason.startswith("re-measurement failed") for c in done):
        print(f"warning: a re-measurement failed; its asv log is kept in {workdir}",
              file=sys.stderr)
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return cands, done, ""


def print_findings(report: Report, entries: list[verdicts.Entry], note: str) -> None:
    by = {s: sum(1 for e in entries if e.section == s) for s in verdicts.SECTIONS}
    print(f"{report.series_checked} series checked, {len(report.findings)} finding(s): "
          + ", ".join(f"{n} {s}" for s, n in by.items() if n))
    for line in verdicts.text_lines(entries):
        print(line)
    if note:
        print(f"note: {note}")
    others = [f for f in report.findings if f.kind not in ("regression", "environment")]
    if others:
        print(f"Other findings ({len(others)}):")
    for f in others:
        print(f"  {f.kind:11s} {f.key.label} at {f.commit[:10]} x{f.ratio:.3f} "
              f"(p={f.p_value:.2g}) [{f.key.machine}]")


def findings_markdown(report: Report, entries: list[verdicts.Entry]) -> str:
    """The detector's Markdown with the listing by verdict after its title."""
    text = render_markdown(report)
    head, sep, rest = text.partition("\n")
    if head.startswith("# "):
        return f"{head}\n\n{verdicts.markdown(entries)}\n{rest.lstrip(chr(10))}"
    return f"{verdicts.markdown(entries)}\n{text}"


def pipeline(args: argparse.Namespace) -> int:
    config = load_config(config_path(args.config, PROJECT))
    if not args.skip_bench:
        if args.repo.resolve() != ROOT:
            raise ValueError("--repo other than this project needs --skip-bench")
        step(f"benchmarking {args.range} with asv")
        run_benchmarks(args.range, args.bench)
    step(f"detecting over {args.results}")
    history = load_history(args.results, repo=args.repo, branch=args.branch,
                           build_paths=build_paths(args, config))
    series, order = history.series, history.order
    report = analyse(history, config)
    rule = Rule()
    cands, confirmations, note = confirmation(report, series, config, args, rule)
    involved = {c for f in report.findings for c in (f.commit, f.previous_commit)}
    keys = build_keys(args.repo, sorted(involved), build_paths(args, config))
    entries = verdicts.listing(report, cands, confirmations, config, keys, order)
    report = verdicts.confirmed_report(report, entries)     # every view shows the verdicts
    step(f"plotting {len(series)} series and building the site")
    # the site command's code path: plots of the change points the detector decided
    index = publish_site(args.out, history, report, config.profile, results=args.results,
                         baselines=args.baselines, asv=not args.no_asv_publish,
                         workers=default_workers())
    write_atomic(Path(args.out) / "findings.md", findings_markdown(report, entries))
    write_atomic(Path(args.out) / "confirmations.json", json.dumps(
        verdicts.document(entries, confirmations, config, rule, note), indent=2,
        allow_nan=False) + "\n")
    print_findings(report, entries, note)
    print(f"site: {index}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--range", default="HEAD~50..HEAD", help="git range to benchmark")
    parser.add_argument("--bench", "-b", action="append", default=[], help="asv -b regex")
    parser.add_argument("--skip-bench", action="store_true", help="use the results that exist")
    parser.add_argument("--results", type=Path, default=ROOT / ".asv" / "results")
    parser.add_argument("--repo", type=Path, default=ROOT, help="git repository of the results")
    parser.add_argument("--baselines", type=Path, default=ROOT / "baselines")
    parser.add_argument("--branch", default="HEAD", help="history to analyse (first parents)")
    parser.add_argument("--out", type=Path, default=ROOT / "site", help="site directory")
    parser.add_argument("--config", type=Path, help="detector config JSON")
    parser.add_argument("--no-asv-publish", action="store_true", help="skip asv's own pages")
    parser.add_argument("--no-confirm", action="store_true",
                        help="do not re-measure timing-only regressions")
    parser.add_argument("--build-path", action="append", metavar="PATH",
                        help="a build input path of --repo (repeatable; '!PATTERN' excludes); "
                             "default: this project's, or for another repository everything "
                             "except docs/, tests/, .github/ and *.md")
    args = parser.parse_args(argv)
    try:
        return pipeline(args)
    except (ResultsError, HistoryError, ConfigError, BaselineError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
