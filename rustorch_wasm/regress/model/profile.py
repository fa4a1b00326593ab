"""A project's conventions, kept out of the analysis: the profile.

The detector serves any asv results directory. What one project means by
its benchmark names lives here, as data a JSON file can carry (the config
file's ``"profile"`` object, see :func:`~.config.load_config`)::

    {"title": "rustorch_wasm benchmarks",
     "exact_counts": {"prefix": "track_", "suffix": "_instructions",
                      "timing_prefix": "time_", "what": "wasm instruction counts"},
     "environment_label": {"pattern": "RUSTORCH_WASM_ENGINE([A-Za-z0-9_]+)",
                           "name": "engine"},
     "build_paths": ["rustorch_wasm/", "benchmarks/", "!/rustorch_wasm/regress/"]}

* ``exact_counts``: benchmarks whose method name starts with ``prefix`` and
  ends with ``suffix`` count something exactly (deterministic), so they are
  compared without statistics. With ``timing_prefix``, the timing benchmark
  ``<timing_prefix>x`` of the same class and params has the count
  ``<prefix>x<suffix>`` as its *companion*: a timing change that its count
  backs is confirmed. ``what`` names them in reports.
* ``environment_label``: the short label of an asv environment name, the
  first group of ``pattern`` (e.g. the engine of an asv matrix dimension);
  ``name`` says what it is. Without a match, the label is the part of the
  name that tells it from the other environments of the same machine.
* ``build_paths``: the build inputs :func:`~..io.repository.build_keys` hashes.
* ``env_build_paths``: ``[{"pattern": regex, "paths": [...]}, ...]``: paths
  among ``build_paths`` that only the asv environments whose name the regex
  matches depend on (say the JavaScript harness of the browser engines). An
  environment's build key leaves out the paths of every rule it does not
  match, so a change there measures only the environments that use them
  (the PR gate); a history run still measures every build (``build_paths``
  as a whole).
* ``direction``: rules like the config file's (which way is better).
* ``commit_url``: where a commit's page is, an ``http(s)`` URL with
  ``{commit}`` where the full sha goes (``"https://github.com/o/r/commit/{commit}"``),
  or a base URL the sha is appended to, as asv's ``show_commit_url``. The
  reports, the site and the gate link every commit there. An
  ``asv.conf.json`` with ``show_commit_url`` beside the results wins over it;
  without either, a GitHub ``origin`` remote gives it
  (:func:`commit_link`, :mod:`..cli.commit_links`).

The default profile has no exact counts, no label pattern and the generic
build paths; this repository's own profile is ``regress.json`` at its root.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from .series import SeriesKey

#: Build inputs of a project without a profile: all but docs, tests, Markdown, CI.
GENERIC_BUILD_PATHS: tuple[str, ...] = (".", "!/docs/", "!/tests/", "!/.github/", "!*.md")


class ProfileError(ValueError):
    """A malformed profile; one-line message."""


@dataclass(frozen=True)
class ExactCounts:
    """Which benchmarks are exact counts, and which timing each one backs."""

    prefix: str
    suffix: str
    timing_prefix: str | None = None
    what: str = "exact counts"

    def matches(self, method: str) -> bool:
        return method.startswith(self.prefix) and method.endswith(self.suffix) \
            and len(method) > len(self.prefix) + len(self.suffix)


@dataclass(frozen=True)
class Profile:
    """One project's conventions (see the module docstring)."""

    title: str = "asv benchmarks"
    exact_counts: ExactCounts | None = None
    label_pattern: re.Pattern[str] | None = None
    label_name: str = "environment"
    build_paths: tuple[str, ...] = GENERIC_BUILD_PATHS
    direction: tuple[tuple[re.Pattern[str], str], ...] = field(default_factory=tuple)
    env_build_paths: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = ()
    commit_url: str | None = None

    def env_inputs(self, env: str) -> tuple[str, ...]:
        """The build paths of environment ``env``: ``build_paths`` without the
        paths of the ``env_build_paths`` rules its name does not match."""
        left_out = [p for pattern, paths in self.env_build_paths
                    if not pattern.search(env) for p in paths]
        bare = {p.strip("/") for p in left_out}
        kept = tuple(p for p in self.build_paths if p.startswith("!") or p.strip("/") not in bare)
        return kept + tuple(f"!/{p.lstrip('/')}" for p in left_out)   # inside a kept directory

    def is_exact(self, key: SeriesKey) -> bool:
        """Does ``key`` count something exactly (no statistics needed)?"""
        return self.exact_counts is not None \
            and self.exact_counts.matches(key.benchmark.rpartition(".")[2])

    @property
    def exact_what(self) -> str:
        return self.exact_counts.what if self.exact_counts else "exact counts"

    def companion(self, key: SeriesKey) -> SeriesKey | None:
        """The timing <-> exact count of the same class and params, if the profile has one."""
        ec = self.exact_counts
        if ec is None or not ec.timing_prefix:
            return None
        head, _, method = key.benchmark.rpartition(".")
        prefix = f"{head}." if head else ""
        if method.startswith(ec.timing_prefix) and len(method) > len(ec.timing_prefix):
            name = f"{ec.prefix}{method[len(ec.timing_prefix):]}{ec.suffix}"
        elif ec.matches(method):
            name = f"{ec.timing_prefix}{method[len(ec.prefix):len(method) - len(ec.suffix)]}"
        else:
            return None
        return SeriesKey(key.machine, key.env, prefix + name, key.params)

    def label_of(self, env: str) -> str | None:
        """The label the profile's pattern finds in ``env``, or None."""
        if self.label_pattern is None:
            return None
        m = self.label_pattern.search(env)
        if m is None:
            return None
        return (m.group(1) if m.groups() else m.group(0)) or None


