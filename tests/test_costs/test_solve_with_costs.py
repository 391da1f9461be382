"""Full solves: solver routing by cost class, and what costs do to the trades."""

from __future__ import annotations

import pytest

import replicator as rp

CONSTRAINTS = [rp.constraints.FullyInvested(), rp.constraints.LongOnly()]


def solve(costs, market, **kwargs):
    kwargs.setdefault("risk_aversion", 100.0)  # the setting these were written for
    model = rp.Replicator(
        risk=rp.risk.StatisticalFactor(n_factors=2),
        costs=costs,
        constraints=CONSTRAINTS,
        **kwargs,
    )
    return model, model.solve(**market)


@pytest.mark.parametrize(
    "costs",
    [
        [rp.costs.PowerImpact(coef=0.8)],
        [rp.costs.ConstantProductAMM(fee=0.003)],
        [rp.costs.ConstantProductAMM(), rp.costs.ProportionalFee(bps=5)],
    ],
    ids=["power", "amm", "amm+fee"],
)
def test_conic_costs_go_to_clarabel(costs, market):
    model, res = solve(costs, market)
    assert res.stats.solver == "CLARABEL"
    assert res.stats.status is rp.Status.OPTIMAL
    assert model._compiled.problem_class == "socp"
    assert all(v > 0 for v in res.costs.values())
    # The optimizer's objective equals the numpy twins' objective. Its epigraph
    # variables sit above the cost by up to the solver's tolerance (measured
    # 4e-4 relative of this tiny objective at Clarabel's defaults): compare at
    # tight tolerances, and check the default solve reaches the same optimum.
    tight = {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10}
    model_t, res_t = solve(costs, market, solver_options=tight)
    assert model_t._compiled.objective_value / 1e4 == pytest.approx(
        res_t.objective, rel=1e-6
    )
    assert res.objective == pytest.approx(res_t.objective, rel=1e-6)


QP_COSTS = [
    lambda: rp.costs.ProportionalFee(bps=3),
    lambda: rp.costs.Spread(2.0),
    lambda: rp.costs.QuadraticImpact.from_adv(eta=0.1),
    lambda: rp.costs.QuadraticImpact(coef=0.05),
]


def test_qp_costs_go_to_dual_newton(market):
    from replicator.problem._native import DUAL_NEWTON_REASON

    model, res = solve([make() for make in QP_COSTS], market)
    assert res.stats.solver == "DUAL_NEWTON" and "QP" in res.stats.reason
    assert res.stats.reason == DUAL_NEWTON_REASON
    assert res.stats.attempts == ("DUAL_NEWTON: solved",)
    assert res.stats.status is rp.Status.OPTIMAL
    compiled = model._compiled
    assert compiled.native and compiled.problem_class == "qp"
    # The assembled QP prices its solution as the numpy twins do.
    value = compiled.data.objective(compiled._x)
    assert value / 1e4 == pytest.approx(res.objective, rel=1e-5)


def test_qp_costs_go_to_osqp_through_cvxpy(market):
    model, res = solve([make() for make in QP_COSTS], market, backend="cvxpy")
    assert res.stats.solver == "OSQP"
    assert res.stats.status is rp.Status.OPTIMAL
    assert model._compiled.problem_class == "qp"
    assert model._compiled.problem.value / 1e4 == pytest.approx(res.objective, rel=1e-5)


@pytest.mark.parametrize(
    "make",
    [
        lambda k: rp.costs.PowerImpact(coef=k),
        lambda k: rp.costs.QuadraticImpact.from_adv(eta=k),
        lambda k: rp.costs.Spread(10 * k),
        lambda k: rp.costs.ConstantProductAMM(fee=0.003 * k),
    ],
    ids=["power", "quadratic", "spread", "amm"],
)
def test_costlier_trading_trades_less(make, market):
    turnovers = [solve([make(k)], market)[1].turnover for k in (0.1, 1.0, 10.0)]
    assert turnovers[0] > turnovers[1] > turnovers[2]


def test_amm_pool_depth_limits_trades(market):
    # Quartering every pool's depth makes the optimizer trade less.
    reserves = market["extra"]["amm_reserves"]
    shallow = dict(market, extra={"amm_reserves": reserves / 4})
    _, deep = solve([rp.costs.ConstantProductAMM()], market)
    _, thin = solve([rp.costs.ConstantProductAMM()], shallow)
    assert thin.turnover < deep.turnover
    r = (reserves / 4 / market["nav"]).reindex(thin.trades.index)
    assert (thin.trades < r).all()


def test_recompiles_nothing_across_snapshots(market):
    model = rp.Replicator(
        risk=rp.risk.StatisticalFactor(n_factors=2),
        costs=[rp.costs.ConstantProductAMM(), rp.costs.PowerImpact()],
        constraints=CONSTRAINTS,
    )
    first = model.solve(**market)
    reserves = market["extra"]["amm_reserves"]
    second = model.solve(**dict(market, extra={"amm_reserves": reserves * 2}, nav=2e8))
    assert model.n_compilations_ == 1
    assert second.stats.status is rp.Status.OPTIMAL
    assert first.weights.sub(second.weights).abs().max() > 0
