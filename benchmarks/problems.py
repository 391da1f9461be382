"""Seeded, realistic index-replication problems for the benchmark suite.

Every problem is a fund of NAV ``nav`` that holds drifted weights ``w0`` and
tracks a cap-weighted benchmark ``b`` over a factor-model universe. The risk
model is given in annualized square-root form (no n x n matrix is formed):

.. math::

    \\Sigma = G^T G + \\mathrm{diag}(s^2), \\qquad
    G = \\sqrt{252}\\, L_F^T B^T \\in \\mathbb{R}^{k \\times n}

with ``B`` the factor loadings, ``F = L_F L_F^T`` the daily factor covariance
and ``s`` the annualized specific volatilities. Rebalances (for warm re-solves)
drift both portfolios by one month of common returns and re-draw a few index
changes; the sequence depends only on the seed, never on a solver's answer.

Units follow replicator: weights are fractions of NAV, ADV and NAV share a
currency, ``volatility`` is the daily standard deviation of simple returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

__all__ = [
    "SIZES",
    "SP500_PATH",
    "BenchProblem",
    "Rebalance",
    "load_sp500_returns",
    "make_problem",
    "make_sp500_problem",
]

#: Universe sizes of the full suite.
SIZES = (100, 500, 1000, 2000, 5000, 10000, 20000)
SP500_PATH = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "data"
    / "sparseIndexTracking_sp500"
    / "data_2010_2011_returns.parquet"
)
PERIODS = 252.0
MARKET_CAP = 1e13  # total benchmark capitalisation (currency)


class Rebalance(NamedTuple):
    """Inputs of one rebalance."""

    benchmark: np.ndarray
    holdings: np.ndarray
    returns: pd.DataFrame | None
    index_returns: pd.Series | None


@dataclass
class BenchProblem:
    """One replication problem and its rebalance sequence.

    Attributes
    ----------
    name : str
        Size label (``"500"``, ``"sp500"``).
    tickers : Index
        Asset names, in the order of every array.
    exposures : ndarray of shape (n, k) or None
        Factor loadings ``B`` (None: the model is fitted from ``returns``).
    factor_cov : ndarray of shape (k, k) or None
        Daily factor covariance ``F``.
    specific_var : ndarray of shape (n,) or None
        Daily specific variances ``D``.
    benchmark, holdings : ndarray of shape (n,)
        Rebalance 0 (the cold problem).
    adv : ndarray of shape (n,)
        Average daily traded value (currency).
    volatility : ndarray of shape (n,)
        Daily volatility of simple returns.
    nav : float
        Fund size (currency).
    upper : ndarray of shape (n,)
        Per-asset weight caps (never below the held weight, so the problem
        stays feasible).
    turnover : float
        One-way turnover limit (binding: half of what a full rebalance needs).
    participation : float
        Largest trade as a fraction of ADV.
    returns, index_returns : DataFrame / Series or None
        Real-data problems: the return window of rebalance 0.
    """

    name: str
    tickers: pd.Index
    exposures: np.ndarray | None
    factor_cov: np.ndarray | None
    specific_var: np.ndarray | None
    benchmark: np.ndarray
    holdings: np.ndarray
    adv: np.ndarray
    volatility: np.ndarray
    nav: float
    upper: np.ndarray
    turnover: float
    participation: float = 0.1
    fee_bps: float = 5.0
    seed: int = 0
    returns: pd.DataFrame | None = None
    index_returns: pd.Series | None = None
    all_returns: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def n_assets(self) -> int:
        """Number of assets."""
        return len(self.tickers)

    @property
    def returns_only(self) -> bool:
        """True when the benchmark is a return series (real data)."""
        return self.index_returns is not None

    @cached_property
    def G(self) -> np.ndarray:
        """Annualized square-root factor ``sqrt(252) L_F^T B^T`` (k x n)."""
        assert self.exposures is not None and self.factor_cov is not None
        L = np.linalg.cholesky(self.factor_cov * PERIODS)
        return L.T @ self.exposures.T

    @cached_property
    def s(self) -> np.ndarray:
        """Annualized specific volatilities."""
        assert self.specific_var is not None
        return np.sqrt(self.specific_var * PERIODS)

    @cached_property
    def sigma(self) -> np.ndarray:
        """Dense annualized covariance ``G^T G + diag(s^2)`` (small n only)."""
        return self.G.T @ self.G + np.diag(self.s**2)

    @cached_property
    def reserves(self) -> np.ndarray:
        """AMM quote-side reserves as a fraction of NAV (one pool per asset)."""
        rng = np.random.default_rng(self.seed + 17)
        return 20.0 * self.adv / self.nav * rng.uniform(0.5, 1.5, self.n_assets)

    def rebalance(self, j: int) -> Rebalance:
        """Return the inputs of rebalance ``j`` (0 is the cold problem).

        Later rebalances drift the benchmark and a half-rebalanced portfolio
        by one month of returns; real-data problems also roll the 252-day
        window by 21 days.
        """
        b, w0 = self.benchmark.copy(), self.holdings.copy()
        rng = np.random.default_rng(self.seed + 1000)
        for _ in range(j):
            r = rng.normal(0.0, 1.0, self.n_assets) * self.volatility * np.sqrt(21)
            x = b + 0.5 * (w0 - b)
            if not self.returns_only:
                b = b * np.exp(r)
                b /= b.sum()
            noise = np.exp(rng.normal(0, 0.02, self.n_assets))
            w0 = np.clip(x * np.exp(r) * noise, 0, None)
            w0 *= self.holdings.sum() / w0.sum()
        if self.all_returns is None:
            return Rebalance(b, w0, None, None)
        window = self.all_returns.iloc[21 * j : 21 * j + 252]
        index = window["SP500"]
        return Rebalance(self.benchmark, w0, window.drop(columns="SP500"), index)


def _turnover(t: np.ndarray) -> float:
    return 0.5 * (np.abs(t).sum() + abs(t.sum()))


def make_problem(n_assets: int, *, n_factors: int = 10, seed: int = 0) -> BenchProblem:
    """Draw a seeded synthetic problem.

    Parameters
    ----------
    n_assets : int
        Universe size.
    n_factors : int, default 10
        Factors of the model (a market factor plus styles/sectors).
    seed : int, default 0

    Returns
    -------
    BenchProblem
    """
    rng = np.random.default_rng(seed * 7919 + n_assets)
    n, k = n_assets, n_factors
    tickers = pd.Index([f"A{i:05d}" for i in range(n)])
    B = rng.normal(0.0, 0.5, (n, k))
    B[:, 0] = rng.normal(1.0, 0.3, n)  # market
    fvol = np.r_[0.011, rng.uniform(0.003, 0.006, k - 1)]
    corr = 0.9 * np.eye(k) + 0.1
    F = corr * np.outer(fvol, fvol)
    spec_daily = rng.uniform(0.01, 0.03, n)
    vol = np.sqrt(np.einsum("ij,jk,ik->i", B, F, B) + spec_daily**2)

    caps = rng.lognormal(0.0, 1.5, n)
    b = caps / caps.sum()
    w0 = b * np.exp(rng.normal(0.0, 0.10, n))
    added = rng.random(n) < 0.03  # index additions: not held yet
    w0[added] = 0.0
    deleted = (~added) & (rng.random(n) < 0.03)  # index deletions: still held
    b = b.copy()
    b[deleted] = 0.0
    b /= b.sum()
    w0 *= 0.995 / w0.sum()  # 0.5 % cash

    adv = 0.004 * b.clip(min=1e-6 / n) * MARKET_CAP * rng.lognormal(0.0, 0.5, n)
    nav = 5e9
    upper = np.maximum(1.5 * b + 0.002, w0)
    needed = _turnover(b - w0)
    return BenchProblem(
        name=str(n),
        tickers=tickers,
        exposures=B,
        factor_cov=F,
        specific_var=spec_daily**2,
        benchmark=b,
        holdings=w0,
        adv=adv,
        volatility=vol,
        nav=nav,
        upper=upper,
        turnover=round(max(0.5 * needed, 0.005), 4),
        seed=seed,
    )


def load_sp500_returns() -> pd.DataFrame:
    """Load the S&P 500 2010-2011 daily returns (column ``SP500`` = index).

    Uses ``rp.datasets.load_sp500()`` when it exists, else the shared parquet.
    """
    import replicator as rp

    loader = getattr(getattr(rp, "datasets", None), "load_sp500", None)
    if loader is not None:
        try:
            data = loader()
            if isinstance(data, pd.DataFrame) and "SP500" in data.columns:
                return data
        except Exception:
            pass
    if not SP500_PATH.exists():
        raise FileNotFoundError(f"S&P 500 data not found at {SP500_PATH}")
    return pd.read_parquet(SP500_PATH)


def make_sp500_problem(seed: int = 0) -> BenchProblem:
    """The real-data problem: S&P 500 constituents, 2010 window, index returns.

    The benchmark is the index *return series* (returns-only mode): the
    model's factors are fitted on the 252-day window at every rebalance. ADV
    is synthetic (the data set has no volumes).
    """
    data = load_sp500_returns()
    data = data.copy()
    data.columns = [str(c) for c in data.columns]
    index = data.pop("SP500")
    rng = np.random.default_rng(seed + 500)
    n = data.shape[1]
    tickers = pd.Index(data.columns)
    window = data.iloc[:252]
    vol = window.std(ddof=1).to_numpy()
    w0 = np.full(n, 0.995 / n) * np.exp(rng.normal(0.0, 0.1, n))
    w0 *= 0.995 / w0.sum()
    caps = rng.lognormal(0.0, 1.0, n)
    adv = 0.004 * caps / caps.sum() * MARKET_CAP * rng.lognormal(0.0, 0.5, n)
    problem = BenchProblem(
        name="sp500",
        tickers=tickers,
        exposures=None,
        factor_cov=None,
        specific_var=None,
        benchmark=np.zeros(n),
        holdings=w0,
        adv=adv,
        volatility=vol,
        nav=5e9,
        upper=np.maximum(np.full(n, 0.02), w0),
        turnover=0.3,
        seed=seed,
        returns=window,
        index_returns=index.iloc[:252].rename("SP500"),
        all_returns=pd.concat([data, index.rename("SP500")], axis=1),
    )
    return problem
