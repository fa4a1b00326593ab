"""What the PR gate measures: only the environments whose build inputs changed.

Builds are deterministic: a commit whose build key equals another's builds
the same wheel and runs the same suite, so measuring both can only measure
noise. For every asv environment of the project (asv's own matrix
expansion, :func:`.asv_runner.environments`) the gate computes the build key
of base and head from the profile's build paths for that environment
(:meth:`~..model.profile.Profile.env_inputs`: ``build_paths`` without the
``env_build_paths`` it does not use) and measures only the environments
whose key differs; none differing, it measures nothing (``--force``
measures every environment anyway). When asv cannot list the environments,
one key of ``build_paths`` decides for all of them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..model.profile import Profile
from ..io.repository import build_keys
from .asv_runner import environments


@dataclass(frozen=True)
class GatePlan:
    """The environments of the project and those the gate measures."""

    names: tuple[str, ...]                  # every environment asv lists (may be empty)
    measure: tuple[str, ...]                # those to measure
    same_build: bool                        # base and head build the same everywhere
    why: dict[str, str] = field(default_factory=dict)   # environment -> why (not) measured

    @property
    def envs(self) -> tuple[str, ...] | None:
        """The environments to hand asv (None: all of them)."""
        return self.measure if self.names else None


def plan_gate(repo: Path, base: str, head: str, profile: Profile, force: bool = False) -> GatePlan:
    """Which environments differ in build between ``base`` and ``head``."""
    names = tuple(environments(repo))
    keys: dict[tuple[str, ...], bool] = {}

    def differs(paths: tuple[str, ...]) -> bool:
        if paths not in keys:
            k = build_keys(repo, [base, head], paths)
            keys[paths] = k[base] != k[head]
        return keys[paths]

    if not names:
        changed = differs(profile.build_paths)
        return GatePlan((), (), not changed and not force)
    why, measure = {}, []
    for env in names:
        if differs(profile.env_inputs(env)):
            why[env] = "build inputs changed"
            measure.append(env)
        elif force:
            why[env] = "same build, measured anyway (--force)"
            measure.append(env)
        else:
            why[env] = "same build as base: not measured (its build inputs did not change)"
    return GatePlan(names, tuple(measure), not measure, why)


__all__ = ["GatePlan", "plan_gate"]
