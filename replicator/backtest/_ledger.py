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
        self.funding_paid = 0.0

    @property
    def nav(self) -> float:
        """Net asset value ``sum(h) + c``."""
        return float(self.positions.sum() + self.cash)

    def weights(self) -> FloatArray:
        """Positions as fractions of the NAV."""
        return self.positions / self.nav

    def mark(
        self,
        returns: FloatArray,
        cash_return: float,
        funding: tuple[FloatArray, FloatArray] | None = None,
    ) -> float:
        r"""Apply one day of returns; return the P&L in currency.

        Parameters
        ----------
        returns : ndarray
            The day's asset returns.
        cash_return : float
            The day's cash return.
        funding : (ndarray, ndarray), optional
            Perp funding: the rates settled over the day per asset and the
            perp mask.

        Notes
        -----
        A perp is booked as a funded position: buying notional ``N`` moves
        ``N`` from cash to the position, so ``V = 1^T h + c`` is the margin
        account's NAV (cash plus settled variation margin) and ``h^T r`` the
        perp's P&L. The collateral still earns the cash return on ``N``, and
        the opening notional pays the day's funding ``F`` (long pays
        ``F > 0``, short receives):

        .. math::

            c \leftarrow c\,(1 + r^c_t) + \sum_{i \in perps} h_i\,(r^c_t - F_{i,t})
        """
        pnl = float(self.positions @ returns + self.cash * cash_return)
        carry = 0.0
        if funding is not None:
            rates, perps = funding
            held = np.where(np.asarray(perps, dtype=bool), self.positions, 0.0)
            paid = float(held @ np.asarray(rates, dtype=float))
            carry = float(held.sum()) * float(cash_return) - paid
            self.funding_paid += paid
        self.positions = self.positions * (1.0 + returns)
        self.cash = self.cash * (1.0 + cash_return) + carry
        return pnl + carry

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
