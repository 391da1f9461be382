"""Small seeded markets for backtest tests (fast: a handful of assets)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
import pytest

import replicator as rp
import replicator.backtest


class Market(NamedTuple):
    returns: pd.DataFrame
    weights: pd.Series
    index_returns: pd.Series


def make_market(n_assets: int = 8, n_dates: int = 140, seed: int = 0) -> Market:
    """Two-factor returns on business days, cap-like weights, index returns."""
    rng = np.random.default_rng(seed)
    tickers = [f"T{i:02d}" for i in range(n_assets)]
    dates = pd.bdate_range("2021-01-01", periods=n_dates)
    B = rng.normal(0.8, 0.4, (n_assets, 2))
    f = rng.normal(0.0003, 0.01, (n_dates, 2))
    eps = rng.normal(0, 0.008, (n_dates, n_assets))
    R = pd.DataFrame(f @ B.T * 0.6 + eps, index=dates, columns=tickers)
    caps = rng.lognormal(0, 0.8, n_assets)
    w = pd.Series(caps / caps.sum(), index=tickers)
    return Market(R, w, (R @ w).rename("INDEX"))


def model(*costs, risk=None, constraints=None, **kw) -> rp.Replicator:
    return rp.Replicator(
        risk=risk or rp.risk.StatisticalFactor(n_factors=2),
        costs=list(costs),
        constraints=constraints
        if constraints is not None
        else [rp.constraints.FullyInvested(), rp.constraints.LongOnly()],
        **kw,
    )


@pytest.fixture(scope="module")
def mkt() -> Market:
    return make_market()


@pytest.fixture(scope="session")
def market_factory():
    return make_market


@pytest.fixture(scope="session")
def model_factory():
    return model
