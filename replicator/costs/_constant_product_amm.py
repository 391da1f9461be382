"""Exact cost of swapping through constant-product (Uniswap v2) pools."""

from __future__ import annotations

from typing import ClassVar

import cvxpy as cp
import numpy as np
import pandas as pd
import scipy.sparse as sp

from replicator.costs._base import Cost
from replicator.costs._market import align_series, per_asset_values, typical_trade
from replicator.data._snapshot import MarketSnapshot
from replicator.data._validate import format_items
from replicator.exceptions import DataError
from replicator.qp import QPBuilder, diagonal
from replicator.terms import Interval, Variables
from replicator.typing import FloatArray

__all__ = ["ConstantProductAMM", "amm_cost"]

#: Key of ``MarketSnapshot.extra`` holding the reserves when not given to the term.
EXTRA_KEY = "amm_reserves"


def amm_cost(trades: FloatArray, r: FloatArray, fee: FloatArray) -> FloatArray:
    """Exact cost of each swap against mid, as a fraction of NAV.

    Parameters
    ----------
    trades : ndarray of shape (n,)
        Trades ``t`` as fractions of NAV (positive = buy the asset).
    r : ndarray of shape (n,)
        Quote-side reserves over NAV; NaN for no pool (cost 0).
    fee : ndarray of shape (n,)
        Pool fees as fractions.

    Returns
    -------
    ndarray of shape (n,)
        ``inf`` for a buy of at least the whole reserve.
    """
    t = np.asarray(trades, dtype=float)
    pool = np.isfinite(r)
    r = np.where(pool, r, 1.0)
    g = 1.0 - fee
    buy, sell = np.maximum(t, 0.0), np.maximum(-t, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        c_buy = np.where(buy < r, fee / g * buy + buy**2 / (g * (r - buy)), np.inf)
    c_buy = np.where(buy == 0, 0.0, c_buy)
    c_sell = fee * sell + g**2 * sell**2 / (r + g * sell)
    return np.where(pool, c_buy + c_sell, 0.0)


class ConstantProductAMM(Cost):
    r"""Swaps through a constant-product pool per asset, with buy/sell asymmetry.

    Parameters
    ----------
    reserves : Series or float, optional
        Quote-side reserve ``R_i`` of each asset's pool, in the NAV's currency
        (about half the pool's TVL), by ticker. None reads the Series from
        ``extra={"amm_reserves": ...}`` at every solve. Assets absent from it
        (or NaN there) have no pool and are **not charged by this term**: price
        them with another cost (e.g. :class:`ProportionalFee`).
    fee : float or Series, default 0.003
        Pool fee as a fraction (0.003 = 30 bps, Uniswap v2), scalar or per
        ticker. Note: a fraction, not bps.

    Notes
    -----
    With :math:`q = \mathrm{NAV}\,|t|` the notional at mid and
    :math:`\gamma = 1 - f`, the exact swap arithmetic
    :math:`dy = \gamma\,dx\,y/(x + \gamma\,dx)` costs, against mid,

    .. math::

        C_{buy}(q) = \frac{f}{\gamma} q + \frac{q^2}{\gamma (R - q)},
        \qquad
        C_{sell}(q) = f q + \frac{\gamma^2 q^2}{R + \gamma q}

    and ``C / NAV`` in fractions of NAV, with :math:`r = R/\mathrm{NAV}`,
    :math:`u = |t|`: :math:`(f/\gamma) u + u^2/(\gamma (r - u))` and
    :math:`f u + \gamma^2 u^2/(r + \gamma u)`. Buys must stay below the
    reserve (:math:`u < r`). The optimizer splits :math:`t = u^+ - u^-`,
    :math:`u^\pm \ge 0`, and bounds each quadratic-over-linear part by a
    rotated second-order cone :math:`\tau (r - u^+) \ge (u^+)^2`,
    :math:`\tau' (r + \gamma u^-) \ge (u^-)^2`, in which the parameters
    enter additively (DPP). Conic: the problem goes to Clarabel.

    Examples
    --------
    >>> import pandas as pd
    >>> import replicator as rp
    >>> pools = pd.Series({"ETH": 5e7, "UNI": 2e6})       # quote reserves, USD
    >>> amm = rp.costs.ConstantProductAMM(reserves=pools, fee=0.003)
    """

    _parameter_constraints = {
        "reserves": Interval(0, None, closed="neither", series=True, allow_none=True),
        "fee": Interval(0, 1, closed="left", series=True),
    }
    problem_class: ClassVar[str] = "socp"

    def __init__(
        self,
        reserves: pd.Series | float | None = None,
        *,
        fee: float | pd.Series = 0.003,
    ) -> None:
        self.reserves = reserves
        self.fee = fee

    # ------------------------------------------------------------ market data
    def _ratios(self, snapshot: MarketSnapshot) -> tuple[FloatArray, FloatArray]:
        """Return ``r = R / NAV`` (NaN for no pool) and the fees."""
        value = self.reserves
        source = "ConstantProductAMM.reserves"
        if value is None:
            source = f"extra[{EXTRA_KEY!r}]"
            value = snapshot.extra.get(EXTRA_KEY)
            if value is None:
                raise DataError(
                    "ConstantProductAMM needs pool reserves: pass reserves=Series "
                    "(quote-side reserve by ticker, in the NAV's currency) to the "
                    f"term, or extra={{{EXTRA_KEY!r}: Series}} to solve()."
                )
            if not isinstance(value, pd.Series):
                raise DataError(
                    f"{source} must be a pandas Series of reserves by ticker; got "
                    f"{type(value).__name__}."
                )
        if isinstance(value, pd.Series):
            R = align_series(snapshot, value, source)
        else:
            R = np.full(snapshot.n_assets, float(value))
        bad = np.isfinite(R) & (R <= 0) | np.isinf(R)
        if bad.any():
            raise DataError(
                f"{source} must be positive and finite; got {R[bad][0]:.6g} for "
                f"{format_items(snapshot.assets[bad])}. Leave an asset without a "
                "pool out of the Series."
            )
        fee = per_asset_values(snapshot, self.fee, "ConstantProductAMM.fee")
        return R / snapshot.nav, fee

    # --------------------------------------------------------------- the term
    def bind(self, snapshot: MarketSnapshot) -> None:
        """Create the per-asset Parameters (pool data, masked by pool presence)."""
        super().bind(snapshot)
        n = snapshot.n_assets
        self._r = cp.Parameter(n, nonneg=True, name="amm_r")
        self._g = cp.Parameter(n, nonneg=True, name="amm_gamma")
        self._no_pool = cp.Parameter(n, nonneg=True, name="amm_no_pool")
        self._lin_buy = cp.Parameter(n, nonneg=True, name="amm_lin_buy")
        self._lin_sell = cp.Parameter(n, nonneg=True, name="amm_lin_sell")
        self._quad_buy = cp.Parameter(n, nonneg=True, name="amm_quad_buy")
        self._quad_sell = cp.Parameter(n, nonneg=True, name="amm_quad_sell")
        self._aux: list[cp.Constraint] = []

    def update(self, snapshot: MarketSnapshot) -> None:
        """Write reserves over NAV and fee coefficients; zero them off-pool."""
        r, fee = self._ratios(snapshot)
        pool = np.isfinite(r)
        g = 1.0 - fee
        self._r.value = np.where(pool, r, 1.0)
        self._g.value = g
        self._no_pool.value = (~pool).astype(float)
        self._lin_buy.value = np.where(pool, fee / g, 0.0)
        self._lin_sell.value = np.where(pool, fee, 0.0)
        self._quad_buy.value = np.where(pool, 1.0 / g, 0.0)
        self._quad_sell.value = np.where(pool, g**2, 0.0)

    def expression(self, v: Variables) -> cp.Expression:
        """Cost via epigraph variables; their constraints are in :meth:`auxiliary`."""
        n = v.trades.shape[0]
        buy = cp.Variable(n, nonneg=True, name="amm_buy")
        sell = cp.Variable(n, nonneg=True, name="amm_sell")
        tau_buy = cp.Variable(n, nonneg=True, name="amm_tau_buy")
        tau_sell = cp.Variable(n, nonneg=True, name="amm_tau_sell")
        y_buy = self._r - buy
        y_sell = self._r + cp.multiply(self._g, sell)
        self._aux = [
            buy - sell == v.trades - cp.multiply(self._no_pool, v.trades),
            cp.multiply(self._no_pool, buy + sell) == 0,
            buy <= self._r,
            cp.SOC(tau_buy + y_buy, cp.vstack([2 * buy, tau_buy - y_buy]), axis=0),
            cp.SOC(tau_sell + y_sell, cp.vstack([2 * sell, tau_sell - y_sell]), axis=0),
        ]
        return (
            self._lin_buy @ buy
            + self._lin_sell @ sell
            + self._quad_buy @ tau_buy
            + self._quad_sell @ tau_sell
        )

    def auxiliary(self) -> list[cp.Constraint]:
        """Split of the trades, the domain ``u+ <= r`` and the cone epigraphs."""
        return list(self._aux)

    supports_qp = True

    def qp(self, qp: QPBuilder, snapshot: MarketSnapshot) -> None:
        """Native form: the trade split ``buy``/``sell`` and two rotated cones.

        For each pool: ``buy <= r``, ``tau_b (r - buy) >= buy^2`` and
        ``tau_s (r + g sell) >= sell^2``, written as the second-order cones
        ``(tau + y, 2u, tau - y)`` with ``y`` the pool-side term; the cost is
        ``(f/g) buy + f sell + tau_b / g + g^2 tau_s``.
        """
        r, fee = self._ratios(snapshot)
        pool = np.flatnonzero(np.isfinite(r))
        if not len(pool):
            return
        m, n = len(pool), snapshot.n_assets
        r, fee = r[pool], fee[pool]
        g = 1.0 - fee
        pick = sp.csr_matrix((np.ones(m), (np.arange(m), pool)), shape=(m, n))
        lin_buy = np.zeros(n)
        lin_sell = np.zeros(n)
        lin_buy[pool], lin_sell[pool] = fee / g, fee
        qp.linear("buy", lin_buy)
        qp.linear("sell", lin_sell)
        cap = np.full(n, np.inf)
        cap[pool] = r
        qp.upper_bound("buy", cap)
        tb, ts = qp.new_block("amm_tau_buy", m), qp.new_block("amm_tau_sell", m)
        qp.lower_bound(tb, 0.0)
        qp.lower_bound(ts, 0.0)
        qp.linear(tb, 1.0 / g)
        qp.linear(ts, g**2)
        # tau * y >= u^2  <=>  (c tau + y/c, 2u, c tau - y/c) in a second-order
        # cone, for any c > 0; c = r / u (u: the typical trade) balances the
        # components (tau ~ u^2 / r), which otherwise differ by ~r^2 / u^2.
        c = r / np.minimum(typical_trade(snapshot)[pool], 0.5 * r)
        minus_c = diagonal(-c)
        # buys, y = r - u:  s = rhs - M x = (c tau + (r - u)/c, 2u, c tau - (r - u)/c)
        qp.cones(
            "soc",
            [
                ({tb: minus_c, "buy": sp.diags(1.0 / c) @ pick}, r / c),
                ({"buy": -2.0 * pick}, 0.0),
                ({tb: minus_c, "buy": sp.diags(-1.0 / c) @ pick}, -r / c),
            ],
            count=m,
        )
        # sells, y = r + g u
        gc = sp.diags(g / c) @ pick
        qp.cones(
            "soc",
            [
                ({ts: minus_c, "sell": -gc}, r / c),
                ({"sell": -2.0 * pick}, 0.0),
                ({ts: minus_c, "sell": gc}, -r / c),
            ],
            count=m,
        )

    def per_asset(self, trades: FloatArray, snapshot: MarketSnapshot) -> FloatArray:
        """Exact cost of each asset's swap (0 without a pool)."""
        r, fee = self._ratios(snapshot)
        return amm_cost(np.asarray(trades, dtype=float), r, fee)

    def evaluate(self, trades: FloatArray, snapshot: MarketSnapshot) -> float:
        """Numpy twin: the exact swap cost, as a fraction of NAV."""
        return float(self.per_asset(trades, snapshot).sum())