def short_labels(envs: Iterable[str], profile: Profile) -> dict[str, str]:
    """A short label for each environment name: the profile's label where its
    pattern matches, else the ``-``-separated words that not every name shares
    (``conda-py3.12-Django-sqlparse`` beside ``conda-py3.11-Django-sqlparse``
    become ``py3.12`` and ``py3.11``); the whole name when that leaves nothing."""
    names = sorted(set(envs))
    words = {e: e.split("-") for e in names}
    common = set.intersection(*(set(w) for w in words.values())) if len(names) > 1 else set()
    out = {}
    for e in names:
        label = profile.label_of(e)
        if label is None:
            label = "-".join(w for w in words[e] if w not in common) or e
        out[e] = label
    return out


def _text(data: Mapping[str, Any], name: str, default: str | None = None) -> str | None:
    value = data.get(name, default)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise ProfileError(f"profile: {name!r} must be a non-empty string")
    return value


def load_profile(data: Any, base: Profile | None = None) -> Profile:
    """A :class:`Profile` from its JSON object (keys as in the module docstring)."""
    base = base or Profile()
    if not isinstance(data, dict):
        raise ProfileError("profile must be a JSON object")
    unknown = set(data) - {"title", "exact_counts", "environment_label", "build_paths", "direction",
                           "env_build_paths", "commit_url"}
    if unknown:
        raise ProfileError(f"profile: unknown key(s) {sorted(unknown)}")
    exact = base.exact_counts
    if "exact_counts" in data:
        raw = data["exact_counts"]
        if raw is None:
            exact = None
        elif not isinstance(raw, dict) or set(raw) - {"prefix", "suffix", "timing_prefix", "what"}:
            raise ProfileError("profile: exact_counts needs 'prefix', 'suffix' and optionally "
                               "'timing_prefix', 'what'")
        else:
            prefix, suffix = raw.get("prefix", ""), raw.get("suffix", "")
            if not isinstance(prefix, str) or not isinstance(suffix, str) or not (prefix or suffix):
                raise ProfileError("profile: exact_counts needs a string 'prefix' or 'suffix'")
            exact = ExactCounts(prefix, suffix, _text(raw, "timing_prefix"),
                                _text(raw, "what", "exact counts") or "exact counts")
    pattern, label_name = base.label_pattern, base.label_name
    if "environment_label" in data:
        raw = data["environment_label"]
        if not isinstance(raw, dict) or not isinstance(raw.get("pattern"), str):
            raise ProfileError("profile: environment_label needs a string 'pattern'")
        try:
            pattern = re.compile(raw["pattern"])
        except re.error as exc:
            raise ProfileError(f"profile: environment_label: bad regex: {exc}") from None
        label_name = _text(raw, "name", "environment") or "environment"
    paths = base.build_paths
    if "build_paths" in data:
        raw = data["build_paths"]
        if not isinstance(raw, list) or not raw or not all(isinstance(p, str) and p for p in raw):
            raise ProfileError("profile: build_paths must be a non-empty list of strings")
        paths = tuple(raw)
    direction = base.direction
    if "direction" in data:
        direction = tuple(direction_rules(data["direction"], "profile: direction"))
    env_paths = base.env_build_paths
    if "env_build_paths" in data:
        env_paths = tuple(env_path_rules(data["env_build_paths"]))
    commit_url = base.commit_url
    if "commit_url" in data:
        raw = data["commit_url"]
        commit_url = None if raw is None else url_template(raw)
        if raw is not None and commit_url is None:
            raise ProfileError("profile: commit_url must be an http(s) URL, with {commit} where "
                               "the sha goes or ending where it is appended")
    return Profile(_text(data, "title", base.title) or base.title, exact, pattern, label_name,
                   paths, direction, env_paths, commit_url)


