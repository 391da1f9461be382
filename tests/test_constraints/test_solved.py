"""Solved known answers on a diagonal covariance.

With ``TE^2 = sum_i sigma_i^2 (w_i - b_i)^2`` and a budget, moving weight
``E`` out of some names spreads it over the free names in proportion to
``a_i = 1 / sigma_i^2`` (KKT: ``2 sigma_i^2 delta_i = mu``), and names that hit
a cap on the way are held at the cap (water-filling).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import replicator as rp

C = rp.constraints
T = list("ABCDEF")
SIGMA = pd.Series([0.2, 0.1, 0.3, 0.15, 0.25, 0.4], index=T)
BENCH = pd.Series([0.4, 0.15, 0.15, 0.1, 0.1, 0.1], index=T)
A = 1 / SIGMA.to_numpy() ** 2
ATOL = 2e-6


def water_fill(total, a, caps):
    """Increments ``min(nu * a_i, cap_i)`` summing to ``total``."""
    lo, hi = 0.0, 1e6
    for _ in range(200):
        nu = 0.5 * (lo + hi)
        if np.minimum(nu * a, caps).sum() > total:
            hi = nu
        else:
            lo = nu
    return np.minimum(lo * a, caps)


def test_single_binding_cap_closed_form(diag_model):
    u = 0.25
    model = diag_model(
        SIGMA, [C.FullyInvested(), C.LongOnly(), C.WeightBounds(upper=u)]
    )
    res = model.solve(benchmark=BENCH)
    E = BENCH["A"] - u
    s_inv = A[1:].sum()
    expected = BENCH.to_numpy().copy()
    expected[0] = u
    expected[1:] += E * A[1:] / s_inv
    np.testing.assert_allclose(res.weights, expected, atol=ATOL)
    te2 = SIGMA["A"] ** 2 * E**2 + E**2 / s_inv
    assert res.tracking_variance == pytest.approx(te2, rel=1e-5)
    rep = {r.name: r for r in res.constraints}["WeightBounds(lower=0, upper=0.25)"]
    assert rep.binding and rep.where == "'A' (upper)"
    assert rep.value == pytest.approx(u, abs=ATOL) and rep.limit == u
    assert res.binding_constraints == [
        "FullyInvested()",
        "WeightBounds(lower=0, upper=0.25)",
    ]


def test_series_cap_and_dual_sign(diag_model):
    """Cap only the largest name; the cap's dual is the KKT multiplier."""
    k = C.WeightBounds(upper=pd.Series({"A": 0.3}), lower=-1.0)
    # the dual is read off the cvxpy problem's constraint
    model = diag_model(SIGMA, [C.FullyInvested(), k], backend="cvxpy")
    res = model.solve(benchmark=BENCH)
    E = BENCH["A"] - 0.3
    s_inv = A[1:].sum()
    assert res.weights["A"] == pytest.approx(0.3, abs=ATOL)
    np.testing.assert_allclose(
        res.weights[1:], BENCH[1:] + E * A[1:] / s_inv, atol=ATOL
    )
    # dual of "w <= upper": lambda = 2 S E (sigma_A^2 + 1 / sum_{j != A} a_j) >= 0
    problem = model._compiled.problem
    cap = next(c for c in problem.constraints if any(a is k._hi for a in c.args))
    lam = 2 * 1e4 * E * (SIGMA["A"] ** 2 + 1 / s_inv)
    assert cap.dual_value[0] == pytest.approx(lam, rel=1e-4)
    assert np.all(cap.dual_value >= -1e-6)


def test_active_weight_bounds_water_fill(diag_model):
    """A is outside the universe: its 40 % goes to the others, at most +12 % each."""
    x = 0.12
    model = diag_model(SIGMA, [C.FullyInvested(), C.ActiveWeightBounds(upper=x)])
    res = model.solve(benchmark=BENCH, universe=T[1:])
    assert res.weights["A"] == 0.0 and res.unreplicated_weight == pytest.approx(0.4)
    inc = water_fill(0.4, A[1:], np.full(5, x))
    np.testing.assert_allclose(res.weights[T[1:]], BENCH[1:] + inc, atol=ATOL)
    active = (res.weights - res.benchmark)[T[1:]]
    assert active.max() <= x + ATOL and (active > x - ATOL).sum() >= 1
    assert (active < x - 1e-3).sum() >= 1  # not every cap binds
    assert res.constraints[1].binding  # the non-investable A (-40 %) is not bounded


