"""The fund's book: positions and cash in currency, marked to market daily."""

from __future__ import annotations

import numpy as np

from replicator.typing import FloatArray

__all__ = ["Book"]


class Book:
    r"""Positions and cash of one strategy, in currency.

    Parameters
    ----------
    nav : float
        Initial net asset value.
    weights : ndarray of shape (n_assets,)
        Initial weights as fractions of ``nav``; cash is the rest.

    Notes
    -----
    With positions ``h`` and cash ``c`` (currency), asset returns ``r_t``,
    cash return ``r^c_t``, flow ``F_t``, trades ``t`` (fractions of the
    pre-trade NAV ``V^-``) and costs ``C(t)`` (a fraction of ``V^-``):

    .. math::

        \text{P\&L}_t = h^T r_t + c\, r^c_t,\quad
        h \leftarrow h \circ (1 + r_t),\quad c \leftarrow c (1 + r^c_t) + F_t

        h \leftarrow h + V^- t,\quad
        c \leftarrow c - V^- \mathbf 1^T t - V^- C(t)

    so the NAV ``V = 1^T h + c`` moves by ``P&L + F - V^- C`` exactly: costs are
    paid from cash (a fully invested fund holds a small overdraft of the size
    of the last costs until its next rebalance).
    """

    def __init__(self, nav: float, weights: FloatArray) -> None:
        w = np.asarray(weights, dtype=float)
        self.positions = w * nav
        self.cash = float(nav - self.positions.sum())

    @property
    def nav(self) -> float:
        """Net asset value ``sum(h) + c``."""
        return float(self.positions.sum() + self.cash)

    def weights(self) -> FloatArray:
        """Positions as fractions of the NAV."""
        return self.positions / self.nav

    def mark(self, returns: FloatArray, cash_return: float) -> float:
        """Apply one day of returns; return the P&L in currency."""
        pnl = float(self.positions @ returns + self.cash * cash_return)
        self.positions = self.positions * (1.0 + returns)
        self.cash *= 1.0 + cash_return
        return pnl

    def deposit(self, amount: float) -> None:
        """Add a subscription (+) or a redemption (-) to cash."""
        self.cash += float(amount)

    def trade(self, trades: FloatArray, cost: float) -> float:
        """Execute ``trades`` (fractions of the current NAV) and pay ``cost``.

        Returns
        -------
        float
            The cost paid, in currency.
        """
        nav = self.nav
        t = np.asarray(trades, dtype=float)
        self.positions = self.positions + t * nav
        amount = float(cost) * nav
        self.cash -= float(t.sum()) * nav + amount
        return amount
