"""Base class of cost models.

A cost is a function of the trade vector ``t = w - w0`` (fractions of NAV) and
returns a one-off cost as a fraction of NAV. The optimizer adds
``sum_k cost_k(t) / (risk_aversion * horizon)`` to the annualized ``TE^2``; see
:class:`replicator.Replicator` for the unit convention.
"""

from __future__ import annotations

import cvxpy as cp
import numpy as np

from replicator.data._snapshot import MarketSnapshot
from replicator.terms import Term, Variables
from replicator.typing import FloatArray

__all__ = ["Cost"]


class Cost(Term):
    """Base of cost models.

    Subclasses implement :meth:`expression` (cvxpy, built once) and
    :meth:`evaluate` (numpy twin). A cost whose cvxpy form needs auxiliary
    variables (an epigraph) returns their constraints from :meth:`auxiliary`;
    at the optimum the epigraph is tight, so the expression's value equals
    :meth:`evaluate`.
    """

    def expression(self, v: Variables) -> cp.Expression:
        """Return the cost as a scalar convex cvxpy expression of ``v.trades``."""
        raise NotImplementedError

    def auxiliary(self) -> list[cp.Constraint]:
        """Constraints of auxiliary variables created by :meth:`expression`."""
        return []

    def evaluate(self, trades: FloatArray, snapshot: MarketSnapshot) -> float:
        """Numpy twin: the cost of ``trades`` as a fraction of NAV."""
        raise NotImplementedError

    def relaxation_gap(self, trades: FloatArray, snapshot: MarketSnapshot) -> float:
        """How much :meth:`evaluate` exceeds the cost the solver's forms charge.

        0 for a cost whose cvxpy and native forms are exact (every cost but a
        deliberate convex relaxation, e.g. :class:`~replicator.venues.VenueCost`
        with gas amortized). The verification of a solver's objective against
        the twins adds it to the solver's value, so that it still checks the
        solver solved the problem it was given.
        """
        return 0.0

    def per_asset(self, trades: FloatArray, snapshot: MarketSnapshot) -> FloatArray:
        """Cost of each asset's trade (sums to :meth:`evaluate` when separable)."""
        out = np.zeros(len(trades))
        for i, t in enumerate(trades):
            if t != 0:
                e = np.zeros(len(trades))
                e[i] = t
                out[i] = self.evaluate(e, snapshot)
        return out
