"""The backtest keeps each term's tables per rebalance and reports them."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import replicator as rp
from replicator.report import backtest_to_html

TICKERS = ["BTC", "ETH", "SOL", "UNI"]
TIERS = (rp.venues.FeeTier("base", 0, 10, 10),)


@pytest.fixture(scope="module")
def venue_backtest():
    rng = np.random.default_rng(3)
    dates = pd.bdate_range("2021-01-01", periods=160)
    f = rng.normal(0, 0.02, (len(dates), 1))
    eps = rng.normal(0, 0.01, (len(dates), len(TICKERS)))
    returns = pd.DataFrame(f + eps, index=dates, columns=TICKERS)
    bench = pd.Series([0.5, 0.3, 0.12, 0.08], index=TICKERS)
    term = rp.venues.VenueCost(
        [
            rp.venues.CEXVenue("binance", TIERS, tier="base", half_spread_bps=1.0),
            rp.venues.CEXVenue("kraken", TIERS, tier="base", half_spread_bps=3.0),
            rp.venues.DEXPool("uniswap", "ETH", reserves=5e7, fee=0.0005),
        ]
    )
    model = rp.Replicator(
        risk_aversion=100.0,
        risk=rp.risk.SampleCovariance(),
        costs=[term],
        constraints=[rp.constraints.FullyInvested(), rp.constraints.LongOnly()],
    )
    adv = pd.Series([2e10, 1e10, 2e9, 3e8], index=TICKERS)
    bt = rp.backtest.run(
        model,
        returns,
        bench,
        schedule="M",
        lookback=60,
        nav=1e8,
        adv=adv,
        baselines="full",
    )
    return term, bt


def test_venue_tables_per_rebalance_match_the_ledger(venue_backtest):
    term, bt = venue_backtest
    split = bt.tables["venue_trades"]
    dates = split.index.get_level_values(0).unique()
    assert list(dates) == list(bt.trades.index) and len(dates) >= 4
    for d in dates:
        # the venue trades add up to the trades executed that day
        np.testing.assert_allclose(
            split.loc[d].sum(axis=1), bt.trades.loc[d, TICKERS], atol=1e-12
        )
        # and the venue costs to the cost the ledger charged
        charged = bt.costs.loc[d, term.name]
        assert bt.tables["cost_by_venue"].loc[d, "cost"].sum() == pytest.approx(
            charged, rel=1e-10
        )
        assert bt.tables["cost_by_type"].loc[d, "cost"].sum() == pytest.approx(
            charged, rel=1e-10
        )
    # the baseline keeps its own split
    assert "venue_trades" in bt.baselines["full"].tables


def test_venue_tables_in_json_and_html(venue_backtest):
    _, bt = venue_backtest
    d = json.loads(bt.to_json())
    first = str(bt.trades.index[0])
    assert d["tables"]["venue_trades"][first]["ETH"]["uniswap"] == pytest.approx(
        bt.tables["venue_trades"].loc[(bt.trades.index[0], "ETH"), "uniswap"]
    )
    assert d["funding"] is None  # no perps
    page = backtest_to_html(bt)
    for section in ("venue_trades", "cost_by_venue", "cost_by_type"):
        assert f"<h2 id='{section}'>" in page
    assert '<img alt="Trades by venue"' in page
    assert "Total over the backtest" in page and "Full replication" in page
    assert "id='funding'" not in page
