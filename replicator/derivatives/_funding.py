"""Funding carry of perpetual futures: a linear cost in the post-trade perp weights."""

from __future__ import annotations

from collections.abc import Iterable

import cvxpy as cp
import numpy as np
import pandas as pd

from replicator.constraints._base import Kind
from replicator.costs._base import Cost
from replicator.data._snapshot import MarketSnapshot
from replicator.data._validate import format_items
from replicator.derivatives._perp import Perp, as_perps
from replicator.derivatives._rates import (
    ANCHOR_RATE_8H,
    SETTLEMENTS_PER_DAY,
    check_rates,
    expected_annual_rates,
    realized_daily_rates,
)
from replicator.derivatives._tables import funding_tables
from replicator.exceptions import DataError
from replicator.qp import QPBuilder
from replicator.terms import Interval, Variables
from replicator.typing import BoolArray, FloatArray

__all__ = ["FundingCarry", "perp_positions"]

PERPS_RULE = Kind(Perp, list, tuple, what="a Perp or a list of Perp")


def perp_positions(
    owner: object, snapshot: MarketSnapshot, perps: tuple[Perp, ...], label: str
) -> tuple[np.ndarray, BoolArray]:
    """Positions of the perps in ``snapshot.assets`` and the perp mask.

    The answer is kept on ``owner`` while the universe (an immutable Index)
    and the perps stay the same, so a re-solve does not look them up again.

    Raises
    ------
    DataError
        A perp that is not in the universe (names it).
    """
    memo = None if owner is None else owner.__dict__.get("_perp_positions_memo")
    if memo is not None and memo[0] is snapshot.assets and memo[1] == perps:
        return memo[2], memo[3]
    where = snapshot.assets.get_indexer([p.symbol for p in perps])
    if (where < 0).any():
        missing = [p.symbol for p, i in zip(perps, where, strict=True) if i < 0]
        raise DataError(
            f"{label} names perps that are not in the universe: "
            f"{format_items(pd.Index(missing))}. Add their columns with "
            "rp.derivatives.with_perps(returns, perps)."
        )
    mask = np.zeros(snapshot.n_assets, dtype=bool)
    mask[where] = True
    where.setflags(write=False)
    mask.setflags(write=False)
    if owner is not None:
        owner._perp_positions_memo = (snapshot.assets, perps, where, mask)
    return where, mask


