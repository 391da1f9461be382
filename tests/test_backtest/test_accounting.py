"""Accounting of the backtest engine: drift, costs, NAV, flows (known answers)."""

import numpy as np
import pandas as pd
import pytest

import replicator as rp
from replicator.data._snapshot import MarketSnapshot


def _benchmark_by_hand(R: pd.DataFrame, rows: pd.DataFrame) -> np.ndarray:
    """Benchmark returns: rows in force from their date on, drifting between."""
    b = rows.iloc[0].to_numpy(dtype=float)
    out = []
    for d, r in zip(R.index, R.to_numpy(), strict=True):
        later = rows.index[rows.index <= d]
        if len(later) and later[-1] == d and d != rows.index[0]:
            b = rows.loc[d].to_numpy(dtype=float)  # new weights in force for day d
        rb = b @ r
        out.append(rb)
        b = b * (1 + r) / (1 + rb)
    return np.array(out)


def test_full_replication_without_costs_tracks_exactly(mkt, model_factory):
    R, w = mkt.returns, mkt.weights
    rng = np.random.default_rng(5)
    w2 = w * rng.uniform(0.2, 2.0, len(w))
    w3 = w * rng.uniform(0.2, 2.0, len(w))
    rows = pd.DataFrame(
        [w, w2 / w2.sum(), w3 / w3.sum()], index=[R.index[0], R.index[90], R.index[121]]
    )
    bt = rp.backtest.run(
        model_factory(), R, rows, schedule="reconstitution", lookback=60
    )
    full = bt.baselines["full"]
    assert full.rebalances["trigger"].tolist() == ["formation", "calendar", "calendar"]
    assert full.active_returns.abs().max() < 1e-12
    # the benchmark itself, against an independent hand computation
    by_hand = _benchmark_by_hand(R, rows)
    np.testing.assert_allclose(
        full.benchmark_returns.iloc[1:], by_hand[60:], rtol=0, atol=1e-15
    )


def test_constant_weights_are_a_daily_constant_mix(mkt, model_factory):
    end = mkt.returns.index[80]
    bt = rp.backtest.run(
        model_factory(), mkt.returns, mkt.weights, schedule="D", lookback=60, end=end,
        benchmark_mix="constant",
    )  # fmt: skip
    full = bt.baselines["full"]
    assert full.daily["rebalanced"].sum() == 21
    np.testing.assert_allclose(
        full.benchmark_returns.iloc[1:], mkt.index_returns.iloc[60:81], atol=1e-15
    )
    assert full.active_returns.abs().max() < 1e-12


def test_two_asset_drift_by_hand(model_factory):
    dates = pd.bdate_range("2022-01-03", periods=5)
    R = pd.DataFrame(
        {"A": [0.01, -0.02, 0.0, 0.10, -0.10], "B": [0.0, 0.01, 0.0, -0.05, 0.20]},
        index=dates,
    )
    b = pd.Series({"A": 0.6, "B": 0.4})
    bt = rp.backtest.run(
        model_factory(risk=rp.risk.SampleCovariance()),
        R,
        b,
        schedule=None,
        lookback=3,
        nav=100.0,
        baselines=["full"],
        benchmark_mix="constant",
    )
    full = bt.baselines["full"]
    # formation at the close of day 3: 60/40 bought from cash, no costs
    assert list(full.daily.index) == list(dates[2:])
    # day 4: A +10 %, B -5 %  ->  66 + 38 = 104
    # day 5: A -10 %, B +20 % ->  59.4 + 45.6 = 105
    np.testing.assert_allclose(full.nav, [100.0, 104.0, 105.0], rtol=1e-14)
    np.testing.assert_allclose(
        full.portfolio_returns, [0.0, 0.04, 105 / 104 - 1], rtol=1e-13
    )
    # constant-mix benchmark: 0.6 r_A + 0.4 r_B
    np.testing.assert_allclose(full.benchmark_returns, [0.0, 0.04, 0.02], atol=1e-15)
    np.testing.assert_allclose(
        full.active_returns.iloc[2], 105 / 104 - 1 - 0.02, rtol=1e-12
    )
    np.testing.assert_allclose(full.weights.iloc[0], [0.6, 0.4], atol=1e-15)
    assert full.daily["n_holdings"].tolist() == [2, 2, 2]
    np.testing.assert_allclose(full.daily["cash"], 0.0, atol=1e-15)


