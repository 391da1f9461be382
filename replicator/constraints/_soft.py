"""Soft (penalized) version of any constraint."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import cvxpy as cp
import numpy as np
import pandas as pd

from replicator.constraints._base import (
    BINDING_TOL,
    Constraint,
    ConstraintReport,
    RowInfo,
)
from replicator.data._snapshot import MarketSnapshot
from replicator.exceptions import ConfigError
from replicator.qp import QPBuilder
from replicator.terms import Interval, Variables
from replicator.typing import BoolArray, FloatArray

if TYPE_CHECKING:
    from replicator.risk._base import RiskModel

__all__ = ["Soft"]


class Soft(Constraint):
    r"""Turn a constraint into a penalty in the objective.

    Parameters
    ----------
    constraint : Constraint
        The constraint to soften (not itself a Soft).
    penalty : float, default 1.0
        Price of one unit of violation, in objective units (annualized
        tracking variance). A penalty of 1.0 makes a 1 % violation cost as
        much as ``TE^2 = 0.01``, i.e. a 10 % tracking error: effectively hard
        unless the constraint cannot hold.

    Notes
    -----
    .. math:: \text{penalty} \cdot \sum_r \max(\text{lhs}_r - \text{rhs}_r, 0)

    summed over every row of the wrapped constraint, in the units of its
    left-hand side (fractions of NAV for weights, trades and turnover; ``TE^2``
    for a tracking-error cap). A soft tracking-error cap does not switch the
    objective to cost minimization.

    Examples
    --------
    >>> import replicator as rp
    >>> soft = rp.constraints.Soft(rp.constraints.TurnoverLimit(0.05), penalty=0.01)
    >>> soft.name
    'Soft(TurnoverLimit(0.05), penalty=0.01)'
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
        """Label: ``Soft(TurnoverLimit(0.05), penalty=1)``."""
        inner = (
            self.constraint.name
            if isinstance(self.constraint, Constraint)
            else repr(self.constraint)
        )
        return f"Soft({inner}, penalty={self.penalty:g})"

    @property
    def quantity(self) -> str:  # type: ignore[override]
        """The wrapped constraint's quantity."""
        return self.constraint.quantity

    @property
    def problem_class(self) -> str:  # type: ignore[override]
        """The wrapped constraint's problem class."""
        return self.constraint.problem_class

    def validate_params(self) -> None:
        """Check the parameters and refuse a Soft of a Soft."""
        super().validate_params()
        if isinstance(self.constraint, Soft):
            raise ConfigError(
                f"Soft wraps a hard constraint, but got {self.constraint.name}, "
                "which is already soft. Wrap the inner constraint once and set "
                "its penalty."
            )
        self.constraint.validate_params()

    def bind(self, snapshot: MarketSnapshot) -> None:
        """Bind the wrapped constraint."""
        super().bind(snapshot)
        self.constraint.bind(snapshot)

    def update(self, snapshot: MarketSnapshot) -> None:
        """Update the wrapped constraint."""
        self.constraint.update(snapshot)

    def attach_risk(self, risk: RiskModel) -> None:
        """Forward the risk model to the wrapped constraint."""
        self.constraint.attach_risk(risk)

    def needs_rebind(self, snapshot: MarketSnapshot) -> bool:
        """Forward to the wrapped constraint."""
        return self.constraint.needs_rebind(snapshot)

    def report_tables(
        self, weights: FloatArray, trades: FloatArray, snapshot: MarketSnapshot
    ) -> dict[str, pd.DataFrame]:
        """Return the wrapped constraint's report tables."""
        return self.constraint.report_tables(weights, trades, snapshot)

    def margin_positions(self, snapshot: MarketSnapshot) -> BoolArray | None:
        """Return the wrapped constraint's margin positions."""
        return self.constraint.margin_positions(snapshot)

    def rows(self, v: Variables) -> list[tuple[cp.Expression, cp.Expression]]:
        """Return the wrapped constraint's rows."""
        return self.constraint.rows(v)

    def constraints(self, v: Variables) -> list[cp.Constraint]:
        """Return no hard constraint (the rows are penalized instead)."""
        return []

    def penalty_expression(self, v: Variables) -> cp.Expression:
        """``penalty * sum(pos(lhs - rhs))``."""
        return self.penalty * cp.sum(
            cp.hstack([cp.sum(cp.pos(lhs - rhs)) for lhs, rhs in self.rows(v)])
        )

    @property
    def supports_qp(self) -> bool:  # type: ignore[override]
        """The wrapped constraint's native support."""
        return isinstance(self.constraint, Constraint) and self.constraint.supports_qp

    def qp(self, qp: QPBuilder, snapshot: MarketSnapshot) -> None:
        """Native form: the wrapped constraint's rows, each with a priced slack."""
        with qp.softened(self.penalty):
            self.constraint.qp(qp, snapshot)

    def evaluate(
        self, weights: FloatArray, trades: FloatArray, snapshot: MarketSnapshot
    ) -> tuple[FloatArray, FloatArray]:
        """Return the wrapped constraint's numpy twin."""
        return self.constraint.evaluate(weights, trades, snapshot)

    def row_info(self, snapshot: MarketSnapshot, n_rows: int) -> RowInfo:
        """Return the wrapped constraint's row description."""
        return self.constraint.row_info(snapshot, n_rows)

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
