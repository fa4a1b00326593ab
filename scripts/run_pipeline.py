"""The main job (`make run`): benchmark history, detect, plot, publish the site.

    python scripts/run_pipeline.py [--range HEAD~50..HEAD] [--bench REGEX]
        [--skip-bench] [--out site] [--branch HEAD] [--config FILE]

1. ``scripts/bench.py``: ``asv machine --yes`` and ``asv run`` over the range
   (bounded by the history that exists; already measured commits skipped;
   samples recorded; asv shows its progress).
2. The detector over everything in ``.asv/results`` along the first-parent
   history of ``--branch``: findings as JSON and Markdown.
3. Change points per series, the stored baselines (``baselines/*.json``),
   trend plots and the heat map, ``asv publish``, and the static site.
4. Prints the findings and the path of ``site/index.html``.

Exit status 0 when the site was built (regressions are reported, not an
error), 2 on an error (one line, no traceback).
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rustorch_wasm.regress.atomic import write_atomic  # noqa: E402
from rustorch_wasm.regress.baseline import BaselineError, load_baseline  # noqa: E402
from rustorch_wasm.regress.config import ConfigError, DetectorConfig, load_config  # noqa: E402
from rustorch_wasm.regress.detect import detect  # noqa: E402
from rustorch_wasm.regress.findings import Report  # noqa: E402
from rustorch_wasm.regress.history import HistoryError, first_parent_commits  # noqa: E402
from rustorch_wasm.regress.report import render_markdown  # noqa: E402
from rustorch_wasm.regress.results import ResultsError, load_results  # noqa: E402
from rustorch_wasm.regress.series import Series, SeriesKey, build_series  # noqa: E402
from rustorch_wasm.regress.site import SiteData, asv_publish, build_site, commit_infos  # noqa: E402


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


def stored_baselines(directory: Path, series: list[Series]) -> tuple[dict[SeriesKey, float], str]:
    """Median of the stored baseline samples per series key, and a description."""
    levels: dict[SeriesKey, float] = {}
    sources = []
    machines = {s.key.machine for s in series}
    for path in sorted(directory.glob("*.json")):
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
        sources.append(f"{directory.name}/{path.name} (commit {base.commit[:10]})")
    return levels, ", ".join(sources)


def print_findings(report: Report) -> None:
    print(f"{report.series_checked} series checked, {len(report.findings)} finding(s), "
          f"{len(report.regressions)} regression(s)")
    for f in report.findings:
        print(f"  {f.kind:11s} {f.key.label} at {f.commit[:10]} x{f.ratio:.3f} "
              f"(p={f.p_value:.2g}) [{f.key.machine}]")


def pipeline(args: argparse.Namespace) -> int:
    config = load_config(args.config) if args.config else DetectorConfig()
    if not args.skip_bench:
        if args.repo.resolve() != ROOT:
            raise ValueError("--repo other than this project needs --skip-bench")
        step(f"benchmarking {args.range} with asv")
        run_benchmarks(args.range, args.bench)
    step(f"detecting over {args.results}")
    result_set = load_results(args.results)
    order = first_parent_commits(args.repo, args.branch)
    series = [s for s in build_series(result_set, order) if s.points]
    if not series:
        raise ResultsError(f"{args.results}: no results for any commit of {args.branch!r}")
    report = detect(series, config, metadata=result_set.file_meta)
    measured = [c for c in order if c in result_set.commits]
    step(f"plotting {len(series)} series and building the site")
    # the plots draw the change points the detector decided (after merging and re-placement)
    cps = {key: a.change_points for key, a in report.analyses.items()}
    levels, source = stored_baselines(args.baselines, series)
    with tempfile.TemporaryDirectory(prefix="asv-html-") as tmp:
        asv_html = None if args.no_asv_publish else asv_publish(args.repo, Path(tmp) / "html")
        data = SiteData(series=series, report=report, commits=measured, change_points=cps,
                        baselines=levels, baseline_source=source,
                        commit_info=commit_infos(args.repo, measured))
        index = build_site(data, args.out, asv_html=asv_html, progress=True)
    write_atomic(Path(args.out) / "findings.md", render_markdown(report))
    print_findings(report)
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
