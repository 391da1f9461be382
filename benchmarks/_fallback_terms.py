"""Benchmark-local stand-ins for terms that replicator does not ship yet.

:mod:`benchmarks.terms` uses the real ``rp.costs`` / ``rp.constraints`` class
whenever it exists and falls back to these otherwise (the results record which
one ran). Each follows the term contract (bind/update/expression/evaluate).

Notes
-----
With ``t`` the trades (fractions of NAV), ``sigma_i`` the daily volatility,
``V`` the NAV and ``ADV_i`` the average daily traded value:

.. math::

    C_{quad}(t) = \\sum_i \\eta\\,\\sigma_i \\frac{V}{ADV_i} t_i^2, \\qquad
    C_{pow}(t) = \\sum_i Y \\sigma_i \\sqrt{V/ADV_i}\\, |t_i|^{3/2}

    C_{amm}(t) = \\sum_{i \\in P} \\frac{f}{1-f} t_i^+
        + \\frac{(t_i^+)^2}{(1-f)(r_i - t_i^+)} + f t_i^-
        + \\frac{(1-f)^2 (t_i^-)^2}{r_i + (1-f) t_i^-}

(constant-product pool with quote reserve ``r_i`` as a fraction of NAV), the
liquidity limit :math:`|t_i| \\le p\\,ADV_i / V` and the TE cap
:math:`TE^2(w) \\le \\bar\\tau^2`.
"""

from __future__ import annotations

import cvxpy as cp
import numpy as np

from replicator.constraints._base import Constraint
from replicator.costs._base import Cost
from replicator.data._snapshot import MarketSnapshot
from replicator.terms import Variables

__all__ = [
    "AMMCost",
    "LiquidityCap",
    "PowerImpactCost",
    "QuadraticImpactCost",
    "TrackingErrorCap",
]


def _impact_scale(snapshot: MarketSnapshot, power: float) -> np.ndarray:
    vol = snapshot.volatility if snapshot.volatility is not None else 0.02
    adv = snapshot.adv if snapshot.adv is not None else np.inf
    return np.asarray(vol * (snapshot.nav / adv) ** power * np.ones(snapshot.n_assets))


class QuadraticImpactCost(Cost):
    """Linear-impact (quadratic) cost ``eta sigma V/ADV t^2``."""

    def __init__(self, eta: float = 0.1) -> None:
        self.eta = eta

    def bind(self, snapshot: MarketSnapshot) -> None:
        self._k = cp.Parameter(snapshot.n_assets, nonneg=True)

    def update(self, snapshot: MarketSnapshot) -> None:
        self._k.value = self.eta * _impact_scale(snapshot, 1.0)

    def expression(self, v: Variables) -> cp.Expression:
        return self._k @ cp.square(v.trades)

    def evaluate(self, trades: np.ndarray, snapshot: MarketSnapshot) -> float:
        k = self.eta * _impact_scale(snapshot, 1.0)
        return float(k @ np.square(trades))


class PowerImpactCost(Cost):
    """Square-root-law impact, total cost ``Y sigma sqrt(V/ADV) |t|^1.5``."""

    problem_class = "socp"

    def __init__(self, coef: float = 0.5) -> None:
        self.coef = coef

    def bind(self, snapshot: MarketSnapshot) -> None:
        self._k = cp.Parameter(snapshot.n_assets, nonneg=True)

    def update(self, snapshot: MarketSnapshot) -> None:
        self._k.value = self.coef * _impact_scale(snapshot, 0.5)

    def expression(self, v: Variables) -> cp.Expression:
        return self._k @ cp.power(cp.abs(v.trades), 1.5)

    def evaluate(self, trades: np.ndarray, snapshot: MarketSnapshot) -> float:
        k = self.coef * _impact_scale(snapshot, 0.5)
        return float(k @ np.abs(trades) ** 1.5)


