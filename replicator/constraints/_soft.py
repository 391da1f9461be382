"""Soft (penalized) version of any constraint."""

from __future__ import annotations

from dataclasses import replace

import cvxpy as cp
import numpy as np

from replicator.constraints._base import BINDING_TOL, Constraint, ConstraintReport
from replicator.data._snapshot import MarketSnapshot
from replicator.terms import Interval, Variables
from replicator.typing import FloatArray

__all__ = ["Soft"]


class Soft(Constraint):
    """Turn a constraint into a penalty in the objective.

    Parameters
    ----------
    constraint : Constraint
        The constraint to soften.
    penalty : float, default 1.0
        Price of one unit of violation, in objective units (annualized
        tracking variance). A penalty of 1.0 makes a 1 % violation cost as
        much as ``TE^2 = 0.01``, i.e. a 10 % tracking error: effectively hard
        unless the constraint cannot hold.

    Notes
    -----
    .. math:: \\text{penalty} \\cdot \\sum_r \\max(\\text{lhs}_r - \\text{rhs}_r, 0)

    Examples
    --------
    >>> import replicator as rp
    >>> soft = rp.constraints.Soft(rp.constraints.TurnoverLimit(0.05), penalty=0.01)
    """

    _parameter_constraints = {
        "constraint": Constraint,
        "penalty": Interval(0, None, "neither"),
    }
    is_soft = True

    def __init__(self, constraint: Constraint, *, penalty: float = 1.0) -> None:
        self.constraint = constraint
        self.penalty = penalty

    @property
    def name(self) -> str:
        """Label: ``Soft(TurnoverLimit(0.05))``."""
        return f"Soft({self.constraint.name}, penalty={self.penalty:g})"

    @property
    def quantity(self) -> str:  # type: ignore[override]
        """The wrapped constraint's quantity."""
        return self.constraint.quantity

    @property
    def problem_class(self) -> str:  # type: ignore[override]
        """The wrapped constraint's problem class."""
        return self.constraint.problem_class

    def bind(self, snapshot: MarketSnapshot) -> None:
        """Bind the wrapped constraint."""
        super().bind(snapshot)
        self.constraint.bind(snapshot)

    def update(self, snapshot: MarketSnapshot) -> None:
        """Update the wrapped constraint."""
        self.constraint.update(snapshot)

    def rows(self, v: Variables) -> list[tuple[cp.Expression, cp.Expression]]:
        """The wrapped constraint's rows."""
        return self.constraint.rows(v)

    def constraints(self, v: Variables) -> list[cp.Constraint]:
        """A soft constraint adds no hard constraint."""
        return []

    def penalty_expression(self, v: Variables) -> cp.Expression:
        """``penalty * sum(pos(lhs - rhs))``."""
        return self.penalty * cp.sum(
            cp.hstack([cp.sum(cp.pos(lhs - rhs)) for lhs, rhs in self.rows(v)])
        )

    def evaluate(
        self, weights: FloatArray, trades: FloatArray, snapshot: MarketSnapshot
    ) -> tuple[FloatArray, FloatArray]:
        """The wrapped constraint's numpy twin."""
        return self.constraint.evaluate(weights, trades, snapshot)

    def evaluate_penalty(
        self, weights: FloatArray, trades: FloatArray, snapshot: MarketSnapshot
    ) -> float:
        """Numpy twin of :meth:`penalty_expression`."""
        lhs, rhs = self.evaluate(weights, trades, snapshot)
        return float(self.penalty * np.maximum(lhs - rhs, 0).sum())

    def report(
        self,
        weights: FloatArray,
        trades: FloatArray,
        snapshot: MarketSnapshot,
        tol: float = BINDING_TOL,
    ) -> ConstraintReport:
        """Report of the wrapped constraint, flagged as soft."""
        rep = self.constraint.report(weights, trades, snapshot, tol)
        return replace(rep, name=self.name, soft=True)
