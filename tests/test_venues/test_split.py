"""The optimal split: known answers, caps, and an independent cvxpy formulation."""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pytest

from replicator.venues import (
    DEXPool,
    LiquidityRange,
    build_book,
    exact_costs,
    optimal_split,
    pair_costs,
)


def test_equal_fees_split_in_proportion_to_depth(make_snapshot):
    """Two pools of one fee: x_v / r_v equal, and the cost of one pool of r1 + r2."""
    snap = make_snapshot(assets=("ETH",))
    pools = [DEXPool("a", "ETH", reserves=1e7), DEXPool("b", "ETH", reserves=3e7)]
    book = build_book(pools, snap)
    one = build_book([DEXPool("ab", "ETH", reserves=4e7)], snap)
    for t in (0.05, -0.05, 0.3, -0.3):
        x, ok = optimal_split(book, np.array([t]))
        assert ok.all()
        assert x == pytest.approx([0.25 * t, 0.75 * t], rel=1e-12)
        cost = pair_costs(book, x).sum()
        assert cost == pytest.approx(pair_costs(one, np.array([t]))[0], rel=1e-12)


def test_issue_example_two_pools_do_not_each_charge_the_whole_trade(make_snapshot):
    snap = make_snapshot(assets=("ETH",))
    pools = [DEXPool("a", "ETH", reserves=5e7), DEXPool("b", "ETH", reserves=5e7)]
    book = build_book(pools, snap)
    t = np.array([0.3])
    x, _ = optimal_split(book, t)
    whole_on_each = 2 * pair_costs(build_book(pools[:1], snap), t)[0]
    assert pair_costs(book, x).sum() < 0.2 * whole_on_each


@pytest.mark.parametrize("impact", ["power", "quadratic"])
def test_equal_fees_cex_split_in_proportion_to_volume_share(impact, cex, make_snapshot):
    snap = make_snapshot(assets=("BTC",))
    venues = [
        cex("a", adv_share=0.2, impact=impact),
        cex("b", adv_share=0.6, impact=impact),
    ]
    book = build_book(venues, snap)
    for t in (0.01, -0.2):
        x, _ = optimal_split(book, np.array([t]))
        assert x == pytest.approx([0.25 * t, 0.75 * t], rel=1e-10)


def test_marginal_costs_are_equal_and_caps_hold(cex, make_snapshot):
    snap = make_snapshot(assets=("ETH",))
    venues = [
        cex("a", depth=2e6),  # cap: 2 % of NAV
        cex("b", tier="vip1", impact="quadratic", adv_share=0.02),
        DEXPool("uni", "ETH", reserves=2e7, fee=0.0005, max_impact_bps=50),
    ]
    book = build_book(venues, snap)
    cap = book.capacity(1)
    t = np.array([0.1])
    x, ok = optimal_split(book, t)
    assert ok.all() and x.sum() == pytest.approx(0.1, rel=1e-14)
    assert x[0] == pytest.approx(0.02, rel=1e-12)  # the depth cap binds
    assert x[2] == pytest.approx(cap[2], rel=1e-9)  # so does the pool's 50 bp
    # the free venue: its marginal cost is below that of the capped ones
    h = 1e-9
    marginal = [
        (pair_costs(book, x + h * e) - pair_costs(book, x - h * e)).sum() / (2 * h)
        for e in np.eye(3)
    ]
    assert marginal[1] < marginal[0] and marginal[1] < marginal[2]
    # a smaller trade: nothing binds, the marginals are equal
    x, _ = optimal_split(book, np.array([0.01]))
    assert (x > 0).all() and x[0] < 0.02 and x[2] < cap[2]
    marginal = [
        (pair_costs(book, x + h * e) - pair_costs(book, x - h * e)).sum() / (2 * h)
        for e in np.eye(3)
    ]
    assert marginal == pytest.approx([marginal[0]] * 3, rel=1e-5)