class AMMCost(Cost):
    """Exact constant-product AMM cost on the assets of ``pools``."""

    problem_class = "socp"

    def __init__(self, pools: np.ndarray, reserves: np.ndarray, fee: float = 0.003):
        self.pools, self.reserves, self.fee = pools, reserves, fee

    def bind(self, snapshot: MarketSnapshot) -> None:
        m = len(self.pools)
        self._r = cp.Parameter(m, nonneg=True)
        self._buy = cp.Variable(m, nonneg=True)
        self._sell = cp.Variable(m, nonneg=True)
        self._zb = cp.Variable(m, nonneg=True)
        self._zs = cp.Variable(m, nonneg=True)

    def update(self, snapshot: MarketSnapshot) -> None:
        self._r.value = self.reserves

    def expression(self, v: Variables) -> cp.Expression:
        f = self.fee
        t = v.trades[self.pools]
        self._aux = [self._buy >= t, self._sell >= -t]
        return (
            f / (1 - f) * cp.sum(self._buy)
            + cp.sum(self._zb) / (1 - f)
            + f * cp.sum(self._sell)
            + cp.sum(self._zs)
        )

    def auxiliary(self) -> list[cp.Constraint]:
        # x^2 / d <= z  <=>  ||(2x, z - d)|| <= z + d  (d > 0)
        g = 1 - self.fee
        db = self._r - self._buy
        ds = self._r + g * self._sell
        return [
            *self._aux,
            cp.SOC(self._zb + db, cp.vstack([2 * self._buy, self._zb - db]), axis=0),
            cp.SOC(
                self._zs + ds, cp.vstack([2 * g * self._sell, self._zs - ds]), axis=0
            ),
        ]

    def evaluate(self, trades: np.ndarray, snapshot: MarketSnapshot) -> float:
        f, r = self.fee, self.reserves
        t = np.asarray(trades)[self.pools]
        b, s = np.maximum(t, 0), np.maximum(-t, 0)
        buy = f / (1 - f) * b + b**2 / ((1 - f) * (r - b))
        sell = f * s + (1 - f) ** 2 * s**2 / (r + (1 - f) * s)
        return float(buy.sum() + sell.sum())


class LiquidityCap(Constraint):
    """Trade at most ``participation`` of ADV: ``|t_i| <= p ADV_i / V``."""

    quantity = "participation"

    def __init__(self, participation: float = 0.1) -> None:
        self.participation = participation

    def _limit(self, snapshot: MarketSnapshot) -> np.ndarray:
        return np.minimum(self.participation * snapshot.adv / snapshot.nav, 1e6)

    def bind(self, snapshot: MarketSnapshot) -> None:
        self._cap = cp.Parameter(snapshot.n_assets, nonneg=True)

    def update(self, snapshot: MarketSnapshot) -> None:
        self._cap.value = self._limit(snapshot)

    def rows(self, v: Variables) -> list[tuple[cp.Expression, cp.Expression]]:
        return [(cp.abs(v.trades), self._cap)]

    def constraints(self, v: Variables) -> list[cp.Constraint]:
        return [v.trades <= self._cap, -v.trades <= self._cap]

    def evaluate(self, weights, trades, snapshot):  # type: ignore[no-untyped-def]
        return np.abs(trades), self._limit(snapshot)


class TrackingErrorCap(Constraint):
    """Cap the ex-ante tracking error: ``TE^2 <= cap^2``."""

    quantity = "tracking error"
    problem_class = "socp"
    caps_tracking_error = True

    def __init__(self, cap: float, risk) -> None:  # type: ignore[no-untyped-def]
        self.cap, self._risk = cap, risk

    def bind(self, snapshot: MarketSnapshot) -> None:
        self._cap2 = cp.Parameter(nonneg=True)

    def update(self, snapshot: MarketSnapshot) -> None:
        self._cap2.value = float(self.cap) ** 2

    def rows(self, v: Variables) -> list[tuple[cp.Expression, cp.Expression]]:
        return [(v.tracking_variance, self._cap2)]

    def evaluate(self, weights, trades, snapshot):  # type: ignore[no-untyped-def]
        te2 = self._risk.evaluate(weights, snapshot)
        return np.array([te2]), np.array([float(self.cap) ** 2])
