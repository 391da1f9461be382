"""Elastic-mode diagnosis of infeasible problems.

Each constraint group gets one non-negative slack ``s_k`` on all its rows
(``lhs <= rhs + s_k``) and the total weighted slack is minimized. The groups
with positive slack are the ones to relax; the groups at their bound in the
elastic solution are the ones they conflict with. Structural constraints
(budget, long-only) carry a higher slack price so that limits such as
turnover or liquidity are named first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import cvxpy as cp
import numpy as np

from replicator.data._snapshot import MarketSnapshot
from replicator.exceptions import InfeasibleError
from replicator.solvers import SolverStats, Status, run_solver

if TYPE_CHECKING:
    from replicator.problem._builder import CompiledProblem

__all__ = ["diagnose_infeasibility"]

SLACK_TOL = 1e-6


def diagnose_infeasibility(
    compiled: CompiledProblem, snapshot: MarketSnapshot, stats: SolverStats
) -> InfeasibleError:
    """Return an InfeasibleError whose message names the conflicting constraints."""
    when = f" on {snapshot.date}" if snapshot.date is not None else ""
    v = compiled.variables
    hard_terms = [k for k in compiled.constraint_terms if not getattr(k, "is_soft", False)]
    slacks = cp.Variable(len(hard_terms), nonneg=True) if hard_terms else None
    cons: list[cp.Constraint] = [
        v.trades == v.weights - compiled.holdings,
        cp.multiply(compiled.blocked, v.weights) == 0,
    ]
    prices = []
    for i, k in enumerate(hard_terms):
        for lhs, rhs in k.rows(v):
            cons.append(lhs <= rhs + slacks[i])
        prices.append(float(getattr(k, "elastic_price", 1.0)))
    for c in compiled.costs:  # epigraph constraints of conic costs
        cons.extend(c.auxiliary())
    if slacks is None:
        return InfeasibleError(
            f"The problem is infeasible{when}, but it has no constraint to relax: "
            "the investable universe may be empty.",
            status=str(stats.status),
            solver=stats.solver,
            date=snapshot.date,
        )
    elastic = cp.Problem(cp.Minimize(np.array(prices) @ slacks), cons)
    est = run_solver(elastic, "CLARABEL", "elastic diagnosis")
    if not est.status.usable:
        return InfeasibleError(
            f"The problem is infeasible{when} ({stats.solver}: {stats.raw_status}) and "
            f"the elastic diagnosis failed ({est.raw_status}). Check the "
            "constraints: " + ", ".join(k.name for k in hard_terms) + ".",
            status=str(stats.status),
            solver=stats.solver,
            date=snapshot.date,
        )
    s = np.asarray(slacks.value, dtype=float)
    w = np.where(snapshot.investable, np.asarray(v.weights.value, dtype=float), 0.0)
    t = w - snapshot.holdings
    relaxed = [i for i in range(len(hard_terms)) if s[i] > SLACK_TOL]
    conflicts = {hard_terms[i].name: float(s[i]) for i in relaxed}
    if not relaxed:
        return InfeasibleError(
            f"{stats.solver} reported the problem infeasible{when}, but every "
            "constraint can hold at once (the elastic solve needs no slack): this "
            "is numerical trouble. Rescale extreme inputs or use solver='CLARABEL'.",
            status=str(stats.status),
            solver=stats.solver,
            date=snapshot.date,
        )
    culprit_i = max(relaxed, key=lambda i: s[i] / prices[i])
    culprit = hard_terms[culprit_i]
    others = []
    for i, k in enumerate(hard_terms):
        if i == culprit_i:
            continue
        lhs, rhs = k.evaluate(w, t, snapshot)
        gap = np.atleast_1d(lhs) - np.atleast_1d(rhs) - s[i]
        if gap.size and float(np.max(gap)) >= -1e-6 * (1 + np.abs(rhs).max()):
            others.append(k.name)
    if snapshot.investable.size and not snapshot.investable.all():
        others.append("the non-investable constituents")
    lhs, rhs = culprit.evaluate(w, t, snapshot)
    lhs, rhs = np.atleast_1d(lhs), np.atleast_1d(rhs)
    if lhs.size == 1:
        need = (
            f"the smallest feasible {culprit.quantity} is {float(rhs[0]) + s[culprit_i]:.4g}"
        )
    else:
        need = (
            f"it must be relaxed by {s[culprit_i]:.4g} (in units of "
            f"{culprit.quantity}) on at least one row"
        )
    with_ = " + ".join(others) if others else "the other constraints"
    extra = ""
    if len(relaxed) > 1:
        extra = " Also relaxed in the elastic solve: " + ", ".join(
            f"{hard_terms[i].name} by {s[i]:.4g}" for i in relaxed if i != culprit_i
        ) + "."
    message = (
        f"The problem is infeasible{when}: {culprit.name} conflicts with {with_}: "
        f"{need}.{extra} Relax the limit, or wrap it in rp.constraints.Soft(...) "
        "to penalize violations instead."
    )
    return InfeasibleError(
        message,
        conflicts=conflicts,
        status=str(Status.INFEASIBLE),
        solver=stats.solver,
        date=snapshot.date,
    )
