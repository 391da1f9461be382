"""The protocol both compiled problems follow (native and cvxpy)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from replicator.data._snapshot import MarketSnapshot

if TYPE_CHECKING:
    from replicator.solvers import SolverStats

__all__ = ["Problem"]


@runtime_checkable
class Problem(Protocol):
    """A compiled replication problem for one universe and set of terms.

    Implemented by :class:`~replicator.problem._native.NativeProblem`
    (assembled directly, no cvxpy) and
    :class:`~replicator.problem._builder.CompiledProblem` (one DPP cvxpy
    problem). The pipeline (:mod:`replicator.engine`) sees only this.

    Attributes
    ----------
    native : bool
        True when assembled without cvxpy.
    assets : Index
        The universe, in solver order.
    is_qp : bool
        Only linear and quadratic terms (no cones).
    cost_weight : float
        ``1 / (risk_aversion * horizon)`` the problem was compiled with.
    returns_only : bool
        Compiled for a benchmark given as a return series.
    """

    native: bool
    assets: pd.Index
    is_qp: bool
    cost_weight: float
    returns_only: bool

    def update(self, snapshot: MarketSnapshot) -> None:
        """Write a snapshot's numbers into the compiled problem."""

    def solve(
        self,
        solver: str = "auto",
        options: dict | None = None,
        *,
        fallback: bool = True,
    ) -> SolverStats:
        """Solve with ``solver`` (routed when "auto"), falling back if asked."""
        ...

    def solution(self) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(weights, trades)`` of the last solve."""
        ...

    @property
    def objective_value(self) -> float | None:
        """The solver's scaled objective at its last point."""
        ...
