"""The pull-request gate: benchmark base and head, exit 1 on a regression.

    python -m rustorch_wasm.regress gate --base REV --head REV [--bench REGEX]
        [--markdown OUT] [--json OUT] [--allow-dirty] [--config FILE]

1. Both revisions are resolved to full commit shas (``git rev-parse --verify
   --end-of-options REV^{commit}``); a rev starting with ``-`` or naming no
   commit is refused. The benchmarks come from the work tree (as with asv),
   so a dirty tree is refused unless ``--allow-dirty``.
   Builds are deterministic, so only the environments whose build key
   (the profile's build paths for that environment, :mod:`.gate_plan`)
   differs between base and head are measured; when none differs (a pull
   request of docs, scripts or CI) the verdict is "same build" at once,
   exit 0, nothing built or run (``--force`` measures anyway).
2. asv builds both commits and runs the selected benchmarks with samples
   recorded and rounds interleaved across the two commits (``asv
   continuous``'s method; see :mod:`.asv_runner`), into a private results
   directory.
3. The detector's two-sample rule (:func:`.compare.compare_samples`: the
   threshold, default 20%, plus Mann-Whitney significance with
   Benjamini-Hochberg control over all compared benchmarks, and the exact
   rule for ``track_*_instructions``) decides.
4. The confirmation policy (:mod:`..analysis.policy`, the one ``run``
   applies too): a timing-only regression that its companion exact count
   does not back is measured again by :func:`..analysis.confirm.confirm`
   (interleaved re-runs of just those benchmarks, looks of 4 rounds up to
   12) and counts only if *confirmed*; refuted and inconclusive ones are
   listed as such, not counted. Samples of one asv round share that
   round's machine state, so a burst of load from other processes can move
   one side past the threshold (seen in A/A runs here).

5. Triage: the decisions of the repository's ``regress-triage.json``
   (:mod:`..io.triage`) by finding id; an acknowledged or invalid regression
   is shown as such and does not fail the gate.

Exit status: 1 when a regression is found, 0 when none, 2 on an error
(bad revision, dirty tree, a commit that does not build, a benchmark that
works on base and fails on head, unusable results, an unwritable
``--markdown``/``--json``, checked before benchmarking), 3 on an internal
error of the detector. 2 and 3 are "no verdict": ``--markdown``/``--json``
then say so (never "regression").
"""
from __future__ import annotations

import argparse
import json
import math
import re
import shutil
import statistics
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any, Sequence

from ..model.config import ConfigError, DetectorConfig, config_path, load_config
from ..model.findings import Report, finding_id
from ..model.series import SeriesKey
from ..io.atomic import staged_outputs
from ..io.outputs import check_outputs
from ..io.ownership import OutputError
from ..io.repository import HistoryError, changed_files, resolve_commit, toplevel
from ..io.results import ResultSet, ResultsError, load_results
from ..io.triage import Decision, project_triage
from ..analysis import policy
from ..analysis.confirm import Confirmation, Suspect, confirm
from ..analysis.gate_result import EXIT_ERROR, EXIT_INTERNAL, GateResult, Row
from ..analysis.pipeline import with_triage
from .asv_runner import AsvRunError, PairRunner, run_commits
from .commit_links import commit_url_template
from .gate_plan import GatePlan, plan_gate

_ERROR_LINE = re.compile(r"\berror(\[E\d+\])?: ")


class GateError(Exception):
    """Why the gate cannot give a verdict (one line); exit status 2."""


def repo_root(path: Path) -> Path:
    try:
        return toplevel(path)
    except HistoryError as exc:
        raise GateError(str(exc)) from None


def dirty_files(repo: Path) -> list[str]:
    """Tracked files with uncommitted changes."""
    try:
        return changed_files(repo)
    except HistoryError as exc:
        raise GateError(str(exc)) from None


def build_error_hint(log: Path | None) -> str:
    """The first compiler-style ``error:`` line of the asv log, if any."""
    if log is None or not log.is_file():
        return ""
    for line in log.read_text(errors="replace").splitlines():
        if _ERROR_LINE.search(line):
            return line.strip()
    return ""