def test_two_asset_buy_and_hold_benchmark_by_hand(model_factory):
    """Weights by ticker are set at the formation and drift: replication is exact."""
    dates = pd.bdate_range("2022-01-03", periods=5)
    R = pd.DataFrame(
        {"A": [0.01, -0.02, 0.0, 0.10, -0.10], "B": [0.0, 0.01, 0.0, -0.05, 0.20]},
        index=dates,
    )
    bt = rp.backtest.run(
        model_factory(risk=rp.risk.SampleCovariance()),
        R,
        pd.Series({"A": 0.6, "B": 0.4}),
        schedule=None,
        lookback=3,
        nav=100.0,
        baselines=["full"],
    )
    full = bt.baselines["full"]
    # benchmark held from the formation close: 60/40 -> 66/38 (104) -> 59.4/45.6 (105)
    np.testing.assert_allclose(
        full.benchmark_returns, [0.0, 0.04, 105 / 104 - 1], rtol=1e-13
    )
    np.testing.assert_allclose(full.active_returns, 0.0, atol=1e-15)


def test_formation_cost_is_paid_from_cash(mkt, model_factory):
    fee = rp.costs.ProportionalFee(bps=10)
    bt = rp.backtest.run(
        model_factory(fee),
        mkt.returns,
        mkt.weights,
        schedule=None,
        lookback=60,
        nav=1e6,
        baselines=["full"],
    )
    first = bt.baselines["full"].daily.iloc[0]
    assert first["turnover"] == pytest.approx(1.0)
    assert first["cost"] == pytest.approx(1e-3, rel=1e-12)
    assert first["portfolio_return"] == pytest.approx(-1e-3, rel=1e-12)
    assert first["nav"] == pytest.approx(1e6 * (1 - 1e-3), rel=1e-14)
    # fully invested at the pre-trade NAV: cash is an overdraft of the cost
    assert first["cash"] == pytest.approx(-1e-3 / (1 - 1e-3), rel=1e-10)


_CACHE: dict = {}


def _costed_run(mkt, model_factory, cash_return=0.0):
    if cash_return not in _CACHE:
        _CACHE[cash_return] = _run_costed(mkt, model_factory, cash_return)
    return _CACHE[cash_return]


def _run_costed(mkt, model_factory, cash_return):
    tickers = mkt.returns.columns
    buy = pd.Series(np.linspace(2, 20, len(tickers)), index=tickers)
    costs = [
        rp.costs.ProportionalFee(buy_bps=buy, sell_bps=7.0),
        rp.costs.ProportionalFee(bps=3.0),
    ]
    return rp.backtest.run(
        model_factory(*costs),
        mkt.returns,
        mkt.weights,
        schedule=10,
        lookback=60,
        nav=5e7,
        cash_return=cash_return,
    ), costs


@pytest.mark.parametrize("name", ["optimized", "full", "top_k"])
def test_costs_are_the_cost_models_at_the_executed_trades(mkt, model_factory, name):
    bt, costs = _costed_run(mkt, model_factory)
    res = bt if name == "optimized" else bt.baselines[name]
    assets = mkt.returns.columns
    assert list(res.costs.columns) == [c.name for c in costs]
    assert len(set(res.costs.columns)) == 2
    for date, t in res.trades.iterrows():
        nav = res.rebalances.loc[date, "nav_before"]
        snap = MarketSnapshot(
            assets=assets,
            benchmark=np.zeros(len(assets)),
            holdings=np.zeros(len(assets)),
            investable=np.ones(len(assets), dtype=bool),
            nav=nav,
        )
        expected = [c.evaluate(t.to_numpy(), snap) for c in costs]
        np.testing.assert_allclose(res.costs.loc[date], expected, rtol=1e-13, atol=0)
        # by hand: sum buy_bps * t+ + sell_bps * t- and 3 bp both ways
        tv = t.to_numpy()
        buy = np.linspace(2, 20, len(assets)) / 1e4
        hand = buy @ np.maximum(tv, 0) + 7e-4 * np.maximum(-tv, 0).sum()
        assert res.costs.loc[date].iloc[0] == pytest.approx(hand, rel=1e-12)
        assert res.daily.loc[date, "cost_amount"] == pytest.approx(
            sum(expected) * nav, rel=1e-12
        )
    # no cost outside rebalance dates
    off = ~res.daily["rebalanced"]
    assert (res.costs[off.to_numpy()].to_numpy() == 0).all()


