"""No-trade list: names whose position may not change."""

from __future__ import annotations

import cvxpy as cp
import numpy as np

from replicator.constraints._masks import TickerMask
from replicator.terms import Variables
from replicator.typing import FloatArray

__all__ = ["NoTrade"]


class NoTrade(TickerMask):
    r"""Do not trade the listed tickers (their positions stay as they are).

    Parameters
    ----------
    tickers : str or list of str
        The frozen names (a boolean Series by ticker also works), e.g.
        suspended stocks or names in a blackout period.
    unknown : {"error", "ignore"}, default "error"
        What to do with tickers outside the universe: raise a DataError naming
        them, or skip them.

    Notes
    -----
    With the 0/1 mask :math:`m` of listed tickers (a Parameter),

    .. math:: m_i \, t_i = 0 \quad \forall i

    A frozen name that cannot be held (outside ``universe``) but is held
    conflicts with the forced sale, and the problem is infeasible. The
    report shows the largest trade in a frozen name.

    Examples
    --------
    >>> import replicator as rp
    >>> rp.constraints.NoTrade("HALTED").name
    "NoTrade('HALTED')"
    """

    quantity = "trade"

    _block = ("buy", "sell")

    def _expr(self, v: Variables) -> cp.Expression:
        return v.trades

    def _values(self, weights: FloatArray, trades: FloatArray) -> FloatArray:
        return np.asarray(trades, dtype=float)