def measured(result_set: ResultSet, commit: str, side: str, log: Path | None) -> dict[SeriesKey, list[float]]:
    """One side's samples per series; a commit with nothing measured did not build."""
    found = result_set.at_commit(commit)
    if not found:
        hint = build_error_hint(log)
        raise GateError(f"{side} commit {commit[:12]} does not build or none of its benchmarks ran"
                        + (f" ({hint})" if hint else "") + (f"; asv log: {log}" if log else ""))
    return {m.key: m.values for m in found}


def _median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else math.nan


def compare(result_set: ResultSet, base: str, head: str, config: DetectorConfig,
            log: Path | None = None) -> GateResult:
    """Apply the detector's two-sample rule to every benchmark measured on both commits."""
    from ..analysis.compare import compare_samples

    before = measured(result_set, base, "base", log)
    after = measured(result_set, head, "head", log)
    common = sorted(set(before) & set(after))
    failed = sorted({k.label for k in set(before) - set(after)})
    only_head = sorted({k.label for k in set(after) - set(before)})
    before = {k: before[k] for k in common}
    after = {k: after[k] for k in common}
    units = {k: result_set.unit_of(k.benchmark) for k in common}
    report = compare_samples(before, after, units, base, head, config)
    by_key = {f.key: f for f in report.findings}
    rows = []
    for k in common:
        twin = config.profile.companion(k)
        exact = config.profile.is_exact(k)
        counts = None
        if twin is not None and not exact and twin in before and twin in after:
            counts = (_median(before[twin]), _median(after[twin]))
        rows.append(Row(k, units[k], _median(before[k]), _median(after[k]), by_key.get(k), counts,
                        exact))
    return GateResult(base, head, report, rows, failed, only_head, profile=config.profile)


def accounted(plan: GatePlan, result: GateResult) -> list[tuple[str, str]]:
    """Every environment and what became of it: compared (how many series),
    not measured (same build), or measured without comparable results."""
    compared: dict[str, int] = {}
    for r in result.rows:
        compared[r.key.env] = compared.get(r.key.env, 0) + 1
    out = []
    for env in plan.names or sorted(compared):
        why = plan.why.get(env, "")
        if env in compared:
            out.append((env, f"{compared[env]} series compared"))
        elif plan.names and env not in plan.measure:
            out.append((env, why))
        else:
            out.append((env, "measured, but no benchmark has results on both sides "
                             "(it failed on base or head, or asv skipped it; see the asv log)"))
    return out


def suspects_of(result: GateResult, config: DetectorConfig) -> list[Suspect]:
    """The gate's suspects under the confirmation policy (:mod:`..analysis.policy`),
    with the companion counts each row measured on both sides; a triaged
    finding is not measured again (people decided it)."""
    counts = {r.key: r.instructions for r in result.rows}
    triaged = {f.id for f in result.report.findings if f.triage is not None}
    return [s for s in policy.suspects(result.report, lambda f: counts.get(f.key), config)
            if finding_id(s.key, s.commit) not in triaged]


def with_verdicts(first: GateResult, confirmations: Sequence[Confirmation]) -> GateResult:
    """The verdicts applied by the policy; each row shows its finding as it now is."""
    report = policy.apply_verdicts(first.report, confirmations)
    by_key = {f.key: f for f in report.findings}
    rows = [replace(r, finding=by_key.get(r.key)) for r in first.rows]
    return replace(first, report=report, rows=rows,
                   rechecked=[c.suspect.key.label for c in confirmations if not c.by_counts],
                   unconfirmed=[c.suspect.key.label for c in confirmations
                                if c.verdict != "confirmed"],
                   confirmations=list(confirmations))


def with_decisions(result: GateResult, decisions: dict[str, Decision]) -> GateResult:
    """The triage decisions applied; each row shows its finding as it now is."""
    report = with_triage(result.report, decisions)
    by_key = {f.key: f for f in report.findings}
    return replace(result, report=report, rows=[replace(r, finding=by_key.get(r.key))
                                                for r in result.rows])


