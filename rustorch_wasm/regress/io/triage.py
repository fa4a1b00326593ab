"""The project's triage decisions: ``regress-triage.json``, kept in the repository.

``rustorch-regress triage ack|invalid|reopen FINDING_ID`` writes it; every
analysis reads it (:func:`..analysis.pipeline.analyse`, the gate), so an
``acknowledged`` or ``invalid`` finding is shown as such everywhere and
fails neither ``detect`` nor the gate. The file (schema 1; documented in
docs/detector.md, "Triage")::

    {"schema": 1,
     "decisions": {
       "<finding id: 12 hex digits>": {
         "status": "acknowledged" | "invalid",
         "note": "why (free text)",
         "date": "2026-12-07T10:00:00Z",
         "finding": {"kind", "benchmark", "params", "machine", "env", "commit"}
       }}}

``finding`` is optional: what the id named when the decision was recorded
from a report (``--report``), for the people reading the file; the id alone
decides. Keys are written sorted, two-space indented, so a decision is a
small diff in review. The file lies at the project's root: the top level of
the git repository the results are ordered by (the working directory's
without one).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from ..model.json_file import read_json
from ..model.config import ConfigError
from ..model.findings import ID_LENGTH, TRIAGE_STATUSES
from .atomic import write_atomic
from .repository import HistoryError, toplevel

#: The triage file's name, at the project's root.
TRIAGE_NAME = "regress-triage.json"
SCHEMA = 1
ID_PATTERN = re.compile(rf"^[0-9a-f]{{{ID_LENGTH}}}$")
#: What a decision may record about its finding.
FINDING_FIELDS = ("kind", "benchmark", "params", "machine", "env", "commit")


class TriageError(ConfigError):
    """An unreadable or malformed triage file, or a bad finding id (one line)."""


@dataclass(frozen=True)
class Decision:
    """One recorded decision about one finding id."""

    status: str                     # TRIAGE_STATUSES
    note: str
    date: str = ""                  # ISO 8601, UTC
    finding: Mapping[str, Any] = field(default_factory=dict)   # what the id named (optional)

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"status": self.status, "note": self.note, "date": self.date}
        if self.finding:
            doc["finding"] = dict(self.finding)
        return doc


def check_id(text: str) -> str:
    """``text`` as a finding id (12 lower-case hex digits), or TriageError."""
    ident = text.strip().lower()
    if not ID_PATTERN.match(ident):
        raise TriageError(f"{text!r} is not a finding id ({ID_LENGTH} hex digits, as "
                          "`detect` prints and the JSON report's \"id\" holds)")
    return ident


def triage_path(directory: Path | None = None) -> Path:
    """``regress-triage.json`` at the project's root: the top level of the
    git repository ``directory`` (default: the working directory) lies in,
    else ``directory`` itself."""
    where = Path(directory) if directory is not None else Path.cwd()
    try:
        return Path(toplevel(where)) / TRIAGE_NAME
    except HistoryError:
        return where / TRIAGE_NAME


def _decision(path: Path, ident: str, raw: Any) -> Decision:
    where = f"{path}: decisions[{ident!r}]"
    if not isinstance(raw, dict):
        raise TriageError(f"{where}: expected an object")
    unknown = set(raw) - {"status", "note", "date", "finding"}
    if unknown:
        raise TriageError(f"{where}: unknown key(s) {sorted(unknown)}")
    status, note, date = raw.get("status"), raw.get("note", ""), raw.get("date", "")
    if status not in TRIAGE_STATUSES:
        raise TriageError(f"{where}: status must be one of {', '.join(TRIAGE_STATUSES)}, "
                          f"got {status!r}")
    if not isinstance(note, str) or not isinstance(date, str):
        raise TriageError(f"{where}: note and date must be strings")
    finding = raw.get("finding", {})
    if not isinstance(finding, dict) or set(finding) - set(FINDING_FIELDS):
        raise TriageError(f"{where}: finding must be an object with keys among "
                          f"{', '.join(FINDING_FIELDS)}")
    return Decision(status, note, date, finding)


def load_triage(path: Path | None) -> dict[str, Decision]:
    """The decisions of the triage file at ``path`` by finding id ({} when
    there is no file)."""
    if path is None or not Path(path).is_file():
        return {}
    data = read_json(path, TriageError)
    if not isinstance(data, dict) or data.get("schema") != SCHEMA \
            or not isinstance(data.get("decisions"), dict):
        raise TriageError(f"{path}: expected {{\"schema\": {SCHEMA}, \"decisions\": {{...}}}}")
    out = {}
    for ident, raw in data["decisions"].items():
        if not isinstance(ident, str) or not ID_PATTERN.match(ident):
            raise TriageError(f"{path}: {ident!r} is not a finding id ({ID_LENGTH} hex digits)")
        out[ident] = _decision(Path(path), ident, raw)
    return out


def dumps_triage(decisions: Mapping[str, Decision]) -> str:
    """The file's text: keys sorted, two-space indent, a final newline."""
    doc = {"schema": SCHEMA,
           "decisions": {k: decisions[k].to_json() for k in sorted(decisions)}}
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def save_triage(path: Path, decisions: Mapping[str, Decision]) -> None:
    """Replace the triage file atomically (:func:`.atomic.write_atomic`)."""
    write_atomic(Path(path), dumps_triage(decisions))


def project_triage(directory: Path | None = None) -> dict[str, Decision]:
    """The decisions of the project ``directory`` lies in (:func:`triage_path`)."""
    return load_triage(triage_path(directory))


__all__ = ["Decision", "FINDING_FIELDS", "SCHEMA", "TRIAGE_NAME", "TriageError", "check_id",
           "dumps_triage", "load_triage", "project_triage", "save_triage", "triage_path"]
