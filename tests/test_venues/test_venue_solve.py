"""Full solves with VenueCost: an independent cvxpy model, split reports, gas."""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pandas as pd
import pytest

import replicator as rp
from replicator.venues import DEXPool

NAV = 1e8
TICKERS = ["BTC", "ETH", "SOL", "UNI", "LINK", "AAVE"]
TIERS = (rp.venues.FeeTier("base", 0, 10, 10), rp.venues.FeeTier("vip", 1e8, 2, 5))


@pytest.fixture(scope="module")
def market():
    rng = np.random.default_rng(7)
    n = len(TICKERS)
    B = rng.normal(0, 1, (n, 2))
    S = (B @ B.T * 0.04 + np.diag(rng.uniform(0.02, 0.2, n))) * 0.5
    cov = pd.DataFrame(S, index=TICKERS, columns=TICKERS)
    caps = np.array([50, 25, 8, 3, 3, 2], dtype=float)
    bench = pd.Series(caps / caps.sum(), index=TICKERS)
    w0 = pd.Series(rng.dirichlet(np.ones(n)), index=TICKERS)
    adv = pd.Series(np.array([2e10, 1e10, 2e9, 3e8, 4e8, 2e8]), index=TICKERS)
    vol = pd.Series(rng.uniform(0.03, 0.07, n), index=TICKERS)
    return {"cov": cov, "bench": bench, "w0": w0, "adv": adv, "vol": vol}


def venues(gas=0.0):
    return [
        rp.venues.CEXVenue("binance", TIERS, volume_30d=5e8, half_spread_bps=1.0),
        rp.venues.CEXVenue(
            "kraken", TIERS, tier="base", impact="quadratic", adv_share=0.3,
            participation=0.05,
        ),
        DEXPool("uniswap", "ETH", reserves=2e8, fee=0.0005, gas=gas),
        DEXPool("uniswap", "UNI", reserves=2e7, fee=0.003, gas=gas),
        DEXPool("uniswap", "AAVE", reserves=1e7, fee=0.003, gas=gas),
    ]  # fmt: skip


def solve(market, term, **kwargs):
    model = rp.Replicator(
        risk_aversion=kwargs.pop("risk_aversion", 100.0),
        risk=rp.risk.Covariance(market["cov"]),
        costs=[term],
        constraints=[rp.constraints.FullyInvested(), rp.constraints.LongOnly()],
        **kwargs,
    )
    inputs = {
        "benchmark": market["bench"], "holdings": market["w0"], "nav": NAV,
        "adv": market["adv"], "volatility": market["vol"],
    }  # fmt: skip
    return model, inputs, model.solve(**inputs)


def independent(market):
    """TE^2 + cost / lambda, every venue cost written from its formula."""
    n = len(TICKERS)
    S, b, w0 = (
        market["cov"].to_numpy(),
        market["bench"].to_numpy(),
        market["w0"].to_numpy(),
    )
    adv, vol = market["adv"].to_numpy(), market["vol"].to_numpy()
    w = cp.Variable(n)
    scale = 1e-2  # venue trades in units of 1 % of NAV
    routed, cost, cons = 0, 0, [cp.sum(w) == 1, w >= 0]
    # binance: 5 bp taker (vip) + 1 bp spread, 3/2-power impact
    b1, s1 = cp.Variable(n, nonneg=True), cp.Variable(n, nonneg=True)
    k1 = vol * np.sqrt(NAV / adv) * scale**1.5
    cost += 6e-4 * scale * cp.sum(b1 + s1) + k1 @ (
        cp.power(b1, 1.5) + cp.power(s1, 1.5)
    )
    routed += scale * (b1 - s1)
    # kraken: 10 bp, quadratic impact on 30 % of the ADV, 5 % participation cap
    b2, s2 = cp.Variable(n, nonneg=True), cp.Variable(n, nonneg=True)
    k2 = vol * NAV / (0.3 * adv) * scale**2
    cost += 1e-3 * scale * cp.sum(b2 + s2) + k2 @ (cp.square(b2) + cp.square(s2))
    cap = 0.05 * 0.3 * adv / NAV / scale
    cons += [b2 <= cap, s2 <= cap]
    routed += scale * (b2 - s2)
    # uniswap v2-style pools: exact constant product, fee on the input
    for ticker, R, f in (("ETH", 2e8, 5e-4), ("UNI", 2e7, 3e-3), ("AAVE", 1e7, 3e-3)):
        i = TICKERS.index(ticker)
        r, g = R / NAV, 1 - f
        qb, qs = cp.Variable(nonneg=True), cp.Variable(nonneg=True)
        cost += f / g * scale * qb + scale**2 * cp.quad_over_lin(qb, r - scale * qb) / g
        cost += f * scale * qs + g**2 * scale**2 * cp.quad_over_lin(
            qs, r + g * scale * qs
        )
        routed += scale * (qb - qs) * np.eye(n)[i]
    cons.append(routed == w - w0)
    objective = cp.quad_form(w - b, S) + cost / 100.0
    problem = cp.Problem(cp.Minimize(1e4 * objective), cons)
    problem.solve(solver="CLARABEL")
    assert problem.status == cp.OPTIMAL
    return problem.value / 1e4, w.value


