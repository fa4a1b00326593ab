"""Every special function at 10⁵ points per region of its algorithm, against mpmath.

The points are a Weyl sequence (tools/special_table.py: the same on every
machine, nothing random to store) and mpmath's values at 50 digits are a
cached table committed as data (tests/data/special_grid.npz, rebuilt by
``python tools/special_table.py generate``), so the whole check runs in
seconds. The bound of each region is in tools/special_table.py REGIONS.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import special_table as st  # noqa: E402

from rustorch_wasm import special as sp  # noqa: E402


@pytest.fixture(scope="module")
def table():
    return np.load(st.DATA)


def test_table_matches_the_regions(table):
    assert sorted(table.files) == sorted(r.key for r in st.REGIONS)
    for r in st.REGIONS:
        assert table[r.key].shape == (st.POINTS,)


def test_weyl_points_are_fixed():
    # The table is only valid for these exact points.
    u = st.weyl(4, 1)
    assert u.tolist() == [float(((i * 0x9E3779B97F4A7C15) % 2**64) >> 11) / 2.0**53 for i in range(4, 8)]


@pytest.mark.parametrize("region", st.REGIONS, ids=lambda r: r.key)
def test_region_error_within_bound(region, table):
    x, b = region.points()
    got = st.ours(region.func, x, b)
    err, at = st.region_error(region, got, table[region.key])
    assert err <= region.bound, f"{region.label}: max error {err:.3g} at x = {at!r}"


def test_saturated_ranges():
    x = np.linspace(6, 1e3, 10_001)
    assert np.all(sp.erf(x) == 1.0) and np.all(sp.erf(-x) == -1.0)
    assert np.all(sp.erfc(-x) == 2.0)
    assert np.all(sp.erfc(np.linspace(27.3, 1e3, 1001)) == 0.0)
    # erfc between 26.5 and 27.3 is sub-normal down to 0: no NaN, never increasing
    y = sp.erfc(np.linspace(26.5, 27.29, 1001))
    assert y[0] > 0 and np.all(y >= 0) and np.all(np.diff(y) <= 0)
