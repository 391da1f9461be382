"""Constraint rows without a solver: set the variables, check lhs <= rhs.

Each case sets the weights by hand and checks that the cvxpy rows and the numpy
twin agree on whether the constraint holds, and that the report reads right.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import replicator as rp
from replicator.exceptions import ModelError

C = rp.constraints
N = 5
TICKERS = [f"A{i:04d}" for i in range(N)]


@pytest.fixture(scope="module")
def market(small):
    w0 = pd.Series([0.3, 0.2, 0.2, 0.2, 0.1], index=TICKERS)
    adv = pd.Series([1e6, 2e6, 4e6, 1e6, 5e5], index=TICKERS)
    groups = pd.Series(["X", "X", "Y", "Y", "Z"], index=TICKERS)
    return small, w0, adv, groups


def build(market, harness, k, **kw):
    u, w0, adv, groups = market
    model = rp.Replicator(
        risk=rp.risk.StatisticalFactor(n_factors=2), constraints=[k], backend="cvxpy"
    )
    snap = model.prepare(
        u.returns,
        u.benchmark,
        kw.pop("holdings", w0),
        nav=1e7,
        adv=adv,
        groups=groups,
        **kw,
    )
    k.attach_risk(model.risk)
    return harness(model, snap)


def verdict(h, k, w):
    w, t = h.set(w)
    cl, cr = h.cvx_rows(k)
    tl, tr = h.twin_rows(k, w, t)
    cvx_holds = bool(np.all(cl <= cr + 1e-12))
    twin_holds = bool(np.all(tl <= tr + 1e-12))
    assert cvx_holds == twin_holds
    return cvx_holds, k.report(w, t, h.snapshot)


def test_weight_bounds(market, harness):
    k = C.WeightBounds(upper=0.3)
    h = build(market, harness, k)
    holds, rep = verdict(h, k, [0.3, 0.2, 0.2, 0.2, 0.1])
    assert holds and rep.binding and rep.value == pytest.approx(0.3)
    assert rep.where == "'A0000' (upper)"
    holds, rep = verdict(h, k, [0.1, 0.35, 0.2, 0.25, 0.1])
    assert not holds
    assert (rep.value, rep.limit, rep.where) == (0.35, 0.3, "'A0001' (upper)")
    assert rep.max_violation == pytest.approx(0.05)
    holds, rep = verdict(h, k, [0.4, 0.3, 0.3, 0.15, -0.15])
    assert not holds
    # the most violated row is the short position, read as w against its lower
    assert (rep.value, rep.limit, rep.where) == (-0.15, 0.0, "'A0004' (lower)")
    assert rep.max_violation == pytest.approx(0.15)


def test_weight_bounds_series_bounds_only_listed(market, harness):
    k = C.WeightBounds(
        lower=pd.Series({"A0004": 0.15}), upper=pd.Series({"A0000": 0.1})
    )
    h = build(market, harness, k)
    holds, rep = verdict(h, k, [0.1, 0.9, -0.3, 0.1, 0.2])
    assert holds  # unlisted names are unbounded
    holds, rep = verdict(h, k, [0.1, 0.5, 0.2, 0.1, 0.1])
    assert not holds
    assert (rep.value, rep.limit, rep.where) == (0.1, 0.15, "'A0004' (lower)")


def test_long_only(market, harness):
    k = C.LongOnly()
    h = build(market, harness, k)
    holds, rep = verdict(h, k, [0.5, 0.5, 0.0, 0.0, 0.0])
    assert holds and rep.binding and rep.n_binding == 3
    assert (rep.value, rep.limit) == (0.0, 0.0)
    holds, rep = verdict(h, k, [0.6, 0.5, -0.1, 0.0, 0.0])
    assert not holds and rep.value == -0.1 and rep.where == "'A0002'"


def test_fully_invested_band(market, harness):
    k = C.FullyInvested(min_cash=0.01, max_cash=0.05)
    h = build(market, harness, k)
    holds, rep = verdict(h, k, [0.2, 0.2, 0.2, 0.2, 0.17])
    assert holds and not rep.binding and rep.value == pytest.approx(0.97)
    holds, rep = verdict(h, k, [0.2, 0.2, 0.2, 0.2, 0.19])
    assert holds and rep.binding and rep.where == "upper"
    assert rep.limit == pytest.approx(0.99)
    holds, rep = verdict(h, k, [0.2, 0.2, 0.2, 0.2, 0.1])
    assert not holds and rep.where == "lower"
    assert (rep.value, rep.limit) == (pytest.approx(0.9), pytest.approx(0.95))
    assert rep.max_violation == pytest.approx(0.05)


def test_turnover_limit_counts_the_cash_leg(market, harness):
    k = C.TurnoverLimit(0.1)
    h = build(market, harness, k)
    # sell 0.1 of A0000 into cash: one-way turnover 0.5 * (0.1 + 0.1) = 0.1
    holds, rep = verdict(h, k, [0.2, 0.2, 0.2, 0.2, 0.1])
    assert holds and rep.binding and rep.value == pytest.approx(0.1)
    holds, rep = verdict(h, k, [0.15, 0.25, 0.2, 0.2, 0.2])
    assert not holds and rep.value == pytest.approx(0.15)


def test_liquidity_limit_caps_and_participation(market, harness):
    k = C.LiquidityLimit(0.1, days=2)
    h = build(market, harness, k)
    w0 = h.snapshot.holdings
    cap = 0.1 * np.array([1e6, 2e6, 4e6, 1e6, 5e5]) * 2 / 1e7
    holds, rep = verdict(h, k, w0 + cap * [1, -1, 1, -1, 0.5])
    assert holds and rep.binding and rep.n_binding == 4
    assert rep.value == pytest.approx(0.1) and rep.limit == pytest.approx(0.1)
    holds, rep = verdict(h, k, w0 + cap * [1, -1, 1, -1, 1.5])
    assert not holds
    assert rep.where == "'A0004'" and rep.value == pytest.approx(0.15)
    assert rep.max_violation == pytest.approx(0.05)


def test_group_bounds(market, harness):
    k = C.GroupBounds(lower={"Z": 0.05}, upper=0.45)
    h = build(market, harness, k)
    holds, rep = verdict(h, k, [0.25, 0.2, 0.2, 0.2, 0.15])
    assert holds and rep.binding and rep.where == "group 'X' (upper)"
    holds, rep = verdict(h, k, [0.25, 0.25, 0.2, 0.28, 0.02])
    assert not holds
    assert (rep.value, rep.limit, rep.where) == (
        pytest.approx(0.5),
        0.45,
        "group 'X' (upper)",
    )
    holds, rep = verdict(h, k, [0.2, 0.2, 0.2, 0.2, 0.0])
    assert not holds and rep.where == "group 'Z' (lower)" and rep.value == 0.0


def test_active_group_bounds(market, harness):
    k = C.GroupBounds(lower=-0.01, upper=0.01, active=True)
    h = build(market, harness, k)
    b = h.snapshot.benchmark
    holds, _ = verdict(h, k, b)
    assert holds
    shift = np.array([0.02, 0, -0.02, 0, 0])  # X +2 %, Y -2 %
    holds, rep = verdict(h, k, b + shift)
    assert not holds and rep.max_violation == pytest.approx(0.01)


def test_active_weight_bounds(market, harness):
    k = C.ActiveWeightBounds(upper=0.02)
    h = build(market, harness, k)
    b = h.snapshot.benchmark
    holds, rep = verdict(h, k, b + np.array([0.02, -0.02, 0, 0, 0]))
    assert holds and rep.binding and rep.n_binding == 2
    holds, rep = verdict(h, k, b + np.array([0.0, -0.03, 0.03, 0, 0]))
    assert not holds and rep.max_violation == pytest.approx(0.01)


def test_active_weight_bounds_skip_non_investable(market, harness):
    k = C.ActiveWeightBounds(upper=0.01)
    h = build(market, harness, k, universe=TICKERS[:4])
    b = h.snapshot.benchmark
    w = b.copy()
    w[4] = 0.0  # cannot be held; its active weight -b_4 is not bounded
    w[0] += b[4]
    assert b[4] > 0.01
    holds, _ = verdict(h, k, w)
    assert not holds  # A0000 absorbs it all: beyond +1 %
    w = b.copy()
    w[4] = 0.0
    w[:4] += b[4] / 4
    assert b[4] / 4 <= 0.01
    holds, rep = verdict(h, k, w)
    assert holds and "'A0004'" not in rep.where


def test_restricted_and_no_trade(market, harness):
    k = C.Restricted(["A0001", "A0003"])
    h = build(market, harness, k)
    holds, rep = verdict(h, k, [0.5, 0.0, 0.5, 0.0, 0.0])
    assert holds and rep.n_binding == 2
    holds, rep = verdict(h, k, [0.5, 0.0, 0.4, 0.1, 0.0])
    assert not holds and rep.where == "'A0003'" and rep.value == pytest.approx(0.1)

    k = C.NoTrade("A0000")
    h = build(market, harness, k)
    holds, _ = verdict(h, k, [0.3, 0.0, 0.3, 0.4, 0.0])
    assert holds
    holds, rep = verdict(h, k, [0.25, 0.05, 0.3, 0.4, 0.0])
    assert not holds and rep.value == pytest.approx(0.05)


def test_mask_changes_without_recompiling(market, harness):
    k = C.Restricted(["A0001"])
    h = build(market, harness, k)
    assert h.compiled.problem.is_dcp(dpp=True)
    k.tickers = ["A0002", "A0004"]
    h.compiled.update(h.snapshot)
    holds, rep = verdict(h, k, [0.5, 0.5, 0.0, 0.0, 0.0])
    assert holds and rep.n_binding == 2


def test_tracking_error_limit(market, harness):
    k = C.TrackingErrorLimit(0.02)
    h = build(market, harness, k)
    b = h.snapshot.benchmark
    holds, rep = verdict(h, k, b)
    assert holds and rep.value == pytest.approx(0.0, abs=1e-12) and not rep.binding
    w = b + np.array([0.2, -0.2, 0, 0, 0])
    holds, rep = verdict(h, k, w)
    te = np.sqrt(h.model.risk.evaluate(w, h.snapshot))
    assert not holds and rep.value == pytest.approx(te) and te > 0.02
    assert rep.max_violation == pytest.approx(te - 0.02)


def test_tracking_error_twin_without_attached_risk(market, harness):
    """Before the builder attaches the risk model, the twin reads the expression."""
    u, w0, _, _ = market
    k = C.TrackingErrorLimit(0.02)
    model = rp.Replicator(
        risk=rp.risk.StatisticalFactor(n_factors=2), constraints=[k], backend="cvxpy"
    )
    snap = model.prepare(u.returns, u.benchmark, w0)
    h = harness(model, snap)
    k._risk = None
    w = snap.benchmark + np.array([0.2, -0.2, 0, 0, 0])
    h.set(w)  # as after a solve: every variable at the solution
    lhs, _ = k.evaluate(w, w - snap.holdings, snap)
    assert lhs[0] == pytest.approx(model.risk.evaluate(w, snap))
    other = snap.benchmark
    if any(x is not h.v.weights for x in h.compiled.tracking_variance.variables()):
        with pytest.raises(ModelError, match=r"call attach_risk\(model\.risk\)"):
            k.evaluate(other, other - snap.holdings, snap)
    else:
        lhs, _ = k.evaluate(other, other - snap.holdings, snap)
        assert lhs[0] == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(h.v.weights.value, w)  # restored


def test_soft_penalty_twin(market, harness):
    k = C.Soft(C.WeightBounds(upper=0.3), penalty=2.0)
    h = build(market, harness, k)
    w, t = h.set([0.4, 0.35, 0.25, 0.0, 0.0])
    assert k.penalty_expression(h.v).value == pytest.approx(2.0 * (0.1 + 0.05))
    assert k.evaluate_penalty(w, t, h.snapshot) == pytest.approx(0.3)
    rep = k.report(w, t, h.snapshot)
    assert rep.soft and rep.name == "Soft(WeightBounds(lower=0, upper=0.3), penalty=2)"