@pytest.mark.parametrize("cash_return", [0.0, 2e-4])
def test_nav_gap_to_a_zero_cost_replay_is_the_accrued_costs(
    mkt, model_factory, cash_return
):
    """Same trades in currency without costs: the NAV gap is the costs accrued.

    Definition: ``V^0_T - V_T = sum_k K_k prod_{k<j<=T} (1 + r^c_j)`` with
    ``K_k`` the currency cost paid at the close of rebalance ``k``.
    """
    bt, _ = _costed_run(mkt, model_factory, cash_return)
    for res in (bt, *bt.baselines.values()):
        dates = res.daily.index
        R = mkt.returns.loc[dates].to_numpy()
        # independent replay (plain numpy): positions and cash in currency
        h = np.zeros(R.shape[1])
        c = res.initial_nav
        navs = []
        for k, d in enumerate(dates):
            if k > 0:
                h = h * (1 + R[k])
                c = c * (1 + cash_return)
            if d in res.trades.index:
                trade = (
                    res.trades.loc[d].to_numpy() * res.rebalances.loc[d, "nav_before"]
                )
                h, c = h + trade, c - trade.sum()
            navs.append(h.sum() + c)
        navs = np.array(navs)
        growth = (1 + cash_return) ** (len(dates) - 1 - np.arange(len(dates)))
        accrued = np.cumsum(res.daily["cost_amount"].to_numpy() * growth) / growth
        assert res.daily["cost_amount"].sum() > 0
        np.testing.assert_allclose(
            navs - res.nav.to_numpy(), accrued, rtol=1e-9, atol=1e-6
        )
        # and net returns compound to the NAV (no flows)
        np.testing.assert_allclose(
            res.initial_nav * np.cumprod(1 + res.portfolio_returns), res.nav, rtol=1e-12
        )


def test_gross_minus_net_return_is_the_cost_over_the_previous_nav(mkt, model_factory):
    bt, _ = _costed_run(mkt, model_factory)
    d = bt.daily
    prev = np.r_[bt.initial_nav, d["nav"].to_numpy()[:-1]]
    np.testing.assert_allclose(
        d["gross_return"] - d["portfolio_return"], d["cost_amount"] / prev, atol=1e-16
    )


def test_flows_arrive_in_cash_and_are_invested_at_the_next_rebalance(
    mkt, model_factory
):
    R, w = mkt.returns, mkt.weights
    flow_day, redeem_day = R.index[70], R.index[100]
    flows = pd.Series({flow_day: 2e6, redeem_day: -1.5e6})
    kw = dict(schedule=10, lookback=60, nav=1e7, baselines=["full"])
    base = rp.backtest.run(model_factory(), R, w, **kw).baselines["full"]
    bt = rp.backtest.run(model_factory(), R, w, flows=flows, **kw).baselines["full"]
    d, d0 = bt.daily, base.daily
    # identical until the flow, the flow day's return excludes the flow
    assert (d.index.get_loc(flow_day) - 0) > 0
    before = d.index <= flow_day
    np.testing.assert_allclose(
        d["portfolio_return"][before], d0["portfolio_return"][before], atol=1e-15
    )
    nav_before_flow = d.loc[flow_day, "nav"] - 2e6
    assert nav_before_flow == pytest.approx(d0.loc[flow_day, "nav"], rel=1e-13)
    assert d.loc[flow_day, "flow"] == 2e6
    assert d.loc[flow_day, "cash"] == pytest.approx(
        2e6 / d.loc[flow_day, "nav"], abs=1e-12
    )
    # cash stays until the next rebalance, then it is invested
    nxt = d.index[(d.index > flow_day) & d["rebalanced"].to_numpy()][0]
    between = (d.index > flow_day) & (d.index < nxt)
    assert (d.loc[between, "cash"] > 0.01).all()
    assert abs(d.loc[nxt, "cash"]) < 1e-12
    # time-weighted returns: NAV = V0 * prod(1 + r) + flows compounded after
    growth_after = np.prod(1 + d["portfolio_return"][d.index > flow_day])
    growth_redeem = np.prod(1 + d["portfolio_return"][d.index > redeem_day])
    expected = (
        bt.initial_nav * np.prod(1 + d["portfolio_return"])
        + 2e6 * growth_after
        - 1.5e6 * growth_redeem
    )
    assert d["nav"].iloc[-1] == pytest.approx(expected, rel=1e-12)


def test_cash_earns_the_cash_return(mkt, model_factory):
    R, w = mkt.returns, mkt.weights
    flows = pd.Series({R.index[65]: 1e6})
    bt = rp.backtest.run(
        model_factory(),
        R,
        w,
        schedule=None,
        lookback=60,
        nav=1e7,
        flows=flows,
        cash_return=1e-4,
        baselines=["full"],
    ).baselines["full"]
    d = bt.daily
    # the day after the flow, P&L = positions' P&L + 1e-4 * cash
    i = d.index.get_loc(R.index[66])
    prev_cash = d["cash"].iloc[i - 1] * d["nav"].iloc[i - 1]
    w_prev = (
        bt.weights.iloc[0].to_numpy() * R.loc[R.index[60:66]].add(1).prod().to_numpy()
    )
    assert prev_cash == pytest.approx(1e6, rel=1e-12)
    pnl = d["nav"].iloc[i] - d["nav"].iloc[i - 1]
    pos = d["nav"].iloc[i - 1] * (1 - d["cash"].iloc[i - 1])
    w_norm = w_prev / w_prev.sum()
    assert pnl == pytest.approx(
        pos * (w_norm @ R.iloc[66].to_numpy()) + 1e-4 * prev_cash, rel=1e-9
    )
