"""Perp tables in a backtest: margin per rebalance, realized vs expected funding."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import replicator as rp
from replicator.report import backtest_to_html

D = rp.derivatives


@pytest.fixture(scope="module")
def hedge(crypto):
    frame = D.with_perps(crypto.returns, crypto.perps)
    book = pd.Series([0.25, 0.2, 0.2, 0.15], index=["SOL", "ADA", "DOT", "LINK"])
    spot = D.spot_tickers(frame.columns, crypto.perps)
    model = D.hedge_model(
        spot,
        crypto.perps,
        risk=rp.risk.SampleCovariance(),
        costs=[
            rp.costs.ProportionalFee(bps=5),
            D.FundingCarry(crypto.perps, rates=crypto.funding),
        ],
    )
    bt = rp.backtest.run(
        model,
        frame,
        crypto.benchmark,
        schedule=10,
        lookback=60,
        start=frame.index[60],
        end=frame.index[85],
        holdings=book,
        nav=1e6,
        baselines=None,
        universe="all",
    )
    return frame, bt


def test_margin_and_split_per_rebalance_equal_the_helpers(crypto, hedge):
    _, bt = hedge
    margin = bt.tables["margin"]["value"]
    dates = list(bt.weights.index)
    assert len(dates) >= 2
    for d in dates:
        w = bt.weights.loc[d]
        expected = D.perp_summary(w, crypto.perps)
        for key, value in expected.items():
            assert margin[(d, key)] == pytest.approx(value, rel=1e-12, abs=1e-15)
        split = bt.tables["spot_perp_split"].loc[d]
        pd.testing.assert_frame_equal(
            split, D.spot_perp_split(w, crypto.perps), check_names=False
        )
        # perps hold notional on margin: the collateral is the spot's rest
        perps = w[["BTC-PERP", "ETH-PERP"]]
        assert margin[(d, "collateral")] == pytest.approx(
            1.0 - w.sum() + perps.sum(), abs=1e-12
        )


def test_realized_funding_is_the_daily_column(hedge):
    _, bt = hedge
    realized = bt.funding()
    daily = bt.daily["funding"].to_numpy()
    assert realized["paid"] == pytest.approx(daily.sum(), rel=1e-14)
    assert realized["per_year"] == pytest.approx(
        daily[1:].mean() * bt.periods_per_year, rel=1e-14
    )
    assert abs(realized["paid"]) > 0
    d = json.loads(bt.to_json())
    assert d["funding"]["paid"] == pytest.approx(realized["paid"])
    first = str(bt.weights.index[0])
    carry = bt.tables["funding_carry"]
    assert d["tables"]["funding_carry"][first]["BTC-PERP"][
        "carry_annual"
    ] == pytest.approx(carry.loc[(bt.weights.index[0], "BTC-PERP"), "carry_annual"])


def test_backtest_report_shows_funding_and_margin(hedge):
    _, bt = hedge
    page = backtest_to_html(bt)
    for section in ("funding_carry", "margin", "spot_perp_split", "funding"):
        assert f"<h2 id='{section}'>" in page
    assert "Funding: realized vs expected" in page
    assert "mean of the last 30 days of settlements" in page  # a rate series
    assert "maintenance margin BTC-PERP" in page
    carry = bt.tables["funding_carry"]["carry_annual"]
    expected = float(carry.groupby(level=0).sum().mean())
    assert rp.report.pct(expected, 3) in page
    assert np.isfinite(expected)


def test_backtest_cash_does_not_count_perp_notional(hedge):
    _, bt = hedge
    for d in bt.weights.index:
        w = bt.weights.loc[d]
        spot = w.drop(["BTC-PERP", "ETH-PERP"]).sum()
        row = bt.daily.loc[d]
        before = bt.rebalances.loc[d, "nav_before"]
        # by hand: the spot is paid from cash, the perps only need margin
        expected = (before * (1.0 - spot) - row["cost_amount"]) / row["nav"]
        assert row["cash"] == pytest.approx(expected, rel=1e-10)
        assert abs(w[["BTC-PERP", "ETH-PERP"]].sum()) > 0.01  # it does hold perps
