r"""Margin, gross leverage and net perp exposure constraints.

Collateral model (stated precisely): the fund's collateral is its cash,
``1 - sum of spot weights`` (held in cash or a stablecoin, no haircut); spot
holdings are not pledged. Perps need no cash, only maintenance margin
``m_i |w_i|``. Maintenance rates come from the :class:`Perp` specs (default
1 %, Binance BTCUSDT tier <= 1M notional, ``crypto-markets.md`` §3); the
tiered "tax bracket" schedule is not modelled (one rate per perp).
"""

from __future__ import annotations

from collections.abc import Iterable

import cvxpy as cp
import numpy as np
import pandas as pd
import scipy.sparse as sp

from replicator.constraints._base import Constraint
from replicator.data._snapshot import MarketSnapshot
from replicator.derivatives._funding import PERPS_RULE, perp_positions
from replicator.derivatives._perp import Perp, as_perps
from replicator.derivatives._tables import margin_tables
from replicator.exceptions import ConfigError
from replicator.qp import QPBuilder, diagonal
from replicator.terms import Interval, Variables
from replicator.typing import BoolArray, FloatArray

__all__ = ["GrossLeverage", "MarginRequirement", "NetPerpExposure", "margin_used"]


def _abs_block(qp: QPBuilder, rows: sp.csr_matrix, prefix: str) -> str:
    """Declare ``a >= |rows @ w|`` (structural epigraph rows); return ``a``."""
    k = rows.shape[0]
    a = qp.new_block(prefix, k)
    minus = diagonal(-1.0, k)
    qp.structural_at_most({"w": rows, a: minus}, 0.0)
    qp.structural_at_most({"w": -rows, a: minus}, 0.0)
    return a


def margin_used(weights: FloatArray, snapshot: MarketSnapshot, perps: Iterable[Perp]):
    """Return ``(margin used, collateral)`` as fractions of NAV.

    Used margin is ``sum_i m_i |w_i|`` over the perps; collateral is the cash
    ``1 - sum of spot weights``; free margin is their difference.
    """
    specs = as_perps(perps)
    where, mask = perp_positions(None, snapshot, specs, "margin_used")
    w = np.asarray(weights, dtype=float)
    rates = np.array([p.maintenance_margin for p in specs])
    return float(rates @ np.abs(w[where])), float(1.0 - w[~mask].sum())


