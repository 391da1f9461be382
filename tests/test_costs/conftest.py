"""Fixtures of the cost tests: a priced snapshot and one example of every cost."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

import replicator as rp

NAV = 1e8


def reserves_for(tickers: pd.Index, seed: int = 0) -> pd.Series:
    """Quote-side pool reserves of 5-50 % of NAV (a few pools are shallow)."""
    rng = np.random.default_rng(seed)
    return pd.Series(rng.uniform(0.05, 0.5, len(tickers)) * NAV, index=tickers)


@pytest.fixture(scope="module")
def market(small):
    """Keyword arguments of ``solve``/``prepare`` with every market input."""
    return {
        "returns": small.returns,
        "benchmark": small.benchmark,
        "holdings": small.holdings,
        "nav": NAV,
        "adv": small.adv,
        "extra": {"amm_reserves": reserves_for(small.returns.columns)},
    }


@pytest.fixture(scope="module")
def snapshot(market):
    model = rp.Replicator(risk=rp.risk.SampleCovariance())
    return model.prepare(**market)


@pytest.fixture(scope="module")
def cost_examples(small) -> dict[str, Callable[[], dict[str, Any]]]:
    """Constructor keyword arguments of one valid instance of each cost.

    A cost exported from ``rp.costs`` without an entry here fails the
    conformance suite: add one when you add a cost.
    """
    tickers = small.returns.columns
    per_ticker = pd.Series(np.linspace(1.0, 5.0, len(tickers)), index=tickers)
    return {
        "ProportionalFee": lambda: {
            "bps": 5.0,
            "buy_bps": per_ticker,
            "sell_bps": None,
        },
        "Spread": lambda: {"half_spread_bps": per_ticker},
        "QuadraticImpact": lambda: {"coef": 0.5, "eta": None},
        "PowerImpact": lambda: {"coef": 0.8, "exponent": 1.5},
        "ConstantProductAMM": lambda: {"reserves": None, "fee": 0.003},
        "VenueCost": lambda: {"venues": venue_examples(tickers)},
    }


def venue_examples(tickers: pd.Index) -> list:
    """Two CEX venues (3/2-power and quadratic impact) and three DEX pools.

    One pool is constant product, one concentrated liquidity around the
    price, one both; no gas (a fixed cost is not convex).
    """
    tiers = (rp.venues.FeeTier("base", 0, 2, 10), rp.venues.FeeTier("vip", 1e8, 0, 4))
    cex_a = rp.venues.CEXVenue("cex_a", tiers, volume_30d=5e8, half_spread_bps=1.5)
    cex_b = rp.venues.CEXVenue(
        "cex_b",
        tiers,
        tier="base",
        impact="quadratic",
        adv_share=0.3,
        participation=0.5,
        assets=tuple(tickers[:4]),
    )
    band = (
        rp.venues.LiquidityRange(90.0, 110.0, 2e5),
        rp.venues.LiquidityRange(98.0, 104.0, 1e6),
    )
    return [
        cex_a,
        cex_b,
        rp.venues.DEXPool("amm", str(tickers[0]), reserves=0.2 * NAV, fee=0.003),
        rp.venues.DEXPool("amm", str(tickers[1]), price=100.0, ranges=band, fee=0.0005),
        rp.venues.DEXPool(
            "amm",
            str(tickers[2]),
            reserves=0.05 * NAV,
            price=100.0,
            ranges=band,
            fee=0.003,
            max_impact_bps=50,
        ),
    ]
