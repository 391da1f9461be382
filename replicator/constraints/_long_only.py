"""Long-only constraint: no short positions."""

from __future__ import annotations

import cvxpy as cp
import numpy as np

from replicator.constraints._base import Constraint, RowInfo, asset_labels
from replicator.data._snapshot import MarketSnapshot
from replicator.qp import QPBuilder
from replicator.terms import Variables
from replicator.typing import FloatArray

__all__ = ["LongOnly"]


class LongOnly(Constraint):
    r"""Hold no short positions.

    Notes
    -----
    .. math:: w_i \ge 0 \quad \forall i

    written as the rows ``-w_i <= 0``. The report shows the smallest weight
    against 0 and counts the names held at exactly zero as binding.

    Examples
    --------
    >>> import replicator as rp
    >>> rp.constraints.LongOnly()
    LongOnly()
    """

    quantity = "weight"
    elastic_price = 100.0

    @property
    def name(self) -> str:
        """Label used in reports and errors."""
        return "LongOnly()"

    def rows(self, v: Variables) -> list[tuple[cp.Expression, cp.Expression]]:
        """``-w <= 0``."""
        return [(-v.weights, cp.Constant(np.zeros(v.weights.shape)))]

    def constraints(self, v: Variables) -> list[cp.Constraint]:
        """``w >= 0``."""
        return [v.weights >= 0]

    supports_qp = True

    def qp(self, qp: QPBuilder, snapshot: MarketSnapshot) -> None:
        """Native form: the bound ``w >= 0``."""
        qp.lower_bound("w", 0.0)

    def evaluate(
        self, weights: FloatArray, trades: FloatArray, snapshot: MarketSnapshot
    ) -> tuple[FloatArray, FloatArray]:
        """Numpy twin of :meth:`rows`."""
        w = np.asarray(weights, dtype=float)
        return -w, np.zeros_like(w)

    def row_info(self, snapshot: MarketSnapshot, n_rows: int) -> RowInfo:
        """One lower-bound row per asset (shared while the universe is the same)."""
        return self.reuse_row_info(
            snapshot,
            n_rows,
            lambda: RowInfo(
                labels=asset_labels(snapshot),
                sign=-np.ones(n_rows),
                scale=np.ones(n_rows),
                active=np.ones(n_rows, dtype=bool),
            ),
        )
