"""The solve agrees with an independent cvxpy formulation written from the math."""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pandas as pd
import pytest

import replicator as rp

D = rp.derivatives
LAMBDA, H = 100.0, 0.5


@pytest.fixture(scope="module")
def case(crypto):
    rng = np.random.default_rng(7)
    perps = [
        D.Perp("BTC-PERP", "BTC", maintenance_margin=0.05),
        D.Perp("ETH-PERP", "ETH", maintenance_margin=0.08),
        D.Perp("SOL-PERP", "SOL", maintenance_margin=0.1),
    ]
    fit = crypto.returns.iloc[:120]
    basis = pd.DataFrame(
        rng.normal(0, 0.003, (len(fit), 3)),
        index=fit.index,
        columns=[p.symbol for p in perps],
    )
    frame = D.with_perps(fit, perps, basis)
    cov = frame.cov() * 365
    stamps = pd.date_range(
        fit.index[0], fit.index[-1] + pd.Timedelta(days=5), freq="8h"
    )
    rates = pd.DataFrame(
        rng.normal(1.5e-4, 2e-4, (len(stamps), 3)), index=stamps, columns=basis.columns
    )
    fee = pd.Series(rng.uniform(2, 40, frame.shape[1]), index=frame.columns)
    w0 = pd.Series(rng.dirichlet(np.ones(6)) * 0.9, index=fit.columns)
    return frame, cov, perps, rates, fee, w0, crypto.benchmark


def independent(frame, cov, perps, rates, fee, w0, b, date):
    """min (w-b)' S (w-b) + [fee |w - w0| + H f' w_P] / (lambda H), from the math."""
    cols = list(frame.columns)
    n = len(cols)
    S = cov.loc[cols, cols].to_numpy()
    bb = b.reindex(cols, fill_value=0.0).to_numpy()
    h0 = w0.reindex(cols, fill_value=0.0).to_numpy()
    is_perp = np.array([c.endswith("-PERP") for c in cols])
    # expected funding: mean settlement of the 30 days up to the date, x 3 x 365
    window = rates.loc[
        (rates.index > date - pd.Timedelta(days=30)) & (rates.index <= date)
    ]
    f = np.zeros(n)
    f[is_perp] = (
        window[[c for c in cols if c.endswith("-PERP")]].mean().to_numpy() * 1095
    )
    m = np.zeros(n)
    m[is_perp] = [p.maintenance_margin for p in perps]
    phi = fee.loc[cols].to_numpy() / 1e4
    w = cp.Variable(n)
    cost = phi @ cp.abs(w - h0) + H * f @ w
    objective = cp.quad_form(w - bb, cp.psd_wrap(S)) + cost / (LAMBDA * H)
    spot = ~is_perp
    cons = [
        w[spot] >= 0,
        w[spot] <= 1,
        cp.sum(w[spot]) + m @ cp.abs(w) <= 1,
        cp.norm1(w) <= 1.3,
        cp.sum(w[is_perp]) <= 0.25,
        cp.sum(w[is_perp]) >= -0.25,
    ]
    prob = cp.Problem(cp.Minimize(objective), cons)
    prob.solve(solver="CLARABEL", tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12)
    assert prob.status == cp.OPTIMAL

    def value(x):
        x = np.asarray(x, dtype=float)
        c = phi @ np.abs(x - h0) + H * f @ x
        return float((x - bb) @ S @ (x - bb) + c / (LAMBDA * H))

    return w.value, value, f


@pytest.mark.parametrize("backend", ["auto", "native", "cvxpy"])
def test_solve_agrees_with_an_independent_formulation(case, backend):
    frame, cov, perps, rates, fee, w0, b = case
    date = frame.index[-1]
    model = rp.Replicator(
        risk=rp.risk.Covariance(cov),
        costs=[
            rp.costs.ProportionalFee(bps=fee),
            D.FundingCarry(perps, rates=rates, horizon=H),
        ],
        constraints=[
            D.spot_long_only(frame.columns, perps),
            D.MarginRequirement(perps),
            D.GrossLeverage(1.3),
            D.NetPerpExposure(perps, lower=-0.25, upper=0.25),
        ],
        risk_aversion=LAMBDA,
        horizon=H,
        periods_per_year=365,
        backend=backend,
    )
    res = model.solve(frame, b, w0, date=date)
    w_ref, value, f = independent(frame, cov, perps, rates, fee, w0, b, date)
    ours = res.weights.reindex(frame.columns).to_numpy()
    assert value(ours) == pytest.approx(value(w_ref), rel=1e-6)
    assert res.objective == pytest.approx(value(w_ref), rel=1e-6)
    np.testing.assert_allclose(ours, w_ref, atol=1e-4)
    # the carry the result reports is the independent H f' w of its weights
    carry = D.FundingCarry(perps, rates=rates, horizon=H)
    assert res.costs[carry.name] == pytest.approx(H * f @ ours, rel=1e-9)