def test_active_weight_bounds_infeasible_band_is_diagnosed(diag_model):
    model = diag_model(SIGMA, [C.FullyInvested(), C.ActiveWeightBounds(upper=0.04)])
    with pytest.raises(rp.exceptions.InfeasibleError, match=r"widened by 0\.04\b"):
        model.solve(benchmark=BENCH, universe=T[1:])


def test_group_bounds_closed_form(diag_model):
    groups = pd.Series(["G1", "G1", "G2", "G2", "G3", "G3"], index=T)
    upper = 0.4  # G1 holds 55 % in the benchmark
    model = diag_model(SIGMA, [C.FullyInvested(), C.GroupBounds(upper={"G1": upper})])
    res = model.solve(benchmark=BENCH, groups=groups)
    D = 0.55 - upper
    g1 = np.array([1, 1, 0, 0, 0, 0], dtype=bool)
    delta = np.where(g1, -D * A / A[g1].sum(), D * A / A[~g1].sum())
    np.testing.assert_allclose(res.weights, BENCH + delta, atol=ATOL)
    rep = res.constraints[1]
    assert rep.binding and rep.where == "group 'G1' (upper)"
    assert rep.value == pytest.approx(upper, abs=ATOL)


def test_active_group_bounds_hold(medium):
    def solve(*extra):
        model = rp.Replicator(
            risk=rp.risk.StatisticalFactor(n_factors=3),
            costs=[rp.costs.ProportionalFee(bps=100)],
            constraints=[C.FullyInvested(), C.LongOnly(), *extra],
            risk_aversion=100.0,  # the setting this test was written for
        )
        w0 = medium.holdings * 0 + 1 / len(medium.holdings)  # equal weight: far off
        res = model.solve(medium.returns, medium.benchmark, w0, groups=medium.sectors)
        return res, (res.weights - res.benchmark).groupby(medium.sectors).sum()

    _, free = solve()
    assert free.abs().max() > 0.006  # the costs keep a sector tilt
    res, by_group = solve(C.GroupBounds(lower=-0.005, upper=0.005, active=True))
    assert by_group.abs().max() <= 0.005 + 1e-6
    rep = res.constraints[2]
    assert rep.binding and rep.where.startswith(f"group {free.abs().idxmax()!r}")
    assert abs(rep.value) == pytest.approx(0.005, abs=1e-6)


def test_liquidity_limit_water_fill_from_cash(diag_model):
    """From all cash the buys are capped by ADV; the rest water-fills."""
    nav, p, days = 1e8, 0.1, 2.0
    adv = pd.Series([1e8, 5e8, 5e8, 5e8, 5e8, 5e8], index=T)  # A: cap 0.2 < 0.4
    caps = p * adv.to_numpy() * days / nav
    model = diag_model(
        SIGMA, [C.FullyInvested(), C.LongOnly(), C.LiquidityLimit(p, days=days)]
    )
    res = model.solve(benchmark=BENCH, nav=nav, adv=adv)
    inc = water_fill(0.4 - caps[0], A[1:], caps[1:] - BENCH[1:].to_numpy())
    np.testing.assert_allclose(res.weights, [caps[0], *(BENCH[1:] + inc)], atol=ATOL)
    assert res.liquidity_usage.max() <= p * days + 1e-6
    rep = res.constraints[2]
    assert rep.binding and rep.where == "'A'"
    assert rep.value == pytest.approx(p, rel=1e-5) and rep.limit == p


