"""Capping with redistribution rounds and a floor, against hand and cvxpy."""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq

import replicator as rp
from replicator.exceptions import ConfigError


def test_two_redistribution_rounds_by_hand():
    # Round 1: A 0.5 -> 0.3, its excess 0.2 goes to B..E pro rata (25:12:8:5):
    # B 0.35, C 0.168, D 0.112, E 0.07. Round 2: B 0.35 -> 0.3, its 0.05 goes to
    # C, D, E pro rata (0.168:0.112:0.07): C 0.192, D 0.128, E 0.08.
    w = rp.indices.cap_weights(np.array([50.0, 25, 12, 8, 5]), cap=0.3)
    np.testing.assert_allclose(w, [0.3, 0.3, 0.192, 0.128, 0.08], rtol=0, atol=1e-15)


def test_the_floor_binds_after_capping():
    # After the two rounds above E holds 0.08 < 0.1: it is raised to the floor,
    # funded by C and D pro rata (12:8): C 0.18, D 0.12.
    w = rp.indices.cap_weights(np.array([50.0, 25, 12, 8, 5]), cap=0.3, floor=0.1)
    np.testing.assert_allclose(w, [0.3, 0.3, 0.18, 0.12, 0.1], rtol=0, atol=1e-15)


def test_cap_exactly_one_over_n_and_no_bounds():
    np.testing.assert_allclose(
        rp.indices.cap_weights(np.array([5.0, 3, 2]), cap=1 / 3), [1 / 3] * 3
    )
    np.testing.assert_allclose(rp.indices.cap_weights(np.array([3.0, 1])), [0.75, 0.25])


@pytest.mark.parametrize(
    ("cap", "floor", "match"),
    [
        (
            0.15,
            None,
            r"cap=0.15 is infeasible for 5 assets \(a cap below 1/N\).*at least 0.2",
        ),
        (0.5, 0.25, r"floor=0.25 is above 1/N for N=5"),
        (0.1, 0.2, r"'floor' parameter \(0.2\) is above the 'cap' \(0.1\)"),
        (1.5, None, r"'cap' parameter must be in \(0, 1\]"),
    ],
)
def test_infeasible_bounds_name_the_parameter(cap, floor, match):
    with pytest.raises(ConfigError, match=match):
        rp.indices.cap_weights(np.ones(5), cap=cap, floor=floor)


def _cvxpy_capped(m: np.ndarray, cap: float, floor: float) -> np.ndarray:
    """Independent formulation: w = argmin sum(w^2 / m), sum w = 1, f <= w <= c.

    Its KKT conditions give w_i = clip(lambda * m_i, f, c): pro-rata
    redistribution of what the bounds remove.
    """
    w = cp.Variable(len(m))
    scale = m / m.sum()
    prob = cp.Problem(
        cp.Minimize(cp.sum(cp.multiply(1 / scale, cp.square(w)))),
        [cp.sum(w) == 1, w >= floor, w <= cap],
    )
    prob.solve(solver=cp.CLARABEL)
    return np.asarray(w.value)


def _bisected(m: np.ndarray, cap: float, floor: float) -> np.ndarray:
    """The fixed point clip(s m, f, c) with s found by Brent's method on its sum."""
    if len(m) * cap <= 1 + 1e-12:  # every weight at the cap
        return np.full(len(m), cap)
    s = brentq(lambda s: np.clip(s * m, floor, cap).sum() - 1.0, 0.0, 1.0 / m.min(),
               xtol=1e-300, rtol=1e-15, maxiter=500)  # fmt: skip
    return np.clip(s * m, floor, cap)


@settings(max_examples=40, deadline=None)
@given(
    caps=st.lists(st.floats(1e-3, 1e6), min_size=3, max_size=25),
    cap_factor=st.floats(1.0, 4.0),
    floor_factor=st.floats(0.0, 1.0),
)
def test_matches_the_bisected_fixed_point(caps, cap_factor, floor_factor):
    m = np.array(caps)
    n = len(m)
    cap = min(1.0, cap_factor / n)
    floor = floor_factor / n
    w = rp.indices.cap_weights(m, cap=cap, floor=floor)
    assert w.sum() == pytest.approx(1.0, abs=1e-12)
    assert (w <= cap + 1e-12).all() and (w >= floor - 1e-12).all()
    np.testing.assert_allclose(w, _bisected(m, cap, floor), rtol=1e-12, atol=1e-15)
    order = np.argsort(m)
    assert (np.diff(w[order]) >= -1e-12).all()  # a larger cap never weighs less


@pytest.mark.parametrize("seed", range(3))
def test_matches_the_cvxpy_projection_qp(seed):
    rng = np.random.default_rng(seed)
    m = rng.lognormal(0, 1, 15)
    w = rp.indices.cap_weights(m, cap=0.15, floor=0.03)
    np.testing.assert_allclose(w, _cvxpy_capped(m, 0.15, 0.03), atol=1e-6)
