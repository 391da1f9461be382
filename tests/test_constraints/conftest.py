"""Helpers of the constraint tests: a diagonal risk model and a no-solver harness."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
import pytest

import replicator as rp
from replicator.constraints._base import BIG
from replicator.risk._base import RiskFactors, RiskModel


class DiagonalRisk(RiskModel):
    """Diagonal covariance given directly: ``TE^2 = sum sigma_i^2 (w_i - b_i)^2``."""

    needs_returns: ClassVar[bool] = False
    _parameter_constraints: ClassVar[dict] = {}

    def __init__(self, sigma: pd.Series) -> None:
        self.sigma = sigma

    def _fit_factors(self, returns, benchmark_returns, periods_per_year):
        s = self.sigma.astype(float)
        return RiskFactors(
            assets=pd.Index(s.index.map(str)),
            exposures=np.zeros((0, len(s))),
            specific=s.to_numpy(),
        )


@pytest.fixture
def diag_model():
    """Factory: a Replicator on a diagonal covariance."""

    def make(sigma, constraints=(), costs=(), **kwargs):
        return rp.Replicator(
            risk=DiagonalRisk(sigma),
            costs=list(costs),
            constraints=list(constraints),
            **kwargs,
        )

    return make


class Harness:
    """A compiled cvxpy problem whose variables we set by hand (no solver).

    It reads the cvxpy variables and rows, so the model must be built with
    ``backend="cvxpy"`` (the native QP path has no cvxpy variables).
    """

    def __init__(self, model, snapshot):
        assert model.backend == "cvxpy", "build the harness model with backend='cvxpy'"
        self.model, self.snapshot = model, snapshot
        self.compiled = model.compiled_for(snapshot)
        self.compiled.update(snapshot)
        self.v = self.compiled.variables

    def set(self, weights):
        w = np.asarray(weights, dtype=float)
        self.v.weights.value = w
        self.v.trades.value = w - self.snapshot.holdings
        risk = self.model.risk
        if hasattr(risk, "set_auxiliary_values"):  # e.g. the specific-risk copy
            risk.set_auxiliary_values(w)
        return w, w - self.snapshot.holdings

    def cvx_rows(self, k):
        """(lhs, rhs) values of ``k.rows`` at the current variable values."""
        lhs, rhs = [], []
        for l_expr, r_expr in k.rows(self.v):
            lv = np.atleast_1d(np.asarray(l_expr.value, dtype=float)).ravel("F")
            rv = np.broadcast_to(
                np.atleast_1d(np.asarray(r_expr.value, dtype=float)).ravel("F"),
                lv.shape,
            )
            lhs.append(lv)
            rhs.append(rv)
        return np.concatenate(lhs), np.concatenate(rhs)

    def twin_rows(self, k, w, t):
        lhs, rhs = k.evaluate(w, t, self.snapshot)
        return np.atleast_1d(lhs), np.clip(np.atleast_1d(rhs), -BIG, BIG)


@pytest.fixture
def harness():
    """Factory: ``harness(model, snapshot)``."""
    return Harness