@pytest.mark.parametrize("missing", ["no_trade", "unlimited"])
def test_liquidity_missing_adv_policies(diag_model, missing):
    adv = pd.Series([1e8] * 5, index=T[1:])  # no ADV for A
    model = diag_model(
        SIGMA, [C.FullyInvested(), C.LiquidityLimit(0.5, missing=missing)]
    )
    w0 = BENCH * 0 + 1 / 6
    res = model.solve(benchmark=BENCH, holdings=w0, nav=1e8, adv=adv)
    if missing == "no_trade":
        assert res.trades["A"] == pytest.approx(0.0, abs=1e-7)
    else:
        assert res.weights["A"] == pytest.approx(0.4, abs=1e-4)  # traded freely
    assert res.trades[1:].abs().max() <= 0.5 + 1e-7


def test_restricted_sells_and_redistributes(diag_model):
    w0 = pd.Series(1 / 6, index=T)
    model = diag_model(SIGMA, [C.FullyInvested(), C.Restricted("A")])
    res = model.solve(benchmark=BENCH, holdings=w0)
    assert res.weights["A"] == pytest.approx(0.0, abs=1e-8)
    assert res.trades["A"] == pytest.approx(-1 / 6, abs=1e-8)
    np.testing.assert_allclose(
        res.weights[1:], BENCH[1:] + 0.4 * A[1:] / A[1:].sum(), atol=ATOL
    )
    # the list can change without recompiling
    model.constraints[1].tickers = ["B"]
    res = model.solve(benchmark=BENCH, holdings=w0)
    assert res.weights["B"] == pytest.approx(0.0, abs=1e-8)
    assert res.weights["A"] > 0.3
    assert model.n_compilations_ == 1


def test_no_trade_freezes_positions(diag_model):
    w0 = pd.Series(1 / 6, index=T)
    model = diag_model(SIGMA, [C.FullyInvested(), C.NoTrade(["A", "C"])])
    res = model.solve(benchmark=BENCH, holdings=w0)
    np.testing.assert_allclose(res.trades[["A", "C"]], 0.0, atol=1e-8)
    free = np.array([False, True, False, True, True, True])
    E = (BENCH["A"] - 1 / 6) + (BENCH["C"] - 1 / 6)
    np.testing.assert_allclose(
        res.weights[free], BENCH[free] + E * A[free] / A[free].sum(), atol=ATOL
    )
    assert res.constraints[1].n_binding == 2


def test_tracking_error_limit_minimizes_cost_under_the_cap(medium):
    fee = rp.costs.ProportionalFee(bps=10)
    w0 = medium.holdings.copy()
    w0[:] = 1 / len(w0)
    free = rp.Replicator(risk=rp.risk.StatisticalFactor(n_factors=3), costs=[fee])
    snap = free.prepare(medium.returns, medium.benchmark, w0)
    te0 = np.sqrt(free.risk.evaluate(snap.holdings, snap))
    cap = 0.3 * te0
    model = rp.Replicator(
        risk=rp.risk.StatisticalFactor(n_factors=3),
        costs=[fee],
        constraints=[C.FullyInvested(), C.LongOnly(), C.TrackingErrorLimit(cap)],
    )
    res = model.solve(medium.returns, medium.benchmark, w0)
    assert res.stats.solver == "CLARABEL" and res.stats.attempts == (
        "CLARABEL: Solved",
    )
    assert "SOCP" in res.stats.reason
    assert res.tracking_error <= cap * (1 + 1e-6)
    assert res.tracking_error == pytest.approx(
        cap, rel=1e-4
    )  # binding: cost wants less
    rep = res.constraints[2]
    assert rep.binding and rep.value == pytest.approx(res.tracking_error)
    # any other point under the cap costs at least as much, e.g. the straight line
    # from w0 to b stopped where TE = cap (TE falls linearly along it)
    alpha = 1 - cap / te0
    line = snap.holdings + alpha * (snap.benchmark - snap.holdings)
    line_cost = fee.evaluate(line - snap.holdings, snap)
    assert res.total_cost <= line_cost + 1e-9
    assert res.total_cost < 0.9 * fee.evaluate(snap.benchmark - snap.holdings, snap)


