"""Fixtures of the derivatives tests: a small crypto-like market with perps."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
import pytest

import replicator as rp

D = rp.derivatives


class Market(NamedTuple):
    """Spot returns, a cap-weighted benchmark and 8-hourly funding rates."""

    returns: pd.DataFrame
    benchmark: pd.Series
    perps: list
    funding: pd.DataFrame


def make_market(seed: int = 0, n_days: int = 160) -> Market:
    """BTC, ETH and four long-tail coins on one market factor; BTC/ETH perps."""
    rng = np.random.default_rng(seed)
    tickers = ["BTC", "ETH", "SOL", "ADA", "DOT", "LINK"]
    dates = pd.date_range("2021-01-01", periods=n_days, freq="D")
    market = rng.normal(0.001, 0.035, n_days)
    beta = np.array([1.0, 1.2, 2.0, 1.8, 1.9, 2.1])
    noise = rng.normal(0, 1, (n_days, len(tickers))) * [
        0.01,
        0.015,
        0.02,
        0.02,
        0.02,
        0.02,
    ]
    returns = pd.DataFrame(np.outer(market, beta) + noise, index=dates, columns=tickers)
    caps = pd.Series([0.55, 0.25, 0.07, 0.05, 0.045, 0.035], index=tickers)
    perps = [D.Perp("BTC-PERP", "BTC"), D.Perp("ETH-PERP", "ETH")]
    stamps = pd.date_range(dates[0], dates[-1], freq="8h")
    funding = pd.DataFrame(
        rng.normal(1e-4, 2e-4, (len(stamps), 2)),
        index=stamps,
        columns=["BTC-PERP", "ETH-PERP"],
    )
    return Market(returns, caps / caps.sum(), perps, funding)


@pytest.fixture(scope="module")
def crypto() -> Market:
    return make_market()
