"""Square-root-law market impact: a cost proportional to |trade|^(3/2)."""

from __future__ import annotations

from typing import ClassVar

import cvxpy as cp
import numpy as np
import pandas as pd

from replicator.costs._base import Cost
from replicator.costs._market import impact_inputs, per_asset_values, typical_trade
from replicator.data._snapshot import MarketSnapshot
from replicator.qp import QPBuilder, diagonal
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
        r"""Native form: ``k @ tau`` with ``tau >= |t|^e`` in cones.

        ``e = 3/2`` (the square-root law) takes two 3-d second-order cones per
        asset (:meth:`_qp_soc`); any other exponent one 3-d power cone
        (:meth:`_qp_pow`). Both are scaled by the typical trade ``u``
        (:func:`~replicator.costs._market.typical_trade`) so that every cone
        component is of the order of ``u``.

        Notes
        -----
        Clarabel treats second-order cones as symmetric cones (Nesterov-Todd
        scaling), power cones with its slower nonsymmetric method: on the
        benchmark problems (``benchmarks/conic.py``) the power-cone form
        stalled (``InsufficientProgress``/``AlmostSolved``) on 1 of 20 seeds
        at N=1,000 and 2 of 20 at N=3,000 and took 30-85 iterations; the
        second-order form solved every seed in 21-27 iterations.
        """
        n = snapshot.n_assets
        k = self.coefficients(snapshot)
        u = typical_trade(snapshot)
        tau = qp.new_block("power_tau", n)
        qp.lower_bound(tau, 0.0)
        qp.linear(tau, k)
        if float(self.exponent) == 1.5:
            self._qp_soc(qp, tau, u)
        else:
            self._qp_pow(qp, tau, u)

    def _qp_soc(self, qp: QPBuilder, tau: str, u: FloatArray) -> None:
        r"""``tau >= a^{3/2}``, ``a = buy + sell``, as two rotated SOCs.

        Notes
        -----
        With :math:`s \ge 0` (stored as :math:`\hat s = s/\sqrt{u}`),

        .. math::

            2 s \tau \ge a^2, \qquad a/4 \ge s^2
            \;\Longrightarrow\;
            \tau \ge \frac{a^2}{2s} \ge \frac{a^2}{2\sqrt{a/4}} = a^{3/2},

        with equality at :math:`s = \sqrt{a/4}` (the MOSEK modeling
        cookbook's 3/2-power form). A rotated cone :math:`2xy \ge z^2` is the
        SOC :math:`((x+y)/\sqrt2, (x-y)/\sqrt2, z)`; the first takes
        :math:`x = u\hat s`, :math:`y = \tau/\sqrt u`, :math:`z = a`, the
        second :math:`x = a`, :math:`y = u/8`, :math:`z = u \hat s`: every
        component is of the order of ``u``. ``a = buy + sell`` is ``|t|``
        whenever the asset does not both buy and sell, which an optimum never
        does (doing both only adds cost).
        """
        n = u.size
        r2 = np.sqrt(2.0)
        root = np.sqrt(u)
        s_hat = qp.new_block("power_s", n)
        trade = {"buy": diagonal(-1.0 / r2, n), "sell": diagonal(-1.0 / r2, n)}
        qp.cones(
            "soc",
            [
                ({s_hat: diagonal(-u / r2), tau: diagonal(-1.0 / (r2 * root))}, 0.0),
                ({s_hat: diagonal(-u / r2), tau: diagonal(1.0 / (r2 * root))}, 0.0),
                ({"buy": diagonal(-1.0, n), "sell": diagonal(-1.0, n)}, 0.0),
            ],
            count=n,
        )
        qp.cones(
            "soc",
            [
                (trade, u / (8.0 * r2)),
                (trade, -u / (8.0 * r2)),
                ({s_hat: diagonal(-u)}, 0.0),
            ],
            count=n,
        )

    def _qp_pow(self, qp: QPBuilder, tau: str, u: FloatArray) -> None:
        """``(tau, eps, eps^(1-a) t)`` in power cones of exponent ``a = 1/e``.

        The 3-d power cone holds ``tau^a eps^(1-a) >= eps^(1-a) |t|``, i.e.
        ``tau >= |t|^e``, for any ``eps > 0``; ``eps = u^e`` puts every
        component at the scale of the cost.
        """
        n = u.size
        e = float(self.exponent)
        eps = u**e
        lift = eps ** (1.0 - 1.0 / e)
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
