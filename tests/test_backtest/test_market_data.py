"""ADV, volumes, prices and sectors reach the cost models as of each date."""

import numpy as np
import pandas as pd
import pytest

import replicator as rp


def test_impact_costs_use_the_adv_from_realized_volumes(mkt, model_factory):
    R = mkt.returns
    rng = np.random.default_rng(3)
    volumes = pd.DataFrame(
        rng.uniform(5e7, 2e8, R.shape), index=R.index, columns=R.columns
    )
    impact = rp.costs.QuadraticImpact.from_adv(eta=0.1)
    bt = rp.backtest.run(
        model_factory(impact), R, mkt.weights, schedule=20, lookback=60, nav=1e8,
        volumes=volumes, adv_window=10, baselines=["full"],
    )  # fmt: skip
    adv = volumes.rolling(10, min_periods=1).mean()
    for res in (bt, bt.baselines["full"]):
        for d, t in res.trades.iterrows():
            i = R.index.get_loc(d)
            vol = R.iloc[i - 59 : i + 1].std(ddof=1)
            nav = res.rebalances.loc[d, "nav_before"]
            expected = float((0.1 * vol * nav / adv.loc[d] * t**2).sum())
            assert res.costs.loc[d].iloc[0] == pytest.approx(expected, rel=1e-10)
            assert expected > 0


def test_a_name_without_a_known_adv_is_not_investable(mkt, model_factory):
    """ADV and prices are as-of panels: the last known value counts."""
    R, w = mkt.returns, mkt.weights
    adv = pd.DataFrame(1e9, index=R.index, columns=R.columns)
    adv.loc[: R.index[70], "T04"] = np.nan  # first known on day 71
    adv.loc[R.index[75], "T04"] = np.nan  # a gap: carried forward
    bt = rp.backtest.run(
        model_factory(), R, w, schedule=[R.index[75]], lookback=60, adv=adv,
        baselines=["full"], benchmark_mix="constant",
    )  # fmt: skip
    full = bt.baselines["full"].weights
    assert full.loc[R.index[59], "T04"] == 0.0
    assert full.loc[R.index[75], "T04"] == pytest.approx(w["T04"], rel=1e-9)
    assert bt.weights.loc[R.index[59], "T04"] == 0.0


def test_constant_adv_prices_and_sectors_are_accepted(mkt, model_factory):
    R, w = mkt.returns, mkt.weights
    sectors = pd.Series(["A", "B"] * 4, index=R.columns).iloc[:6]  # 2 missing
    bt = rp.backtest.run(
        model_factory(rp.costs.QuadraticImpact.from_adv(eta=0.1)), R, w,
        lookback=60, schedule=30, adv=pd.Series(5e8, index=R.columns),
        prices=pd.Series(20.0, index=R.columns), sectors=sectors, nav=1e8,
    )  # fmt: skip
    assert (bt.costs.iloc[:, 0][bt.daily["rebalanced"]] > 0).all()
