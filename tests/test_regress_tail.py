"""The tail test's placement: a step in the newest commits on its first
commit, also when the new level began before the tail's reach (a history
too short or too noisy for the segmentation, as NCAR/geocat-comp-asv's
peakmem step with eight commits on each side)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from rustorch_wasm.regress.analysis.tail import tail_step

HALF_GUARD = 0.5 * math.log1p(0.2)


def tail(y: np.ndarray, last_cp: int = 0):
    return tail_step(np.asarray(y), last_cp, min_segment=3, reach=5, window=30,
                     half_guard=HALF_GUARD, floor=1e-3)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("after", [1, 2, 4, 8, 11])
def test_the_step_is_placed_on_the_first_commit_of_the_new_level(seed, after):
    rng = np.random.default_rng(seed)
    before = 8 + seed
    y = np.r_[math.log(262e6) + rng.normal(0, 0.02, before),
              math.log(391e6) + rng.normal(0, 0.02, after)]
    step = tail(y)
    assert step is not None and step.k == before and step.j == after
    assert step.lo == 0 and 1.4 < math.exp(step.d) < 1.6
    assert step.p_value < 1e-3 and step.tried >= min(5, after)


def test_a_level_before_the_last_change_point_is_not_reached_back_into():
    rng = np.random.default_rng(3)
    y = np.r_[rng.normal(0, 0.01, 10), 0.4 + rng.normal(0, 0.01, 10),
              0.8 + rng.normal(0, 0.01, 7)]
    step = tail(y, last_cp=10)
    assert step is not None and step.k == 20 and step.lo == 10


def test_a_spike_that_came_back_is_no_tail():
    y = np.r_[np.zeros(20), 0.5, 0.0, 0.0] + np.random.default_rng(4).normal(0, 0.01, 23)
    assert tail(y) is None
