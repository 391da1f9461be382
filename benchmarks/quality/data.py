"""The study's data sets: returns, the index's returns and disjoint test periods."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

import replicator as rp

__all__ = ["SHARED", "Case", "load_cases"]

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"


@dataclass(frozen=True)
class Case:
    """One data set: what to replicate and the periods scored out of sample."""

    name: str
    returns: pd.DataFrame
    index: pd.Series
    periods_per_year: float
    lookback: int
    periods: tuple[tuple[str, str, str], ...]  # (label, first day, last day)
    source: str


def _years(first: int, last: int) -> tuple[tuple[str, str, str], ...]:
    return tuple((str(y), f"{y}-01-01", f"{y}-12-31") for y in range(first, last + 1))


def sp500_2006_2012(root: Path = SHARED) -> Case:
    d = pd.read_parquet(
        root / "sparseIndexTracking_sp500" / "data_2006_2012_returns.parquet"
    )
    d.index = pd.to_datetime(d.index)
    index = d.pop("SP500").rename("SP500")
    return Case(
        "S&P 500 2006-2012 (276)",
        d,
        index,
        252.0,
        250,
        _years(2007, 2012),
        "shared sparseIndexTracking_sp500/data_2006_2012_returns.parquet",
    )


def sp500_2010_2011() -> Case:
    s = rp.datasets.load_sp500()  # = shared data_2010_2011_returns.parquet
    periods = (
        ("2011H1", "2011-01-01", "2011-06-30"),
        ("2011H2", "2011-07-01", "2011-12-31"),
    )
    return Case(
        "S&P 500 2010-2011 (386)",
        s.returns,
        s.index_returns.rename("SP500"),
        252.0,
        252,
        periods,
        "bundled sp500 (= shared data_2010_2011_returns.parquet)",
    )


def dow30_2014() -> Case:
    d = rp.datasets.load_dow30()  # = shared cvxportfolio_dow30_2014/returns.csv.gz
    R = d.returns
    # No index level ships with the data: the equal-weight Dow-30 (daily rebalanced).
    index = R.mean(axis=1).rename("DOW30_EW")
    periods = (
        ("2014Q3", "2014-07-01", "2014-09-30"),
        ("2014Q4", "2014-10-01", "2014-12-31"),
    )
    return Case(
        "Dow-30 2014 (28), equal-weight index",
        R,
        index,
        252.0,
        120,
        periods,
        "bundled dow30 (= shared cvxportfolio_dow30_2014)",
    )


def crypto_top10() -> Case:
    c = rp.datasets.load_crypto()  # CoinGecko (shared crypto_coingecko_daily subset)
    coins = [s for s in c.prices.columns if s not in set(c.stablecoins)]
    prices, caps = c.prices[coins], c.market_caps[coins]
    R = prices.pct_change().iloc[1:]
    prev = caps.shift(1).iloc[1:]
    top = prev.rank(axis=1, ascending=False) <= 10
    w = prev.where(top, 0.0)
    w = w.div(w.sum(axis=1), axis=0)
    index = (w * R).sum(axis=1).rename("TOP10")
    periods = (
        ("2020H1", "2020-01-01", "2020-06-30"),
        ("2020H2", "2020-07-01", "2020-12-31"),
        ("2021H1", "2021-01-01", "2021-06-30"),
        ("2021Q3+", "2021-07-01", "2021-10-17"),
    )
    return Case(
        "Crypto top-10 cap-weighted (24 coins)",
        R,
        index,
        365.0,
        180,
        periods,
        "bundled crypto (CoinGecko, = shared crypto_coingecko_daily subset)",
    )


def load_cases(names: list[str] | None = None) -> dict[str, Case]:
    """Every case, keyed by a short name."""
    makers = {
        "sp500_0612": sp500_2006_2012,
        "sp500_1011": sp500_2010_2011,
        "dow30": dow30_2014,
        "crypto": crypto_top10,
    }
    return {k: f() for k, f in makers.items() if names is None or k in names}


def equal_weight_active(
    case: Case, start: pd.Timestamp, freq: str, bps: float
) -> pd.Series:
    """Daily active return of equal weight, rebalanced on the study's calendar.

    Formation at the close before ``start``; costs ``bps`` per unit of one-way
    turnover x 2 (both legs), paid at each rebalance; weights drift between.
    """
    R = case.returns.loc[case.returns.index >= start]
    n = R.shape[1]
    periods = R.index.to_period({"M": "M", "Q": "Q"}[freq])
    last = np.r_[
        periods[1:] != periods[:-1], False
    ]  # rebalance at the period's last day
    w = np.full(n, 1.0 / n)
    out = np.empty(len(R))
    X = R.to_numpy()
    for t in range(len(R)):
        r = X[t]
        g = 1.0 + w @ r
        out[t] = g - 1.0
        w = w * (1.0 + r) / g
        if last[t]:
            cost = bps * 1e-4 * np.abs(1.0 / n - w).sum()
            out[t] -= cost
            w = np.full(n, 1.0 / n)
    formation = bps * 1e-4  # investing cash: one leg
    out[0] -= formation
    return pd.Series(out, R.index) - case.index.loc[R.index]
