"""The split searches skip exact p-values only where they cannot change the
answer: against a full search written out plainly, bit for bit."""
from __future__ import annotations

import math

import numpy as np
import pytest

from rustorch_wasm.regress.analysis.splits import (best_split, edge_p, edge_p_floor,
                                                   excursion_split, ranked, split_scores)
from rustorch_wasm.regress.analysis.stats import EXACT_MAX_SMALL, mann_whitney_p, midranks

ALPHA = 0.001


def full_best_split(seg: np.ndarray, m: int) -> tuple[int, float]:
    """Every edge split computed exactly (the search before any skipping)."""
    n = seg.size
    t, z = split_scores(ranked(seg), m)
    if t.size == 0 or not np.any(z > 0):
        return 0, 1.0
    best_k = int(t[int(np.argmax(z))])
    best_p = mann_whitney_p(seg[:best_k], seg[best_k:])
    if best_p * t.size >= ALPHA and np.unique(seg).size == n:
        cs = np.cumsum(midranks(seg))
        for k in t[(t <= EXACT_MAX_SMALL) | (t >= n - EXACT_MAX_SMALL)]:
            k = int(k)
            p = edge_p(cs[k - 1] - k * (k + 1) / 2.0, k, n)
            if p < best_p:
                best_k, best_p = k, p
    return best_k, min(1.0, best_p * t.size)


def full_excursion(seg: np.ndarray, ms: int, max_len: int) -> tuple[int, int, float]:
    """One length at a time, every pick computed exactly."""
    n = seg.size
    longest = min(max_len, n - 2 * ms)
    if longest < ms:
        return 0, 0, 1.0
    cs0 = np.concatenate([[0.0], np.cumsum(midranks(seg))])
    _, counts = np.unique(seg, return_counts=True)
    c = counts.astype(float)
    ties = float(np.sum(c ** 3 - c))
    tried, picks, best_long = 0, [], (0.0, 0, 0, 0.0)
    for m in range(ms, longest + 1):
        a = np.arange(ms, n - ms - m + 1)
        tried += a.size
        u = cs0[a + m] - cs0[a] - m * (m + 1) / 2.0
        var = m * (n - m) / 12.0 * ((n + 1) - ties / (n * (n - 1)))
        if var <= 0:
            continue
        z = np.abs(u - m * (n - m) / 2.0) / math.sqrt(var)
        i = int(np.argmax(z))
        pick = (float(z[i]), int(a[i]), m, float(u[i]))
        if m <= EXACT_MAX_SMALL and ties == 0.0:
            picks.append(pick)
        elif pick[0] > best_long[0]:
            best_long = pick
    if best_long[2]:
        picks.append(best_long)
    best = (0, 0, 1.0)
    for z_abs, a0, m, u0 in picks:
        if z_abs <= 0:
            continue
        if m <= EXACT_MAX_SMALL and ties == 0.0:
            p = edge_p(u0, m, n)
        else:
            p = math.erfc(max(0.0, z_abs - 0.5 / math.sqrt(
                m * (n - m) / 12.0 * ((n + 1) - ties / (n * (n - 1))))) / math.sqrt(2.0))
        if p < best[2]:
            best = (a0, a0 + m, p)
    return best[0], best[1], min(1.0, best[2] * max(tried, 1))


def segments(count: int, seed: int):
    rng = np.random.default_rng(seed)
    for i in range(count):
        n = int(rng.integers(6, 300))
        y = rng.normal(0.0, 0.02, n)
        kind = i % 5
        if kind == 1:
            y[int(rng.integers(1, n)):] += 0.2
        elif kind == 2:
            a = int(rng.integers(0, n))
            y[a:a + int(rng.integers(3, 40))] += 0.3
        elif kind == 3:
            y = np.round(y, 2)                            # ties
        elif kind == 4:
            y[n - int(rng.integers(3, 11)):] += 0.3       # a step at the edge
        yield y


def test_edge_p_floor_is_below_the_exact_p():
    rng = np.random.default_rng(1)
    for _ in range(2000):
        n = int(rng.integers(21, 500))
        k = int(rng.integers(1, 11))
        if rng.random() < 0.5:
            k = n - k
        u = float(rng.integers(0, k * (n - k) + 1))
        assert edge_p_floor(u, k, n) <= edge_p(u, k, n)


def test_best_split_matches_the_full_search_whenever_it_is_significant():
    for y in segments(200, 2):
        full = full_best_split(y, 3)
        got = best_split(ranked(y), 3, ALPHA)
        if full[1] < ALPHA:
            assert got == full
        else:
            assert got[1] >= ALPHA


@pytest.mark.parametrize("max_len", [64, 12])
def test_excursion_split_matches_the_full_search_whenever_it_is_significant(max_len):
    for y in segments(200, 3):
        full = full_excursion(y, 3, max_len)
        got = excursion_split(ranked(y), 3, max_len, ALPHA)
        if full[2] < ALPHA:
            assert got == full
        else:
            assert got[2] >= ALPHA


@pytest.mark.parametrize("longest", [40, 127, 200])
def test_part_costs_are_cauchy_costs_bit_for_bit(longest):
    from rustorch_wasm.regress.analysis.changepoint import cauchy_cost, part_costs
    rng = np.random.default_rng(longest)
    for trial in range(300):
        n = int(rng.integers(1, 300))
        y = rng.standard_cauchy(n) * 10 ** rng.uniform(-3, 1)
        if trial % 3 == 0:
            y = np.round(y, 2)                                  # ties in the medians
        starts = rng.integers(0, n, 12)
        ends = np.clip(starts + rng.integers(-3, longest, 12), 0, n)
        scale = float(10 ** rng.uniform(-4, 0))
        got = part_costs(y, starts, ends, scale).tolist()
        assert got == [cauchy_cost(y[a:b], scale) for a, b in zip(starts.tolist(), ends.tolist())]
