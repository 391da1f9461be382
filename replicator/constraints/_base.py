"""Base class of constraints: a left-hand side and a right-hand side.

Every constraint is a list of rows ``lhs <= rhs`` with ``lhs`` convex in the
variables and ``rhs`` parameter-affine. That single form gives, for free:

* the hard constraint ``lhs <= rhs``;
* the soft version ``penalty * sum(pos(lhs - rhs))`` (:class:`Soft`);
* the elastic version ``lhs <= rhs + slack`` used to diagnose infeasibility;
* a numpy twin :meth:`Constraint.evaluate` for reports and backtests.

An equality is written as two rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import cvxpy as cp
import numpy as np

from replicator.data._snapshot import MarketSnapshot
from replicator.terms import Term, Variables
from replicator.typing import FloatArray

__all__ = ["Constraint", "ConstraintReport"]

BINDING_TOL = 1e-6


@dataclass(frozen=True)
class ConstraintReport:
    """How one constraint stands at a solution.

    Attributes
    ----------
    name : str
        Label, e.g. ``TurnoverLimit(0.2)``.
    value : float
        The constrained quantity (scalar constraints) or the largest
        ``lhs - rhs`` over rows (vector constraints).
    limit : float
        The bound (scalar constraints) or 0 (vector constraints).
    binding : bool
        True when some row is at its bound.
    n_binding : int
        Number of rows at their bound.
    max_violation : float
        Largest positive ``lhs - rhs`` (0 when satisfied).
    soft : bool
        True for penalized constraints.
    """

    name: str
    value: float
    limit: float
    binding: bool
    n_binding: int
    max_violation: float
    soft: bool = False


class Constraint(Term):
    """Base of constraints.

    Subclasses implement :meth:`rows` (cvxpy) and :meth:`evaluate` (numpy).
    ``quantity`` names the constrained scalar for messages (e.g. "turnover").
    """

    quantity: ClassVar[str] = "value"

    def rows(self, v: Variables) -> list[tuple[cp.Expression, cp.Expression]]:
        """Return ``(lhs, rhs)`` pairs meaning ``lhs <= rhs`` elementwise."""
        raise NotImplementedError

    def constraints(self, v: Variables) -> list[cp.Constraint]:
        """Hard cvxpy constraints (built once)."""
        return [lhs <= rhs for lhs, rhs in self.rows(v)]

    def evaluate(
        self, weights: FloatArray, trades: FloatArray, snapshot: MarketSnapshot
    ) -> tuple[FloatArray, FloatArray]:
        """Numpy twin: ``(lhs, rhs)`` values of all rows, concatenated."""
        raise NotImplementedError

    def report(
        self,
        weights: FloatArray,
        trades: FloatArray,
        snapshot: MarketSnapshot,
        tol: float = BINDING_TOL,
    ) -> ConstraintReport:
        """Summarize the constraint at a solution."""
        lhs, rhs = self.evaluate(weights, trades, snapshot)
        lhs, rhs = np.atleast_1d(lhs), np.atleast_1d(rhs)
        gap = lhs - rhs
        finite = np.isfinite(rhs)
        gap = np.where(finite, gap, -np.inf)
        scale = 1.0 + np.abs(np.where(finite, rhs, 0.0))
        at_bound = gap >= -tol * scale
        max_gap = float(gap.max()) if gap.size else -np.inf
        if gap.size == 1:
            value, limit = float(lhs[0]), float(rhs[0])
        else:
            value, limit = max_gap, 0.0
        return ConstraintReport(
            name=self.name,
            value=value,
            limit=limit,
            binding=bool(at_bound.any()),
            n_binding=int(at_bound.sum()),
            max_violation=max(max_gap, 0.0) if np.isfinite(max_gap) else 0.0,
        )
