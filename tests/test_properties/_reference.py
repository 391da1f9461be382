r"""An independent reference model of the replication problem (cvxpy + Clarabel).

Written from the documented math only (the ``Replicator`` docstring and each
term's Notes), never from replicator's cvxpy or native forms: it takes plain
numpy inputs and returns the optimum, or says the problem is infeasible.

The problem, with ``x = w - b`` the active weights and ``t = w - w0`` the trades:

.. math::

    \min_w\; \omega\, x^T \Sigma x + \frac{1}{\lambda H} \sum_k C_k(t)
        + \sum_j p_j \sum_r \max(g_{jr}(w, t), 0)
    \quad \text{s.t.}\quad g_{ir}(w, t) \le 0 \text{ for every hard row}

with :math:`\Sigma = B F B^T + \mathrm{diag}(D)` (or dense), ``omega = 1``
except under a hard tracking-error cap with some cost, where the cost is the
objective and ``omega = 1e-4 / (lambda H)`` (the documented tie-breaker).

Each constraint spec lists its rows ``g_r <= 0`` twice: as cvxpy expressions
(for the reference solve) and in numpy (to verify any point, e.g. replicator's
answer). Each cost spec likewise.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import cvxpy as cp
import numpy as np

#: A hard row may be off by at most ``FEAS_TOL * (1 + |rhs|)`` at a verified point.
FEAS_TOL = 1e-7
#: The reference calls a problem infeasible when the smallest achievable
#: worst-row violation is above this (clearly beyond FEAS_TOL).
INFEASIBLE_MARGIN = 1e-6


# ---------------------------------------------------------------------- risk
@dataclass(frozen=True)
class Risk:
    """Annualized covariance: ``B F B^T + diag(D)``, or a dense matrix."""

    specific_var: np.ndarray
    exposures: np.ndarray | None = None  # B, (N, k)
    factor_cov: np.ndarray | None = None  # F, (k, k)
    dense: np.ndarray | None = None  # Sigma, (N, N)

    def root(self) -> np.ndarray:
        """A matrix ``R`` with ``R^T R = Sigma`` (for the cvxpy objective)."""
        if self.dense is not None:
            vals, vecs = np.linalg.eigh((self.dense + self.dense.T) / 2)
            return np.sqrt(np.clip(vals, 0, None))[:, None] * vecs.T
        parts = [np.diag(np.sqrt(self.specific_var))]
        if self.exposures is not None and self.exposures.shape[1]:
            vals, vecs = np.linalg.eigh((self.factor_cov + self.factor_cov.T) / 2)
            half = np.sqrt(np.clip(vals, 0, None))[:, None] * vecs.T  # (k, k)
            parts.insert(0, half @ self.exposures.T)
        return np.vstack(parts)

    def variance(self, x: np.ndarray) -> float:
        """``x^T Sigma x`` in numpy, from the inputs directly."""
        if self.dense is not None:
            return float(x @ self.dense @ x)
        out = float(np.sum(self.specific_var * x * x))
        if self.exposures is not None and self.exposures.shape[1]:
            f = self.exposures.T @ x
            out += float(f @ self.factor_cov @ f)
        return out

    def times(self, x: np.ndarray) -> np.ndarray:
        """``Sigma x`` in numpy."""
        if self.dense is not None:
            return self.dense @ x
        out = self.specific_var * x
        if self.exposures is not None and self.exposures.shape[1]:
            out = out + self.exposures @ (self.factor_cov @ (self.exposures.T @ x))
        return out

    @property
    def scale(self) -> float:
        """Largest asset variance."""
        if self.dense is not None:
            return float(np.max(np.abs(np.diag(self.dense))))
        diag = self.specific_var.copy()
        if self.exposures is not None and self.exposures.shape[1]:
            diag = diag + np.einsum(
                "ik,kl,il->i", self.exposures, self.factor_cov, self.exposures
            )
        return float(np.max(diag)) if len(diag) else 0.0


@dataclass
class Context:
    """What the rows see: the benchmark, the holdings, the risk model."""

    benchmark: np.ndarray
    holdings: np.ndarray
    risk: Risk


# --------------------------------------------------------------- constraints
class Spec:
    """A constraint: rows ``g_r(w, t) <= 0``."""

    #: True when every row is an equality at zero (``|m x| <= 0``).
    equality = False
    conic = False

    def cp_rows(self, w: cp.Expression, t: cp.Expression, c: Context) -> list:
        """The rows as cvxpy expressions (``<= 0``)."""
        raise NotImplementedError

    def np_rows(self, w: np.ndarray, t: np.ndarray, c: Context) -> np.ndarray:
        """The rows in numpy (``<= 0``), one float per row."""
        raise NotImplementedError

    def np_scale(self, c: Context) -> np.ndarray:
        """``1 + |rhs|`` per row, for the feasibility tolerance."""
        raise NotImplementedError


@dataclass(frozen=True)
class FullyInvested(Spec):
    r"""``1 - c_max <= 1^T w <= 1 - c_min``."""

    min_cash: float = 0.0
    max_cash: float = 0.0

    def cp_rows(self, w, t, c):
        s = cp.sum(w)
        return [s - (1 - self.min_cash), (1 - self.max_cash) - s]

    def np_rows(self, w, t, c):
        s = float(np.sum(w))
        return np.array([s - (1 - self.min_cash), (1 - self.max_cash) - s])

    def np_scale(self, c):
        return np.array([2 - self.min_cash, 2 - self.max_cash])


@dataclass(frozen=True)
class LongOnly(Spec):
    r"""``w_i >= 0``."""

    def cp_rows(self, w, t, c):
        return [-w]

    def np_rows(self, w, t, c):
        return -np.asarray(w, float)

    def np_scale(self, c):
        return np.ones(len(c.benchmark))


@dataclass(frozen=True)
class WeightBounds(Spec):
    r"""``l_i <= w_i <= u_i`` (``±inf`` = unbounded); ``active``: on ``w - b``."""

    lower: np.ndarray
    upper: np.ndarray
    active: bool = False

    def _x(self, w, c):
        return w - c.benchmark if self.active else w

    def cp_rows(self, w, t, c):
        x = self._x(w, c)
        hi, lo = np.isfinite(self.upper), np.isfinite(self.lower)
        rows = []
        if hi.any():
            rows.append(x[np.flatnonzero(hi)] - self.upper[hi])
        if lo.any():
            rows.append(self.lower[lo] - x[np.flatnonzero(lo)])
        return rows

    def np_rows(self, w, t, c):
        x = self._x(np.asarray(w, float), c)
        hi, lo = np.isfinite(self.upper), np.isfinite(self.lower)
        return np.concatenate([x[hi] - self.upper[hi], self.lower[lo] - x[lo]])

    def np_scale(self, c):
        hi, lo = np.isfinite(self.upper), np.isfinite(self.lower)
        return 1 + np.abs(np.concatenate([self.upper[hi], self.lower[lo]]))


@dataclass(frozen=True)
class GroupBounds(Spec):
    r"""``L_g <= (M w)_g <= U_g`` (or on ``M (w - b)`` when active)."""

    labels: np.ndarray  # group code of each asset, 0..G-1
    lower: np.ndarray  # (G,), -inf = none
    upper: np.ndarray  # (G,), inf = none
    active: bool = False

    def _M(self) -> np.ndarray:
        G = len(self.lower)
        return (self.labels[None, :] == np.arange(G)[:, None]).astype(float)

    def cp_rows(self, w, t, c):
        x = w - c.benchmark if self.active else w
        gx = self._M() @ x
        hi, lo = np.isfinite(self.upper), np.isfinite(self.lower)
        rows = []
        if hi.any():
            rows.append(gx[np.flatnonzero(hi)] - self.upper[hi])
        if lo.any():
            rows.append(self.lower[lo] - gx[np.flatnonzero(lo)])
        return rows

    def np_rows(self, w, t, c):
        x = np.asarray(w, float) - (c.benchmark if self.active else 0.0)
        gx = self._M() @ x
        hi, lo = np.isfinite(self.upper), np.isfinite(self.lower)
        return np.concatenate([gx[hi] - self.upper[hi], self.lower[lo] - gx[lo]])

    def np_scale(self, c):
        hi, lo = np.isfinite(self.upper), np.isfinite(self.lower)
        return 1 + np.abs(np.concatenate([self.upper[hi], self.lower[lo]]))


@dataclass(frozen=True)
class TurnoverLimit(Spec):
    r"""``(sum|t_i| + |sum t_i|) / 2 <= tau`` (the cash leg included)."""

    limit: float

    def cp_rows(self, w, t, c):
        return [0.5 * (cp.norm1(t) + cp.abs(cp.sum(t))) - self.limit]

    def np_rows(self, w, t, c):
        t = np.asarray(t, float)
        return np.array([0.5 * (np.abs(t).sum() + abs(t.sum())) - self.limit])

    def np_scale(self, c):
        return np.array([1 + self.limit])


@dataclass(frozen=True)
class LiquidityLimit(Spec):
    r"""``|t_i| NAV <= p ADV_i d``."""

    participation: float
    adv: np.ndarray
    nav: float = 1.0
    days: float = 1.0

    @property
    def caps(self) -> np.ndarray:
        return self.participation * self.adv * self.days / self.nav

    def cp_rows(self, w, t, c):
        return [cp.abs(t) - self.caps]

    def np_rows(self, w, t, c):
        return np.abs(np.asarray(t, float)) - self.caps

    def np_scale(self, c):
        return 1 + self.caps


@dataclass(frozen=True)
class Restricted(Spec):
    r"""``m_i w_i = 0`` (rows ``|m_i w_i| <= 0``)."""

    mask: np.ndarray  # bool
    equality = True

    def _x(self, w, t):
        return w

    def cp_rows(self, w, t, c):
        if not self.mask.any():
            return []
        return [cp.abs(self._x(w, t)[np.flatnonzero(self.mask)])]

    def np_rows(self, w, t, c):
        return np.abs(np.asarray(self._x(w, t), float)[self.mask])

    def np_scale(self, c):
        return np.ones(int(self.mask.sum()))

    def cp_equalities(self, w, t):
        if not self.mask.any():
            return []
        return [self._x(w, t)[np.flatnonzero(self.mask)] == 0]


@dataclass(frozen=True)
class NoTrade(Restricted):
    r"""``m_i t_i = 0``."""

    def _x(self, w, t):
        return t


@dataclass(frozen=True)
class TrackingErrorLimit(Spec):
    r"""``(w - b)^T Sigma (w - b) <= TE_max^2``."""

    max_te: float
    conic = True

    def cp_rows(self, w, t, c):
        return [cp.sum_squares(c.risk.root() @ (w - c.benchmark)) - self.max_te**2]

    def np_rows(self, w, t, c):
        x = np.asarray(w, float) - c.benchmark
        return np.array([c.risk.variance(x) - self.max_te**2])

    def np_scale(self, c):
        return np.array([1 + self.max_te**2])


@dataclass(frozen=True)
class Soft:
    r"""``penalty * sum_r max(g_r, 0)`` in the objective."""

    inner: Spec
    penalty: float


# --------------------------------------------------------------------- costs
@dataclass(frozen=True)
class ProportionalFee:
    r"""``sum_i phi_buy_i (t_i)_+ + phi_sell_i (t_i)_-`` (rates as fractions)."""

    buy: np.ndarray
    sell: np.ndarray

    def cp_cost(self, t):
        return self.buy @ cp.pos(t) + self.sell @ cp.neg(t)

    def np_cost(self, t):
        return float(self.buy @ np.maximum(t, 0) + self.sell @ np.maximum(-t, 0))

    @property
    def scale(self) -> float:
        return float(max(self.buy.max(initial=0), self.sell.max(initial=0)))


@dataclass(frozen=True)
class Spread:
    r"""``sum_i h_i |t_i|``."""

    half: np.ndarray

    def cp_cost(self, t):
        return self.half @ cp.abs(t)

    def np_cost(self, t):
        return float(self.half @ np.abs(t))

    @property
    def scale(self) -> float:
        return float(self.half.max(initial=0))


@dataclass(frozen=True)
class QuadraticImpact:
    r"""``sum_i c_i t_i^2``."""

    coef: np.ndarray

    def cp_cost(self, t):
        return cp.sum_squares(cp.multiply(np.sqrt(self.coef), t))

    def np_cost(self, t):
        return float(self.coef @ (t * t))

    @property
    def scale(self) -> float:
        return float(self.coef.max(initial=0))


# ------------------------------------------------------------------ problem
@dataclass
class Problem:
    """Everything the reference needs, as numpy."""

    risk: Risk
    benchmark: np.ndarray
    holdings: np.ndarray
    constraints: list = field(default_factory=list)  # Spec or Soft
    costs: list = field(default_factory=list)
    cost_weight: float = 0.01  # 1 / (lambda H)

    @property
    def context(self) -> Context:
        return Context(self.benchmark, self.holdings, self.risk)

    @property
    def hard(self) -> list[Spec]:
        return [k for k in self.constraints if not isinstance(k, Soft)]

    @property
    def soft(self) -> list[Soft]:
        return [k for k in self.constraints if isinstance(k, Soft)]

    @property
    def te_weight(self) -> float:
        """1, or the tie-breaker weight under a hard TE cap with costs."""
        capped = any(isinstance(k, TrackingErrorLimit) for k in self.hard)
        return 1e-4 * self.cost_weight if capped and self.costs else 1.0

    @property
    def scale(self) -> float:
        """Size of the objective's coefficients (for the absolute tolerance)."""
        cost = sum(c.scale for c in self.costs) * self.cost_weight
        pen = sum(k.penalty for k in self.soft)
        return self.te_weight * self.risk.scale + cost + pen

    def linear_rates(self) -> np.ndarray:
        """Per-asset rate of the linear costs (fees, spreads), cost-weighted."""
        rates = np.zeros(len(self.benchmark))
        for k in self.costs:
            if isinstance(k, ProportionalFee):
                rates = rates + np.maximum(k.buy, k.sell)
            elif isinstance(k, Spread):
                rates = rates + k.half
        return self.cost_weight * rates

    def smooth_gradient(self, w: np.ndarray) -> np.ndarray:
        """Gradient of the smooth terms (``TE^2`` and quadratic impact) at ``w``."""
        w = np.asarray(w, float)
        g = 2 * self.te_weight * self.risk.times(w - self.benchmark)
        for k in self.costs:
            if isinstance(k, QuadraticImpact):
                g = g + 2 * self.cost_weight * k.coef * (w - self.holdings)
        return g

    # ----------------------------------------------------------- evaluation
    def objective(self, w: np.ndarray) -> float:
        """The objective at ``w``, in numpy."""
        w = np.asarray(w, float)
        t = w - self.holdings
        c = self.context
        out = self.te_weight * self.risk.variance(w - self.benchmark)
        out += self.cost_weight * sum(k.np_cost(t) for k in self.costs)
        for s in self.soft:
            out += s.penalty * float(np.maximum(s.inner.np_rows(w, t, c), 0).sum())
        return out

    def violations(self, w: np.ndarray) -> dict[int, float]:
        """Largest scaled violation ``g_r / (1 + |rhs|)`` of each hard constraint."""
        w = np.asarray(w, float)
        t = w - self.holdings
        c = self.context
        out = {}
        for i, k in enumerate(self.hard):
            rows = k.np_rows(w, t, c)
            out[i] = float(np.max(rows / k.np_scale(c), initial=0.0))
        return out

    def max_violation(self, w: np.ndarray) -> float:
        """Largest scaled hard-row violation at ``w`` (0 when all hold)."""
        return max(self.violations(w).values(), default=0.0)

    def feasible(self, w: np.ndarray, tol: float = FEAS_TOL) -> bool:
        return self.max_violation(w) <= tol


