"""Hypothesis property tests of the engine on small synthetic problems.

Invariants: constraints hold at the solution; adding a constraint never lowers
the optimum; permuting the assets permutes the weights; zero costs reproduce
the cost-free solution; tracking error is never negative.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import replicator as rp
from replicator.measures import turnover

C = rp.constraints
SETTINGS = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
    database=None,
)
TOL = 1e-6

sizes = st.integers(min_value=5, max_value=20)
seeds = st.integers(min_value=0, max_value=2**31 - 1)


def market(n, seed):
    """Factor returns (T > n, so the sample covariance is definite), a
    cap-weighted benchmark, equal-weight holdings and four groups."""
    rng = np.random.default_rng(seed)
    tickers = [f"T{i:02d}" for i in range(n)]
    dates = pd.bdate_range("2022-01-03", periods=3 * n + 20)
    B = rng.normal(0, 1, (n, 2))
    f = rng.normal(0, 0.01, (len(dates), 2))
    eps = rng.normal(0, 0.01, (len(dates), n)) * rng.uniform(0.5, 2.0, n)
    R = pd.DataFrame(f @ B.T * 0.5 + eps, index=dates, columns=tickers)
    caps = rng.lognormal(0, 1.0, n)
    b = pd.Series(caps / caps.sum(), index=tickers)
    w0 = pd.Series(1.0 / n, index=tickers)
    groups = pd.Series([f"G{i % 4}" for i in range(n)], index=tickers)
    return R, b, w0, groups


def solve(R, b, w0, constraints, costs=(), risk=None, **kw):
    model = rp.Replicator(
        risk=risk or rp.risk.SampleCovariance(),
        costs=list(costs),
        constraints=list(constraints),
    )
    return model.solve(R, b, w0, **kw)


@SETTINGS
@given(
    n=sizes,
    seed=seeds,
    cap_mult=st.floats(1.0, 3.0),
    limit=st.floats(0.01, 0.6),
    max_cash=st.sampled_from([0.0, 0.02]),
)
def test_constraints_hold_at_the_solution(n, seed, cap_mult, limit, max_cash):
    R, b, w0, _ = market(n, seed)
    upper = cap_mult / n  # equal-weight holdings are feasible
    cons = [
        C.FullyInvested(max_cash=max_cash),
        C.LongOnly(),
        C.WeightBounds(upper=upper),
        C.TurnoverLimit(limit),
    ]
    res = solve(R, b, w0, cons, costs=[rp.costs.ProportionalFee(bps=5)])
    w = res.weights.to_numpy()
    assert 1 - max_cash - TOL <= w.sum() <= 1 + TOL
    assert w.min() >= -TOL and w.max() <= upper + TOL
    assert turnover(res.trades.to_numpy()) <= limit + TOL
    assert res.turnover == pytest.approx(turnover(res.trades.to_numpy()))
    for rep in res.constraints:
        assert rep.max_violation <= TOL, rep


EXTRA = {
    "WeightBounds": lambda n: C.WeightBounds(upper=1.2 / n),
    "TurnoverLimit": lambda n: C.TurnoverLimit(0.05),
    "GroupBounds": lambda n: C.GroupBounds(upper=0.3),
    "ActiveWeightBounds": lambda n: C.ActiveWeightBounds(upper=0.02),
    "LiquidityLimit": lambda n: C.LiquidityLimit(0.1),
    "TrackingErrorLimit": lambda n: C.TrackingErrorLimit(0.2),
    "NoTrade": lambda n: C.NoTrade(["T00", "T03"]),
    "Restricted": lambda n: C.Restricted(["T01"]),
}


@SETTINGS
@given(n=sizes, seed=seeds, extra=st.sampled_from(sorted(EXTRA)))
def test_adding_a_constraint_never_lowers_the_optimum(n, seed, extra):
    R, b, w0, groups = market(n, seed)
    adv = pd.Series(np.random.default_rng(seed).uniform(0.5, 3.0, n), index=b.index)
    kw = {"groups": groups, "adv": adv, "nav": 1.0}
    base = [C.FullyInvested(), C.LongOnly()]
    fee = [rp.costs.ProportionalFee(bps=10)]
    loose = solve(R, b, w0, base, fee, **kw)
    try:
        tight = solve(R, b, w0, [*base, EXTRA[extra](n)], fee, **kw)
    except rp.exceptions.InfeasibleError:
        return  # an empty feasible set has optimum +inf
    if extra == "TrackingErrorLimit":
        # the objective becomes the cost (TE^2 a tie-breaker): when the cap-free
        # solution satisfies the cap, the capped one is not dominated by it
        assert tight.tracking_error <= 0.2 + TOL
        if loose.tracking_error <= 0.2:
            assert (
                tight.total_cost <= loose.total_cost + 1e-9
                or tight.tracking_variance <= loose.tracking_variance + 1e-9
            )
        return
    assert tight.objective >= loose.objective - TOL * (1 + abs(loose.objective))


@SETTINGS
@given(n=sizes, seed=seeds, perm_seed=seeds)
def test_permuting_assets_permutes_the_weights(n, seed, perm_seed):
    R, b, w0, _ = market(n, seed)
    cons = [C.FullyInvested(), C.LongOnly(), C.WeightBounds(upper=2.0 / n)]
    fee = [rp.costs.ProportionalFee(bps=10)]
    res = solve(R, b, w0, cons, fee)
    p = np.random.default_rng(perm_seed).permutation(n)
    cols = R.columns[p]
    res_p = solve(R[cols], b[cols], w0[cols], cons, fee)
    assert list(res_p.weights.index) == list(cols)
    np.testing.assert_allclose(res_p.weights[res.weights.index], res.weights, atol=1e-5)
    assert res_p.tracking_error == pytest.approx(res.tracking_error, rel=1e-4, abs=1e-7)


@SETTINGS
@given(n=sizes, seed=seeds, returns_only=st.booleans())
def test_zero_costs_reproduce_the_cost_free_solution(n, seed, returns_only):
    R, b, w0, _ = market(n, seed)
    bench = R @ b if returns_only else b
    cons = [C.FullyInvested(), C.LongOnly(), C.TurnoverLimit(0.3)]
    free = solve(R, bench, w0, cons)
    zero = solve(R, bench, w0, cons, [rp.costs.ProportionalFee(bps=0)])
    np.testing.assert_allclose(zero.weights, free.weights, atol=1e-6)
    assert zero.total_cost == 0.0
    assert zero.objective == pytest.approx(free.objective, rel=1e-5, abs=1e-9)


@SETTINGS
@given(n=sizes, seed=seeds, returns_only=st.booleans(), factor=st.booleans())
def test_tracking_error_is_never_negative(n, seed, returns_only, factor):
    R, b, w0, _ = market(n, seed)
    bench = R @ b if returns_only else b
    risk = rp.risk.StatisticalFactor(n_factors=2) if factor else None
    res = solve(R, bench, w0, [C.FullyInvested(), C.LongOnly()], risk=risk)
    assert res.tracking_error >= 0 and res.tracking_variance >= -1e-12
    assert res.te_factor_variance >= -1e-12 and res.te_specific_variance >= 0
    model = rp.Replicator(risk=risk or rp.risk.SampleCovariance())
    snap = model.prepare(R, bench, w0)
    rng = np.random.default_rng(seed)
    for _ in range(5):
        w = rng.normal(0, 0.5, n)
        assert model.risk.evaluate(w, snap) >= 0.0
    if not returns_only:
        assert model.risk.evaluate(snap.benchmark, snap) == pytest.approx(0, abs=1e-14)
