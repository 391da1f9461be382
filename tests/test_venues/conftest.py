"""Fixtures of the venue tests: a small priced snapshot and venue factories."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

import replicator as rp
from replicator.data._snapshot import MarketSnapshot

NAV = 1e8
TIERS = (
    rp.venues.FeeTier("base", 0, 10, 10),
    rp.venues.FeeTier("vip1", 1e7, 4, 8),
    rp.venues.FeeTier("vip2", 1e8, 0, 4),
)


def _snapshot(assets=("BTC", "ETH", "UNI"), nav=NAV) -> MarketSnapshot:
    n = len(assets)
    return MarketSnapshot(
        assets=pd.Index(assets),
        benchmark=np.full(n, 1.0 / n),
        holdings=np.zeros(n),
        investable=np.ones(n, dtype=bool),
        nav=nav,
        adv=np.linspace(2e9, 5e8, n),
        volatility=np.linspace(0.03, 0.06, n),
    )


def _cex(name="binance", **kwargs) -> rp.venues.CEXVenue:
    kwargs.setdefault("tier", "base")
    return rp.venues.CEXVenue(name, TIERS, **kwargs)


@pytest.fixture
def tiers():
    return TIERS


@pytest.fixture
def make_snapshot() -> Callable[..., MarketSnapshot]:
    """``make_snapshot(assets=("BTC", "ETH", "UNI"), nav=1e8)``."""
    return _snapshot


@pytest.fixture
def snapshot() -> MarketSnapshot:
    return _snapshot()


@pytest.fixture
def cex() -> Callable[..., rp.venues.CEXVenue]:
    """``cex(name="binance", **kwargs)``: a CEX venue on the base tier."""
    return _cex
