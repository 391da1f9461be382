"""Synthetic market panels for the index builder."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def make_panels(
    n_assets: int = 12,
    n_dates: int = 200,
    seed: int = 0,
    freq: str = "D",
    spread: float = 1.5,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Prices, market caps (price x a fixed supply) and volumes."""
    rng = np.random.default_rng(seed)
    dates = (
        pd.date_range("2021-01-01", periods=n_dates, freq="D")
        if freq == "D"
        else pd.bdate_range("2021-01-01", periods=n_dates)
    )
    cols = [f"C{i:02d}" for i in range(n_assets)]
    r = rng.normal(0.0, 0.03, (n_dates, n_assets))
    prices = pd.DataFrame(
        10.0 * np.exp(np.cumsum(r, axis=0)), index=dates, columns=cols
    )
    supply = rng.lognormal(10, spread, n_assets)
    caps = prices * supply
    volumes = caps * rng.uniform(0.01, 0.1, (n_dates, n_assets))
    return prices, caps, volumes


@pytest.fixture
def panels() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return make_panels()
