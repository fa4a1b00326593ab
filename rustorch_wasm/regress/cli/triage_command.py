"""``rustorch-regress triage``: record what people decided about a finding.

    rustorch-regress triage ack FINDING_ID --note TEXT [--report JSON] [--file PATH]
    rustorch-regress triage invalid FINDING_ID --note TEXT [--report JSON] [--file PATH]
    rustorch-regress triage reopen FINDING_ID [--file PATH]
    rustorch-regress triage list [--file PATH]

The decision goes to the project's ``regress-triage.json`` (the root of the
working directory's git repository, else the working directory; ``--file``
names another), written atomically; commit it with the change it explains.
``ack`` (acknowledged: a known or accepted change) and ``invalid`` (not a
real change: a bad measurement, a noisy runner) need a note saying why;
``reopen`` removes the decision, so the finding fails again. The id is the
one ``detect`` prints first on each finding's line and the JSON report
holds as ``"id"`` (benchmark, params, machine, env and commit hashed: the
same in every run). With ``--report`` (a ``detect --json``,
``site/findings.json`` or gate JSON report) the id must be one of its
findings, and the decision records what it names for the file's readers.

Exit status 0 when recorded, 2 on bad input (no such id in the report, no
decision to reopen, a missing note, a malformed triage file).
"""
from __future__ import annotations

import argparse
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..model.json_file import read_json
from ..io.triage import (FINDING_FIELDS, Decision, TriageError, check_id, load_triage,
                         save_triage, triage_path)

#: The command's verbs and the status each records.
STATUS_OF = {"ack": "acknowledged", "invalid": "invalid"}


def finding_in_report(path: Path, ident: str) -> dict[str, Any]:
    """What finding ``ident`` of the JSON report at ``path`` names."""
    doc = read_json(path, TriageError)
    findings = doc.get("findings") if isinstance(doc, dict) else None
    if not isinstance(findings, list):
        raise TriageError(f"{path}: not a detector report (no \"findings\" list)")
    for f in findings:
        if isinstance(f, dict) and f.get("id") == ident:
            return {k: f[k] for k in FINDING_FIELDS if k in f}
    raise TriageError(f"{path}: no finding with id {ident} (ids: "
                      + (", ".join(str(f.get("id")) for f in findings[:5] if isinstance(f, dict))
                         or "none") + (", ..." if len(findings) > 5 else "") + ")")


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def described(d: Decision) -> str:
    return f"{d.status}: {d.note}" if d.note else d.status


def run_decide(args: argparse.Namespace) -> int:
    ident = check_id(args.finding_id)
    note = (args.note or "").strip()
    if not note:
        raise TriageError(f"triage {args.triage_command}: --note TEXT is needed (why: "
                          "a known change, an accepted cost, a bad measurement)")
    path = args.file if args.file is not None else triage_path()
    decisions = load_triage(path)
    finding = finding_in_report(args.report, ident) if args.report is not None else \
        (dict(decisions[ident].finding) if ident in decisions else {})
    old = decisions.get(ident)
    decisions[ident] = Decision(STATUS_OF[args.triage_command], note, now(), finding)
    save_triage(path, decisions)
    what = f" ({finding.get('benchmark') or finding.get('kind', '')} at " \
           f"{str(finding.get('commit', ''))[:10]})" if finding else ""
    print(f"triage: {ident}{what} {described(decisions[ident])}"
          + (f" (was {described(old)})" if old is not None else "") + f"; in {path}")
    return 0


def run_reopen(args: argparse.Namespace) -> int:
    ident = check_id(args.finding_id)
    path = args.file if args.file is not None else triage_path()
    decisions = load_triage(path)
    old = decisions.pop(ident, None)
    if old is None:
        raise TriageError(f"{path}: no decision recorded for {ident}: nothing to reopen")
    save_triage(path, decisions)
    print(f"triage: {ident} reopened (removed: {described(old)}); in {path}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    path = args.file if args.file is not None else triage_path()
    decisions = load_triage(path)
    if not decisions:
        print(f"triage: no decisions in {path}")
    for ident, d in sorted(decisions.items()):
        where = f" {d.finding.get('benchmark', '')} {str(d.finding.get('commit', ''))[:10]}" \
            if d.finding else ""
        print(f"{ident} {d.status:12s} {d.date or '-'}{where}: {d.note}")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("triage", help="acknowledge, invalidate or reopen a finding by its id",
                       description=__doc__.split("\n\n")[0].split(": ", 1)[1],
                       epilog="Exit status 0 when recorded, 2 on bad input.")
    tsub = p.add_subparsers(dest="triage_command", metavar="{ack,invalid,reopen,list}",
                            parser_class=type(p))
    tsub.required = True
    helps = {"ack": "a known or accepted change: shown as acknowledged, fails nothing",
             "invalid": "not a real change (bad measurement): shown as invalid, fails nothing",
             "reopen": "remove the decision: the finding fails again"}
    for verb, text in helps.items():
        s = tsub.add_parser(verb, help=text)
        s.add_argument("finding_id", metavar="FINDING_ID",
                       help="the id detect prints (12 hex digits; the JSON report's \"id\")")
        s.add_argument("--note", help="why (needed for ack and invalid)")
        s.add_argument("--file", type=Path, default=None,
                       help="triage file (default: regress-triage.json at the repository's root)")
        if verb != "reopen":
            s.add_argument("--report", type=Path, default=None, metavar="JSON",
                           help="a JSON report holding the finding (checked, and recorded)")
        s.set_defaults(func=run_reopen if verb == "reopen" else run_decide)
    s = tsub.add_parser("list", help="the recorded decisions")
    s.add_argument("--file", type=Path, default=None,
                   help="triage file (default: regress-triage.json at the repository's root)")
    s.set_defaults(func=run_list)
    return p


__all__ = ["add_parser", "finding_in_report", "run_decide", "run_list", "run_reopen"]
