"""Elastic-mode diagnosis of infeasible problems.

Phase 1 gives each hard constraint ``k`` one non-negative slack ``s_k`` on all
its rows (``lhs <= rhs + s_k / scale``, with ``scale`` the constraint's
conversion to reported units, see :class:`~replicator.constraints._base.RowInfo`)
and minimizes ``sum_k price_k * s_k``. Structural constraints (budget,
long-only) carry a price of 100, position bounds 10 and trading limits 1, so
limits such as turnover or liquidity are named first.

Phase 2 takes the cheapest relaxed constraint (the culprit), keeps every other
constraint hard and minimizes the culprit's slack alone. Its optimum is the
exact smallest relaxation (e.g. "the smallest feasible turnover is 0.4"), and
the other constraints with non-zero duals are the ones it conflicts with. When
no single constraint can be relaxed alone, the message lists the phase-1
relaxations instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import cvxpy as cp
import numpy as np

from replicator.constraints._base import Constraint
from replicator.data._snapshot import MarketSnapshot
from replicator.exceptions import InfeasibleError
from replicator.solvers import SolverStats, Status, run_solver
from replicator.terms import Variables

if TYPE_CHECKING:
    from replicator.problem._builder import CompiledProblem

__all__ = ["diagnose_infeasibility"]

#: Slack (reported units) above which a constraint counts as relaxed. Below the
#: verification tolerance (1e-7 per row): a limit that needs 1e-6 in total
#: spread over 32 rows (3e-8 each) is still named.
SLACK_TOL = 1e-9
DUAL_TOL = 1e-6
ADVICE = (
    " Relax the limit, or wrap it in rp.constraints.Soft(...) to penalize "
    "violations instead."
)


def _relax(k: Constraint, v: Variables, snapshot: MarketSnapshot) -> list[np.ndarray]:
    """Per-row multipliers of the slack: ``1 / scale`` (0 keeps a row hard)."""
    rows = k.rows(v)
    sizes = [int(np.prod(lhs.shape)) if lhs.shape else 1 for lhs, _ in rows]
    info = k.row_info(snapshot, sum(sizes))
    scale = np.asarray(info.scale, dtype=float)
    with np.errstate(divide="ignore"):
        relax = np.where(np.isfinite(scale) & (scale > 0), 1.0 / scale, 0.0)
    out, start = [], 0
    for (lhs, _), size in zip(rows, sizes, strict=True):
        part = relax[start : start + size]
        out.append(part.reshape(lhs.shape) if lhs.shape else part[0])
        start += size
    return out


def _rows(
    k: Constraint, v: Variables, snapshot: MarketSnapshot, slack: cp.Expression | None
) -> list[cp.Constraint]:
    """Return the rows of ``k``, hard (``slack=None``) or elastic."""
    if slack is None:
        return [lhs <= rhs for lhs, rhs in k.rows(v)]
    relax = _relax(k, v, snapshot)
    return [
        lhs <= rhs + cp.multiply(r, slack) if np.ndim(r) else lhs <= rhs + r * slack
        for (lhs, rhs), r in zip(k.rows(v), relax, strict=True)
    ]


def _base(compiled: CompiledProblem) -> tuple[list[cp.Constraint], cp.Constraint]:
    v = compiled.variables
    blocked = cp.multiply(compiled.blocked, v.weights) == 0
    cons: list[cp.Constraint] = [v.trades == v.weights - compiled.holdings, blocked]
    # auxiliary variables of the risk model and epigraphs of conic costs
    cons.extend(compiled.risk.auxiliary())
    for c in compiled.costs:
        cons.extend(c.auxiliary())
    return cons, blocked


def _error(
    message: str,
    stats: SolverStats,
    snapshot: MarketSnapshot,
    conflicts: dict[str, float] | None = None,
) -> InfeasibleError:
    return InfeasibleError(
        message,
        conflicts=conflicts,
        status=str(Status.INFEASIBLE),
        solver=stats.solver,
        date=snapshot.date,
    )


def _solution(
    compiled: CompiledProblem, snapshot: MarketSnapshot
) -> tuple[np.ndarray, np.ndarray]:
    w = np.asarray(compiled.variables.weights.value, dtype=float)
    w = np.where(snapshot.investable, w, 0.0)
    return w, w - snapshot.holdings


def _max_dual(cons: list[cp.Constraint]) -> float:
    duals = [np.max(np.abs(c.dual_value)) for c in cons if c.dual_value is not None]
    return float(max(duals)) if duals else 0.0


def diagnose_infeasibility(
    compiled: CompiledProblem, snapshot: MarketSnapshot, stats: SolverStats
) -> InfeasibleError:
    """Return an InfeasibleError whose message names the conflicting constraints.

    Parameters
    ----------
    compiled : CompiledProblem
        The infeasible problem, with its Parameters set for ``snapshot``.
    snapshot : MarketSnapshot
        The market data of the failed solve.
    stats : SolverStats
        The failed solve's statistics.

    Returns
    -------
    InfeasibleError
        Its ``conflicts`` maps the constraint(s) to relax to the smallest
        relaxation: for a single-row limit, the needed value minus the limit in
        the units of its report (turnover, tracking error); for per-asset or
        per-group rows, the uniform widening of every row in reported units
        (weight, participation).
    """
    when = f" on {snapshot.date}" if snapshot.date is not None else ""
    v = compiled.variables
    hard = [k for k in compiled.constraint_terms if not k.is_soft]
    if not hard:
        return _error(
            f"The problem is infeasible{when}, but it has no constraint to relax: "
            "the investable universe may be empty.",
            stats,
            snapshot,
        )

    # Phase 1: price-weighted elastic problem over every hard constraint.
    slacks = cp.Variable(len(hard), nonneg=True)
    cons, _ = _base(compiled)
    for i, k in enumerate(hard):
        cons.extend(_rows(k, v, snapshot, slacks[i]))
    prices = np.array([float(k.elastic_price) for k in hard])
    elastic = cp.Problem(cp.Minimize(prices @ slacks), cons)
    est = run_solver(elastic, "CLARABEL", "elastic diagnosis")
    names = ", ".join(k.name for k in hard)
    if not est.status.usable:
        return _error(
            f"The problem is infeasible{when} ({stats.solver}: {stats.raw_status}) "
            f"and the elastic diagnosis failed ({est.raw_status}). Check the "
            f"constraints: {names}.",
            stats,
            snapshot,
        )
    s = np.maximum(np.asarray(slacks.value, dtype=float), 0.0)
    relaxed = [i for i in range(len(hard)) if s[i] > SLACK_TOL]
    if not relaxed:
        # every slack <= SLACK_TOL (1e-9): the problem is feasible
        return _error(
            f"{stats.solver} reported the problem infeasible{when}, but every "
            "constraint can hold at once (the elastic solve needs no slack): this "
            "is numerical trouble. Rescale extreme inputs or use solver='CLARABEL'.",
            stats,
            snapshot,
        )
    relaxed.sort(key=lambda i: (prices[i], -s[i]))

    # Phase 2: relax the culprit alone, every other constraint hard.
    for ci in relaxed:
        found = _single_relaxation(compiled, snapshot, hard, ci)
        if found is not None:
            slack, others = found
            culprit = hard[ci]
            w, t = _solution(compiled, snapshot)
            rep = culprit.report(w, t, snapshot)
            n_rows = np.atleast_1d(culprit.evaluate(w, t, snapshot)[0]).size
            need = culprit.relaxation_message(slack, rep, n_rows)
            # a scalar limit is relaxed to the report's value (e.g. TE, not TE^2)
            amount = max(rep.value - rep.limit, 0.0) if n_rows == 1 else slack
            with_ = " + ".join(others) if others else "nothing else"
            head = (
                f"{culprit.name} cannot hold{when}"
                if not others
                else f"{culprit.name} conflicts with {with_}{when}"
            )
            return _error(
                f"The problem is infeasible: {head}: {need}.{ADVICE}",
                stats,
                snapshot,
                {culprit.name: amount},
            )

    listed = ", ".join(f"{hard[i].name} by {s[i]:.6g}" for i in relaxed)
    return _error(
        f"The problem is infeasible{when}: no single constraint can be relaxed "
        f"alone to make it feasible. The least relaxation (elastic mode, in units "
        f"of each constraint's quantity) relaxes {listed}.{ADVICE}",
        stats,
        snapshot,
        {hard[i].name: float(s[i]) for i in relaxed},
    )


def _min_slack(
    compiled: CompiledProblem,
    snapshot: MarketSnapshot,
    hard: list[Constraint],
    ci: int,
    skip: int | None = None,
) -> tuple[float, dict[int, list[cp.Constraint]], cp.Constraint] | None:
    """Minimize constraint ``ci``'s slack with the others hard (but ``skip``)."""
    v = compiled.variables
    slack = cp.Variable(nonneg=True)
    cons, blocked = _base(compiled)
    by_term: dict[int, list[cp.Constraint]] = {}
    for i, k in enumerate(hard):
        if i == skip:
            continue
        rows = _rows(k, v, snapshot, slack if i == ci else None)
        by_term[i] = rows
        cons.extend(rows)
    problem = cp.Problem(cp.Minimize(slack), cons)
    st = run_solver(problem, "CLARABEL", "elastic diagnosis (single relaxation)")
    if st.status is not Status.OPTIMAL or slack.value is None:
        return None
    return max(float(slack.value), 0.0), by_term, blocked


