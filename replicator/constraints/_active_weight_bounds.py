"""Per-asset bounds on active weights (portfolio minus benchmark)."""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pandas as pd

from replicator.constraints._weight_bounds import WeightBounds
from replicator.data._snapshot import MarketSnapshot
from replicator.exceptions import ModelError
from replicator.terms import Interval, Variables
from replicator.typing import BoolArray, FloatArray

__all__ = ["ActiveWeightBounds"]


class ActiveWeightBounds(WeightBounds):
    r"""Bound each active weight ``w_i - b_i``.

    Parameters
    ----------
    lower : float, Series or None, default None
        Smallest active weight (fraction of NAV), scalar or per ticker. None
        means ``-upper`` (a symmetric band).
    upper : float or Series, default 0.05
        Largest active weight, scalar or per ticker. A Series bounds only the
        tickers it lists.

    Notes
    -----
    .. math:: l_i \le w_i - b_i \le u_i

    The bounds apply to investable assets only: a benchmark constituent that
    cannot be held has ``w_i = 0`` and is proxied by the others, so bounding
    its active weight ``-b_i`` could only make the problem infeasible.

    Active weights need benchmark *weights*: with a benchmark given as a
    return series (returns-only mode) binding this constraint raises a
    ModelError.

    Examples
    --------
    >>> import replicator as rp
    >>> band = rp.constraints.ActiveWeightBounds(upper=0.02)   # |w - b| <= 2 %
    >>> band.name
    'ActiveWeightBounds(lower=-0.02, upper=0.02)'
    >>> tilt = rp.constraints.ActiveWeightBounds(lower=-0.01, upper=0.03)
    """

    _parameter_constraints = {
        "lower": Interval(-1, 1, series=True, allow_none=True),
        "upper": Interval(-1, 1, series=True),
    }
    quantity = "active weight"
    _what = "active_weight"

    def __init__(
        self,
        *,
        lower: float | pd.Series | None = None,
        upper: float | pd.Series = 0.05,
    ) -> None:
        self.lower = lower
        self.upper = upper

    def _limits(self) -> tuple[float | pd.Series, float | pd.Series]:
        lower = -self.upper if self.lower is None else self.lower
        return lower, self.upper

    def bind(self, snapshot: MarketSnapshot) -> None:
        """Refuse returns-only mode, then create the bound Parameters."""
        if snapshot.returns_only:
            raise ModelError(
                f"{self.name} bounds active weights w - b, but the benchmark was "
                "given as a return series (returns-only mode), so its weights are "
                "unknown. Pass the benchmark as weights by ticker, or use "
                "WeightBounds / TrackingErrorLimit instead."
            )
        super().bind(snapshot)

    def _bounded(self, snapshot: MarketSnapshot) -> BoolArray:
        """Only investable assets are bounded."""
        return np.asarray(snapshot.investable, dtype=bool)

    def _shift(self, snapshot: MarketSnapshot) -> FloatArray:
        """``w - b`` is bounded: the shift is ``-b``."""
        return -np.asarray(snapshot.benchmark, dtype=float)

    def _expr(self, v: Variables) -> cp.Expression:
        """Active weights ``w - b``."""
        return v.active

    def _values(self, weights: FloatArray, snapshot: MarketSnapshot) -> FloatArray:
        """Numpy twin: ``w - b``."""
        return np.asarray(weights, dtype=float) - snapshot.benchmark
