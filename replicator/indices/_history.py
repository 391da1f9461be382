"""The point-in-time history an index build produces, and its level."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["IndexHistory", "buy_and_hold_level"]


def buy_and_hold_level(
    returns: np.ndarray, weights: np.ndarray, resets: np.ndarray, base: float
) -> tuple[np.ndarray, np.ndarray]:
    r"""Index level held buy-and-hold between reviews, and the review turnover.

    Parameters
    ----------
    returns : ndarray of shape (n_dates, n_assets)
        Simple returns, 0 where an asset has no price.
    weights : ndarray of shape (n_reviews, n_assets)
        Target weights set at the close of each review.
    resets : ndarray of int, increasing
        Row of the close at which each review's weights are set (the level's
        first row is ``resets[0]``).
    base : float
        Level at the close of the first review.

    Returns
    -------
    level : ndarray of shape (n_dates - resets[0],)
    turnover : ndarray of shape (n_reviews,)
        One-way turnover ``0.5 * sum |w_new - w_drifted|`` at each review (1 at
        the first: the index is bought from cash).

    Notes
    -----
    Between the closes :math:`s_k` and :math:`s_{k+1}` the index holds the
    units it bought at :math:`s_k`:

    .. math:: L_t = L_{s_k} \sum_i w_{k,i} \prod_{s_k < u \le t} (1 + r_{u,i}).
    """
    n = returns.shape[0]
    start = int(resets[0])
    level = np.empty(n - start)
    turnover = np.empty(len(resets))
    turnover[0] = 1.0
    value = float(base)
    level[0] = value
    ends = np.append(resets[1:], n - 1)
    for k, (s, e) in enumerate(zip(resets, ends, strict=True)):
        growth = np.cumprod(1.0 + returns[s + 1 : e + 1], axis=0)
        held = growth * weights[k]
        path = held.sum(axis=1)
        level[s + 1 - start : e + 1 - start] = value * path
        if len(path):
            value *= path[-1]
        if k + 1 < len(resets):
            drifted = held[-1] / path[-1] if len(path) else weights[k]
            turnover[k + 1] = 0.5 * np.abs(weights[k + 1] - drifted).sum()
    return level, turnover


@dataclass(frozen=True, eq=False)
class IndexHistory:
    """A built index: weights by effective date, changes and level.

    Attributes
    ----------
    name : str
        Index name.
    weights : DataFrame (effective_date x assets)
        Weights in force for the returns of the effective date onward (set at
        the close of the review date before it); 0 for non-constituents.
    reviews : DataFrame indexed by effective_date
        ``review_date`` (close at which the weights are set), ``data_date``
        (last date of data used), ``kind`` (reconstitution or reweight),
        ``n_constituents`` and one-way ``turnover``.
    changes : DataFrame
        Constituent-change log: ``effective_date``, ``review_date``, ``asset``,
        ``change`` (enter/leave), ``rank`` (on the data date; NaN when not
        ranked) and ``reason``.
    level : Series
        Index level by date, ``base`` at the close of the first review.
    returns : DataFrame (dates x assets)
        The asset returns the level uses (NaN where an asset has no price).
    methodology : str
        One-line description of the methodology.
    """

    name: str
    weights: pd.DataFrame
    reviews: pd.DataFrame
    changes: pd.DataFrame
    level: pd.Series
    returns: pd.DataFrame
    methodology: str = ""

    @property
    def index_returns(self) -> pd.Series:
        """Daily simple returns of the index level (from the first effective date)."""
        return self.level.pct_change().iloc[1:].rename(self.name)

    @property
    def turnover(self) -> pd.Series:
        """One-way turnover at each review, by effective date."""
        return self.reviews["turnover"]

    def weights_at(self, date: object) -> pd.Series:
        """Weights in force for the returns of ``date``.

        They are the row of the last effective date on or before ``date``.

        Raises
        ------
        KeyError
            ``date`` is before the first effective date.
        """
        ts = pd.Timestamp(date)
        pos = self.weights.index.searchsorted(ts, side="right") - 1
        if pos < 0:
            raise KeyError(
                f"{self.name}: no weights are in force on {ts.date()}; the first "
                f"effective date is {self.weights.index[0].date()}."
            )
        row = self.weights.iloc[pos]
        return row[row > 0].rename("weight")

    def constituents(self) -> pd.DataFrame:
        """Long table effective_date, asset, weight of every constituent."""
        long = self.weights.stack()
        long = long[long > 0].rename("weight").reset_index()
        return long.rename(columns={long.columns[1]: "asset"})