def _single_relaxation(
    compiled: CompiledProblem,
    snapshot: MarketSnapshot,
    hard: list[Constraint],
    ci: int,
) -> tuple[float, list[str]] | None:
    """Smallest slack of constraint ``ci`` alone, and what it conflicts with.

    The conflicting constraints are those with non-zero duals whose removal
    lowers the smallest slack (duals alone over-report on degenerate problems;
    when no single removal helps, every constraint with a non-zero dual is
    named). Returns None when relaxing ``ci`` alone cannot make the problem
    feasible. On return the variables hold the solution of the relaxation.
    """
    found = _min_slack(compiled, snapshot, hard, ci)
    if found is None:
        return None
    slack, by_term, blocked = found
    candidates = [
        i for i, rows in by_term.items() if i != ci and _max_dual(rows) > DUAL_TOL
    ]
    blocked_dual = (~snapshot.investable).any() and _max_dual([blocked]) > DUAL_TOL
    if len(candidates) + int(blocked_dual) > 1:
        confirmed = []
        for j in candidates:
            without = _min_slack(compiled, snapshot, hard, ci, skip=j)
            if without is None or without[0] < slack - 1e-6 * (1.0 + slack):
                confirmed.append(j)
        if confirmed or blocked_dual:
            candidates = confirmed
        # restore the variables to the relaxation's solution
        _min_slack(compiled, snapshot, hard, ci)
    others = [hard[i].name for i in candidates]
    if blocked_dual:
        others.append("the non-investable constituents")
    return slack, others