class MarginRequirement(Constraint):
    r"""Keep enough collateral for the perps' maintenance margin.

    Parameters
    ----------
    perps : Perp or list of Perp
        The perps, with their maintenance margin rates ``m_i`` in [0, 1].
    buffer : float, default 0
        Collateral kept free on top of the margin (a stress buffer), a
        fraction of NAV in [0, 1).

    Notes
    -----
    Collateral is the cash ``1 - \sum_{spot} w_j`` (see the module notes):

    .. math:: \sum_{j \in spot} w_j + \sum_{i \in perps} m_i |w_i| \le 1 - \beta

    so the spot budget ``sum w_spot <= 1 - buffer`` is implied. The report
    shows spot weight plus margin against ``1 - buffer``; the native form adds
    one epigraph variable ``a_i >= |w_i|`` per perp.

    Examples
    --------
    >>> import replicator as rp
    >>> btc = rp.derivatives.Perp("BTC-PERP", "BTC", maintenance_margin=0.02)
    >>> rp.derivatives.MarginRequirement(btc, buffer=0.05).name
    'MarginRequirement(0.05)'
    """

    _parameter_constraints = {"perps": PERPS_RULE, "buffer": Interval(0, 1, "left")}
    quantity = "spot weight plus margin"
    elastic_price = 10.0

    def __init__(self, perps: Perp | Iterable[Perp], *, buffer: float = 0.0) -> None:
        self.perps = perps
        self.buffer = buffer

    def _coefs(self, snapshot: MarketSnapshot) -> tuple[FloatArray, FloatArray]:
        """(spot mask, margin rate per asset: 0 on spot)."""
        specs = as_perps(self.perps)
        where, mask = perp_positions(self, snapshot, specs, "MarginRequirement")
        rates = np.zeros(snapshot.n_assets)
        rates[where] = [p.maintenance_margin for p in specs]
        return (~mask).astype(float), rates

    def bind(self, snapshot: MarketSnapshot) -> None:
        """Create the spot-mask, margin-rate and limit Parameters."""
        super().bind(snapshot)
        n = snapshot.n_assets
        self._spot = cp.Parameter(n, nonneg=True, name="spot_mask")
        self._m = cp.Parameter(n, nonneg=True, name="margin_rate")
        self._limit = cp.Parameter(name="collateral_limit")

    def update(self, snapshot: MarketSnapshot) -> None:
        """Write the masks, rates and ``1 - buffer``."""
        self._spot.value, self._m.value = self._coefs(snapshot)
        self._limit.value = 1.0 - float(self.buffer)

    def rows(self, v: Variables) -> list[tuple[cp.Expression, cp.Expression]]:
        """``spot @ w + m @ |w| <= 1 - buffer``."""
        lhs = self._spot @ v.weights + self._m @ cp.abs(v.weights)
        return [(lhs, self._limit)]

    supports_qp = True

    def qp(self, qp: QPBuilder, snapshot: MarketSnapshot) -> None:
        """Native form: ``a >= |w_perp|`` and ``spot @ w + m @ a <= 1 - buffer``."""
        specs = as_perps(self.perps)
        where, mask = perp_positions(self, snapshot, specs, "MarginRequirement")
        pick = sp.identity(snapshot.n_assets, format="csr")[where]
        a = _abs_block(qp, pick, "margin_abs")
        rates = np.array([p.maintenance_margin for p in specs], dtype=float)
        qp.at_most({"w": (~mask).astype(float), a: rates}, 1.0 - float(self.buffer))

    def evaluate(
        self, weights: FloatArray, trades: FloatArray, snapshot: MarketSnapshot
    ) -> tuple[FloatArray, FloatArray]:
        """Numpy twin of :meth:`rows`."""
        spot, rates = self._coefs(snapshot)
        w = np.asarray(weights, dtype=float)
        lhs = float(spot @ w + rates @ np.abs(w))
        return np.array([lhs]), np.array([1.0 - float(self.buffer)])

    def report_tables(
        self, weights: FloatArray, trades: FloatArray, snapshot: MarketSnapshot
    ) -> dict[str, pd.DataFrame]:
        """Return margin used and free, leverage, the spot/perp split, assumptions.

        See :func:`~replicator.derivatives._tables.margin_tables`.
        """
        specs = as_perps(self.perps)
        return margin_tables(specs, weights, snapshot, float(self.buffer))

    def margin_positions(self, snapshot: MarketSnapshot) -> BoolArray:
        """Return the perp mask: their notional is on margin and uses no cash."""
        specs = as_perps(self.perps)
        return perp_positions(self, snapshot, specs, "MarginRequirement")[1]


class GrossLeverage(Constraint):
    r"""Limit gross exposure: the sum of absolute spot and perp weights.

    Parameters
    ----------
    limit : float, default 2
        Largest gross leverage ``L >= 1`` (1 = no leverage).

    Notes
    -----
    .. math:: \sum_i |w_i| \le L

    over every asset, spot and perp. The native form adds one epigraph
    variable ``g_i >= |w_i|`` per asset.

    Examples
    --------
    >>> import replicator as rp
    >>> rp.derivatives.GrossLeverage(1.5).name
    'GrossLeverage(1.5)'
    """

    _parameter_constraints = {"limit": Interval(1, None)}
    quantity = "gross leverage"

    def __init__(self, limit: float = 2.0) -> None:
        self.limit = limit

    def bind(self, snapshot: MarketSnapshot) -> None:
        """Create the limit Parameter."""
        super().bind(snapshot)
        self._limit = cp.Parameter(nonneg=True, name="gross_leverage")

    def update(self, snapshot: MarketSnapshot) -> None:
        """Write the limit."""
        self._limit.value = float(self.limit)

    def rows(self, v: Variables) -> list[tuple[cp.Expression, cp.Expression]]:
        """``sum |w| <= L``."""
        return [(cp.norm1(v.weights), self._limit)]

    supports_qp = True

    def qp(self, qp: QPBuilder, snapshot: MarketSnapshot) -> None:
        """Native form: ``g >= |w|`` and ``1 @ g <= L``."""
        g = _abs_block(qp, sp.identity(snapshot.n_assets, format="csr"), "gross_abs")
        qp.at_most({g: np.ones(snapshot.n_assets)}, float(self.limit))

    def evaluate(
        self, weights: FloatArray, trades: FloatArray, snapshot: MarketSnapshot
    ) -> tuple[FloatArray, FloatArray]:
        """Numpy twin of :meth:`rows`."""
        gross = float(np.abs(np.asarray(weights, dtype=float)).sum())
        return np.array([gross]), np.array([float(self.limit)])


