"""The one analysis behind every command: a :class:`~..io.history.History` in,
a :class:`~..model.findings.Report` out.

``detect``, ``site``, ``run`` and the evaluation all call :func:`analyse`,
so the findings they show are the same, byte for byte, for the same
results, order and configuration:

1. :func:`.detect.detect` over the history's series, with the asv metadata
   of its result files (environment evidence) and its build identity
   (``same_build``: a change between two measurements of one build is not
   the code's, and a change first seen at a commit that shares its build
   with an earlier one belongs to the commit that made that build);
2. attribution across environments (:mod:`.attribution`), per machine: each
   finding of a benchmark measured in several environments at its commit
   says whether every environment moved or only some (``engines: wasmer
   only``, named after the profile's environment dimension).

Confirmation by re-measurement is a later stage with its own policy
(:mod:`.policy`), run by the commands that can measure (``run``, ``gate``).
"""
from __future__ import annotations

import dataclasses
from collections import defaultdict
from typing import Mapping

from ..io.history import History
from ..io.triage import Decision, project_triage
from ..model.config import DetectorConfig
from ..model.findings import Finding, Report
from ..model.profile import Profile
from ..model.series import Series
from . import attribution
from .detect import detect


def analyse(history: History, config: DetectorConfig | None = None,
            triage: Mapping[str, Decision] | None = None) -> Report:
    """The findings of ``history`` under ``config`` (see the module docstring);
    ``triage``: the decisions by finding id (default: the project's file)."""
    config = config or DetectorConfig()
    report = detect(history.series, config, metadata=history.result_set.file_meta,
                    same_build=history.same_build)
    report = with_attribution(report, history.series, config.profile)
    return with_triage(report, project_triage(history.repo) if triage is None else triage)


def with_triage(report: Report, decisions: Mapping[str, Decision]) -> Report:
    """Each finding with the decision recorded for its id (none: untriaged)."""
    if not decisions and not any(f.triage is not None for f in report.findings):
        return report
    out = []
    for f in report.findings:
        d = decisions.get(f.id)
        status, note = (d.status, d.note) if d is not None else (None, "")
        out.append(f if (f.triage, f.triage_note) == (status, note) else
                   dataclasses.replace(f, triage=status, triage_note=note))
    return dataclasses.replace(report, findings=out)


def attribution_labels(findings: list[Finding], series: list[Series],
                       profile: Profile) -> dict[tuple, str]:
    """(machine, commit, benchmark, params, kind) -> the attribution label, for
    the findings whose benchmark was measured in several environments of
    their machine at their commit."""
    commits = {s.key: s.commits for s in series}
    labels: dict[tuple, str] = {}
    by_machine: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        if not f.is_environment:
            by_machine[f.key.machine].append(f)
    for machine, found in by_machine.items():
        keys = [k for k in commits if k.machine == machine]
        measured = attribution.measured_from_envs(keys, lambda key: commits[key],
                                                  profile.label_of)
        for a in attribution.attribute(found, measured, profile.label_of):
            if a.verdict != "unattributed":
                labels[(a.machine, a.commit, a.benchmark, a.params, a.kind)] = a.label
    return labels


def with_attribution(report: Report, series: list[Series], profile: Profile) -> Report:
    """Each finding with its attribution as evidence (``<dimension>: <label>``)."""
    labels = attribution_labels(report.findings, series, profile)
    if not labels:
        return report
    name = f"{profile.label_name}s"      # "engines: wasmer only"
    out = []
    for f in report.findings:
        what = labels.get((f.key.machine, f.commit, f.key.benchmark, f.key.params, f.kind))
        out.append(f if what is None or f.is_environment else
                   dataclasses.replace(f, evidence=f.evidence + (f"{name}: {what}",)))
    return dataclasses.replace(report, findings=out)


__all__ = ["analyse", "attribution_labels", "with_attribution", "with_triage"]
