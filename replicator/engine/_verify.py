r"""Verification of a solver's answer by the numpy twins.

A solver's "solved" is a claim. Before a point leaves the engine as optimal,
:func:`verify` checks it with the terms' numpy ``evaluate`` twins, which share
no code with the cvxpy or native forms the solver saw:

* every weight is finite;
* every row ``lhs <= rhs`` of every hard constraint holds within

  .. math:: \mathrm{tol}_r = \varepsilon_f \, (1 + |\mathrm{rhs}_r|),
            \qquad \varepsilon_f = 10^{-7}

  in the row's own units (fractions of NAV for weights, trades, turnover and
  participation; annualized variance for a tracking-error cap): the tolerance
  is scaled to the data by the bound itself. The first-order solvers (OSQP,
  SCS: ADMM, residuals of the order of their ``eps`` ~ 1e-7 relative to the
  row norms, measured up to 7e-7 on a turnover row) are held to
  :math:`\varepsilon_f = 10^{-5}`;
* the objective re-evaluated by the twins at the point,
  ``S (w_TE TE^2 + C / (lambda H) + P)``, agrees with the objective the solver
  reports there within

  .. math:: \varepsilon_o \, (1 + |f_{\mathrm{twin}}|), \qquad \varepsilon_o = 10^{-5}

  (scaled units, ``S`` = :data:`~replicator.problem.OBJECTIVE_SCALE`): a
  mismatch means the solver's problem is not the model's (stale data, an
  uncharged penalty).

Notes
-----
With the objective scaled to O(1) and the weights O(1/N), the interior-point
solvers meet these tolerances with margin (residuals ~1e-9); a point that
misses them is wrong, not merely inexact.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from replicator.constraints._base import Constraint
from replicator.data._snapshot import MarketSnapshot
from replicator.result import ReplicationResult

__all__ = [
    "FEASIBILITY_TOL",
    "FIRST_ORDER_FEASIBILITY_TOL",
    "OBJECTIVE_TOL",
    "Verdict",
    "verify",
]

#: Relative feasibility tolerance of a hard row: ``tol * (1 + |rhs|)``.
FEASIBILITY_TOL = 1e-7
#: The same for the first-order solvers of :data:`FIRST_ORDER`.
FIRST_ORDER_FEASIBILITY_TOL = 1e-5
#: Solvers whose points are checked at :data:`FIRST_ORDER_FEASIBILITY_TOL`.
FIRST_ORDER = frozenset({"OSQP", "SCS"})
#: Relative tolerance of the twins' objective against the solver's.
OBJECTIVE_TOL = 1e-5


@dataclass(frozen=True)
class Verdict:
    """The outcome of :func:`verify`.

    Attributes
    ----------
    ok : bool
        Every check passed.
    max_violation : float
        Largest ``lhs - rhs`` over the hard rows (row units; 0 when none is
        violated, inf for non-finite weights).
    worst : str
        The constraint with that violation ("" when none).
    objective_gap : float
        ``|f_solver - f_twin| / (1 + |f_twin|)`` (NaN when not checked).
    note : str
        One line for ``SolverStats.verification``.
    """

    ok: bool
    max_violation: float
    worst: str
    objective_gap: float
    note: str


def _row_excess(
    k: Constraint,
    w: np.ndarray,
    t: np.ndarray,
    snapshot: MarketSnapshot,
    tol: float,
) -> tuple[float, float]:
    """Return (largest ``lhs - rhs``, largest ``lhs - rhs - tol``) of ``k``."""
    lhs, rhs = k.evaluate(w, t, snapshot)
    lhs = np.atleast_1d(np.asarray(lhs, dtype=float))
    rhs = np.atleast_1d(np.asarray(rhs, dtype=float))
    lhs, rhs = np.broadcast_arrays(lhs, rhs)
    ok = np.isfinite(rhs)
    if not ok.any():
        return 0.0, -math.inf
    gap = lhs[ok] - rhs[ok]
    if not np.isfinite(gap).all():
        return math.inf, math.inf
    excess = gap - tol * (1.0 + np.abs(rhs[ok]))
    return float(gap.max()), float(excess.max())


def verify(
    result: ReplicationResult,
    constraints: Sequence[Constraint],
    snapshot: MarketSnapshot,
    solver_objective: float | None,
    te_weight: float,
    cost_weight: float,
    scale: float,
) -> Verdict:
    """Check a result's point with the numpy twins (see the module notes).

    Parameters
    ----------
    result : ReplicationResult
        Priced at the solver's point by the twins.
    constraints : sequence of Constraint
        The model's constraints (soft ones are penalties, not checked).
    snapshot : MarketSnapshot
        The inputs of the solve.
    solver_objective : float or None
        The solver's scaled objective at its point; None skips that check.
    te_weight, cost_weight, scale : float
        Weights of ``TE^2`` and of the costs in the objective, and its scale.
    """
    tol = (
        FIRST_ORDER_FEASIBILITY_TOL
        if result.stats.solver in FIRST_ORDER
        else FEASIBILITY_TOL
    )
    w = result._per_asset.arrays["weights"]
    t = result._per_asset.arrays["trades"]
    if not np.isfinite(w).all():
        return Verdict(False, math.inf, "non-finite weights", math.nan, "NaN weights")
    worst, max_gap, max_excess = "", 0.0, -math.inf
    for k in constraints:
        if k.is_soft:
            continue
        gap, excess = _row_excess(k, w, t, snapshot, tol)
        if excess > max_excess:
            max_excess = excess
        if gap > max_gap:
            worst, max_gap = k.name, gap
    feasible = max_excess <= 0.0
    gap_obj = math.nan
    if solver_objective is not None and math.isfinite(solver_objective):
        twin = scale * (
            te_weight * result.tracking_variance
            + cost_weight * result.total_cost
            + sum(result.penalties.values())
        )
        gap_obj = abs(solver_objective - twin) / (1.0 + abs(twin))
    objective_ok = not gap_obj > OBJECTIVE_TOL  # NaN: not checked
    where = f" ({worst})" if worst else ""
    head = "verified" if feasible and objective_ok else "rejected"
    note = (
        f"{head} by the numpy twins: largest hard-row violation {max_gap:.2g}"
        f"{where} (tolerance {tol:g}*(1+|bound|)); objective "
        + (
            "not re-checked"
            if math.isnan(gap_obj)
            else f"re-evaluated, relative difference {gap_obj:.2g} "
            f"(tolerance {OBJECTIVE_TOL:g})"
        )
    )
    return Verdict(feasible and objective_ok, max_gap, worst, gap_obj, note)