@dataclass(frozen=True)
class Outcome:
    """The reference's answer."""

    status: str  # "optimal", "infeasible", "unclear"
    weights: np.ndarray | None = None
    objective: float = np.nan
    min_violation: float = np.nan  # smallest achievable worst hard row (scaled)


def _solve(prob: cp.Problem) -> str:
    settings: dict[str, Any] = {
        "tol_gap_abs": 1e-12,
        "tol_gap_rel": 1e-11,
        "tol_feas": 1e-11,
        "tol_infeas_abs": 1e-11,
        "tol_infeas_rel": 1e-11,
        "tol_ktratio": 1e-9,
        "max_iter": 400,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cvxpy's "may be inaccurate"
        try:
            prob.solve(solver=cp.CLARABEL, **settings)
        except cp.SolverError:
            try:
                prob.solve(solver=cp.CLARABEL, max_iter=400)
            except cp.SolverError:
                return "error"
    return prob.status


def least_violation(p: Problem) -> float:
    r"""``min_w max_r g_r(w) / (1 + |rhs_r|)`` over the hard rows (an LP/SOCP).

    Positive means no point satisfies every hard constraint.
    """
    if not p.hard:
        return 0.0
    n = len(p.benchmark)
    w = cp.Variable(n)
    t = w - p.holdings
    c = p.context
    s = cp.Variable()
    cons = []
    for k in p.hard:
        scale = k.np_scale(c)
        rows = k.cp_rows(w, t, c)
        lo = 0
        for r in rows:
            m = int(np.prod(r.shape)) if r.shape else 1
            cons.append(
                r <= cp.multiply(scale[lo : lo + m], s)
                if r.shape
                else r <= scale[lo] * s
            )
            lo += m
    prob = cp.Problem(cp.Minimize(s), [*cons, s >= -1.0])
    status = _solve(prob)
    if status not in ("optimal", "optimal_inaccurate") or s.value is None:
        return np.nan
    return max(float(s.value), 0.0)


def solve(p: Problem) -> Outcome:
    """Solve the reference problem with Clarabel (tight tolerances).

    ``infeasible`` is only returned when :func:`least_violation` confirms a
    worst-row violation above :data:`INFEASIBLE_MARGIN`; a problem between
    that and feasibility is ``unclear``.
    """
    n = len(p.benchmark)
    w = cp.Variable(n)
    t = w - p.holdings
    c = p.context
    x = w - p.benchmark
    R = p.risk.root()
    # Bring the objective to O(1) for the solver.
    norm = 1.0 / max(p.scale, 1e-300)
    obj = p.te_weight * cp.sum_squares(R @ x)
    if p.costs:
        obj = obj + p.cost_weight * cp.sum(cp.hstack([k.cp_cost(t) for k in p.costs]))
    for s in p.soft:
        rows = s.inner.cp_rows(w, t, c)
        if rows:
            obj = obj + s.penalty * cp.sum(cp.hstack([cp.sum(cp.pos(r)) for r in rows]))
    cons = []
    for k in p.hard:
        if k.equality:
            cons += k.cp_equalities(w, t)
        else:
            cons += [r <= 0 for r in k.cp_rows(w, t, c)]
    prob = cp.Problem(cp.Minimize(norm * obj), cons)
    status = _solve(prob)
    gap = least_violation(p)
    if status in ("optimal", "optimal_inaccurate") and w.value is not None:
        value = np.asarray(w.value, float)
        if p.feasible(value, 10 * FEAS_TOL):
            return Outcome("optimal", value, p.objective(value), gap)
    if gap > INFEASIBLE_MARGIN:
        return Outcome("infeasible", None, np.nan, gap)
    return Outcome("unclear", None, np.nan, gap)