#: Characters left as they are in a commit URL template (the rest is %-encoded,
#: so no quote, space, bracket or parenthesis reaches HTML or Markdown raw).
_URL_SAFE = "/:?#@!$&*+,;=%~-._{}"
_SHA = re.compile(r"[0-9a-f]{7,64}")


def url_template(raw: Any) -> str | None:
    """``raw`` as a commit URL template (see the module docstring), or None
    when it is not one: not a string, not ``http(s)://host...``, or asv's
    placeholder ``#``. Unsafe characters are %-encoded."""
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    if not re.match(r"https?://[^/\s]+", text, re.I):
        return None
    return quote(text, safe=_URL_SAFE)


def commit_link(template: str | None, sha: str) -> str | None:
    """The URL of commit ``sha`` under ``template`` (None without a template,
    or when ``sha`` is not a hexadecimal commit id)."""
    if not template or not isinstance(sha, str) or not _SHA.fullmatch(sha):
        return None
    return template.replace("{commit}", sha) if "{commit}" in template else template + sha


def env_path_rules(raw: Any) -> list[tuple[re.Pattern[str], tuple[str, ...]]]:
    """``[{"pattern": regex, "paths": [...]}, ...]`` as compiled rules."""
    where = "profile: env_build_paths"
    if not isinstance(raw, list):
        raise ProfileError(f"{where} must be a list")
    rules = []
    for i, entry in enumerate(raw):
        paths = entry.get("paths") if isinstance(entry, dict) else None
        if not isinstance(entry, dict) or not isinstance(entry.get("pattern"), str) \
                or not isinstance(paths, list) or not paths \
                or not all(isinstance(p, str) and p for p in paths):
            raise ProfileError(f"{where}[{i}] needs a string 'pattern' and a non-empty list "
                               "'paths'")
        try:
            rules.append((re.compile(entry["pattern"]), tuple(paths)))
        except re.error as exc:
            raise ProfileError(f"{where}[{i}]: bad regex: {exc}") from None
    return rules


def direction_rules(raw: Any, where: str) -> list[tuple[re.Pattern[str], str]]:
    """``[{"pattern": regex, "better": "lower"|"higher"}, ...]`` as compiled rules."""
    if not isinstance(raw, list):
        raise ProfileError(f"{where} must be a list")
    rules = []
    for i, entry in enumerate(raw):
        if not isinstance(entry, dict) or not isinstance(entry.get("pattern"), str) \
                or entry.get("better") not in ("lower", "higher"):
            raise ProfileError(f"{where}[{i}] needs a string 'pattern' and "
                               "'better': 'lower' or 'higher'")
        try:
            rules.append((re.compile(entry["pattern"]), entry["better"]))
        except re.error as exc:
            raise ProfileError(f"{where}[{i}]: bad regex: {exc}") from None
    return rules