class NetPerpExposure(Constraint):
    r"""Bound the net perp exposure: the sum of signed perp weights.

    Parameters
    ----------
    perps : Perp or list of Perp
        The perps.
    lower, upper : float, default -1, 1
        Bounds of ``sum_i w_i`` over the perps (fractions of NAV).

    Notes
    -----
    .. math:: \ell \le \sum_{i \in perps} w_i \le u

    written as the rows ``sum w_perp <= u`` and ``-sum w_perp <= -l``.

    Examples
    --------
    >>> import replicator as rp
    >>> btc = rp.derivatives.Perp("BTC-PERP", "BTC")
    >>> rp.derivatives.NetPerpExposure(btc, lower=-0.5, upper=0.0).name
    'NetPerpExposure(-0.5, 0)'
    """

    _parameter_constraints = {
        "perps": PERPS_RULE,
        "lower": Interval(-100, 100),
        "upper": Interval(-100, 100),
    }
    quantity = "net perp exposure"

    def __init__(
        self, perps: Perp | Iterable[Perp], *, lower: float = -1.0, upper: float = 1.0
    ) -> None:
        self.perps = perps
        self.lower = lower
        self.upper = upper

    def validate_params(self) -> None:
        """Check the parameters and that ``lower <= upper``."""
        super().validate_params()
        if self.lower > self.upper:
            raise ConfigError(
                f"NetPerpExposure has lower={self.lower:g} > upper={self.upper:g}; "
                "swap or fix the bounds."
            )

    def _mask(self, snapshot: MarketSnapshot) -> FloatArray:
        _, mask = perp_positions(
            self, snapshot, as_perps(self.perps), "NetPerpExposure"
        )
        return mask.astype(float)

    def bind(self, snapshot: MarketSnapshot) -> None:
        """Create the perp-mask and bound Parameters."""
        super().bind(snapshot)
        self._p = cp.Parameter(snapshot.n_assets, nonneg=True, name="perp_mask")
        self._lo = cp.Parameter(name="net_perp_lower")
        self._hi = cp.Parameter(name="net_perp_upper")

    def update(self, snapshot: MarketSnapshot) -> None:
        """Write the mask and the bounds."""
        self._p.value = self._mask(snapshot)
        self._lo.value, self._hi.value = float(self.lower), float(self.upper)

    def rows(self, v: Variables) -> list[tuple[cp.Expression, cp.Expression]]:
        """``p @ w <= u`` and ``-p @ w <= -l``."""
        net = self._p @ v.weights
        return [(net, self._hi), (-net, -self._lo)]

    supports_qp = True

    def qp(self, qp: QPBuilder, snapshot: MarketSnapshot) -> None:
        """Native form: two rows on the perp weights."""
        mask = self._mask(snapshot)
        qp.at_most({"w": mask}, float(self.upper))
        qp.at_least({"w": mask}, float(self.lower))

    def evaluate(
        self, weights: FloatArray, trades: FloatArray, snapshot: MarketSnapshot
    ) -> tuple[FloatArray, FloatArray]:
        """Numpy twin of :meth:`rows`."""
        net = float(self._mask(snapshot) @ np.asarray(weights, dtype=float))
        lo, hi = float(self.lower), float(self.upper)
        return np.array([net, -net]), np.array([hi, -lo])