class FundingCarry(Cost):
    r"""Expected funding paid on the perp positions over the holding horizon.

    Parameters
    ----------
    perps : Perp or list of Perp
        The perps; each symbol must be an asset of the universe.
    rates : DataFrame, optional
        Realized funding rates per settlement (a fraction of notional,
        positive: longs pay), indexed by settlement timestamp (8-hourly,
        hourly or daily), one column per perp symbol. Only settlements up to
        the solve date are used. Without it, ``rate_8h`` is assumed.
    rate_8h : float, default 1e-4
        Assumed funding per 8-hour settlement (0.01 %, the interest anchor of
        Binance's and BitMEX's formula: 10.95 % a year simple; see
        ``crypto-markets.md`` §3). Used when ``rates`` is None.
    horizon : float, default 1
        Holding horizon ``H`` in years; set it to the Replicator's ``horizon``
        so that the carry is amortized like the other costs.
    lookback_days : int, default 30
        Window of the rolling mean of past settlements.

    Notes
    -----
    With ``f_i`` the expected annual funding of perp ``i`` (``3 * 365 *
    rate_8h``, or ``n`` times the mean settlement of the window, ``n``
    settlements a year) and the post-trade weights ``w = w0 + t``,

    .. math:: C(t) = H \sum_{i \in \text{perps}} f_i\, (w_{0,i} + t_i)

    Long positions pay positive funding; short positions receive it, so the
    carry may be negative. It is linear in ``w`` (a native QP term). Unlike a
    trading cost it is not zero at zero trade; the backtest does not charge
    it at the rebalance but accrues the realized rates daily in the NAV (see
    :meth:`realized_rates`). The yield of the collateral is not modelled
    (assumed 0, as the backtest's default ``cash_return``).

    Examples
    --------
    >>> import replicator as rp
    >>> btc = rp.derivatives.Perp("BTC-PERP", "BTC")
    >>> rp.derivatives.FundingCarry(btc).name
    'FundingCarry(0.0001, 1)'
    """

    _parameter_constraints = {
        "perps": PERPS_RULE,
        "rates": Kind(pd.DataFrame, type(None), what="a DataFrame of rates or None"),
        "rate_8h": Interval(-0.05, 0.05),
        "horizon": Interval(0, None, "neither"),
        "lookback_days": Interval(1, None, integer=True),
    }
    #: The backtest accrues this term daily instead of charging it at trades.
    accrues_daily = True

    def __init__(
        self,
        perps: Perp | Iterable[Perp],
        *,
        rates: pd.DataFrame | None = None,
        rate_8h: float = ANCHOR_RATE_8H,
        horizon: float = 1.0,
        lookback_days: int = 30,
    ) -> None:
        self.perps = perps
        self.rates = rates
        self.rate_8h = rate_8h
        self.horizon = horizon
        self.lookback_days = lookback_days

    def _specs(self) -> tuple[Perp, ...]:
        return as_perps(self.perps)

    def annual_rates(self, snapshot: MarketSnapshot) -> FloatArray:
        """Return the expected annual funding per perp (in the order of ``perps``)."""
        specs = self._specs()
        if self.rates is None:
            return np.full(len(specs), 365.0 * SETTLEMENTS_PER_DAY * self.rate_8h)
        rates = check_rates(self.rates, specs)
        return expected_annual_rates(
            rates, specs, snapshot.date, int(self.lookback_days)
        )

    def _coef(self, snapshot: MarketSnapshot) -> FloatArray:
        return snapshot.solve_memo(self, "coef", lambda: self._new_coef(snapshot))

    def _new_coef(self, snapshot: MarketSnapshot) -> FloatArray:
        where, _ = perp_positions(self, snapshot, self._specs(), "FundingCarry")
        coef = np.zeros(snapshot.n_assets)
        coef[where] = float(self.horizon) * self.annual_rates(snapshot)
        return coef

    def bind(self, snapshot: MarketSnapshot) -> None:
        """Create the carry-coefficient Parameter."""
        super().bind(snapshot)
        self._c = cp.Parameter(snapshot.n_assets, name="funding_carry")

    def update(self, snapshot: MarketSnapshot) -> None:
        """Write ``H f`` on the perps, 0 on the spot assets."""
        self._c.value = self._coef(snapshot)

    def expression(self, v: Variables) -> cp.Expression:
        """``(H f) @ w`` (post-trade weights)."""
        return self._c @ v.weights

    supports_qp = True

    def qp(self, qp: QPBuilder, snapshot: MarketSnapshot) -> None:
        """Native form: the linear term ``(H f) @ w``."""
        qp.linear("w", self._coef(snapshot))

    def per_asset(self, trades: FloatArray, snapshot: MarketSnapshot) -> FloatArray:
        """Carry of each asset's post-trade position (0 on spot)."""
        w = snapshot.holdings + np.asarray(trades, dtype=float)
        return self._coef(snapshot) * w

    def evaluate(self, trades: FloatArray, snapshot: MarketSnapshot) -> float:
        """Numpy twin of :meth:`expression`, from the trades."""
        return float(self.per_asset(trades, snapshot).sum())

    def report_tables(
        self, weights: FloatArray, trades: FloatArray, snapshot: MarketSnapshot
    ) -> dict[str, pd.DataFrame]:
        """Return the expected carry per perp and its labelled assumptions.

        See :func:`~replicator.derivatives._tables.funding_tables`; the
        ``carry_horizon`` column sums to :meth:`evaluate`.
        """
        return funding_tables(
            self._specs(),
            weights,
            self.annual_rates(snapshot),
            float(self.horizon),
            snapshot,
            rate_8h=None if self.rates is not None else float(self.rate_8h),
            lookback_days=int(self.lookback_days),
        )

    def margin_positions(self, snapshot: MarketSnapshot) -> BoolArray:
        """Return the perp mask: their notional is on margin and uses no cash."""
        return perp_positions(self, snapshot, self._specs(), "FundingCarry")[1]

    def realized_rates(
        self, dates: pd.DatetimeIndex, assets: pd.Index, first: int, last: int
    ) -> tuple[FloatArray, BoolArray]:
        """Funding settled each backtest day per asset, and the perp mask.

        Returns ``(panel, perps)``: ``panel[i, j]`` is the sum of the
        settlements of asset ``j`` in ``(dates[i-1], dates[i]]`` (0 on spot
        assets and outside ``(first, last]``); see
        :func:`~replicator.derivatives._rates.realized_daily_rates`.
        """
        specs = self._specs()
        rates = None if self.rates is None else check_rates(self.rates, specs)
        where = assets.get_indexer([p.symbol for p in specs])
        if (where < 0).any():
            missing = [p.symbol for p, i in zip(specs, where, strict=True) if i < 0]
            raise DataError(
                f"FundingCarry names perps that are not columns of the backtest "
                f"returns: {missing}. Add them with rp.derivatives.with_perps."
            )
        daily = realized_daily_rates(
            rates, specs, pd.DatetimeIndex(dates), first, last, float(self.rate_8h)
        )
        panel = np.zeros((len(dates), len(assets)))
        panel[:, where] = daily
        mask = np.zeros(len(assets), dtype=bool)
        mask[where] = True
        return panel, mask
