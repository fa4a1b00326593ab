"""The detector's settings in one place, and the per-benchmark override file.

Config file (JSON; Python 3.10 has no tomllib)::

    {"threshold": 0.2, "alpha": 0.01,
     "overrides": [{"pattern": "^special_functions\\\\.", "threshold": 0.3}],
     "direction": [{"pattern": "track_.*_gflops$", "better": "higher"}],
     "profile": {"title": "...", "exact_counts": {...}, ...}}

Every key is optional; ``profile`` is the project's conventions
(:mod:`.profile`). The commands read ``regress.json`` in the current
directory (the gate: the repository's root) when no ``--config`` is given. ``pattern`` is a Python regular expression searched in
the benchmark's full name (``module.Class.method``); the first matching
override sets that benchmark's threshold, the first matching ``direction``
entry which way is better for it (otherwise ``direction.better_of`` decides
from asv's benchmark type, the unit and the name).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .json_file import read_json
from .direction import Better, better_of
from .profile import Profile, ProfileError, direction_rules, load_profile

#: The config file the commands read when none is named.
CONFIG_NAME = "regress.json"

DEFAULT_THRESHOLD = 0.20      # the size of change that matters (20 %, as asv's default factor 1.2)
DEFAULT_ALPHA = 0.01          # Benjamini-Hochberg false discovery rate
DEFAULT_GUARD = 0.75          # point estimate must reach 1 + guard * threshold
DEFAULT_CI_LEVEL = 0.99       # bootstrap interval of the ratio of medians
DEFAULT_SPLIT_ALPHA = 0.001   # significance of each segmentation split (Bonferroni over splits)
DEFAULT_MIN_SEGMENT = 3       # commits on each side of a change point (spike guard)
DEFAULT_WINDOW = 30           # commits each side used to test a change point
DEFAULT_BOOTSTRAP = 2000      # bootstrap resamples
DEFAULT_SEED = 20261125       # bootstrap seed: same input, same report
DEFAULT_TAIL_REACH = 5        # newest commits the tail test may start a new level in
DEFAULT_ENV_MIN_SERIES = 5    # series that must move together for an environment finding
DEFAULT_ENV_MIN_SHARE = 0.3   # ... and at least this share of the series measured there
DEFAULT_ENV_CONCENTRATION = 3.0  # ... at one commit: this many times a neighbouring commit's
DEFAULT_ENV_ALPHA = 1e-4      # co-movement test level (Bonferroni over commit positions)
DEFAULT_ENV_MAX_STRETCH = 64  # commits a slow stretch may last before it is two shifts
DEFAULT_ENV_SPREAD_SDS = 3.0  # a member beyond this many spreads of the shift is its own change
DEFAULT_ENV_SIBLING_SHARE = 0.1  # ... in an env whose sibling env has an event at that commit
DEFAULT_ENV_MOVE_P = 0.05     # a member's own step counts as moving at this p-value or below
DEFAULT_SPIKE_SDS = 5.0       # a spike lies more than this many noise sds above its level
DEFAULT_MIN_SPIKES = 30       # fewer spikes in a run: no spike size model
DEFAULT_CONFIRM_MIN_SAMPLES = 5  # per side, below which a re-measurement cannot decide
DEFAULT_CONFIRM_ROUNDS_PER_LOOK = 4  # interleaved rounds a re-measurement takes between tests
DEFAULT_CONFIRM_MAX_ROUNDS = 12  # ... and at most in all (the looks are Bonferroni-corrected)
DEFAULT_LEVEL_TRIM = 0.2      # share of a commit's log samples trimmed at each end for its level
DEFAULT_SCAN_WIDTHS = (24, 64)  # window lengths of the two-scale window scan (seeded segmentation)
DEFAULT_EXCURSION_MAX = 64    # longest excursion (commits away and back) the epidemic split tests
DEFAULT_DRIFT_HORIZON = 100   # commits a creep may take to be blamed on one commit (drift scan)
DEFAULT_REFINE_REACH = 10     # commits a change point may move when re-placed by the Cauchy fit
DEFAULT_TAIL_NOISE_FLOOR = 1e-4  # least commit-to-commit noise (log) the tail test assumes
DEFAULT_ENV_EDGE_SHARE = 0.2  # share of an event's moves its first (last) commit must hold
DEFAULT_ENV_RETURN_SHARE = 0.5  # share of an event's members back within reach: a slow stretch
DEFAULT_MAX_RESULT_BYTES = 64 * 2 ** 20  # a result file above this is refused unread (asv's: a few MB)


class ConfigError(ValueError):
    """A bad setting or override file; one-line message."""


@dataclass(frozen=True)
class Override:
    pattern: re.Pattern[str]
    threshold: float


@dataclass(frozen=True)
class DetectorConfig:
    """All knobs of :func:`~.detect.detect` and :func:`~.compare.compare_samples`."""

    threshold: float = DEFAULT_THRESHOLD
    alpha: float = DEFAULT_ALPHA
    guard: float = DEFAULT_GUARD
    ci_level: float = DEFAULT_CI_LEVEL
    split_alpha: float = DEFAULT_SPLIT_ALPHA
    min_segment: int = DEFAULT_MIN_SEGMENT
    window: int = DEFAULT_WINDOW
    bootstrap: int = DEFAULT_BOOTSTRAP
    seed: int = DEFAULT_SEED
    tail_reach: int = DEFAULT_TAIL_REACH
    env_min_series: int = DEFAULT_ENV_MIN_SERIES
    env_min_share: float = DEFAULT_ENV_MIN_SHARE
    env_concentration: float = DEFAULT_ENV_CONCENTRATION
    env_alpha: float = DEFAULT_ENV_ALPHA
    env_max_stretch: int = DEFAULT_ENV_MAX_STRETCH
    env_spread_sds: float = DEFAULT_ENV_SPREAD_SDS
    env_sibling_share: float = DEFAULT_ENV_SIBLING_SHARE
    env_move_p: float = DEFAULT_ENV_MOVE_P
    spike_sds: float = DEFAULT_SPIKE_SDS
    min_spikes: int = DEFAULT_MIN_SPIKES
    confirm_min_samples: int = DEFAULT_CONFIRM_MIN_SAMPLES
    confirm_rounds_per_look: int = DEFAULT_CONFIRM_ROUNDS_PER_LOOK
    confirm_max_rounds: int = DEFAULT_CONFIRM_MAX_ROUNDS
    level_trim: float = DEFAULT_LEVEL_TRIM
    scan_widths: tuple[int, ...] = DEFAULT_SCAN_WIDTHS
    excursion_max: int = DEFAULT_EXCURSION_MAX
    drift_horizon: int = DEFAULT_DRIFT_HORIZON
    refine_reach: int = DEFAULT_REFINE_REACH
    tail_noise_floor: float = DEFAULT_TAIL_NOISE_FLOOR
    env_edge_share: float = DEFAULT_ENV_EDGE_SHARE
    env_return_share: float = DEFAULT_ENV_RETURN_SHARE
    max_result_bytes: int = DEFAULT_MAX_RESULT_BYTES
    overrides: tuple[Override, ...] = field(default_factory=tuple)
    direction: tuple[tuple[re.Pattern[str], Better], ...] = field(default_factory=tuple)
    profile: Profile = field(default_factory=Profile)

    def __post_init__(self) -> None:
        check_threshold(self.threshold, "threshold")
        check_probability(self.alpha, "alpha")
        check_probability(self.ci_level, "ci_level")
        if not 0.0 <= self.guard <= 1.0:
            raise ConfigError("guard must be in [0, 1]")
        check_probability(self.split_alpha, "split_alpha")
        if self.min_segment < 1 or self.window < self.min_segment:
            raise ConfigError("need 1 <= min_segment <= window")
        if self.bootstrap < 100:
            raise ConfigError("bootstrap needs at least 100 resamples")
        if self.tail_reach < 0 or self.env_min_series < 2 or self.env_max_stretch < 1:
            raise ConfigError("need tail_reach >= 0, env_min_series >= 2, env_max_stretch >= 1")
        check_probability(self.env_alpha, "env_alpha")
        check_probability(self.env_move_p, "env_move_p")
        if self.spike_sds <= 0 or self.min_spikes < 1 or self.confirm_min_samples < 2:
            raise ConfigError("need spike_sds > 0, min_spikes >= 1, confirm_min_samples >= 2")
        if not 1 <= self.confirm_rounds_per_look <= self.confirm_max_rounds:
            raise ConfigError("need 1 <= confirm_rounds_per_look <= confirm_max_rounds")
        if not 0.0 <= self.level_trim < 0.5 or self.tail_noise_floor <= 0:
            raise ConfigError("need 0 <= level_trim < 0.5 and tail_noise_floor > 0")
        if self.drift_horizon < 1:
            raise ConfigError("need drift_horizon >= 1")
        if self.excursion_max < 1 or self.refine_reach < 0 \
                or not all(isinstance(w, int) and w > 0 for w in self.scan_widths):
            raise ConfigError("need excursion_max >= 1, refine_reach >= 0, positive scan_widths")
        if not (0.0 < self.env_edge_share <= 1.0 and 0.0 < self.env_return_share <= 1.0):
            raise ConfigError("need env_edge_share and env_return_share in (0, 1]")
        if isinstance(self.max_result_bytes, bool) or not isinstance(self.max_result_bytes, int) \
                or self.max_result_bytes < 1:
            raise ConfigError("max_result_bytes must be a positive whole number of bytes")

    def threshold_for(self, benchmark: str) -> float:
        """The threshold of one benchmark: first matching override, else the default."""
        for o in self.overrides:
            if o.pattern.search(benchmark):
                return o.threshold
        return self.threshold

    def better_for(self, benchmark: str, unit: str) -> Better:
        """Which way is better for one benchmark (``direction.better_of``)."""
        return better_of(benchmark, unit, self.direction + self.profile.direction)

    def with_values(self, **changes: Any) -> "DetectorConfig":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def check_threshold(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value) or not 0.0 < value < 10.0:
        raise ConfigError(f"{what} must be a number in (0, 10), got {value!r}")
    return float(value)


def check_probability(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not 0.0 < value < 1.0:
        raise ConfigError(f"{what} must be a number in (0, 1), got {value!r}")
    return float(value)


def load_config(path: Path | None, base: DetectorConfig | None = None) -> DetectorConfig:
    """``base`` (defaults) updated from the JSON file at ``path``."""
    config = base or DetectorConfig()
    if path is None:
        return config
    data = read_json(path, ConfigError)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a JSON object")
    unknown = set(data) - {"threshold", "alpha", "overrides", "direction", "profile"}
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {sorted(unknown)}")
    overrides: list[Override] = []
    raw = data.get("overrides", [])
    if not isinstance(raw, list):
        raise ConfigError(f"{path}: 'overrides' must be a list")
    for i, entry in enumerate(raw):
        if not isinstance(entry, dict) or not isinstance(entry.get("pattern"), str):
            raise ConfigError(f"{path}: overrides[{i}] needs a string 'pattern'")
        try:
            pattern = re.compile(entry["pattern"])
        except re.error as exc:
            raise ConfigError(f"{path}: overrides[{i}]: bad regex: {exc}") from None
        try:
            overrides.append(Override(pattern, check_threshold(entry.get("threshold"),
                                                               "threshold")))
        except ConfigError as exc:
            raise ConfigError(f"{path}: overrides[{i}]: {exc}") from None
    try:
        direction = direction_rules(data.get("direction", []), "direction")
        profile = load_profile(data["profile"], config.profile) if "profile" in data \
            else config.profile
    except ProfileError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    try:
        return replace(config, direction=tuple(direction), profile=profile,
                       threshold=check_threshold(data.get("threshold", config.threshold),
                                                 "threshold"),
                       alpha=check_probability(data.get("alpha", config.alpha), "alpha"),
                       overrides=tuple(overrides))
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def config_path(given: Path | None, directory: Path) -> Path | None:
    """The config file to read: ``given``, else ``directory/regress.json`` if it exists."""
    if given is not None:
        return Path(given)
    default = Path(directory) / CONFIG_NAME
    return default if default.is_file() else None
