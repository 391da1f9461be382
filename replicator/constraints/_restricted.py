"""Restricted list: names that may not be held after the trade."""

from __future__ import annotations

import cvxpy as cp
import numpy as np

from replicator.constraints._masks import TickerMask
from replicator.terms import Variables
from replicator.typing import FloatArray

__all__ = ["Restricted"]


class Restricted(TickerMask):
    r"""Hold none of the listed tickers after the trade (selling is allowed).

    Parameters
    ----------
    tickers : str or list of str
        The restricted names (a boolean Series by ticker also works).
    unknown : {"error", "ignore"}, default "error"
        What to do with tickers outside the universe: raise a DataError naming
        them, or skip them (useful for a firm-wide list in a backtest).

    Notes
    -----
    With the 0/1 mask :math:`m` of listed tickers (a Parameter),

    .. math:: m_i \, w_i = 0 \quad \forall i

    Existing positions in a restricted name are sold; the optimizer proxies
    its benchmark weight with the other names. The elastic form is
    ``|m_i w_i| <= 0``; the report shows the largest restricted position.

    Examples
    --------
    >>> import replicator as rp
    >>> rp.constraints.Restricted(["TOB1", "ARMS2"]).name
    "Restricted('TOB1', 'ARMS2')"
    """

    quantity = "restricted position"

    _block = ("w",)

    def _expr(self, v: Variables) -> cp.Expression:
        return v.weights

    def _values(self, weights: FloatArray, trades: FloatArray) -> FloatArray:
        return np.asarray(weights, dtype=float)
