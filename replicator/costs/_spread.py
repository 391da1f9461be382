"""Half bid-ask spread paid on every trade."""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pandas as pd

from replicator.costs._base import Cost
from replicator.costs._market import per_asset_values
from replicator.data._snapshot import MarketSnapshot
from replicator.qp import QPBuilder
from replicator.terms import Interval, Variables
from replicator.typing import FloatArray

__all__ = ["Spread"]


class Spread(Cost):
    r"""Crossing half the bid-ask spread, in basis points of the traded notional.

    Parameters
    ----------
    half_spread_bps : float or Series
        Half the quoted spread, ``(ask - bid) / (2 * mid)`` in bps, scalar or per
        ticker. A Series must cover every asset that may trade.

    Notes
    -----
    .. math::

        C(t) = \sum_i h_i\,|t_i|, \qquad h = \mathrm{half\_spread\_bps}/10^4

    in fractions of NAV. Buying pays the ask, selling receives the bid, so each
    side costs ``h |t|`` relative to mid.

    Examples
    --------
    >>> import replicator as rp
    >>> spread = rp.costs.Spread(half_spread_bps=2.5)
    """

    _parameter_constraints = {"half_spread_bps": Interval(0, 10_000, series=True)}

    def __init__(self, half_spread_bps: float | pd.Series) -> None:
        self.half_spread_bps = half_spread_bps

    def _rates(self, snapshot: MarketSnapshot) -> FloatArray:
        label = f"{type(self).__name__}.half_spread_bps"
        return per_asset_values(snapshot, self.half_spread_bps, label) / 1e4

    def bind(self, snapshot: MarketSnapshot) -> None:
        """Create the per-asset half-spread Parameter."""
        super().bind(snapshot)
        self._h = cp.Parameter(snapshot.n_assets, nonneg=True, name="half_spread")

    def update(self, snapshot: MarketSnapshot) -> None:
        """Write the half-spreads as fractions."""
        self._h.value = self._rates(snapshot)

    def expression(self, v: Variables) -> cp.Expression:
        """Spread cost as a cvxpy expression."""
        return self._h @ cp.abs(v.trades)

    supports_qp = True

    def qp(self, qp: QPBuilder, snapshot: MarketSnapshot) -> None:
        """Native form: ``h @ (buy + sell)``."""
        h = self._rates(snapshot)
        qp.linear("buy", h)
        qp.linear("sell", h)

    def per_asset(self, trades: FloatArray, snapshot: MarketSnapshot) -> FloatArray:
        """Cost of each asset's trade."""
        return self._rates(snapshot) * np.abs(np.asarray(trades, dtype=float))

    def evaluate(self, trades: FloatArray, snapshot: MarketSnapshot) -> float:
        """Numpy twin of :meth:`expression`."""
        return float(self.per_asset(trades, snapshot).sum())
