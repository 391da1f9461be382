"""Budget constraint: fully invested, optionally with a cash band."""

from __future__ import annotations

import cvxpy as cp
import numpy as np

from replicator.constraints._base import Constraint, RowInfo, read_only
from replicator.data._snapshot import MarketSnapshot
from replicator.exceptions import ConfigError
from replicator.qp import QPBuilder
from replicator.terms import Interval, Variables
from replicator.typing import FloatArray

__all__ = ["FullyInvested"]


class FullyInvested(Constraint):
    r"""Invest the whole NAV, or keep cash inside a band.

    Parameters
    ----------
    min_cash : float, default 0
        Smallest cash weight, a fraction of NAV.
    max_cash : float, default 0
        Largest cash weight. ``min_cash = max_cash = 0`` means fully invested.

    Notes
    -----
    Cash is ``1 - sum(w)``; the band on cash is a band on the invested weight:

    .. math:: 1 - c_{max} \le \mathbf 1^T w \le 1 - c_{min}

    When ``c_min = c_max`` the two rows are passed to the solver as one
    equality. The report shows the invested weight ``sum(w)`` against the
    tighter of the two bounds.

    Examples
    --------
    >>> import replicator as rp
    >>> rp.constraints.FullyInvested()                  # sum(w) == 1
    FullyInvested(min_cash=0.0, max_cash=0.0)
    >>> band = rp.constraints.FullyInvested(max_cash=0.02)   # up to 2 % cash
    >>> band.name
    'FullyInvested(cash in [0, 0.02])'
    """

    _parameter_constraints = {
        "min_cash": Interval(0, 1),
        "max_cash": Interval(0, 1),
    }
    quantity = "invested weight"
    elastic_price = 100.0

    def __init__(self, *, min_cash: float = 0.0, max_cash: float = 0.0) -> None:
        self.min_cash = min_cash
        self.max_cash = max_cash

    @property
    def name(self) -> str:
        """Label used in reports and errors."""
        if self.min_cash == 0 and self.max_cash == 0:
            return "FullyInvested()"
        return f"FullyInvested(cash in [{self.min_cash:g}, {self.max_cash:g}])"

    def validate_params(self) -> None:
        """Check the band as well as each bound."""
        super().validate_params()
        if self.min_cash > self.max_cash:
            raise ConfigError(
                f"FullyInvested needs min_cash <= max_cash; got min_cash="
                f"{self.min_cash:g} > max_cash={self.max_cash:g}. Swap them."
            )

    def rows(self, v: Variables) -> list[tuple[cp.Expression, cp.Expression]]:
        """Two rows: the upper and the lower bound of the invested weight."""
        total = cp.sum(v.weights)
        return [
            (total, cp.Constant(1.0 - self.min_cash)),
            (-total, cp.Constant(-(1.0 - self.max_cash))),
        ]

    def constraints(self, v: Variables) -> list[cp.Constraint]:
        """Use an equality when the band is empty (better for the solver)."""
        if self.min_cash == self.max_cash:
            return [cp.sum(v.weights) == 1.0 - self.min_cash]
        return super().constraints(v)

    supports_qp = True

    def qp(self, qp: QPBuilder, snapshot: MarketSnapshot) -> None:
        """Native form: ``1 - max_cash <= sum(w) <= 1 - min_cash``."""
        ones = np.ones(snapshot.n_assets)
        qp.between({"w": ones}, 1.0 - self.max_cash, 1.0 - self.min_cash)

    def evaluate(
        self, weights: FloatArray, trades: FloatArray, snapshot: MarketSnapshot
    ) -> tuple[FloatArray, FloatArray]:
        """Numpy twin of :meth:`rows`."""
        total = float(np.sum(weights))
        return (
            np.array([total, -total]),
            np.array([1.0 - self.min_cash, -(1.0 - self.max_cash)]),
        )

    def row_info(self, snapshot: MarketSnapshot, n_rows: int) -> RowInfo:
        """Describe the upper and the lower bound of the invested weight."""
        return _BAND_ROWS


#: The two rows of every FullyInvested (shared, read-only).
_BAND_ROWS = RowInfo(
    labels=("upper", "lower"),
    sign=read_only(np.array([1.0, -1.0])),
    scale=read_only(np.ones(2)),
    active=read_only(np.ones(2, dtype=bool)),
)