def _returns_only_capped(medium):
    w0 = medium.holdings * 0 + 1 / len(medium.holdings)
    model = rp.Replicator(
        risk=rp.risk.StatisticalFactor(n_factors=3),
        constraints=[C.FullyInvested(), C.LongOnly()],
    )
    best = model.solve(medium.returns, medium.index_returns, w0)
    snap = model.prepare(medium.returns, medium.index_returns, w0)
    te0 = np.sqrt(model.risk.evaluate(snap.holdings, snap))
    cap = 0.5 * (best.tracking_error + te0)
    model = rp.Replicator(
        risk=rp.risk.StatisticalFactor(n_factors=3),
        costs=[rp.costs.ProportionalFee(bps=10)],
        constraints=[C.FullyInvested(), C.LongOnly(), C.TrackingErrorLimit(cap)],
    )
    return model.solve(medium.returns, medium.index_returns, w0), cap


def test_tracking_error_limit_returns_only_mode(medium):
    res, cap = _returns_only_capped(medium)
    assert res.returns_only and res.stats.solver == "CLARABEL"
    assert res.tracking_error <= cap * (1 + 1e-6)
    assert res.constraints[2].value == pytest.approx(res.tracking_error, rel=1e-9)


def test_tracking_error_cap_binds_when_costs_are_minimized(diag_model):
    """Far from the benchmark, the cheapest point under the cap is on the cap.

    Any point strictly inside the cap can move back towards the holdings and
    trade less, so the cost minimizer has TE == cap; a tie-breaker that is not
    small against the cost (here 1 bp fees, volatile assets) breaks this.
    """
    w0 = pd.Series(1 / 6, index=T)
    sigma = 3 * SIGMA
    te0 = float(np.sqrt(np.sum(sigma**2 * (w0 - BENCH) ** 2)))
    cap = 0.5 * te0
    model = diag_model(
        sigma,
        [C.FullyInvested(), C.TrackingErrorLimit(cap)],
        costs=[rp.costs.ProportionalFee(bps=1)],
    )
    res = model.solve(benchmark=BENCH, holdings=w0)
    assert res.tracking_error == pytest.approx(cap, rel=1e-4)


def test_soft_allows_violation_at_a_price(diag_model):
    w0 = pd.Series(1 / 6, index=T)
    hard = diag_model(SIGMA, [C.FullyInvested(), C.TurnoverLimit(0.05)])
    res_hard = hard.solve(benchmark=BENCH, holdings=w0)
    assert res_hard.turnover == pytest.approx(0.05, abs=1e-6)

    cheap = diag_model(
        SIGMA, [C.FullyInvested(), C.Soft(C.TurnoverLimit(0.05), penalty=1e-4)]
    )
    res = cheap.solve(benchmark=BENCH, holdings=w0)
    assert res.turnover > 0.06  # violated, because violating is cheap
    assert res.tracking_error < res_hard.tracking_error
    name = "Soft(TurnoverLimit(0.05), penalty=0.0001)"
    assert res.penalties[name] == pytest.approx(1e-4 * (res.turnover - 0.05), rel=1e-6)
    rep = res.constraints[1]
    assert rep.soft and rep.max_violation == pytest.approx(res.turnover - 0.05)
    assert res.objective == pytest.approx(res.tracking_variance + res.penalties[name])

    # an exact penalty: above the hard constraint's multiplier, Soft == hard
    steep = diag_model(
        SIGMA, [C.FullyInvested(), C.Soft(C.TurnoverLimit(0.05), penalty=1.0)]
    )
    res = steep.solve(benchmark=BENCH, holdings=w0)
    np.testing.assert_allclose(res.weights, res_hard.weights, atol=1e-5)


#: Per constraint: a factory and whether the problem is conic (needs Clarabel).
ROUTES = {
    "ActiveWeightBounds": (lambda: C.ActiveWeightBounds(upper=0.05), False),
    "GroupBounds": (lambda: C.GroupBounds(upper=0.5), False),
    "LiquidityLimit": (lambda: C.LiquidityLimit(0.5), False),
    "NoTrade": (lambda: C.NoTrade("A0003"), False),
    "Restricted": (lambda: C.Restricted("A0001"), False),
    "Soft": (lambda: C.Soft(C.TurnoverLimit(0.01)), False),
    "Soft(TE)": (lambda: C.Soft(C.TrackingErrorLimit(0.001)), True),
    "TrackingErrorLimit": (lambda: C.TrackingErrorLimit(0.5), True),
    "TurnoverLimit": (lambda: C.TurnoverLimit(0.5), False),
    "WeightBounds": (lambda: C.WeightBounds(upper=0.5), False),
}
#: QPs the dual Newton method declines (auto), and why; PIQP solves them.
#: (The soft turnover limit's one slack sits in two rows.)
DUAL_NEWTON_DECLINES = {"Soft": "a penalty slack shared by rows"}


