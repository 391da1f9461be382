r"""Build one parametrized (DPP) cvxpy problem from the terms, compile once.

The objective, in the unit system of replicator (see :mod:`replicator.measures`):

.. math::

    \\min_{w, t}\\; S \\Big( \\mathrm{TE}^2(w)
        + \\frac{1}{\\lambda H} \\sum_k C_k(t) + \\sum_j P_j(w, t) \\Big)
    \\quad \\text{s.t.}\\quad t = w - w_0,\\; w_i = 0 \\text{ if not investable},
    \\; \\text{constraints}

with ``TE^2`` the annualized tracking variance, ``C_k`` one-off costs as a
fraction of NAV, ``lambda`` the active risk aversion, ``H`` the holding horizon
in years, ``P_j`` soft-constraint penalties and ``S`` a fixed scale that brings
the objective to O(1) for the solver.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from functools import partial

import cvxpy as cp
import numpy as np

from replicator.constraints._base import Constraint
from replicator.costs._base import Cost
from replicator.data._snapshot import MarketSnapshot
from replicator.exceptions import ModelError
from replicator.risk._base import RiskModel
from replicator.solvers import SolverStats, Status, fall_back, run_solver
from replicator.solvers._routing import choose_solver, cvxpy_fallbacks
from replicator.terms import Term, Variables, is_conic, tracking_weight

__all__ = ["OBJECTIVE_SCALE", "CompiledProblem"]

#: Objective scale: TE^2 in fraction^2/yr times 1e4 is TE^2 in %^2/yr, O(1).
OBJECTIVE_SCALE = 1e4

#: Options of the solvers tried as a fallback (after the routed solver failed).
#: SCS is the last resort: on a conic problem that stalled Clarabel it can run
#: its 200,000 iterations for minutes (~45 s at 100 assets); in the fallback it
#: stops after a minute and returns its point as inaccurate (refused when it
#: breaks a hard limit by more than 1e-4, warned about otherwise).
FALLBACK_OPTIONS: dict[str, dict[str, float]] = {"SCS": {"time_limit_secs": 60.0}}


def _check_convex(term: Term, expr: cp.Expression, what: str) -> None:
    """Raise ModelError unless ``expr`` is convex and DPP."""
    if expr.is_convex() and expr.is_dcp(dpp=True):
        return
    problem = (
        "not DPP (a Parameter multiplies an expression that contains a Parameter)"
        if expr.is_convex()
        else f"not convex (curvature {expr.curvature})"
    )
    raise ModelError(
        f"{term.name} is not a valid convex term: its {what} is {problem}. A "
        "minimized cost must be convex in the trades and every constraint must "
        "read convex <= concave; remove the term or rewrite it."
    )


class CompiledProblem:
    """One parametrized problem for a fixed universe and set of terms.

    Parameters
    ----------
    risk : RiskModel
        Fitted risk model.
    costs : sequence of Cost
    constraints : sequence of Constraint
    snapshot : MarketSnapshot
        Fixes the universe (asset order) and the mode.
    n_factors : int
        Row capacity of the risk factor Parameter.
    cost_weight : float
        ``1 / (risk_aversion * horizon)``.
    """

    #: Compiled by cvxpy (the :class:`~replicator.problem.Problem` flag).
    native = False

    def __init__(
        self,
        risk: RiskModel,
        costs: Sequence[Cost],
        constraints: Sequence[Constraint],
        snapshot: MarketSnapshot,
        *,
        n_factors: int,
        cost_weight: float,
        solver: str = "auto",
    ) -> None:
        self.risk, self.costs, self.constraint_terms = (
            risk,
            list(costs),
            list(constraints),
        )
        self.cost_weight = float(cost_weight)
        self.assets = snapshot.assets
        self.returns_only = snapshot.returns_only
        n = snapshot.n_assets
        w = cp.Variable(n, name="weights")
        t = cp.Variable(n, name="trades")
        self.benchmark = cp.Parameter(n, name="benchmark")
        self.holdings = cp.Parameter(n, name="holdings")
        self.blocked = cp.Parameter(n, nonneg=True, name="blocked")
        v = Variables(w, t, self.benchmark, self.holdings)

        conic = is_conic((*self.costs, *self.constraint_terms))
        routed, _ = choose_solver(not conic, snapshot.n_assets, solver, n_factors)
        #: Interior-point path of a QP: parametrized objective terms become
        #: epigraphs (conic problems keep their form; Clarabel struggled with
        #: epigraphs of power and AMM costs in the benchmark suite).
        self.epigraph = routed != "OSQP" and not conic
        risk.bind(snapshot, n_factors, epigraph=self.epigraph)
        for k in self.constraint_terms:
            k.attach_risk(risk)
        for term in (*self.costs, *self.constraint_terms):
            term.bind(snapshot)
        tracking_variance = risk.expression(v)
        _check_convex(risk, tracking_variance, "tracking variance")
        v = replace(v, tracking_variance=tracking_variance)
        self.variables = v
        self.tracking_variance = tracking_variance

        cost_exprs: list[cp.Expression] = []
        aux: list[cp.Constraint] = list(risk.auxiliary())
        for c in self.costs:
            expr = c.expression(v)
            _check_convex(c, expr, "cost expression")
            cost_exprs.append(expr)
            aux.extend(c.auxiliary())
        if self.epigraph:
            # Only QP-class terms: conic costs (power, AMM) stay in the
            # objective, where Clarabel handles them best.
            cost_exprs = [
                self._epigraph(e, aux) if c.problem_class == "qp" else e
                for c, e in zip(self.costs, cost_exprs, strict=True)
            ]

        hard: list[cp.Constraint] = [
            t == w - self.holdings,
            cp.multiply(self.blocked, w) == 0,
        ]
        penalties: list[cp.Expression] = []
        for k in self.constraint_terms:
            for lhs, rhs in k.rows(v):
                _check_convex(k, lhs, "left-hand side")
                _check_convex(k, -rhs, "right-hand side")
            if k.is_soft:
                penalty = k.penalty_expression(v)  # type: ignore[attr-defined]
                if self.epigraph:
                    penalty = self._epigraph(penalty, aux)
                penalties.append(penalty)
            else:
                hard.extend(k.constraints(v))
        # With a TE cap the objective is the cost; TE^2 stays as a tie-breaker.
        te_weight = tracking_weight(
            self.constraint_terms, bool(cost_exprs), cost_weight
        )
        total_cost = cp.sum(cp.hstack(cost_exprs)) if cost_exprs else cp.Constant(0)
        objective = te_weight * tracking_variance + cost_weight * total_cost
        if penalties:
            objective = objective + cp.sum(cp.hstack(penalties))
        self.problem = cp.Problem(cp.Minimize(OBJECTIVE_SCALE * objective), hard + aux)
        self.is_qp = bool(self.problem.is_qp())
        self.problem_class = "socp" if conic else "qp"

    @staticmethod
    def _epigraph(expr: cp.Expression, aux: list[cp.Constraint]) -> cp.Variable:
        """Return a scalar ``tau`` with ``expr <= tau`` appended to ``aux``."""
        tau = cp.Variable()
        aux.append(expr <= tau)
        return tau

    def update(self, snapshot: MarketSnapshot) -> None:
        """Write a snapshot's numbers into every Parameter (no recompilation)."""
        self.benchmark.value = snapshot.benchmark
        self.holdings.value = snapshot.holdings
        self.blocked.value = (~snapshot.investable).astype(float)
        self.risk.update(snapshot)
        for term in (*self.costs, *self.constraint_terms):
            term.update(snapshot)

    def solve(
        self,
        solver: str = "auto",
        options: dict | None = None,
        *,
        fallback: bool = True,
    ) -> SolverStats:
        """Solve, falling back to another solver before giving up."""
        name, reason = choose_solver(
            self.is_qp, len(self.assets), solver, n_factors=self.risk.capacity
        )
        n = len(self.assets)
        stats = run_solver(self.problem, name, reason, options, n_assets=n)
        if stats.status is Status.OPTIMAL or not fallback:
            return stats
        alternatives = cvxpy_fallbacks(name, self.is_qp, cp.installed_solvers())
        return fall_back(
            stats,
            [
                (
                    alt,
                    partial(
                        run_solver,
                        self.problem,
                        alt,
                        options=FALLBACK_OPTIONS.get(alt),
                        n_assets=n,
                    ),
                )
                for alt in alternatives
            ],
        )

    @property
    def objective_value(self) -> float | None:
        """Scaled objective of the last solution (``OBJECTIVE_SCALE`` units)."""
        value = self.problem.value
        return None if value is None else float(value)

    def solution(self) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(weights, trades)`` of the last solve as numpy arrays."""
        w = np.asarray(self.variables.weights.value, dtype=float)
        t = w - np.asarray(self.holdings.value, dtype=float)
        return w, t
