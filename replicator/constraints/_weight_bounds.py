"""Per-asset bounds on post-trade weights."""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pandas as pd

from replicator.constraints._base import Constraint
from replicator.data._snapshot import MarketSnapshot
from replicator.terms import Interval, Variables
from replicator.typing import FloatArray

__all__ = ["WeightBounds"]


class WeightBounds(Constraint):
    """Bound each post-trade weight.

    Parameters
    ----------
    lower : float or Series, default 0
        Smallest weight, scalar or per ticker (tickers not listed get
        ``default_lower``).
    upper : float or Series, default 1
        Largest weight, scalar or per ticker.

    Notes
    -----
    .. math:: l_i \\le w_i \\le u_i

    Examples
    --------
    >>> import replicator as rp
    >>> rp.constraints.WeightBounds(upper=0.05)
    WeightBounds(lower=0.0, upper=0.05)
    """

    _parameter_constraints = {
        "lower": Interval(-10, 10, series=True),
        "upper": Interval(-10, 10, series=True),
    }
    quantity = "weight"

    def __init__(
        self, *, lower: float | pd.Series = 0.0, upper: float | pd.Series = 1.0
    ) -> None:
        self.lower = lower
        self.upper = upper

    def _bounds(self, snapshot: MarketSnapshot) -> tuple[FloatArray, FloatArray]:
        lo = snapshot.align(self.lower, "WeightBounds.lower", 0.0 if not isinstance(
            self.lower, pd.Series) else -np.inf)
        hi = snapshot.align(self.upper, "WeightBounds.upper", np.inf)
        return lo, hi

    def bind(self, snapshot: MarketSnapshot) -> None:
        """Create the bound Parameters."""
        super().bind(snapshot)
        self._lo = cp.Parameter(snapshot.n_assets)
        self._hi = cp.Parameter(snapshot.n_assets)

    def update(self, snapshot: MarketSnapshot) -> None:
        """Write the bounds (infinite bounds become large finite numbers)."""
        lo, hi = self._bounds(snapshot)
        self._lo.value = np.clip(lo, -1e6, 1e6)
        self._hi.value = np.clip(hi, -1e6, 1e6)

    def rows(self, v: Variables) -> list[tuple[cp.Expression, cp.Expression]]:
        """``w <= upper`` and ``-w <= -lower``."""
        return [(v.weights, self._hi), (-v.weights, -self._lo)]

    def evaluate(
        self, weights: FloatArray, trades: FloatArray, snapshot: MarketSnapshot
    ) -> tuple[FloatArray, FloatArray]:
        """Numpy twin of :meth:`rows`."""
        lo, hi = self._bounds(snapshot)
        w = np.asarray(weights, dtype=float)
        return np.concatenate([w, -w]), np.concatenate([hi, -lo])
