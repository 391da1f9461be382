"""ConstantProductAMM against exact Uniswap-v2 swap arithmetic."""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pandas as pd
import pytest

import replicator as rp
from replicator.data._snapshot import MarketSnapshot
from replicator.exceptions import DataError
from replicator.terms import Variables


def swap_out(dx, x, y, fee):
    """Uniswap v2: output of ``dx`` in against reserves (x in, y out)."""
    g = 1 - fee
    return g * dx * y / (x + g * dx)


def exact_cost(q, R, fee, side, price=7.0):
    """Cost against mid of trading notional ``q`` in a pool with quote reserve R."""
    base = R / price  # base-asset reserve at mid price `price`
    if side == "buy":  # tender quote dx, receive base worth q at mid
        dy = q / price
        dx = R * dy / ((1 - fee) * (base - dy))  # exact input for the output
        assert swap_out(dx, R, base, fee) == pytest.approx(dy, rel=1e-12)
        return dx - q
    received = swap_out(q / price, base, R, fee)  # tender base worth q
    return q - received


def snap(tickers, nav, holdings=None, investable=None, extra=None):
    n = len(tickers)
    return MarketSnapshot(
        assets=pd.Index(tickers),
        benchmark=np.full(n, 1 / n),
        holdings=np.zeros(n) if holdings is None else np.asarray(holdings, float),
        investable=np.ones(n, bool) if investable is None else np.asarray(investable),
        nav=nav,
        extra=extra or {},
    )


def optimal_cost(cost, snapshot, trades):
    n = snapshot.n_assets
    v = Variables(cp.Variable(n), cp.Variable(n), cp.Parameter(n), cp.Parameter(n))
    cost.bind(snapshot)
    cost.update(snapshot)
    expr = cost.expression(v)
    prob = cp.Problem(cp.Minimize(1e4 * expr), [v.trades == trades, *cost.auxiliary()])
    prob.solve(solver="CLARABEL")
    return prob, prob.value / 1e4 if prob.value is not None else None


# Table of /work/shared/research/crypto-markets.md §2.3: R = $2M, f = 0.3 %.
TABLE = [
    (20_000, "buy", 262.81),
    (20_000, "sell", 256.84),
    (200_000, "buy", 22_890.89),
    (200_000, "sell", 18_677.82),
]


@pytest.mark.parametrize(("q", "side", "dollars"), TABLE)
def test_research_table(q, side, dollars):
    assert exact_cost(q, 2e6, 0.003, side) == pytest.approx(dollars, abs=0.005)


@pytest.mark.parametrize("nav", [1e6, 5e7])
@pytest.mark.parametrize(("q", "side", "dollars"), TABLE)
def test_evaluate_and_solver_match_the_exact_swap(q, side, dollars, nav):
    s = snap(["ETH"], nav)
    amm = rp.costs.ConstantProductAMM(pd.Series({"ETH": 2e6}), fee=0.003)
    t = np.array([q / nav if side == "buy" else -q / nav])
    exact = exact_cost(q, 2e6, 0.003, side)
    assert amm.evaluate(t, s) * nav == pytest.approx(exact, rel=1e-12)
    assert amm.evaluate(t, s) * nav == pytest.approx(dollars, abs=0.005)
    prob, value = optimal_cost(amm, s, t)
    assert prob.status == cp.OPTIMAL
    assert value * nav == pytest.approx(exact, rel=1e-6)


def test_many_assets_with_per_asset_fees():
    tickers = ["A", "B", "C", "D"]
    nav = 1e7
    R = pd.Series([1e6, 3e6, 2e7, 5e5], index=tickers)
    fee = pd.Series([0.003, 0.0005, 0.01, 0.0001], index=tickers)
    t = np.array([0.05, -0.2, 0.3, -0.04])
    s = snap(tickers, nav)
    amm = rp.costs.ConstantProductAMM(R, fee=fee)
    exact = [
        exact_cost(abs(ti) * nav, R[k], fee[k], "buy" if ti > 0 else "sell")
        for k, ti in zip(tickers, t, strict=True)
    ]
    np.testing.assert_allclose(amm.per_asset(t, s) * nav, exact, rtol=1e-12)
    _, value = optimal_cost(amm, s, t)
    assert value * nav == pytest.approx(sum(exact), rel=1e-6)


