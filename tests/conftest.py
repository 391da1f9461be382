"""Shared fixtures: seeded synthetic universes and the shared real data."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


class Universe(NamedTuple):
    """A seeded synthetic market."""

    returns: pd.DataFrame
    benchmark: pd.Series
    holdings: pd.Series
    adv: pd.Series
    sectors: pd.Series
    index_returns: pd.Series


def make_universe(
    n_assets: int, n_dates: int = 300, n_factors: int = 3, seed: int = 0
) -> Universe:
    """Factor-model returns, a cap-weighted benchmark and drifted holdings."""
    rng = np.random.default_rng(seed)
    tickers = [f"A{i:04d}" for i in range(n_assets)]
    dates = pd.bdate_range("2020-01-01", periods=n_dates)
    B = rng.normal(0, 1, (n_assets, n_factors))
    f = rng.normal(0, 0.01, (n_dates, n_factors))
    eps = rng.normal(0, 0.01, (n_dates, n_assets)) * rng.uniform(0.5, 2.0, n_assets)
    R = pd.DataFrame(f @ B.T * 0.5 + eps, index=dates, columns=tickers)
    caps = rng.lognormal(0, 1.5, n_assets)
    b = pd.Series(caps / caps.sum(), index=tickers)
    drift = b * np.exp(rng.normal(0, 0.05, n_assets))
    w0 = drift / drift.sum()
    adv = pd.Series(
        caps / caps.sum() * 5e9 * rng.uniform(0.5, 1.5, n_assets), index=tickers
    )
    sectors = pd.Series([f"S{i % 4}" for i in range(n_assets)], index=tickers)
    index_returns = R @ b
    return Universe(R, b, w0, adv, sectors, index_returns.rename("INDEX"))


@pytest.fixture(scope="module")
def small() -> Universe:
    return make_universe(5, n_dates=120, n_factors=2, seed=1)


@pytest.fixture(scope="module")
def medium() -> Universe:
    return make_universe(50, n_dates=250, n_factors=3, seed=2)


@pytest.fixture(scope="module")
def wide() -> Universe:
    """1,000 assets: above the size limit of cvxpy's conic diagnosis."""
    return make_universe(1000, n_dates=250, n_factors=3, seed=2)


@pytest.fixture(scope="module")
def very_wide() -> Universe:
    """5,000 assets, for the diagnosis of large conic problems."""
    return make_universe(5000, n_dates=250, n_factors=3, seed=2)


@pytest.fixture(scope="module")
def large() -> Universe:
    return make_universe(500, n_dates=300, n_factors=5, seed=3)


@pytest.fixture(scope="session")
def sp500_2010() -> tuple[pd.DataFrame, pd.Series]:
    """The shared S&P 500 data, 2010: (constituent returns, index returns)."""
    path = SHARED / "sparseIndexTracking_sp500" / "data_2010_2011_returns.parquet"
    if not path.exists():
        pytest.skip(f"shared data not found at {path}")
    df = pd.read_parquet(path)
    df = df.loc[df.index < "2011-01-01"]
    idx = df.pop("SP500")
    return df, idx


@pytest.fixture
def without_dual_newton(monkeypatch) -> str:
    """Make the dual Newton method decline every QP, so PIQP runs first (auto).

    Returns the entry the decline leaves in ``SolverStats.attempts``.
    """
    from replicator.solvers import Status
    from replicator.solvers._native import NativeOutcome
    from replicator.solvers.dual_newton import DualNewton

    def declined(self, d):
        return NativeOutcome(
            None, Status.FAILED, "declined: disabled by the test", 0, 0.0, 0.0
        )

    monkeypatch.setattr(DualNewton, "solve", declined)
    return "DUAL_NEWTON: declined: disabled by the test"
