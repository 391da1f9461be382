"""Linear price impact: a cost quadratic in the trade."""

from __future__ import annotations

from typing import Any

import cvxpy as cp
import numpy as np
import pandas as pd

from replicator.costs._base import Cost
from replicator.costs._market import impact_inputs, per_asset_values
from replicator.data._snapshot import MarketSnapshot
from replicator.exceptions import ConfigError
from replicator.qp import QPBuilder
from replicator.terms import Interval, Variables
from replicator.typing import FloatArray

__all__ = ["QuadraticImpact"]


class QuadraticImpact(Cost):
    r"""Linear price impact: each trade moves the price in proportion to its size.

    Parameters
    ----------
    coef : float or Series, optional
        ``c_i``, in fraction of NAV per (fraction of NAV)^2: trading 1 % of NAV
        costs ``c * 1e-4`` of NAV. Scalar or per ticker (a Series must cover
        every asset that may trade).
    eta : float, optional
        Derive ``c_i`` from liquidity at every solve instead (see Notes); use
        :meth:`from_adv`. Exactly one of ``coef`` and ``eta`` is given.

    Notes
    -----
    .. math::

        C(t) = \sum_i c_i\,t_i^2

    With ``eta``, the price moves by :math:`\eta\,\sigma_i\,Q_i/\mathrm{ADV}_i`
    (fraction of price) for a notional :math:`Q_i = \mathrm{NAV}\,|t_i|`, so the
    cost :math:`\eta\,\sigma_i Q_i^2/\mathrm{ADV}_i` in currency is, as a
    fraction of NAV,

    .. math::

        c_i = \eta\,\sigma_i\,\frac{\mathrm{NAV}}{\mathrm{ADV}_i}

    with :math:`\sigma_i` the daily volatility and ADV in the NAV's currency
    (``volatility=`` and ``adv=`` of ``solve``). A zero ADV for an asset that may
    trade is a DataError: its impact would be infinite.

    Examples
    --------
    >>> import replicator as rp
    >>> impact = rp.costs.QuadraticImpact(coef=0.05)
    >>> liquidity = rp.costs.QuadraticImpact.from_adv(eta=0.1)
    """

    _parameter_constraints = {
        "coef": Interval(0, None, series=True, allow_none=True),
        "eta": Interval(0, None, allow_none=True),
    }

    def __init__(
        self, coef: float | pd.Series | None = None, *, eta: float | None = None
    ) -> None:
        self.coef = coef
        self.eta = eta

    @classmethod
    def from_adv(cls, eta: float = 0.1) -> QuadraticImpact:
        """Impact coefficients ``c_i = eta * sigma_i * NAV / ADV_i`` from the snapshot.

        Parameters
        ----------
        eta : float, default 0.1
            Dimensionless impact prefactor.
        """
        return cls(eta=eta)

    def validate_params(self) -> None:
        """Check the parameters; exactly one of ``coef`` and ``eta`` is given."""
        super().validate_params()
        if (self.coef is None) == (self.eta is None):
            raise ConfigError(
                "QuadraticImpact needs exactly one of 'coef' (fraction of NAV per "
                "(fraction of NAV)^2) and 'eta' (from ADV and volatility); got "
                f"coef={_shown(self.coef)} and eta={self.eta!r}. Use "
                "QuadraticImpact(coef=...) or QuadraticImpact.from_adv(eta=...)."
            )

    def coefficients(self, snapshot: MarketSnapshot) -> FloatArray:
        """Return ``c_i`` for the snapshot's assets."""
        if self.coef is not None:
            return per_asset_values(snapshot, self.coef, "QuadraticImpact.coef")
        adv, vol, _ = impact_inputs(snapshot, self.name)
        return float(self.eta) * vol * snapshot.nav / adv  # type: ignore[arg-type]

    def bind(self, snapshot: MarketSnapshot) -> None:
        """Create the Parameter ``sqrt(c)``."""
        super().bind(snapshot)
        self._root = cp.Parameter(snapshot.n_assets, nonneg=True, name="impact_root")

    def update(self, snapshot: MarketSnapshot) -> None:
        """Write ``sqrt(c_i)``."""
        self._root.value = np.sqrt(self.coefficients(snapshot))

    def expression(self, v: Variables) -> cp.Expression:
        """Impact cost ``||sqrt(c) * t||^2`` (a QP term)."""
        return cp.sum_squares(cp.multiply(self._root, v.trades))

    supports_qp = True

    def qp(self, qp: QPBuilder, snapshot: MarketSnapshot) -> None:
        """Native form: ``sum c (w - w0)^2`` expanded on ``w``."""
        c = self.coefficients(snapshot)
        w0 = snapshot.holdings
        qp.quadratic("w", c)
        qp.linear("w", -2.0 * c * w0)
        qp.constant(float(c @ (w0 * w0)))

    def per_asset(self, trades: FloatArray, snapshot: MarketSnapshot) -> FloatArray:
        """Cost of each asset's trade."""
        return self.coefficients(snapshot) * np.asarray(trades, dtype=float) ** 2

    def evaluate(self, trades: FloatArray, snapshot: MarketSnapshot) -> float:
        """Numpy twin of :meth:`expression`."""
        return float(self.per_asset(trades, snapshot).sum())


def _shown(value: Any) -> str:
    return "<Series>" if isinstance(value, pd.Series) else repr(value)