@pytest.mark.parametrize(("f", "rel"), [(0.0, 2e-4), (0.003, 5e-3)])
def test_small_trade_limit(f, rel):
    # C(q) ~ f q + q^2 / R for q << R, on both sides (up to O(f^2) and O(q/R)).
    s = snap(["X"], 1.0)
    R, u = 1e4, 1.0
    amm = rp.costs.ConstantProductAMM(pd.Series({"X": R}), fee=f)
    for sign in (1, -1):
        got = amm.evaluate(np.array([sign * u]), s)
        assert got == pytest.approx(f * u + u**2 / R, rel=rel)


def test_buys_must_stay_below_the_reserve():
    s = snap(["X"], 1e6)
    amm = rp.costs.ConstantProductAMM(pd.Series({"X": 2e5}))  # r = 0.2
    assert amm.evaluate(np.array([0.2]), s) == np.inf
    assert amm.evaluate(np.array([0.25]), s) == np.inf
    assert np.isfinite(amm.evaluate(np.array([-0.25]), s))  # sells are always possible
    prob, _ = optimal_cost(amm, s, np.array([0.25]))
    assert prob.status in (cp.INFEASIBLE, cp.INFEASIBLE_INACCURATE)


def test_buy_costs_more_than_sell():
    s = snap(["X"], 1e6)
    amm = rp.costs.ConstantProductAMM(pd.Series({"X": 1e6}))
    for u in (0.01, 0.1, 0.5):
        assert amm.evaluate(np.array([u]), s) > amm.evaluate(np.array([-u]), s)


def test_assets_without_a_pool_are_not_charged():
    s = snap(["A", "B", "C"], 1e6)
    amm = rp.costs.ConstantProductAMM(pd.Series({"A": 1e5, "C": 4e5}))
    t = np.array([0.02, 0.9, -0.03])  # B: a huge trade, no pool
    per = amm.per_asset(t, s)
    assert per[1] == 0.0 and per[0] > 0 and per[2] > 0
    _, value = optimal_cost(amm, s, t)
    assert value == pytest.approx(per.sum(), rel=1e-6)


def test_reserves_from_extra_and_nan_means_no_pool():
    reserves = pd.Series({"A": 1e5, "B": np.nan, "C": 4e5})
    s = snap(["A", "B", "C"], 1e6, extra={"amm_reserves": reserves})
    t = np.array([0.02, 0.5, -0.03])
    from_extra = rp.costs.ConstantProductAMM().per_asset(t, s)
    given = rp.costs.ConstantProductAMM(reserves.dropna()).per_asset(t, s)
    np.testing.assert_array_equal(from_extra, given)
    assert from_extra[1] == 0.0


def test_missing_reserves():
    s = snap(["A"], 1e6)
    with pytest.raises(
        DataError,
        match=r"needs pool reserves: pass reserves=Series .* extra=\{'amm_reserves'",
    ):
        rp.costs.ConstantProductAMM().evaluate(np.zeros(1), s)


def test_reserves_in_extra_must_be_a_series():
    s = snap(["A"], 1e6, extra={"amm_reserves": {"A": 1e6}})
    with pytest.raises(
        DataError, match=r"extra\['amm_reserves'\] must be a pandas Series .* got dict"
    ):
        rp.costs.ConstantProductAMM().evaluate(np.zeros(1), s)


@pytest.mark.parametrize("bad", [0.0, -5.0, np.inf])
def test_nonpositive_reserves_in_extra(bad):
    s = snap(["A", "B"], 1e6, extra={"amm_reserves": pd.Series({"A": 1e6, "B": bad})})
    with pytest.raises(DataError, match=r"must be positive and finite; got .* for 'B'"):
        rp.costs.ConstantProductAMM().evaluate(np.zeros(2), s)


def test_reserves_for_unknown_tickers():
    s = snap(["A"], 1e6)
    amm = rp.costs.ConstantProductAMM(pd.Series({"A": 1e6, "ZZZ": 1e6}))
    with pytest.raises(
        DataError, match=r"names 1 tickers that are not in the universe: 'ZZZ'"
    ):
        amm.evaluate(np.zeros(1), s)


def test_fee_series_must_cover_pool_assets():
    s = snap(["A", "B"], 1e6)
    amm = rp.costs.ConstantProductAMM(
        pd.Series({"A": 1e6, "B": 1e6}), fee=pd.Series({"A": 0.003})
    )
    with pytest.raises(
        DataError,
        match=r"ConstantProductAMM.fee has no value for 1 tradable assets: 'B'",
    ):
        amm.evaluate(np.zeros(2), s)
