"""The gate's Markdown report, sized for a PR comment or a GitHub job summary.

A verdict line, one table of the changed benchmarks (ratio head/base,
confidence interval of the ratio, p-value, instruction-count change of the
companion ``track_*_instructions`` benchmark), then the unchanged ones
collapsed in ``<details>``. Every name goes through :func:`.markdown.cell`,
so no name can break the table or inject markup. With a commit URL template,
a line under the verdict links base and head to their commits. A changed
benchmark's row ends with its finding id (``rustorch-regress triage ack
ID``); a triaged one says ``acknowledged: <note>`` and fails nothing. When
the gate gives no verdict (exit 2, bad input; exit 3, an internal error) the
report says so (:func:`no_verdict_markdown`), never "regression".
"""
from __future__ import annotations

import math
from collections import Counter

from ..model.kinds import KINDS, kind_info, kind_order
from ..model.units import format_value
from ..analysis.gate_result import GateResult, Row
from .markdown import cell, commit_md

_ICON = {k.name: f"{k.icon} {k.name}" for k in KINDS.values()}


def quantity(value: float, unit: str) -> str:
    """A value with a readable unit (seconds scaled to ns/µs/ms)."""
    return cell(format_value(value, unit))


def instruction_change(row: Row) -> str:
    if row.exact:
        return "exact count"
    if row.instructions is None:
        return "—"
    before, after = row.instructions
    if before == after:
        return f"unchanged ({before:,.0f})"
    if before > 0:
        return f"{(after / before - 1) * 100:+.1f}% ({before:,.0f} → {after:,.0f})"
    return f"{before:,.0f} → {after:,.0f}"


def _params(row: Row) -> str:
    return cell(", ".join(f"{k}={v}" for k, v in row.key.params)) or "—"


def _changed_table(rows: list[Row], counts: str) -> list[str]:
    lines = ["| verdict | benchmark | params | base | head | ratio | CI of ratio | p-value "
             f"| {counts} | id |", "|---|---|---|---:|---:|---:|---:|---:|---|---|"]
    for r in rows:
        f = r.finding
        assert f is not None
        ci = f"{f.ci[0]:.3f} – {f.ci[1]:.3f}" if all(map(math.isfinite, f.ci)) else "n/a"
        p = ("exact" if r.exact else
             f"{f.p_value:.2g}" if math.isfinite(f.p_value) else "n/a")
        verdict = _ICON.get(f.kind, cell(f.kind)) + (f" ({cell(f.status)})" if f.triage else "")
        lines.append(f"| {verdict} | {cell(r.key.benchmark)} | {_params(r)} "
                     f"| {quantity(r.base, r.unit)} | {quantity(r.head, r.unit)} | ×{f.ratio:.3f} "
                     f"| {ci} | {p} | {instruction_change(r)} | `{f.id}` |")
    return lines


def _unchanged_table(rows: list[Row], counts: str) -> list[str]:
    lines = [f"| benchmark | params | base | head | ratio | {counts} |",
             "|---|---|---:|---:|---:|---|"]
    for r in rows:
        ratio = f"×{r.ratio:.3f}" if math.isfinite(r.ratio) else "n/a"
        lines.append(f"| {cell(r.key.benchmark)} | {_params(r)} | {quantity(r.base, r.unit)} "
                     f"| {quantity(r.head, r.unit)} | {ratio} | {instruction_change(r)} |")
    return lines


def verdict_line(result: GateResult) -> str:
    span = f"base `{result.base[:10]}` → head `{result.head[:10]}`"
    if result.same_build:
        return (f"## ✅ Benchmark gate: same build, nothing to measure ({span}): "
                "no build input changed")
    regs = sum(1 for f in result.report.regressions if f.fails_gate)
    triaged = sum(1 for f in result.report.findings if f.triage is not None)
    also = f", {triaged} triaged (acknowledged or invalid)" if triaged else ""
    if result.failed_on_head:
        return f"## ⚠️ Benchmark gate: error, {len(result.failed_on_head)} benchmark(s) fail on head ({span})"
    if regs:
        return f"## ❌ Benchmark gate: {regs} regression(s){also} ({span})"
    return f"## ✅ Benchmark gate: no regression{also} ({span})"


#: Why the gate gave no verdict, by exit status.
NO_VERDICT = {2: "bad input", 3: "internal error"}


