"""Engine attribution: is a regression ours (every engine) or one engine's?

The engine is an asv matrix dimension, so the same benchmark at the same
commit is a separate series per engine, told apart by the asv environment
name. The profile's environment label (:meth:`~..model.profile.Profile.label_of`,
``label_of`` below) reads the engine from it: this project's profile finds
``firefox`` in ``virtualenv-py3.10-...-RUSTORCH_WASM_ENGINEfirefox``.

:func:`attribute` groups findings by (machine, commit, benchmark, params,
kind) and compares the engines they were found in with the engines that
were measured there:

``ours``
    found in every engine measured (two or more): the kernels changed;
``engine``
    found in exactly one of two or more engines: that engine's (``label``
    says e.g. "firefox only");
``engines``
    found in several engines but not all: e.g. the three browser engines and
    not Wasmer, something they share (``label`` lists them);
``unattributed``
    only one engine was measured, or the environment names no engine: there
    is nothing to compare with.

Pure functions over duck-typed findings (anything with ``.kind``,
``.commit`` and ``.key`` having ``.benchmark``, ``.params``, ``.env`` and
``.machine``), so the detector can change its classes freely. Commits are
matched exactly: the detector pins each series' change to its own commit.
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol, Union

Verdict = Literal["ours", "engine", "engines", "unattributed"]


class _KeyLike(Protocol):
    benchmark: str
    params: Any
    env: str
    machine: str


class FindingLike(Protocol):
    """What attribution reads of a finding."""

    kind: str
    commit: str
    key: _KeyLike


# The engines measured for a benchmark at a commit: a mapping keyed by
# (commit, benchmark), or by (commit, benchmark, params) for a finer answer
# (looked up first), or a function (commit, benchmark, params) -> engines.
Measured = Union[Mapping[tuple[Hashable, ...], Collection[str]],
                 Callable[[str, str, tuple[tuple[str, str], ...]], Collection[str]]]


def _params(params: Any) -> tuple[tuple[str, str], ...]:
    """Params as a sorted tuple of (name, value) strings, from a tuple of pairs or a dict."""
    items = params.items() if isinstance(params, Mapping) else (params or ())
    return tuple(sorted((str(k), str(v)) for k, v in items))


@dataclass(frozen=True)
class Attribution:
    """The verdict for one change of one benchmark at one commit on one machine."""

    machine: str
    commit: str
    benchmark: str
    params: tuple[tuple[str, str], ...]
    kind: str
    verdict: Verdict
    engines_seen: tuple[str, ...]
    engines_measured: tuple[str, ...]

    @property
    def label(self) -> str:
        """"ours", "firefox only", "firefox + webkit only" or "unattributed (...)"."""
        if self.verdict == "ours":
            return "ours"
        if self.verdict in ("engine", "engines"):
            return " + ".join(self.engines_seen) + " only"
        if not self.engines_seen:
            return "unattributed (no engine in the environment name)"
        return f"unattributed (only {', '.join(self.engines_measured)} measured)"


def _measured_engines(measured: Measured, commit: str, benchmark: str,
                      params: tuple[tuple[str, str], ...]) -> set[str]:
    if callable(measured):
        return set(measured(commit, benchmark, params))
    for key in ((commit, benchmark, params), (commit, benchmark)):
        if key in measured:
            return set(measured[key])
    return set()


def verdict(seen: Collection[str], measured: Collection[str]) -> Verdict:
    """The verdict for a change found in the engines ``seen`` of those ``measured``
    (``seen`` counts as measured, whatever ``measured`` omits)."""
    seen_set = set(seen)
    all_measured = set(measured) | seen_set
    if not seen_set or len(all_measured) < 2:
        return "unattributed"
    if seen_set == all_measured:
        return "ours"
    return "engine" if len(seen_set) == 1 else "engines"


def attribute(findings: Iterable[FindingLike], measured: Measured,
              label_of: Callable[[str], str | None]) -> list[Attribution]:
    """One :class:`Attribution` per (machine, commit, benchmark, params, kind) among
    ``findings``, in the order first met. Findings whose environment names no
    engine form their own "unattributed" groups (per environment)."""
    groups: dict[tuple[Any, ...], set[str]] = {}
    for f in findings:
        key = f.key
        params = _params(key.params)
        engine = label_of(key.env)
        group = (key.machine, f.commit, key.benchmark, params, f.kind, None if engine else key.env)
        seen = groups.setdefault(group, set())
        if engine:
            seen.add(engine)
    out = []
    for (machine, commit, benchmark, params, kind, _env), seen in groups.items():
        engines = _measured_engines(measured, commit, benchmark, params) | seen if seen else set()
        out.append(Attribution(machine, commit, benchmark, params, kind, verdict(seen, engines),
                               tuple(sorted(seen)), tuple(sorted(engines))))
    return out


def measured_from_envs(series_keys: Iterable[Any], commits_of: Callable[[Any], Iterable[str]],
                       label_of: Callable[[str], str | None]) -> dict[tuple[str, str], set[str]]:
    """The ``measured`` mapping built from series: for each series key (with
    ``.env`` and ``.benchmark``) and each commit ``commits_of(key)`` has a value
    at, the key's engine is measured for (commit, benchmark)."""
    out: dict[tuple[str, str], set[str]] = {}
    for key in series_keys:
        engine = label_of(key.env)
        if engine is None:
            continue
        for commit in commits_of(key):
            out.setdefault((commit, key.benchmark), set()).add(engine)
    return out
