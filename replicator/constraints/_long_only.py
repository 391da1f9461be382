"""Long-only constraint: no short positions."""

from __future__ import annotations

import cvxpy as cp
import numpy as np

from replicator.constraints._base import Constraint
from replicator.data._snapshot import MarketSnapshot
from replicator.terms import Variables
from replicator.typing import FloatArray

__all__ = ["LongOnly"]


class LongOnly(Constraint):
    """Hold no short positions.

    Notes
    -----
    .. math:: w_i \\ge 0 \\quad \\forall i

    Examples
    --------
    >>> import replicator as rp
    >>> rp.constraints.LongOnly()
    LongOnly()
    """

    quantity = "weight"

    def rows(self, v: Variables) -> list[tuple[cp.Expression, cp.Expression]]:
        """``-w <= 0``."""
        return [(-v.weights, cp.Constant(np.zeros(v.weights.shape)))]

    def constraints(self, v: Variables) -> list[cp.Constraint]:
        """``w >= 0``."""
        return [v.weights >= 0]

    def evaluate(
        self, weights: FloatArray, trades: FloatArray, snapshot: MarketSnapshot
    ) -> tuple[FloatArray, FloatArray]:
        """Numpy twin of :meth:`rows`."""
        w = np.asarray(weights, dtype=float)
        return -w, np.zeros_like(w)
