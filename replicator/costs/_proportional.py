"""Proportional (linear) exchange fee, with separate buy and sell rates."""

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

__all__ = ["ProportionalFee"]


class ProportionalFee(Cost):
    r"""Fee proportional to traded notional, in basis points.

    Parameters
    ----------
    bps : float or Series, default 0
        Fee in bps of notional for both sides, scalar or per ticker. A Series
        must cover every asset that may trade (0 for a free asset).
    buy_bps, sell_bps : float or Series, optional
        Side-specific fees; each defaults to ``bps``.

    Notes
    -----
    .. math::

        C(t) = \sum_i \phi^{buy}_i\,(t_i)_+ + \phi^{sell}_i\,(t_i)_-,
        \qquad \phi = \mathrm{bps}/10^4

    Examples
    --------
    >>> import replicator as rp
    >>> fee = rp.costs.ProportionalFee(bps=5)                  # 5 bp each way
    >>> taker = rp.costs.ProportionalFee(buy_bps=10, sell_bps=8)
    """

    _parameter_constraints = {
        "bps": Interval(0, 10_000, series=True),
        "buy_bps": Interval(0, 10_000, series=True, allow_none=True),
        "sell_bps": Interval(0, 10_000, series=True, allow_none=True),
    }

    def __init__(
        self,
        *,
        bps: float | pd.Series = 0.0,
        buy_bps: float | pd.Series | None = None,
        sell_bps: float | pd.Series | None = None,
    ) -> None:
        self.bps = bps
        self.buy_bps = buy_bps
        self.sell_bps = sell_bps

    def _rates(self, snapshot: MarketSnapshot) -> tuple[FloatArray, FloatArray]:
        return snapshot.solve_memo(self, "rates", lambda: self._new_rates(snapshot))

    def _new_rates(self, snapshot: MarketSnapshot) -> tuple[FloatArray, FloatArray]:
        # Both sides default to ``bps``: its rates are computed once then.
        by_name: dict[str, FloatArray] = {}
        rates = []
        for side in ("buy_bps", "sell_bps"):
            pname = "bps" if getattr(self, side) is None else side
            if pname not in by_name:
                value = getattr(self, pname)
                label = f"ProportionalFee.{pname}"
                by_name[pname] = per_asset_values(snapshot, value, label) / 1e4
            rates.append(by_name[pname])
        return rates[0], rates[1]

    def bind(self, snapshot: MarketSnapshot) -> None:
        """Create the buy and sell rate Parameters."""
        super().bind(snapshot)
        self._buy = cp.Parameter(snapshot.n_assets, nonneg=True)
        self._sell = cp.Parameter(snapshot.n_assets, nonneg=True)

    def update(self, snapshot: MarketSnapshot) -> None:
        """Write the per-asset rates."""
        self._buy.value, self._sell.value = self._rates(snapshot)

    supports_qp = True

    def qp(self, qp: QPBuilder, snapshot: MarketSnapshot) -> None:
        """Native form: ``buy_rate @ buy + sell_rate @ sell``."""
        buy, sell = self._rates(snapshot)
        qp.linear("buy", buy)
        qp.linear("sell", sell)

    def per_asset(self, trades: FloatArray, snapshot: MarketSnapshot) -> FloatArray:
        """Fee of each asset's trade."""
        buy, sell = self._rates(snapshot)
        t = np.asarray(trades, dtype=float)
        return buy * np.maximum(t, 0) + sell * np.maximum(-t, 0)

    def expression(self, v: Variables) -> cp.Expression:
        """Fee as a cvxpy expression."""
        return self._buy @ cp.pos(v.trades) + self._sell @ cp.neg(v.trades)

    def evaluate(self, trades: FloatArray, snapshot: MarketSnapshot) -> float:
        """Numpy twin of :meth:`expression`."""
        return float(self.per_asset(trades, snapshot).sum())