def test_beyond_joint_capacity_is_infeasible(cex, make_snapshot):
    snap = make_snapshot(assets=("ETH",))
    book = build_book([cex("a", depth=1e6), DEXPool("u", "ETH", reserves=1e6)], snap)
    _x, ok = optimal_split(book, np.array([0.03]))
    assert not ok.all()
    _, cost = exact_costs(book, np.array([0.03]))
    assert np.isinf(cost).all()


def independent_split(venues_math, t):
    """min sum of costs written from the swap math, with cvxpy.

    Trades are in units of ``|t|`` (``x = |t| y``) and the cost in units of
    ``|t| * 1e-3``, so that the solver sees numbers of order one.
    """
    u = abs(t)
    ys, cost = [], 0
    for kind, p in venues_math:
        b, s = cp.Variable(nonneg=True), cp.Variable(nonneg=True)
        ys.append(b - s)
        if kind == "cex":
            e = p["e"]
            cost += p["lin"] * u * (b + s) + p["k"] * u**e * (
                cp.power(b, e) + cp.power(s, e)
            )
        else:
            r, f = p["r"], p["fee"]
            g = 1 - f
            # q^2 / (r - q) with q = u b is u^2 b^2 / (r - u b)
            cost += f / g * u * b + u**2 * cp.quad_over_lin(b, r - u * b) / g
            cost += f * u * s + g**2 * u**2 * cp.quad_over_lin(s, r + g * u * s)
    problem = cp.Problem(cp.Minimize(cost / (u * 1e-3)), [u * sum(ys) == t])
    problem.solve(solver="CLARABEL")
    assert problem.status == cp.OPTIMAL
    return problem.value * u * 1e-3


@pytest.mark.parametrize("t", [0.002, -0.004, 0.03, -0.08])
def test_split_agrees_with_an_independent_cvxpy_formulation(t, cex, make_snapshot):
    snap = make_snapshot(assets=("ETH",))
    a, b = cex("a", half_spread_bps=2.0), cex("b", tier="vip2", impact="quadratic")
    pool = DEXPool("u", "ETH", reserves=3e7, fee=0.003)
    book = build_book([a, b, pool], snap)
    x, _ = optimal_split(book, np.array([t]))
    ours = pair_costs(book, x).sum()
    adv, vol, nav = snap.adv[0], snap.volatility[0], snap.nav
    math_ = [
        ("cex", {"lin": 12e-4, "k": vol * np.sqrt(nav / adv), "e": 1.5}),
        ("cex", {"lin": 4e-4, "k": vol * nav / adv, "e": 2.0}),
        ("dex", {"r": 3e7 / nav, "fee": 0.003}),
    ]
    assert ours == pytest.approx(independent_split(math_, t), rel=1e-7)


def test_gas_prices_the_best_subset(cex, make_snapshot):
    """A pool with gas is used only when it saves more than its gas."""
    snap = make_snapshot(assets=("ETH",), nav=1e8)
    venues = [cex("a"), DEXPool("u", "ETH", reserves=5e8, fee=0.0005, gas=50.0)]
    book = build_book(venues, snap)
    small, big = np.array([1e-4]), np.array([0.2])
    x, cost = exact_costs(book, small)
    assert x[1] == 0 and cost.sum() == pytest.approx(pair_costs(book, x).sum())
    x, cost = exact_costs(book, big)
    assert x[1] > 0
    assert cost.sum() == pytest.approx(pair_costs(book, x).sum() + 50.0 / 1e8)
    without, _ = optimal_split(book, big, np.array([True, False]))
    assert cost.sum() < pair_costs(book, without).sum()


def test_concentrated_pool_splits_with_a_cex(cex, make_snapshot):
    snap = make_snapshot(assets=("ETH",))
    ranges = (LiquidityRange(1900.0, 2100.0, 2e6),)
    pool = DEXPool("uni3", "ETH", price=2000.0, ranges=ranges, fee=0.0005)
    book = build_book([cex("a"), pool], snap)
    x, ok = optimal_split(book, np.array([0.05]))
    assert ok.all() and (x > 0).all() and x.sum() == pytest.approx(0.05)
