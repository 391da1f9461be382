"""Reference lower bound: the replication QP handed to OSQP by hand.

The same problem replicator builds (factor risk, budget, long-only, bounds,
turnover, liquidity, linear fee, quadratic impact), in OSQP's standard form
``min 1/2 x'Px + q'x  s.t.  l <= Ax <= u`` with ``x = [w, p, m, y, z, c]``:
buys ``p``, sells ``m``, factor exposures ``y = G w``, scaled weights
``z = s * w`` and the cash-leg bound ``c``. The benchmark enters only the
linear term ``q`` (``-2 S g`` on ``y``, ``-2 S s_b`` on ``z``), the form in
which OSQP converges fastest (a shifted ``||G w - g||^2`` needs 10-100x more
iterations at tight tolerances). The objective carries replicator's scale
``S`` and the solver gets replicator's default settings
(``replicator.solvers.DEFAULT_OPTIONS``), so its time is what a hand-written
OSQP loop would pay.

Notes
-----
.. math::

    \\min\\; S \\Big( \\lVert y - g \\rVert^2 + \\lVert s \\circ w - s_b \\rVert^2
      + \\tfrac{1}{\\lambda H} \\big(\\phi_b^T p + \\phi_s^T m
      + \\sum_i \\kappa_i (w_i - w_{0,i})^2 \\big) \\Big)

    \\text{s.t. } G w = y,\\; w - p + m = w_0,\\; 1^T w = 1,\\;
    \\max(l, 0) \\le w \\le u,\\; 0 \\le p, m \\le L,\\;
    1^T(p + m) + c \\le 2\\tau,\\; |1^T(p - m)| \\le c

Re-solves use ``OSQP.update(q=..., l=..., u=...)`` (and ``Ax`` when ``G``
changes) followed by ``solve()``, with OSQP's own warm start.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import osqp
import scipy.sparse as sp

from replicator.problem._builder import OBJECTIVE_SCALE
from replicator.solvers import DEFAULT_OPTIONS

__all__ = ["RawOSQP", "RawSolve", "osqp_settings"]

INF = 1e30


def osqp_settings(n_assets: int | None = None) -> dict:
    """Replicator's OSQP settings for ``n_assets``, named for the installed OSQP.

    ``DEFAULT_OPTIONS["OSQP"]``, with ``eps_abs = eps_rel`` from
    ``replicator.solvers.osqp_tolerance(n_assets)`` when the engine sizes its
    tolerance by the universe.
    """
    from replicator import solvers

    opts = dict(DEFAULT_OPTIONS.get("OSQP", {}))
    sized = getattr(solvers, "osqp_tolerance", None)
    if sized is not None and n_assets is not None:
        tol = sized(n_assets)
        opts.update(eps_abs=tol, eps_rel=tol)
    if int(osqp.__version__.split(".")[0]) >= 1 and "polish" in opts:
        opts["polishing"] = opts.pop("polish")
    opts.setdefault("verbose", False)
    return opts


@dataclass
class RawSolve:
    """Outcome of one raw OSQP call."""

    weights: np.ndarray
    status: str
    iterations: int
    wall_time: float
    run_time: float
    objective: float


class RawOSQP:
    """Hand-built OSQP problem for the replication QP.

    Parameters
    ----------
    G : ndarray of shape (k, n)
        Annualized square-root factor.
    s : ndarray of shape (n,)
        Annualized specific volatilities.
    upper : ndarray of shape (n,)
        Weight caps (lower bound 0: long-only).
    turnover : float
        One-way turnover limit.
    buy_rate, sell_rate : ndarray of shape (n,)
        Proportional fees as fractions (bps / 1e4).
    impact : ndarray of shape (n,) or None
        Quadratic impact coefficients ``kappa`` (fraction of NAV per trade^2).
    trade_cap : ndarray of shape (n,) or None
        Liquidity limit ``L`` on ``|t_i|``.
    cost_weight : float
        ``1 / (risk_aversion * horizon)``.
    """

    def __init__(
        self,
        G: np.ndarray,
        s: np.ndarray,
        upper: np.ndarray,
        turnover: float,
        buy_rate: np.ndarray,
        sell_rate: np.ndarray,
        *,
        impact: np.ndarray | None = None,
        trade_cap: np.ndarray | None = None,
        cost_weight: float = 0.01,
    ) -> None:
        k, n = G.shape
        self.k, self.n = k, n
        self.S = OBJECTIVE_SCALE
        self.cw = cost_weight
        self.s2 = s**2
        self.kappa = np.zeros(n) if impact is None else np.asarray(impact, float)
        self.buy, self.sell = buy_rate, sell_rate
        self.upper, self.tau = upper, turnover
        self.cap = np.full(n, INF) if trade_cap is None else np.minimum(trade_cap, INF)
        self.nx = 4 * n + k + 1
        self._G = G
        self.solver: osqp.OSQP | None = None

    # ----------------------------------------------------------- matrices
    def _P(self) -> sp.csc_matrix:
        """Diagonal P: impact on ``w`` (if any), ``2S`` on ``y`` and ``z``."""
        n, k = self.n, self.k
        wk = np.flatnonzero(self.kappa > 0)
        idx = np.r_[wk, 3 * n + np.arange(k + n)]
        data = np.r_[2 * self.S * self.cw * self.kappa[wk], np.full(k + n, 2 * self.S)]
        return sp.csc_matrix((data, (idx, idx)), shape=(self.nx, self.nx))

    def _A(self, G: np.ndarray) -> sp.csc_matrix:
        n, k = self.n, self.k
        In = sp.identity(n, format="csr")
        ones, one = np.ones((1, n)), np.ones((1, 1))
        rows = [
            [sp.csr_matrix(G), None, None, -sp.identity(k), None, None],  # Gw = y
            [sp.diags(np.sqrt(self.s2)), None, None, None, -In, None],  # s*w = z
            [In, -In, In, None, None, None],  # w - p + m = w0
            [ones, None, None, None, None, None],  # budget
            [In, None, None, None, None, None],  # bounds
            [None, In, None, None, None, None],  # 0 <= p <= L
            [None, None, In, None, None, None],  # 0 <= m <= L
            [None, ones, ones, None, None, one],  # turnover
            [None, -ones, ones, None, None, one],  # c >= sum(p - m)
            [None, ones, -ones, None, None, one],  # c >= -sum(p - m)
        ]
        return sp.bmat(rows, format="csc")

    def _vectors(
        self, g: np.ndarray, sb: np.ndarray, w0: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n, k, S, cw = self.n, self.k, self.S, self.cw
        q = np.concatenate(
            [
                -2 * S * cw * self.kappa * w0,
                S * cw * self.buy,
                S * cw * self.sell,
                -2 * S * g,
                -2 * S * sb,
                [0.0],
            ]
        )
        zeros = np.zeros(k + n)
        lo = np.concatenate(
            [zeros, w0, [1.0], np.zeros(n), np.zeros(2 * n), [-INF, 0.0, 0.0]]
        )
        hi = np.concatenate(
            [zeros, w0, [1.0], self.upper, self.cap, self.cap, [2 * self.tau, INF, INF]]
        )
        return q, lo, hi

    # -------------------------------------------------------------- solves
    def setup(self, g: np.ndarray, sb: np.ndarray, w0: np.ndarray) -> float:
        """Build and set up OSQP; return the wall time of the setup."""
        t0 = time.perf_counter()
        q, lo, hi = self._vectors(g, sb, w0)
        self.solver = osqp.OSQP()
        settings = osqp_settings(self.n)
        self.solver.setup(self._P(), q, self._A(self._G), lo, hi, **settings)
        return time.perf_counter() - t0

    def update(
        self,
        g: np.ndarray,
        sb: np.ndarray,
        w0: np.ndarray,
        G: np.ndarray | None = None,
        s: np.ndarray | None = None,
    ) -> None:
        """Write new benchmark/holdings (and the risk model, when refitted)."""
        assert self.solver is not None
        mats: dict[str, np.ndarray] = {}
        if s is not None:
            self.s2 = s**2
        if G is not None:
            self._G = G
        if s is not None or G is not None:
            mats["Ax"] = self._A(self._G).data
        q, lo, hi = self._vectors(g, sb, w0)
        self.solver.update(q=q, l=lo, u=hi, **mats)

    def solve(self) -> RawSolve:
        """Solve and return the weights."""
        assert self.solver is not None
        t0 = time.perf_counter()
        res = self.solver.solve(raise_error=False)
        wall = time.perf_counter() - t0
        x = np.asarray(res.x, dtype=float)
        return RawSolve(
            weights=x[: self.n].copy(),
            status=str(res.info.status),
            iterations=int(res.info.iter),
            wall_time=wall,
            run_time=float(res.info.run_time),
            objective=float(res.info.obj_val),
        )