def gate(repo: Path, base_rev: str, head_rev: str, *, benches: Sequence[str] = (),
         config: DetectorConfig | None = None, allow_dirty: bool = False,
         asv_args: Sequence[str] = (), progress: bool = True, recheck: bool = True,
         force: bool = False) -> GateResult:
    """Benchmark ``base_rev`` and ``head_rev`` in ``repo`` and compare them
    (``config`` default: the repository's regress.json, else the defaults)."""
    repo = repo_root(repo)
    try:
        config = config or load_config(config_path(None, repo))
    except ConfigError as exc:
        raise GateError(str(exc)) from None
    decisions = project_triage(repo)     # a malformed file: ConfigError, before any build
    try:
        base, head = resolve_commit(repo, base_rev), resolve_commit(repo, head_rev)
    except HistoryError as exc:
        raise GateError(str(exc)) from None
    for regex in benches:
        try:
            re.compile(regex)
        except re.error as exc:
            raise GateError(f"--bench {regex!r}: bad regular expression: {exc}") from None
    dirty = dirty_files(repo)
    if dirty and not allow_dirty:
        raise GateError(f"the work tree has uncommitted changes ({', '.join(dirty[:3])}"
                        f"{', ...' if len(dirty) > 3 else ''}); commit them or pass --allow-dirty")
    if base == head:
        raise GateError(f"base and head are the same commit ({base[:12]}): nothing to compare")
    try:
        plan = plan_gate(repo, base, head, config.profile, force)
    except HistoryError as exc:
        raise GateError(str(exc)) from None
    if plan.same_build:
        return GateResult(base, head, Report(config.threshold, config.alpha, 0, []),
                          profile=config.profile, same_build=True,
                          environments=list(plan.why.items()))
    workdir = Path(tempfile.mkdtemp(prefix="rustorch-gate-"))
    log = workdir / "asv.log"
    if progress:
        envs = f" in {len(plan.measure)} of {len(plan.names)} environment(s)" if plan.names else ""
        print(f"gate: benchmarking base {base[:12]} and head {head[:12]} with asv{envs} "
              f"(interleaved rounds, samples recorded; log {log})", file=sys.stderr, flush=True)
    try:
        results = run_commits(repo, [base, head], workdir, benches=benches, extra=asv_args,
                              log=log, echo_progress=progress, envs=plan.envs)
        result = compare(load_results(results), base, head, config, log)
        result = with_decisions(replace(result, environments=accounted(plan, result)), decisions)
        todo = suspects_of(result, config) if recheck else []
        if todo:
            if progress:
                print(f"gate: {len(todo)} timing-only change(s); measuring them again to confirm",
                      file=sys.stderr, flush=True)
            runner = PairRunner(repo, workdir / "recheck", asv_args, log, progress)
            say = (lambda text: print(f"gate: {text}", file=sys.stderr, flush=True)) \
                if progress else None
            result = with_verdicts(result, confirm(todo, runner, config, progress=say))
    except AsvRunError as exc:
        raise GateError(str(exc)) from None
    except ResultsError as exc:
        raise GateError(f"{exc}; asv log: {log}") from None
    except GateError:
        raise  # keep the work dir: the message points at its log
    shutil.rmtree(workdir, ignore_errors=True)
    return with_decisions(result, decisions)


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p = subparsers.add_parser("gate", help="benchmark base and head commits; exit 1 on a regression",
                              description=__doc__.split("\n\n")[0])
    p.add_argument("--base", required=True, help="base revision (e.g. origin/main)")
    p.add_argument("--head", required=True, help="head revision (e.g. HEAD)")
    p.add_argument("--bench", "-b", action="append", default=[], metavar="REGEX",
                   help="asv benchmark regex (repeatable; default: all)")
    p.add_argument("--markdown", type=Path, metavar="OUT", help="write the Markdown report here")
    p.add_argument("--json", type=Path, metavar="OUT", help="write the JSON report here")
    p.add_argument("--allow-dirty", action="store_true", help="run with uncommitted changes")
    p.add_argument("--repo", type=Path, default=Path.cwd(), help="project repository (default: .)")
    p.add_argument("--config", type=Path, help="detector config JSON (threshold, alpha, overrides)")
    p.add_argument("--threshold", type=float, help="relative change that matters (default 0.20)")
    p.add_argument("--alpha", type=float, help="false discovery rate (default 0.01)")
    p.add_argument("--asv-arg", action="append", default=[], metavar="ARG",
                   help="extra argument for asv run, e.g. --asv-arg=-a --asv-arg=repeat=5")
    p.add_argument("--no-recheck", action="store_true",
                   help="fail on a timing regression without measuring it again")
    p.add_argument("--force", action="store_true",
                   help="measure even when base and head build the same (no build input changed)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    p.set_defaults(func=run)
    return p


def no_verdict(args: argparse.Namespace, code: int, message: str) -> int:
    """Report that the gate gave no verdict (``--markdown``, ``--json``, one
    ``error:`` line); returns ``code``."""
    print(f"error: {message}", file=sys.stderr)
    write_no_verdict(args, code, message)
    return code


def write_no_verdict(args: argparse.Namespace, code: int, message: str) -> None:
    """``--markdown`` and ``--json`` saying that the gate gave no verdict."""
    from ..render.gate_markdown import no_verdict_markdown

    try:
        with staged_outputs() as staging:
            if args.markdown:
                staging.write(args.markdown, no_verdict_markdown(code, message))
            if args.json:
                doc = {"gate": {"exit_code": code, "verdict": None, "error": message}}
                staging.write(args.json, json.dumps(doc, indent=2) + "\n")
    except OSError as exc:
        print(f"error: cannot write report: {exc}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    """The ``gate`` subcommand; returns the exit status."""
    from ..render.gate_markdown import render_markdown

    try:
        source = config_path(args.config, repo_root(args.repo))
        check_outputs([("--markdown", args.markdown, "file"), ("--json", args.json, "file")],
                      [("--config", source, "file")])
        config = load_config(source).with_values(threshold=args.threshold, alpha=args.alpha)
        result = gate(args.repo, args.base, args.head, benches=args.bench, config=config,
                      allow_dirty=args.allow_dirty, asv_args=args.asv_arg, progress=not args.quiet,
                      recheck=not args.no_recheck, force=args.force)
    except OutputError as exc:         # an output that may not be written: write none
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except (GateError, ConfigError, ValueError, AsvRunError, HistoryError, ResultsError) as exc:
        return no_verdict(args, EXIT_ERROR, str(exc))      # bad input, as the CLI's input errors
    except OSError as exc:
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        return no_verdict(args, EXIT_ERROR, f"{where}{exc.strerror or exc}")
    except Exception as exc:       # a bug of ours: the reports say "no verdict", then the
        write_no_verdict(args, EXIT_INTERNAL,   # CLI's one line and exit 3 (cli/main.py)
                         f"internal error: {type(exc).__name__}: {exc}")
        raise
    markdown = render_markdown(result, commit_url_template(
        config.profile, project_dirs=(args.repo,), repo=args.repo))
    try:
        with staged_outputs() as staging:
            if args.markdown:
                staging.write(args.markdown, markdown)
            if args.json:
                staging.write(args.json, json.dumps(result.to_json(), indent=2,
                                                    allow_nan=False) + "\n")
    except OSError as exc:
        print(f"error: cannot write report: {exc}", file=sys.stderr)
        return EXIT_ERROR
    print(markdown)
    if result.failed_on_head:
        print(f"error: {len(result.failed_on_head)} benchmark(s) work on base and fail on head: "
              f"{', '.join(result.failed_on_head[:5])}", file=sys.stderr)
    return result.exit_code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rustorch-regress gate")
    sub = parser.add_subparsers(dest="command", required=True)
    add_parser(sub)
    return run(parser.parse_args(["gate", *(sys.argv[1:] if argv is None else argv)]))


if __name__ == "__main__":
    sys.exit(main())
