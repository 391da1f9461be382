"""The backtest pays and receives realized funding exactly in the NAV."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import replicator as rp
from replicator.exceptions import DataError

D = rp.derivatives


def hedge_backtest(crypto, funding, cash_return=0.0, days=12):
    """A frozen long-tail book hedged with BTC/ETH perps, rebalanced once."""
    frame = D.with_perps(crypto.returns, crypto.perps)
    tail = ["SOL", "ADA", "DOT", "LINK"]
    book = pd.Series([0.25, 0.2, 0.2, 0.15], index=tail)  # 20 % cash collateral
    spot = D.spot_tickers(frame.columns, crypto.perps)
    model = D.hedge_model(
        spot,
        crypto.perps,
        risk=rp.risk.SampleCovariance(),
        costs=[
            rp.costs.ProportionalFee(bps=5),
            D.FundingCarry(crypto.perps, rates=funding),
        ],
    )
    lookback = 60
    bt = rp.backtest.run(
        model,
        frame,
        crypto.benchmark,
        schedule=None,
        lookback=lookback,
        start=frame.index[lookback],
        end=frame.index[lookback + days],
        holdings=book,
        nav=1e6,
        cash_return=cash_return,
        baselines=None,
        universe="all",  # the perps have no benchmark weight
    )
    return frame, bt


@pytest.mark.parametrize("cash_return", [0.0, 2e-4])
def test_funding_accrues_exactly_in_nav(crypto, cash_return):
    frame, bt = hedge_backtest(crypto, crypto.funding, cash_return)
    daily = bt.daily
    dates = daily.index
    w = bt.weights.iloc[0].reindex(frame.columns)  # post-trade, at formation
    assert abs(w["BTC-PERP"]) > 0.01 and abs(w["ETH-PERP"]) > 0.01
    # the carry is accrued daily, never charged as a trading cost
    carry = [c for c in bt.costs.columns if c.startswith("FundingCarry")]
    assert carry and (bt.costs[carry].to_numpy() == 0).all()
    # hand ledger: positions in currency after the formation trade and its cost
    nav0 = daily["nav"].iloc[0]
    h = w.to_numpy() * (nav0 + bt.costs.iloc[0].sum() * 1e6)
    cash = nav0 - h.sum()
    perp = frame.columns.isin(["BTC-PERP", "ETH-PERP"])
    for k in range(1, len(dates)):
        lo, hi = dates[k - 1], dates[k]
        window = crypto.funding.loc[
            (crypto.funding.index > lo) & (crypto.funding.index <= hi)
        ]
        assert len(window) == 3  # 8-hourly settlements
        rate = np.zeros(len(frame.columns))
        rate[perp] = window[["BTC-PERP", "ETH-PERP"]].sum().to_numpy()
        paid = float(h @ rate)  # h is zero on spot rows of rate
        nav_prev = h.sum() + cash
        # margin account: cash earns r_c on all of it (the true cash holds the
        # perp notional too); perps pay funding and settle P&L daily
        true_cash = cash + h[perp].sum()
        pnl = h @ frame.loc[hi].to_numpy() + true_cash * cash_return - paid
        assert daily["funding"].iloc[k] == pytest.approx(paid / nav_prev, rel=1e-10)
        h = h * (1 + frame.loc[hi].to_numpy())
        cash = nav_prev + pnl - h.sum()
        assert daily["nav"].iloc[k] == pytest.approx(h.sum() + cash, rel=1e-10)


def test_long_and_short_funding_signs(crypto):
    """A constant positive rate: shorts receive it, so the paid funding is < 0."""
    _, bt = hedge_backtest(crypto, None)  # the 0.01 %/8 h assumption
    w = bt.weights.iloc[0]
    perps = w[["BTC-PERP", "ETH-PERP"]]
    paid = bt.daily["funding"].iloc[1]
    # day 1: 3 settlements of 1e-4 on the formation notional
    expected = 3e-4 * perps.sum() * 1e6 / bt.daily["nav"].iloc[0]
    assert paid == pytest.approx(expected, rel=1e-12)
    assert np.sign(paid) == np.sign(perps.sum())


def test_funding_series_must_cover_the_backtest(crypto):
    short = crypto.funding.loc[: crypto.returns.index[65]]
    with pytest.raises(
        DataError, match="does not cover the backtest for perp 'BTC-PERP'"
    ):
        hedge_backtest(crypto, short)


def test_book_pays_long_and_receives_short_funding_by_hand():
    """Spot 0.5, a long perp 0.3 and a short perp -0.2 over two days."""
    from replicator.backtest._ledger import Book

    book = Book(100.0, np.array([0.5, 0.3, -0.2]))  # cash 40
    perps = np.array([False, True, True])
    r1, f1 = np.array([0.02, 0.02, -0.01]), np.array([0.0, 3e-4, 3e-4])
    pnl = book.mark(r1, 1e-4, (f1, perps))
    # spot 50*0.02; long 30*0.02 - 30*3e-4; short -20*-0.01 + 20*3e-4;
    # cash 40 and the perp notional 30 - 20 earn 1e-4
    by_hand = 1.0 + 0.6 - 0.009 + 0.2 + 0.006 + (40 + 10) * 1e-4
    assert pnl == pytest.approx(by_hand, rel=1e-12)
    assert book.nav == pytest.approx(100 + by_hand, rel=1e-12)
    assert book.funding_paid == pytest.approx(0.009 - 0.006, rel=1e-12)
    # day 2: a negative rate, so the long perp receives and the short pays
    f2 = np.array([0.0, -1e-4, -1e-4])
    nav1, h = book.nav, book.positions.copy()
    pnl2 = book.mark(np.zeros(3), 0.0, (f2, perps))
    assert pnl2 == pytest.approx(h[1] * 1e-4 + h[2] * 1e-4, rel=1e-12)
    assert book.nav == pytest.approx(nav1 + pnl2, rel=1e-12)
    assert h[1] * 1e-4 > 0 > h[2] * 1e-4


@settings(max_examples=60, deadline=None)
@given(
    arrays(np.float64, 4, elements=st.floats(-0.5, 0.5)),
    arrays(np.float64, 4, elements=st.floats(-0.3, 0.3)),
    arrays(np.float64, 4, elements=st.floats(-1e-3, 1e-3)),
    st.floats(-1e-3, 1e-3),
)
def test_book_funding_identity(weights, returns, rates, cash_return):
    """NAV moves by the P&L; the P&L is spot + perp + cash interest - funding."""
    from replicator.backtest._ledger import Book

    perps = np.array([False, False, True, True])
    book = Book(1e6, weights)
    h, c = book.positions.copy(), book.cash
    nav = book.nav
    pnl = book.mark(returns, cash_return, (np.where(perps, rates, 0.0), perps))
    true_cash = c + h[perps].sum()  # the margin account's cash
    by_hand = h @ returns + true_cash * cash_return - h[perps] @ rates[perps]
    assert pnl == pytest.approx(by_hand, rel=1e-12, abs=1e-6)
    assert book.nav == pytest.approx(nav + pnl, rel=1e-12, abs=1e-6)
    assert book.funding_paid == pytest.approx(h[perps] @ rates[perps], abs=1e-9)