def no_verdict_markdown(code: int, message: str) -> str:
    """The report of a gate that could not compare (exit 2 or 3): what went
    wrong, said apart from any regression verdict."""
    why = NO_VERDICT.get(code, f"exit status {code}")
    return "\n".join([f"## ⚠️ Benchmark gate: no verdict, {why} (exit {code})", "",
                      f"The gate could not compare base and head: {cell(message)}", "",
                      "This is not a regression verdict: nothing was decided. The job log "
                      "has the details.", ""])


def _exact_rule(result: GateResult) -> str:
    """How the profile's exact counts are judged, for the rule line."""
    ec = result.profile.exact_counts
    if ec is None:
        return ""
    return f"; {cell(ec.what)} (`{cell(ec.prefix)}*{cell(ec.suffix)}`) are exact and compared without statistics"


def environments_lines(result: GateResult) -> list[str]:
    """Every environment of the project and what the gate did with it."""
    if not result.environments:
        return []
    return ["**Environments:**", "", *(f"- `{cell(env)}`: {cell(why)}"
                                      for env, why in result.environments), ""]


def commits_line(result: GateResult, commit_url: str | None) -> list[str]:
    """Base and head linked to their commits (nothing without a template)."""
    if not commit_url:
        return []
    return ["", f"Commits: base {commit_md(result.base, commit_url)} → head "
                f"{commit_md(result.head, commit_url)}."]


def render_markdown(result: GateResult, commit_url: str | None = None) -> str:
    """The whole report; ``commit_url``: the commit URL template (:mod:`..cli.commit_links`)."""
    if result.same_build:
        return "\n".join([verdict_line(result), *commits_line(result, commit_url), "",
                          f"Base and head build the same wheel and run the same suite in every "
                          f"environment ({cell(result.profile.title)}'s build paths): measuring "
                          "them could only measure noise. `--force` measures anyway.", "",
                          *environments_lines(result)])
    rep = result.report
    changed = [r for r in result.rows if r.finding is not None and kind_info(r.finding.kind).change]
    changed.sort(key=lambda r: (kind_order(r.finding.kind), r.key) if r.finding else (9, r.key))
    unchanged = [r for r in result.rows if r.finding is None]
    held_back = [r for r in result.rows
                 if r.finding is not None and not kind_info(r.finding.kind).change]
    hosts = sorted({f"{r.key.machine} ({r.key.env})" for r in result.rows})
    lines = [verdict_line(result), *commits_line(result, commit_url), "",
             f"{len(result.rows)} benchmark series compared on {cell(', '.join(hosts)) or 'n/a'}. "
             f"Rule: a change of at least {rep.threshold:.0%} that is significant (Mann-Whitney U, "
             f"Benjamini-Hochberg FDR α = {rep.alpha:g} over all benchmarks)"
             + _exact_rule(result) + ".", ""]
    lines += environments_lines(result)
    if result.failed_on_head:
        lines += ["**Fail on head, worked on base:** "
                  + ", ".join(cell(n) for n in result.failed_on_head), ""]
    if result.rechecked:
        kept = len(result.rechecked) - len(result.unconfirmed)
        lines += [f"Timing regressions that no {cell(result.profile.exact_what)} change backs were measured again: "
                  f"{kept} of {len(result.rechecked)} confirmed."
                  + (" Not confirmed (not counted): " + ", ".join(cell(n) for n in result.unconfirmed)
                     if result.unconfirmed else ""), ""]
    if result.only_on_head:
        lines += ["Measured on head only (not comparable): "
                  + ", ".join(cell(n) for n in result.only_on_head), ""]
    if changed:
        counts = Counter(r.finding.kind for r in changed if r.finding is not None)
        group = ", ".join(f"{n} {KINDS[k].label.lower()}" for k, n in
                          sorted(counts.items(), key=lambda kv: kind_order(kv[0])))
        lines += [f"### Changed ({len(changed)})", "",
                  f"One alert group, at head `{result.head[:10]}`: {group}.", "",
                  *_changed_table(changed, cell(result.profile.exact_what)), ""]
    else:
        lines += ["No benchmark changed by the threshold with significance.", ""]
    if held_back:
        lines += [f"### Not confirmed ({len(held_back)})", "",
                  "First measured as changed, then measured again interleaved with base; "
                  "not counted (the ratio is the first measurement's).", "",
                  *_changed_table(held_back, cell(result.profile.exact_what)), ""]
    if unchanged:
        lines += ["<details>", f"<summary>{len(unchanged)} unchanged benchmark series</summary>", "",
                  *_unchanged_table(unchanged, cell(result.profile.exact_what)), "", "</details>", ""]
    return "\n".join(lines)
