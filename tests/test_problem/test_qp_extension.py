"""Extension cost (issue 13): a new QP term is one module, nothing else changes.

``BetaNeutral`` below is written here, in the test, as a user would write it
in a module of their own: a cvxpy form, a native form (``qp``) and a numpy
twin. Nothing in the pipeline, the router or the dual Newton method knows
it. Its native form is one dense row, which the builder records as a coupling
row of the layout; the dual Newton method reads the layout, dualizes the row
and certifies the answer, which must agree with an independent cvxpy model
written from the math.
"""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pandas as pd
import pytest

import replicator as rp
from replicator.constraints._base import Constraint
from replicator.terms import Interval

C = rp.constraints
TIGHT_CLARABEL = {"tol_gap_abs": 1e-12, "tol_gap_rel": 1e-12, "tol_feas": 1e-12}


class BetaNeutral(Constraint):
    r"""Keep the portfolio's beta within ``tolerance`` of the benchmark's.

    Notes
    -----
    .. math:: |\beta^T (w - b)| \le \tau
    """

    _parameter_constraints = {"tolerance": Interval(0, None)}
    quantity = "active beta"

    def __init__(self, betas: pd.Series, *, tolerance: float = 0.0) -> None:
        self.betas = betas
        self.tolerance = tolerance

    @property
    def name(self) -> str:
        return f"BetaNeutral(tolerance={self.tolerance:g})"

    def _beta(self, snapshot) -> np.ndarray:
        return self.betas.reindex(snapshot.assets).to_numpy(dtype=float)

    def bind(self, snapshot) -> None:
        super().bind(snapshot)
        self._b = cp.Parameter(snapshot.n_assets)
        self._target = cp.Parameter()

    def update(self, snapshot) -> None:
        beta = self._beta(snapshot)
        self._b.value = beta
        self._target.value = float(beta @ snapshot.benchmark)

    def rows(self, v):
        active = self._b @ v.weights - self._target
        return [
            (active, cp.Constant(self.tolerance)),
            (-active, cp.Constant(self.tolerance)),
        ]

    supports_qp = True

    def qp(self, qp, snapshot) -> None:
        """Native form: one row, ``beta'b - tau <= beta'w <= beta'b + tau``."""
        beta = self._beta(snapshot)
        target = float(beta @ snapshot.benchmark)
        qp.between({"w": beta}, target - self.tolerance, target + self.tolerance)

    def evaluate(self, weights, trades, snapshot):
        active = float(
            self._beta(snapshot) @ (np.asarray(weights) - snapshot.benchmark)
        )
        return np.array([active, -active]), np.full(2, float(self.tolerance))


def market(n: int = 60, seed: int = 4):
    rng = np.random.default_rng(seed)
    tickers = [f"S{i:03d}" for i in range(n)]
    B = pd.DataFrame(rng.normal(0, 1, (n, 3)), index=tickers)
    F = pd.DataFrame(np.diag([0.04, 0.02, 0.01]))
    D = pd.Series(rng.uniform(0.01, 0.09, n), index=tickers)
    b = pd.Series(rng.lognormal(0, 1.2, n), index=tickers)
    b /= b.sum()
    betas = pd.Series(rng.normal(1.0, 0.4, n), index=tickers)
    dates = pd.bdate_range("2022-01-03", periods=30)
    R = pd.DataFrame(rng.normal(0, 0.01, (30, n)), index=dates, columns=tickers)
    return B, F, D, b, betas, R


def reference(B, F, D, b, betas, cap: float, tol: float) -> float:
    """min (w-b)' (B F B' + diag D) (w-b) over 0 <= w <= cap, 1'w = 1.

    With ``|beta'(w - b)| <= tol``, from the math (cvxpy + tight Clarabel).
    """
    w = cp.Variable(len(b))
    a = w - b.to_numpy()
    f = B.to_numpy().T @ a
    te2 = cp.quad_form(f, F.to_numpy()) + cp.sum_squares(
        cp.multiply(np.sqrt(D.to_numpy()), a)
    )
    beta = betas.to_numpy()
    prob = cp.Problem(
        cp.Minimize(te2),
        [cp.sum(w) == 1, w >= 0, w <= cap, cp.abs(beta @ a) <= tol],
    )
    prob.solve(solver="CLARABEL", **TIGHT_CLARABEL)
    return float(prob.value)


@pytest.mark.parametrize("tol", [0.0, 0.01])
def test_a_new_coupling_row_is_solved_by_dual_newton_and_matches_cvxpy(tol):
    B, F, D, b, betas, R = market()
    cap = 0.03  # below the largest benchmark weights: the caps bind, beta moves
    model = rp.Replicator(
        risk=rp.risk.FactorModel(B, F, D),
        constraints=[C.FullyInvested(), C.LongOnly(), C.WeightBounds(upper=cap),
                     BetaNeutral(betas, tolerance=tol)],
    )  # fmt: skip
    res = model.solve(returns=R, benchmark=b)
    assert res.stats.attempts == ("DUAL_NEWTON: solved",)
    # the row reached the dual Newton method through the layout record
    layout = model._compiled.data.layout
    kinds = [(g.matrix, g.kind, g.blocks) for g in layout.groups]
    assert (("eq" if tol == 0 else "in"), "coupling", ("w",)) in kinds
    # it binds: without it the beta drifts further than the tolerance
    w = res.weights.to_numpy()
    assert abs(betas.to_numpy() @ (w - b.to_numpy())) <= tol + 1e-10
    free = rp.Replicator(
        risk=rp.risk.FactorModel(B, F, D),
        constraints=[C.FullyInvested(), C.LongOnly(), C.WeightBounds(upper=cap)],
    ).solve(returns=R, benchmark=b)
    drift = abs(betas.to_numpy() @ (free.weights.to_numpy() - b.to_numpy()))
    assert drift > tol + 1e-4
    ref = reference(B, F, D, b, betas, cap, tol)
    assert res.objective == pytest.approx(ref, rel=1e-7, abs=1e-12)
    assert res.tracking_error**2 == pytest.approx(ref, rel=1e-7, abs=1e-12)


def test_the_new_row_is_soft_too_without_any_other_change():
    """``Soft`` around the new term: a priced slack the dual Newton method caps."""
    B, F, D, b, betas, R = market(seed=4)
    penalty = 1e-4
    model = rp.Replicator(
        risk=rp.risk.FactorModel(B, F, D),
        constraints=[C.FullyInvested(), C.LongOnly(), C.WeightBounds(upper=0.03),
                     C.Soft(BetaNeutral(betas), penalty=penalty)],
    )  # fmt: skip
    res = model.solve(returns=R, benchmark=b)
    assert res.stats.attempts == ("DUAL_NEWTON: solved",)
    w = cp.Variable(len(b))
    a = w - b.to_numpy()
    te2 = cp.quad_form(B.to_numpy().T @ a, F.to_numpy()) + cp.sum_squares(
        cp.multiply(np.sqrt(D.to_numpy()), a)
    )
    objective = te2 + penalty * cp.abs(betas.to_numpy() @ a)
    prob = cp.Problem(cp.Minimize(objective), [cp.sum(w) == 1, w >= 0, w <= 0.03])
    prob.solve(solver="CLARABEL", **TIGHT_CLARABEL)
    assert res.objective == pytest.approx(prob.value, rel=1e-7, abs=1e-12)
    assert sum(res.penalties.values()) > 1e-6  # the penalty is paid: it binds