def test_solve_agrees_with_an_independent_formulation(market):
    term = rp.venues.VenueCost(venues())
    _, _, result = solve(market, term)
    assert result.stats.solver == "CLARABEL"
    assert result.stats.status is rp.Status.OPTIMAL
    value, weights = independent(market)
    assert result.objective == pytest.approx(value, rel=1e-6)
    assert result.weights.to_numpy() == pytest.approx(weights, abs=1e-5)


@pytest.mark.parametrize("gas", [0.0, 200.0])
def test_native_path_agrees_with_cvxpy_and_the_independent_formulation(market, gas):
    """The native form (no cvxpy) reaches the cvxpy form's optimum and the model's."""
    native = solve(market, rp.venues.VenueCost(venues(gas)), backend="native")[2]
    via_cvxpy = solve(market, rp.venues.VenueCost(venues(gas)), backend="cvxpy")[2]
    assert native.stats.status is rp.Status.OPTIMAL
    assert native.stats.solver == "CLARABEL"
    assert "assembled directly" in native.stats.route
    assert native.objective == pytest.approx(via_cvxpy.objective, rel=1e-6)
    assert native.weights.to_numpy() == pytest.approx(
        via_cvxpy.weights.to_numpy(), abs=1e-5
    )
    if gas == 0.0:
        value, weights = independent(market)
        assert native.objective == pytest.approx(value, rel=1e-6)
        assert native.weights.to_numpy() == pytest.approx(weights, abs=1e-5)


def test_cex_venues_with_quadratic_impact_take_the_qp_route(market):
    """No cone: the native route is the QP one, and agrees with the cvxpy path."""
    cex = [
        rp.venues.CEXVenue(
            "a", TIERS, tier="base", impact="quadratic", half_spread_bps=1.0
        ),
        rp.venues.CEXVenue(
            "b", TIERS, tier="vip", impact="quadratic", adv_share=0.3,
            participation=0.05,
        ),
    ]  # fmt: skip
    term = rp.venues.VenueCost(cex)
    native = solve(market, term)[2]
    via_cvxpy = solve(market, rp.venues.VenueCost(cex), backend="cvxpy")[2]
    assert native.stats.solver in ("DUAL_NEWTON", "PIQP")
    assert native.stats.status is rp.Status.OPTIMAL
    assert native.objective == pytest.approx(via_cvxpy.objective, rel=1e-6)
    split = rp.venues.venue_trades(native, term)
    assert (split.abs().to_numpy() > 1e-6).any(axis=0).all()  # both venues trade


def test_venue_trades_add_up_and_costs_match_the_twin(market):
    term = rp.venues.VenueCost(venues())
    _, _, result = solve(market, term)
    split = rp.venues.venue_trades(result, term)
    assert list(split.columns) == ["binance", "kraken", "uniswap"]
    assert split.sum(axis=1).to_numpy() == pytest.approx(
        result.trades.to_numpy(), abs=1e-14
    )
    assert (split.loc[["BTC", "SOL", "LINK"], "uniswap"] == 0).all()
    by_venue = rp.venues.cost_by_venue(result, term)
    by_type = rp.venues.cost_by_type(result, term)
    total = result.costs[term.name]
    assert by_venue.sum() == pytest.approx(total, rel=1e-12)
    assert by_type.sum() == pytest.approx(total, rel=1e-12)
    assert by_type["gas"] == 0 and (by_type >= 0).all()
    assert split.abs().to_numpy().sum() > 0.01


def test_solve_with_gas_never_trades_below_break_even(market):
    """Gas of $200 a swap (0.02 bp of NAV): small pool trades are not worth it."""
    term = rp.venues.VenueCost(venues(gas=200.0))
    model, inputs, _ = solve(market, term)
    out = rp.venues.solve_with_gas(model, term, **inputs)
    result = out.result
    assert result.stats.status is rp.Status.OPTIMAL
    pools = out.pools.set_index("asset")
    assert set(pools.index) == {"ETH", "UNI", "AAVE"}
    assert pools["on"].any() and not pools["on"].all()  # the decision matters here
    split = rp.venues.venue_trades(result, out.term)
    trades = result.trades
    for asset, row in pools.iterrows():
        used = (
            asset in split.index
            and "uniswap" in split
            and split.loc[asset, "uniswap"] != 0
        )
        if not row["on"]:
            assert not used
            continue
        # kept pools: the asset trades at least the break-even size
        assert abs(trades[asset]) >= row["break_even"] * (1 - 1e-6)
        # ... at which routing through the pool saves exactly its gas
        assert row["break_even"] > 0
    assert result.costs[out.term.name] >= 0
    assert out.gap_bound >= -1e-9
    assert out.lower_bound <= result.objective + 1e-12


