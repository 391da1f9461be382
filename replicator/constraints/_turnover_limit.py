"""Turnover budget: total one-way turnover at most a limit."""

from __future__ import annotations

import cvxpy as cp
import numpy as np

from replicator.constraints._base import Constraint
from replicator.data._snapshot import MarketSnapshot
from replicator.measures import turnover
from replicator.qp import QPBuilder
from replicator.terms import Interval, Variables
from replicator.typing import FloatArray

__all__ = ["TurnoverLimit"]


class TurnoverLimit(Constraint):
    r"""Limit the one-way turnover of a rebalance.

    Parameters
    ----------
    limit : float, default 0.1
        Largest one-way turnover, as a fraction of NAV. One-way turnover is
        half the sum of absolute trades *including the cash leg*, so selling
        10 % of NAV and buying 10 % is a turnover of 0.10, and investing a fund
        that is all cash is a turnover of 1.

    Notes
    -----
    .. math::

        \tfrac12 \Big(\sum_i |t_i| + \big|\sum_i t_i\big|\Big) \le \tau

    where the second term is the cash trade. The limit is a Parameter, so
    changing ``limit`` between solves does not recompile the problem.

    Examples
    --------
    >>> import replicator as rp
    >>> rp.constraints.TurnoverLimit(0.2)
    TurnoverLimit(limit=0.2)
    >>> rp.constraints.TurnoverLimit(0.2).name
    'TurnoverLimit(0.2)'
    """

    _parameter_constraints = {"limit": Interval(0, None, "neither")}
    quantity = "turnover"

    def __init__(self, limit: float = 0.1) -> None:
        self.limit = limit

    def bind(self, snapshot: MarketSnapshot) -> None:
        """Create the limit Parameter."""
        super().bind(snapshot)
        self._limit = cp.Parameter(nonneg=True, name="turnover_limit")

    def update(self, snapshot: MarketSnapshot) -> None:
        """Write the limit."""
        self._limit.value = float(self.limit)

    def rows(self, v: Variables) -> list[tuple[cp.Expression, cp.Expression]]:
        """``0.5 * (sum|t| + |sum t|) <= limit``."""
        lhs = 0.5 * (cp.norm1(v.trades) + cp.abs(cp.sum(v.trades)))
        return [(lhs, self._limit)]

    supports_qp = True

    def qp(self, qp: QPBuilder, snapshot: MarketSnapshot) -> None:
        """Native form: ``1'buy <= tau`` and ``1'sell <= tau``.

        With ``buy, sell >= 0`` and ``1't = 1'buy - 1'sell`` the turnover is
        ``(1'buy + 1'sell + |1'buy - 1'sell|) / 2 = max(1'buy, 1'sell)``, so the
        limit is exactly two rows, with one shared slack when soft
        (``pos(max(a, b) - tau)``). Measured at N=500: PIQP needs 11
        iterations against 12 with the cash leg as a variable and a third row.
        """
        ones = np.ones(snapshot.n_assets)
        tau = float(self.limit)
        price = qp.soft_price
        if price is None:
            qp.at_most({"buy": ones}, tau)
            qp.at_most({"sell": ones}, tau)
            return
        slack = qp.slack(1, price)
        qp.structural_at_most({"buy": ones, slack: -1.0}, tau)
        qp.structural_at_most({"sell": ones, slack: -1.0}, tau)

    def evaluate(
        self, weights: FloatArray, trades: FloatArray, snapshot: MarketSnapshot
    ) -> tuple[FloatArray, FloatArray]:
        """Numpy twin of :meth:`rows`."""
        return np.array([turnover(trades)]), np.array([float(self.limit)])
