"""Square-root-law market impact: a cost proportional to |trade|^(3/2)."""

from __future__ import annotations

from typing import ClassVar

import cvxpy as cp
import numpy as np
import pandas as pd

from replicator._qp import QPBuilder, diagonal
from replicator.costs._base import Cost
from replicator.costs._market import impact_inputs, per_asset_values, typical_trade
from replicator.data._snapshot import MarketSnapshot
from replicator.terms import Interval, Variables
from replicator.typing import FloatArray

__all__ = ["PowerImpact"]


class PowerImpact(Cost):
    r"""Market impact of the square-root law (or any power in (1, 2]).

    Parameters
    ----------
    coef : float or Series, default 1.0
        Prefactor ``Y`` ("of order one"; 0.5-1 is a common prior), scalar or
        per ticker.
    exponent : float in (1, 2], default 1.5
        Power ``e`` of the cost in the trade size; 1.5 is the square-root law
        (impact proportional to the square root of participation).

    Notes
    -----
    The price moves by :math:`Y\sigma_i (Q_i/\mathrm{ADV}_i)^{e-1}` for a
    notional :math:`Q_i = \mathrm{NAV}\,|t_i|`; the cost, as a fraction of NAV,
    is

    .. math::

        C(t) = \sum_i Y_i\,\sigma_i
               \left(\frac{\mathrm{NAV}}{\mathrm{ADV}_i}\right)^{e-1} |t_i|^{e}

    i.e. :math:`Y\sigma_i|t_i|^{3/2}(\mathrm{NAV}/\mathrm{ADV}_i)^{1/2}` for
    ``e = 1.5``, with :math:`\sigma_i` the daily volatility (``volatility=``,
    default: from ``returns``) and ADV in the NAV's currency (``adv=``). The term
    is conic (``problem_class = "socp"``), so the problem goes to Clarabel.

    Every asset that may trade needs a positive ADV and a volatility; a missing
    value, a negative value or a zero ADV (infinite impact) is a DataError that
    names the tickers.

    Examples
    --------
    >>> import replicator as rp
    >>> impact = rp.costs.PowerImpact(coef=0.8)
    """

    _parameter_constraints = {
        "coef": Interval(0, None, series=True),
        "exponent": Interval(1, 2, closed="right"),
    }
    problem_class: ClassVar[str] = "socp"

    def __init__(self, *, coef: float | pd.Series = 1.0, exponent: float = 1.5) -> None:
        self.coef = coef
        self.exponent = exponent

    def coefficients(self, snapshot: MarketSnapshot) -> FloatArray:
        """Return ``Y_i sigma_i (NAV/ADV_i)^(e-1)`` for the snapshot's assets."""
        adv, vol, _ = impact_inputs(snapshot, self.name)
        Y = per_asset_values(snapshot, self.coef, "PowerImpact.coef")
        return Y * vol * (snapshot.nav / adv) ** (float(self.exponent) - 1.0)

    def bind(self, snapshot: MarketSnapshot) -> None:
        """Create the per-asset coefficient Parameter."""
        super().bind(snapshot)
        self._k = cp.Parameter(snapshot.n_assets, nonneg=True, name="power_impact")

    def update(self, snapshot: MarketSnapshot) -> None:
        """Write the per-asset coefficients."""
        self._k.value = self.coefficients(snapshot)

    def expression(self, v: Variables) -> cp.Expression:
        """Impact cost ``k @ |t|^e`` (DPP: a Parameter times a convex atom)."""
        return self._k @ cp.power(cp.abs(v.trades), float(self.exponent))

    supports_qp = True

    def qp(self, qp: QPBuilder, snapshot: MarketSnapshot) -> None:
        """Native form: ``k @ tau``, ``(tau, eps, eps^(1-a) t)`` in power cones.

        The 3-d power cone of exponent ``a = 1/e`` holds
        ``tau^a eps^(1-a) >= eps^(1-a) |t|``, i.e. ``tau >= |t|^e``, for any
        ``eps > 0``; ``eps = u^e`` with ``u`` the typical trade
        (:func:`~replicator.costs._market.typical_trade`) puts every component
        at the scale of the cost.
        """
        n = snapshot.n_assets
        e = float(self.exponent)
        k = self.coefficients(snapshot)
        eps = typical_trade(snapshot) ** e
        lift = eps ** (1.0 - 1.0 / e)
        tau = qp.new_block("power_tau", n)
        qp.lower_bound(tau, 0.0)
        qp.linear(tau, k)
        qp.cones(
            "pow",
            [
                ({tau: diagonal(-1.0, n)}, 0.0),
                ({}, eps),
                ({"buy": diagonal(-lift), "sell": diagonal(lift)}, 0.0),
            ],
            count=n,
            parameter=1.0 / e,
        )

    def per_asset(self, trades: FloatArray, snapshot: MarketSnapshot) -> FloatArray:
        """Cost of each asset's trade."""
        t = np.abs(np.asarray(trades, dtype=float))
        return self.coefficients(snapshot) * t ** float(self.exponent)

    def evaluate(self, trades: FloatArray, snapshot: MarketSnapshot) -> float:
        """Numpy twin of :meth:`expression`."""
        return float(self.per_asset(trades, snapshot).sum())