def test_break_even_is_where_the_pool_saves_its_gas(market):
    term = rp.venues.VenueCost(venues(gas=200.0))
    model, inputs, _ = solve(market, term)
    out = rp.venues.solve_with_gas(model, term, **inputs)
    book = term.book(term.last_snapshot)
    kept = out.pools[out.pools["on"]]
    assert len(kept) > 0
    for _, row in kept.iterrows():
        i = book.assets.index(row["asset"])
        p = np.flatnonzero((book.pair_asset == i) & book.is_dex)[0]
        sign = np.sign(out.relaxed.trades.iloc[i])
        t = np.zeros(len(book.assets))
        on = np.ones(book.n_pairs, bool)
        off = on.copy()
        off[p] = False

        def saving(size, t=t, i=i, off=off, on=on, sign=sign):
            t[i] = sign * size
            a, _ = rp.venues.optimal_split(book, t, off)
            b, _ = rp.venues.optimal_split(book, t, on)
            return (
                rp.venues.pair_costs(book, a).sum()
                - rp.venues.pair_costs(book, b).sum()
            )

        gas = book.gas[p]
        assert saving(row["break_even"] * (1 + 1e-6)) >= gas
        assert saving(row["break_even"] * (1 - 1e-6)) < gas


def test_backtest_ledger_charges_venue_costs(small):
    """A walk-forward backtest prices every rebalance with the venue twin."""
    tickers = list(small.returns.columns)
    tiers = (rp.venues.FeeTier("base", 0, 10, 10),)
    term = rp.venues.VenueCost(
        [
            rp.venues.CEXVenue("cex", tiers, tier="base", half_spread_bps=2),
            DEXPool("amm", tickers[0], reserves=5e7, fee=0.0005, gas=20.0),
        ]
    )
    model = rp.Replicator(
        risk_aversion=100.0,
        risk=rp.risk.StatisticalFactor(n_factors=2),
        costs=[term],
        constraints=[rp.constraints.FullyInvested(), rp.constraints.LongOnly()],
    )
    bench = pd.DataFrame(
        [small.benchmark] * len(small.returns), index=small.returns.index
    )
    bt = rp.backtest.run(
        model, small.returns, bench, schedule="M", lookback=60, nav=1e8, adv=small.adv,
        baselines=None,
    )  # fmt: skip
    paid = bt.costs[term.name]
    assert (paid >= 0).all() and paid.iloc[0] > 0
    # the first rebalance invests the cash: its cost is the twin's price of it
    first = model.solve(
        returns=small.returns.iloc[:60],
        benchmark=small.benchmark,
        nav=1e8,
        adv=small.adv,
    )
    assert paid.iloc[0] == pytest.approx(first.costs[term.name], rel=1e-3)


def test_exact_gas_path_bounds_the_heuristic(market):
    """Enumeration of the 2^3 pool choices: F_1 <= F* <= F_h <= F_1 + gap."""
    term = rp.venues.VenueCost(venues(gas=200.0))
    model, inputs, _ = solve(market, term)
    heuristic = rp.venues.solve_with_gas(model, term, **inputs)
    exact = rp.venues.solve_exact_gas(model, term, **inputs)
    assert exact.solves == 8
    f_star, f_h = exact.result.objective, heuristic.result.objective
    assert heuristic.lower_bound <= f_star * (1 + 1e-7)
    assert f_star <= f_h * (1 + 1e-7)
    assert f_h - f_star <= heuristic.gap_bound + 1e-7 * f_h
    # the exact path uses exactly the pools it kept, each above break-even
    used = rp.venues.venue_trades(exact.result, exact.term)
    kept = {asset for asset, _ in exact.pools_on}
    if "uniswap" in used:
        assert set(used.index[used["uniswap"] != 0]) <= kept


def test_exact_gas_path_refuses_many_pools(market):
    term = rp.venues.VenueCost(venues(gas=200.0))
    model, inputs, _ = solve(market, term)
    with pytest.raises(rp.exceptions.ConfigError, match="more than max_pools=2"):
        rp.venues.solve_exact_gas(model, term, max_pools=2, **inputs)


def test_relaxation_gap_is_the_exact_gas_minus_the_amortized(market):
    """The verification's gap: 0 without gas; with gas, exact minus amortized."""
    plain = rp.venues.VenueCost(venues())
    _, _, result = solve(market, plain)
    snap = plain.last_snapshot
    t = result.trades.to_numpy()
    assert plain.relaxation_gap(t, snap) == 0.0
    term = rp.venues.VenueCost(venues(gas=200.0))
    _, _, result = solve(market, term)
    snap, t = term.last_snapshot, result.trades.to_numpy()
    book = term.book(snap)
    x, _ = term.split(t, snap)
    swaps = float(np.where((x != 0) & (book.gas > 0), book.gas, 0.0).sum())
    gap = term.relaxation_gap(t, snap)
    form = rp.venues._split.form_cost(book, t, term.gas_rates(book))
    assert gap == pytest.approx(term.evaluate(t, snap) - form, rel=1e-12)
    # the amortized charge is a lower bound of the gas paid per swap
    assert swaps > 0 and gap > 0
    fixed = rp.venues.VenueCost(venues(gas=200.0), gas_mode="fixed")
    fixed.bind(snap)
    no_gas = rp.venues._split.form_cost(book, t)
    assert fixed.relaxation_gap(t, snap) == pytest.approx(
        term.evaluate(t, snap) - no_gas, rel=1e-12
    )
