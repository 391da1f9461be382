"""Liquidity limit: trade at most a fraction of each asset's daily volume."""

from __future__ import annotations

import cvxpy as cp
import numpy as np

from replicator.constraints._base import (
    BIG,
    Constraint,
    ConstraintReport,
    RowInfo,
    asset_labels,
)
from replicator.data._snapshot import MarketSnapshot
from replicator.data._validate import format_items
from replicator.exceptions import DataError
from replicator.qp import QPBuilder
from replicator.terms import Interval, Options, Variables
from replicator.typing import FloatArray

__all__ = ["LiquidityLimit"]


class LiquidityLimit(Constraint):
    r"""Trade at most a fraction of each asset's average daily traded value.

    Parameters
    ----------
    participation : float, default 0.1
        Largest share of the average daily traded value (ADV) taken per day
        (0.1 = 10 % of ADV).
    days : float, default 1
        Days over which the rebalance may be executed.
    missing : {"error", "no_trade", "unlimited"}, default "error"
        What to do with a tradable asset (investable or held) whose ADV is
        missing: raise a DataError naming it, forbid trading it, or leave it
        unconstrained.

    Notes
    -----
    With ``t`` in fractions of NAV and ADV in the currency of the NAV,

    .. math:: |t_i| \cdot \mathrm{NAV} \le p \cdot \mathrm{ADV}_i \cdot d

    i.e. ``|t_i| <= c_i`` with the cap ``c_i = p ADV_i d / NAV`` a Parameter.
    An ADV of zero forbids trading the asset. The report shows the largest
    participation ``|t_i| NAV / (ADV_i d)`` against ``p``; the result's
    ``liquidity_usage`` is ``|t_i| NAV / ADV_i``, at most ``p d``.

    Examples
    --------
    >>> import replicator as rp
    >>> rp.constraints.LiquidityLimit(0.1)            # 10 % of ADV in one day
    LiquidityLimit(participation=0.1, days=1.0, missing='error')
    >>> slow = rp.constraints.LiquidityLimit(0.2, days=3, missing="no_trade")
    >>> slow.name
    'LiquidityLimit(0.2, days=3)'
    """

    _parameter_constraints = {
        "participation": Interval(0, None, "neither"),
        "days": Interval(0, None, "neither"),
        "missing": Options("error", "no_trade", "unlimited"),
    }
    quantity = "participation"

    def __init__(
        self, participation: float = 0.1, *, days: float = 1.0, missing: str = "error"
    ) -> None:
        self.participation = participation
        self.days = days
        self.missing = missing

    @property
    def name(self) -> str:
        """Label, e.g. ``LiquidityLimit(0.1)``."""
        days = "" if self.days == 1 else f", days={self.days:g}"
        return f"LiquidityLimit({self.participation:g}{days})"

    def _adv(self, snapshot: MarketSnapshot) -> FloatArray:
        """ADV per asset, NaN where missing, after the ``missing`` policy check."""
        n = snapshot.n_assets
        if snapshot.adv is None:
            adv = np.full(n, np.nan)
        else:
            adv = np.asarray(snapshot.adv, dtype=float)
        tradable = snapshot.investable | (snapshot.holdings != 0)
        lacking = tradable & ~np.isfinite(adv)
        if lacking.any() and self.missing == "error":
            if snapshot.adv is None:
                raise DataError(
                    f"{self.name} needs the average daily traded value of every "
                    "asset, but no ADV was given. Pass adv=Series(by ticker, in the "
                    "currency of nav) to solve(), or use LiquidityLimit(..., "
                    "missing='unlimited')."
                )
            raise DataError(
                f"{self.name}: adv is missing for {int(lacking.sum())} tradable "
                f"assets: {format_items(snapshot.assets[lacking])}. Supply their "
                "ADV, or choose missing='no_trade' (freeze them) or "
                "missing='unlimited' (no limit for them)."
            )
        return adv

    def _caps(self, snapshot: MarketSnapshot) -> FloatArray:
        """Per-asset trade caps, fractions of NAV (``inf`` = unlimited)."""
        adv = self._adv(snapshot)
        caps = self.participation * adv * self.days / snapshot.nav
        missing = ~np.isfinite(adv)
        caps[missing] = np.inf if self.missing == "unlimited" else 0.0
        return caps

    def bind(self, snapshot: MarketSnapshot) -> None:
        """Create the cap Parameter."""
        super().bind(snapshot)
        self._cap = cp.Parameter(snapshot.n_assets, nonneg=True, name="liquidity_cap")

    def update(self, snapshot: MarketSnapshot) -> None:
        """Write the caps (unlimited assets get a large finite cap)."""
        self._cap.value = np.minimum(self._caps(snapshot), BIG)

    def rows(self, v: Variables) -> list[tuple[cp.Expression, cp.Expression]]:
        """``|t| <= cap``."""
        return [(cp.abs(v.trades), self._cap)]

    supports_qp = True

    def qp(self, qp: QPBuilder, snapshot: MarketSnapshot) -> None:
        """Native form: ``buy <= cap`` and ``sell <= cap``."""
        caps = self._caps(snapshot)
        qp.upper_bound("buy", caps)
        qp.upper_bound("sell", caps)

    def evaluate(
        self, weights: FloatArray, trades: FloatArray, snapshot: MarketSnapshot
    ) -> tuple[FloatArray, FloatArray]:
        """Numpy twin of :meth:`rows`."""
        return np.abs(np.asarray(trades, dtype=float)), self._caps(snapshot)

    def row_info(self, snapshot: MarketSnapshot, n_rows: int) -> RowInfo:
        """One row per asset, reported as participation of ADV per day."""
        adv = self._adv(snapshot)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = snapshot.nav / (adv * self.days)
        return RowInfo(
            labels=asset_labels(snapshot),
            sign=np.ones(n_rows),
            scale=np.where(np.isfinite(scale), scale, np.inf),
            active=np.ones(n_rows, dtype=bool),
        )

    def relaxation_message(
        self, slack: float, report: ConstraintReport, n_rows: int
    ) -> str:
        """State the smallest participation that makes the problem feasible."""
        return (
            f"the smallest feasible participation is "
            f"{self.participation + slack:.6g} of ADV"
            f"{'' if self.days == 1 else f' per day over {self.days:g} days'} "
            f"(limit {self.participation:g}; reached on {report.where})"
        )
