"""Per-asset bounds on post-trade weights."""

from __future__ import annotations

from typing import ClassVar

import cvxpy as cp
import numpy as np
import pandas as pd

from replicator.constraints._base import (
    Constraint,
    RowInfo,
    asset_labels,
    finite_param,
    format_bound,
)
from replicator.data._snapshot import MarketSnapshot
from replicator.data._validate import format_items
from replicator.exceptions import ConfigError
from replicator.qp import QPBuilder
from replicator.terms import Interval, Variables
from replicator.typing import BoolArray, FloatArray

__all__ = ["WeightBounds"]


class WeightBounds(Constraint):
    r"""Bound each post-trade weight.

    Parameters
    ----------
    lower : float or Series, default 0
        Smallest weight (fraction of NAV), scalar or per ticker. A Series bounds
        only the tickers it lists; the others have no lower bound.
    upper : float or Series, default 1
        Largest weight, scalar or per ticker. A Series bounds only the tickers
        it lists; the others have no upper bound.

    Notes
    -----
    .. math:: l_i \le w_i \le u_i

    written as the rows ``w <= u`` and ``-w <= -l``. The bounds are
    Parameters: changing their values between solves does not recompile. A
    Series naming a ticker outside the universe raises a DataError.

    Examples
    --------
    >>> import pandas as pd
    >>> import replicator as rp
    >>> rp.constraints.WeightBounds(upper=0.05)
    WeightBounds(lower=0.0, upper=0.05)
    >>> caps = rp.constraints.WeightBounds(upper=pd.Series({"AAPL": 0.04}))
    """

    _parameter_constraints = {
        "lower": Interval(-10, 10, series=True),
        "upper": Interval(-10, 10, series=True),
    }
    quantity = "weight"
    elastic_price = 10.0
    _what: ClassVar[str] = "weight"

    def __init__(
        self, *, lower: float | pd.Series = 0.0, upper: float | pd.Series = 1.0
    ) -> None:
        self.lower = lower
        self.upper = upper

    @property
    def name(self) -> str:
        """Label, e.g. ``WeightBounds(lower=0, upper=0.05)``."""
        lower, upper = self._limits()
        return (
            f"{type(self).__name__}(lower={format_bound(lower)}, "
            f"upper={format_bound(upper)})"
        )

    def _limits(self) -> tuple[float | pd.Series, float | pd.Series]:
        return self.lower, self.upper

    def _bounds(self, snapshot: MarketSnapshot) -> tuple[FloatArray, FloatArray]:
        """Per-asset ``(lower, upper)`` with infinite entries where unbounded.

        Computed once per solve (assembly, result and report share it).
        """
        return snapshot.solve_memo(self, "bounds", lambda: self._new_bounds(snapshot))

    def _new_bounds(self, snapshot: MarketSnapshot) -> tuple[FloatArray, FloatArray]:
        cls = type(self).__name__
        lower, upper = self._limits()
        lo = snapshot.align(lower, f"{cls}.lower", -np.inf)
        hi = snapshot.align(upper, f"{cls}.upper", np.inf)
        bad = lo > hi
        if bad.any():
            raise ConfigError(
                f"{cls} has lower > upper for {int(bad.sum())} tickers: "
                f"{format_items(snapshot.assets[bad])} (e.g. lower={lo[bad][0]:g}, "
                f"upper={hi[bad][0]:g}). Fix the bounds."
            )
        bounded = self._bounded(snapshot)
        if not bounded.all():
            free = ~bounded
            lo[free], hi[free] = -np.inf, np.inf
        return lo, hi

    def _bounded(self, snapshot: MarketSnapshot) -> BoolArray:
        """Assets the bounds apply to (all of them)."""
        return np.ones(snapshot.n_assets, dtype=bool)

    def _expr(self, v: Variables) -> cp.Expression:
        """Return the bounded cvxpy quantity."""
        return v.weights

    def _values(self, weights: FloatArray, snapshot: MarketSnapshot) -> FloatArray:
        """Numpy twin of :meth:`_expr`."""
        return np.asarray(weights, dtype=float)

    def bind(self, snapshot: MarketSnapshot) -> None:
        """Create the bound Parameters."""
        super().bind(snapshot)
        self._lo = cp.Parameter(snapshot.n_assets, name=f"{self._what}_lower")
        self._hi = cp.Parameter(snapshot.n_assets, name=f"{self._what}_upper")

    def update(self, snapshot: MarketSnapshot) -> None:
        """Write the bounds (infinite bounds become large finite numbers)."""
        lo, hi = self._bounds(snapshot)
        self._lo.value = finite_param(lo)
        self._hi.value = finite_param(hi)

    def rows(self, v: Variables) -> list[tuple[cp.Expression, cp.Expression]]:
        """``x <= upper`` and ``-x <= -lower``."""
        x = self._expr(v)
        return [(x, self._hi), (-x, -self._lo)]

    supports_qp = True

    def _shift(self, snapshot: MarketSnapshot) -> FloatArray | float:
        """Offset of the bounded quantity from ``w`` (0; ``-b`` for active)."""
        return 0.0

    def qp(self, qp: QPBuilder, snapshot: MarketSnapshot) -> None:
        """Native form: bounds ``l - shift <= w <= u - shift``."""
        lo, hi = self._bounds(snapshot)
        shift = self._shift(snapshot)
        if not (isinstance(shift, float) and shift == 0.0):  # x - 0.0 is x
            lo, hi = lo - shift, hi - shift
        qp.lower_bound("w", lo)
        qp.upper_bound("w", hi)

    def evaluate(
        self, weights: FloatArray, trades: FloatArray, snapshot: MarketSnapshot
    ) -> tuple[FloatArray, FloatArray]:
        """Numpy twin of :meth:`rows`."""
        lo, hi = self._bounds(snapshot)
        x = self._values(weights, snapshot)
        return np.concatenate([x, -x]), np.concatenate([hi, -lo])

    def row_info(self, snapshot: MarketSnapshot, n_rows: int) -> RowInfo:
        """Upper rows then lower rows, one per asset.

        The RowInfo depends only on the universe and the bounded assets, so it
        is shared between reports while those stay the same.
        """
        n = snapshot.n_assets
        bounded = self._bounded(snapshot)
        return self.reuse_row_info(
            snapshot,
            n_rows,
            lambda: RowInfo(
                labels=asset_labels(snapshot, "upper")
                + asset_labels(snapshot, "lower"),
                sign=np.concatenate([np.ones(n), -np.ones(n)]),
                scale=np.ones(2 * n),
                active=np.concatenate([bounded, bounded]),
            ),
            depends_on=bounded,
        )