@pytest.mark.parametrize("backend", ["auto", "cvxpy"])
@pytest.mark.parametrize("name", sorted(ROUTES))
def test_solver_routing(small, name, backend):
    """QPs: the dual Newton method natively (auto; PIQP where it declines), OSQP
    through cvxpy; conic: Clarabel."""
    from replicator.problem._native import DUAL_NEWTON_REASON, PIQP_REASON

    make, conic = ROUTES[name]
    model = rp.Replicator(
        risk=rp.risk.StatisticalFactor(n_factors=2),
        costs=[rp.costs.ProportionalFee(bps=5)],
        constraints=[C.FullyInvested(), C.LongOnly(), make()],
        backend=backend,
        risk_aversion=100.0,  # the setting this test was written for
    )
    res = model.solve(
        small.returns,
        small.benchmark,
        small.holdings,
        nav=1e6,
        adv=small.adv,
        groups=small.sectors,
    )
    if conic:
        solver = "CLARABEL"
    elif backend == "auto" and name in DUAL_NEWTON_DECLINES:
        solver = "PIQP"
        why = f"declined: {DUAL_NEWTON_DECLINES[name]}"
        assert model._compiled.native
        assert res.stats.reason == f"{PIQP_REASON} (dual Newton {why})"
        assert res.stats.attempts == (f"DUAL_NEWTON: {why}", "PIQP: PIQP_SOLVED")
    elif backend == "auto":
        solver = "DUAL_NEWTON"
        assert model._compiled.native
        assert res.stats.reason == DUAL_NEWTON_REASON
        assert res.stats.attempts == ("DUAL_NEWTON: solved",)
    else:
        solver = "OSQP"
        assert not getattr(model._compiled, "native", False)
        assert "QP" in res.stats.reason
    assert res.stats.solver == solver and res.status is rp.Status.OPTIMAL
    assert res.constraints[2].max_violation <= 1e-6 or res.constraints[2].soft


def test_every_constraint_at_once_reports_cleanly(medium):
    small_names = list(medium.benchmark.sort_values().index[:3])
    constraints = [
        C.FullyInvested(max_cash=0.01),
        C.LongOnly(),
        C.WeightBounds(upper=0.25),
        C.ActiveWeightBounds(upper=0.03),
        C.GroupBounds(lower=0.05, upper=0.5),
        C.GroupBounds(lower=-0.05, upper=0.05, active=True),
        C.LiquidityLimit(0.2),
        C.TurnoverLimit(0.3),
        C.TrackingErrorLimit(0.05),
        C.Restricted(small_names[:2]),
        C.NoTrade(small_names[2]),
        C.Soft(C.TurnoverLimit(0.001), penalty=0.01),
    ]
    model = rp.Replicator(
        risk=rp.risk.StatisticalFactor(n_factors=3),
        costs=[rp.costs.ProportionalFee(bps=5)],
        constraints=constraints,
    )
    res = model.solve(
        medium.returns,
        medium.benchmark,
        medium.holdings,
        nav=1e8,
        adv=medium.adv,
        groups=medium.sectors,
    )
    assert res.stats.solver == "CLARABEL"
    text = res.summary()
    for k, rep in zip(constraints, res.constraints, strict=True):
        assert rep.name == k.name and rep.name[:38] in text
        if not rep.soft:
            assert rep.max_violation <= 1e-6, rep
        assert np.isfinite(rep.value) and np.isfinite(rep.limit)
    assert res.liquidity_usage.max() <= 0.2 + 1e-6
    assert res.to_json()
