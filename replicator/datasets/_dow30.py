"""The bundled Dow-30 dataset (cvxportfolio test data, 2014)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from replicator.datasets._catalog import (
    asof_position,
    check_positive_int,
    provenance,
    resource,
)

__all__ = ["Dow30Data", "load_dow30"]

DESCRIPTION = (
    "28 Dow-30 stocks in 2014: daily simple returns, real daily traded value "
    "in USD and daily volatility estimates, from cvxportfolio's test data "
    "(GPL-3). No index level or weights; gives real ADV for liquidity examples."
)


@dataclass(frozen=True, eq=False)
class Dow30Data:
    r"""Dow-30 stocks, 2014: returns, dollar volumes and volatilities.

    Parameters
    ----------
    returns : DataFrame of shape (251, 28)
        Daily simple returns, 2014-01-03 .. 2014-12-31.
    cash_returns : Series of shape (251,)
        Daily return of cash (the risk-free rate), named "cash".
    volumes : DataFrame of shape (252, 28)
        Daily traded value in USD, 2014-01-02 .. 2014-12-31.
    sigmas : DataFrame of shape (252, 28)
        Daily volatility estimates (cvxportfolio's market-impact inputs).
    description : str
        One-paragraph summary.
    provenance : str
        Full provenance note.
    periods_per_year : float, default 252
        Annualization factor.

    Notes
    -----
    :meth:`adv` is the trailing mean of daily traded value :math:`V_{t,i}`:

    .. math:: \mathrm{ADV}_i = \frac{1}{W} \sum_{t=T-W+1}^{T} V_{t,i}.
    """

    returns: pd.DataFrame
    cash_returns: pd.Series
    volumes: pd.DataFrame
    sigmas: pd.DataFrame
    description: str
    provenance: str
    periods_per_year: float = 252.0

    def adv(self, window: int = 20, date: object = None) -> pd.Series:
        """Average daily traded value (USD) over the trailing ``window`` dates.

        Parameters
        ----------
        window : int, default 20
            Number of dates averaged (fewer at the start of the sample).
        date : date-like, optional
            Last date of the window (default: the last date).

        Returns
        -------
        Series
            ADV in USD by ticker, named "adv".
        """
        window = check_positive_int(window, "window")
        pos = asof_position(self.volumes.index, date, "dow30")
        tail = self.volumes.iloc[max(0, pos + 1 - window) : pos + 1]
        return tail.mean().rename("adv")


@lru_cache(maxsize=1)
def _read() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    frames = []
    for name in ("returns", "volumes", "sigmas"):
        frame = pd.read_csv(
            resource(f"dow30_{name}.csv.gz"), index_col=0, parse_dates=True
        )
        frames.append(frame.rename_axis(index="date", columns="ticker"))
    return frames[0], frames[1], frames[2]


def load_dow30() -> Dow30Data:
    """Load the bundled Dow-30 dataset.

    Returns
    -------
    Dow30Data
        Fresh copies of the data.

    Examples
    --------
    >>> from replicator.datasets import load_dow30
    >>> data = load_dow30()
    >>> data.returns.shape, data.volumes.shape
    ((251, 28), (252, 28))
    """
    returns, volumes, sigmas = _read()
    return Dow30Data(
        returns=returns.drop(columns="cash").copy(),
        cash_returns=returns["cash"].copy(),
        volumes=volumes.copy(),
        sigmas=sigmas.copy(),
        description=DESCRIPTION,
        provenance=provenance("dow30"),
    )
