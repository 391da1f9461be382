"""Engine-level tests: known answers, solver agreement, compile-once, results."""

from __future__ import annotations

import json
import pickle
import warnings

import cvxpy as cp
import numpy as np
import pandas as pd
import pytest

import replicator as rp
from replicator.exceptions import ModelError, SolverFailedError

C = rp.constraints


def basic_model(**kw):
    kw.setdefault("risk_aversion", 100.0)  # the setting these tests were written for
    return rp.Replicator(
        risk=kw.pop("risk", rp.risk.StatisticalFactor(n_factors=3)),
        costs=kw.pop("costs", [rp.costs.ProportionalFee(bps=5)]),
        constraints=kw.pop(
            "constraints", [C.FullyInvested(), C.LongOnly(), C.TurnoverLimit(1.0)]
        ),
        **kw,
    )


def test_feasible_benchmark_without_costs_is_replicated_exactly(medium):
    model = basic_model(costs=[], constraints=[C.FullyInvested(), C.LongOnly()])
    res = model.solve(returns=medium.returns, benchmark=medium.benchmark)
    np.testing.assert_allclose(res.weights, medium.benchmark, atol=1e-5)
    assert res.tracking_error < 1e-4
    assert res.unreplicated_weight == 0.0


def test_single_binding_cap_closed_form():
    """Diagonal risk, one capped name: excess goes to others in proportion to 1/s^2."""
    tickers = ["A", "B", "C", "D"]
    s = np.array([0.1, 0.2, 0.3, 0.4])
    cov = pd.DataFrame(np.diag(s**2), index=tickers, columns=tickers)
    b = pd.Series([0.55, 0.15, 0.15, 0.15], index=tickers)
    cap = 0.40
    model = rp.Replicator(
        risk=rp.risk.Covariance(cov) if hasattr(rp.risk, "Covariance") else None,
        constraints=[C.FullyInvested(), C.WeightBounds(upper=cap)],
        solver="CLARABEL",
    )
    if not hasattr(rp.risk, "Covariance"):
        pytest.skip("rp.risk.Covariance not available yet")
    res = model.solve(benchmark=b)
    excess = b["A"] - cap
    inv = 1 / s[1:] ** 2
    expected = np.r_[cap, b.iloc[1:].to_numpy() + excess * inv / inv.sum()]
    np.testing.assert_allclose(res.weights.to_numpy(), expected, atol=1e-6)
    te2 = excess**2 * s[0] ** 2 + np.sum((expected[1:] - b.iloc[1:]) ** 2 * s[1:] ** 2)
    assert res.tracking_variance == pytest.approx(te2, rel=1e-5)
    [bounds] = [c for c in res.constraints if c.name.startswith("WeightBounds")]
    assert bounds.binding and bounds.n_binding == 1


def test_osqp_and_clarabel_agree(medium):
    kw = dict(
        constraints=[
            C.FullyInvested(),
            C.LongOnly(),
            C.WeightBounds(upper=0.15),
            C.TurnoverLimit(0.3),
        ]
    )
    res_o = basic_model(solver="OSQP", **kw).solve(
        returns=medium.returns, benchmark=medium.benchmark, holdings=medium.holdings
    )
    res_c = basic_model(solver="CLARABEL", **kw).solve(
        returns=medium.returns, benchmark=medium.benchmark, holdings=medium.holdings
    )
    assert res_o.stats.solver == "OSQP" and res_c.stats.solver == "CLARABEL"
    assert res_o.objective == pytest.approx(res_c.objective, rel=1e-4)
    np.testing.assert_allclose(res_o.weights, res_c.weights, atol=2e-4)


def test_qp_routes_to_dual_newton_natively(medium):
    from replicator.problem._native import DUAL_NEWTON_REASON

    model = basic_model()
    res = model.solve(returns=medium.returns, benchmark=medium.benchmark)
    assert res.stats.solver == "DUAL_NEWTON" and model._compiled.native
    assert "QP" in res.stats.reason and "dual Newton" in res.stats.reason
    assert res.stats.reason == DUAL_NEWTON_REASON
    assert res.stats.attempts == ("DUAL_NEWTON: solved",)


def test_qp_routes_to_osqp_through_cvxpy(medium):
    model = basic_model(backend="cvxpy")
    res = model.solve(returns=medium.returns, benchmark=medium.benchmark)
    assert res.stats.solver == "OSQP"
    assert not getattr(model._compiled, "native", False)
    assert "QP" in res.stats.reason


def test_compile_once_across_new_inputs(medium):
    model = basic_model()
    R = medium.returns
    res = model.solve(returns=R.iloc[:200], benchmark=medium.benchmark)
    rng = np.random.default_rng(5)
    for i in range(3):
        b2 = medium.benchmark * np.exp(rng.normal(0, 0.2, len(medium.benchmark)))
        b2 /= b2.sum()
        res = model.solve(
            returns=R.iloc[10 * i : 200 + 10 * i], benchmark=b2, holdings=res.weights
        )
        assert res.status is rp.Status.OPTIMAL
        assert res.stats.compile_time < 0.5
    assert model.n_compilations_ == 1


def test_sample_covariance_shorter_window_reuses_problem(medium):
    model = basic_model(risk=rp.risk.SampleCovariance())
    model.solve(returns=medium.returns.iloc[:120], benchmark=medium.benchmark)
    model.solve(returns=medium.returns.iloc[:100], benchmark=medium.benchmark)
    assert model.n_compilations_ == 1
    model.solve(returns=medium.returns.iloc[:150], benchmark=medium.benchmark)
    assert model.n_compilations_ == 2  # more rows than the compiled capacity


def test_new_universe_recompiles(medium):
    model = basic_model()
    model.solve(returns=medium.returns, benchmark=medium.benchmark)
    sub = medium.benchmark.iloc[:30] / medium.benchmark.iloc[:30].sum()
    model.solve(returns=medium.returns.iloc[:, :30], benchmark=sub)
    assert model.n_compilations_ == 2


@pytest.mark.parametrize("backend", ["native", "cvxpy"])
def test_changing_risk_aversion_recompiles(medium, backend):
    kw = dict(
        returns=medium.returns, benchmark=medium.benchmark, holdings=medium.holdings
    )
    model = basic_model(backend=backend, costs=[rp.costs.ProportionalFee(bps=50)])
    model.solve(**kw)
    model.risk_aversion = 1.0
    res = model.solve(**kw)
    assert model.n_compilations_ == 2
    fresh = basic_model(
        backend=backend, costs=[rp.costs.ProportionalFee(bps=50)], risk_aversion=1.0
    ).solve(**kw)
    np.testing.assert_allclose(res.weights, fresh.weights, atol=1e-6)
    assert res.objective == pytest.approx(fresh.objective, rel=1e-6)


def test_ex_ante_te_matches_numpy(medium):
    model = basic_model(risk=rp.risk.SampleCovariance())
    res = model.solve(
        returns=medium.returns, benchmark=medium.benchmark, holdings=medium.holdings
    )
    a = (res.weights - medium.benchmark.reindex(res.weights.index)).to_numpy()
    cov = np.cov(medium.returns[res.weights.index].to_numpy(), rowvar=False) * 252
    assert res.tracking_variance == pytest.approx(a @ cov @ a, rel=1e-9)
    assert res.te_by_asset.sum() == pytest.approx(res.tracking_variance, rel=1e-9)


def test_unreplicable_constituents_are_proxied(medium):
    universe = medium.benchmark.index[5:]
    model = basic_model(costs=[], constraints=[C.FullyInvested(), C.LongOnly()])
    res = model.solve(
        returns=medium.returns, benchmark=medium.benchmark, universe=universe
    )
    blocked = medium.benchmark.index[:5]
    assert res.unreplicated_weight == pytest.approx(medium.benchmark[blocked].sum())
    assert set(res.unreplicable) == set(blocked)
    assert (res.weights[blocked].abs() < 1e-9).all()
    assert res.weights.sum() == pytest.approx(1.0, abs=1e-6)
    # The proxy beats simply renormalizing the held names.
    naive = medium.benchmark.copy()
    naive[blocked] = 0
    naive /= naive.sum()
    assert res.tracking_variance <= model.risk.evaluate(
        naive.reindex(res.weights.index).to_numpy(),
        model.prepare(medium.returns, medium.benchmark, universe=universe, fit=False),
    )


def test_returns_only_mode_tracks_index(medium):
    model = basic_model(
        risk=rp.risk.SampleCovariance(),
        costs=[],
        constraints=[C.FullyInvested(), C.LongOnly()],
    )
    res = model.solve(returns=medium.returns, benchmark=medium.index_returns)
    assert res.returns_only
    assert res.status is rp.Status.OPTIMAL
    # The index is an exact long-only portfolio: TE ~ 0 and weights recovered.
    assert res.tracking_error < 1e-3
    np.testing.assert_allclose(res.weights, medium.benchmark, atol=2e-3)
    # The reported TE equals the realized in-sample active volatility.
    active = medium.returns[res.weights.index] @ res.weights - medium.index_returns
    assert res.tracking_error == pytest.approx(active.std() * np.sqrt(252), rel=1e-6)


def test_costs_reduce_trading(medium):
    free = basic_model(costs=[]).solve(
        returns=medium.returns, benchmark=medium.benchmark, holdings=medium.holdings
    )
    costly = basic_model(costs=[rp.costs.ProportionalFee(bps=50)]).solve(
        returns=medium.returns, benchmark=medium.benchmark, holdings=medium.holdings
    )
    assert costly.turnover < free.turnover
    assert costly.tracking_error >= free.tracking_error - 1e-9
    fee = costly.costs["ProportionalFee(50)"]
    assert fee == pytest.approx(50e-4 * costly.trades.abs().sum(), rel=1e-9)


def test_frontier_is_monotone(medium):
    model = basic_model(costs=[rp.costs.ProportionalFee(bps=20)])
    fr = model.frontier(
        returns=medium.returns,
        benchmark=medium.benchmark,
        holdings=medium.holdings,
        risk_aversions=[1, 10, 100, 1000, 10000],
    )
    assert list(fr.columns[:5]) == [
        "tracking_error",
        "total_cost",
        "turnover",
        "n_holdings",
        "status",
    ]
    te = fr["tracking_error"].to_numpy()
    cost = fr["total_cost"].to_numpy()
    assert np.all(np.diff(te) <= 1e-6)
    assert np.all(np.diff(cost) >= -1e-8)
    assert te[0] > te[-1]


def test_result_serializes_and_summarizes(medium):
    res = basic_model().solve(
        returns=medium.returns,
        benchmark=medium.benchmark,
        holdings=medium.holdings,
        groups=medium.sectors,
        adv=medium.adv,
        nav=1e8,
    )
    d = json.loads(res.to_json())
    assert d["status"] == "optimal"
    assert set(d["te_decomposition"]["by_group"]) == set(medium.sectors.unique())
    assert res.te_by_group.sum() == pytest.approx(res.tracking_variance, rel=1e-9)
    assert d["solver"]["solver"] == "DUAL_NEWTON"
    assert d["solver"]["attempts"] == ["DUAL_NEWTON: solved"]
    text = res.summary()
    assert "Ex-ante TE" in text and "TurnoverLimit(1)" in text
    usage = res.liquidity_usage
    expected = res.trades.abs() * 1e8 / medium.adv.reindex(usage.index)
    expected[res.trades.abs() < 1e-12] = 0.0  # solver round-off is not trading
    np.testing.assert_allclose(usage, expected)
    frame = res.to_frame()
    assert list(frame.index) == list(res.weights.index)


def test_model_is_picklable_after_solve(medium):
    model = basic_model()
    res1 = model.solve(returns=medium.returns, benchmark=medium.benchmark)
    clone = pickle.loads(pickle.dumps(model))
    res2 = clone.solve(returns=medium.returns, benchmark=medium.benchmark)
    np.testing.assert_allclose(res1.weights, res2.weights, atol=1e-6)


def test_fallback_to_clarabel_when_osqp_stops_early(medium):
    model = basic_model(solver="OSQP", solver_options={"max_iter": 3})
    res = model.solve(
        returns=medium.returns, benchmark=medium.benchmark, holdings=medium.holdings
    )
    assert res.stats.solver == "CLARABEL"
    assert "fallback" in res.stats.reason
    assert res.stats.attempts[0].startswith("OSQP")


def test_failed_solve_without_fallback_raises(medium):
    model = basic_model(solver="OSQP", solver_options={"max_iter": 3}, fallback=False)
    with pytest.raises((SolverFailedError, rp.exceptions.InaccurateSolutionWarning)):
        model.solve(
            returns=medium.returns, benchmark=medium.benchmark, holdings=medium.holdings
        )


def test_inaccurate_solution_warns(medium, monkeypatch):
    """Through cvxpy: the status of ``run_solver`` becomes a warning."""
    from replicator.problem import _builder
    from replicator.solvers import Status

    real = _builder.run_solver

    def fake(*args, **kwargs):
        from dataclasses import replace

        return replace(real(*args, **kwargs), status=Status.OPTIMAL_INACCURATE)

    monkeypatch.setattr(_builder, "run_solver", fake)
    model = basic_model(fallback=False, backend="cvxpy")
    with pytest.warns(
        rp.exceptions.InaccurateSolutionWarning, match="inaccurate solution"
    ):
        res = model.solve(returns=medium.returns, benchmark=medium.benchmark)
    assert res.status is rp.Status.OPTIMAL_INACCURATE


def fake_native(monkeypatch, solver, status, raw):
    """Make the native ``solver`` adapter solve for real but report ``status``."""
    from dataclasses import replace

    from replicator.solvers import _native

    cls = {"PIQP": _native._PIQP, "OSQP": _native._OSQP}[solver]
    real = cls.solve

    def fake(self, data):
        out = real(self, data)
        x = out.x if status.usable else None
        return replace(out, x=x, status=status, raw_status=raw)

    monkeypatch.setattr(cls, "solve", fake)


def test_inaccurate_native_solution_warns(medium, monkeypatch, without_dual_newton):
    from replicator.solvers import Status

    fake_native(monkeypatch, "PIQP", Status.OPTIMAL_INACCURATE, "ALMOST")
    model = basic_model(fallback=False)
    with pytest.warns(
        rp.exceptions.InaccurateSolutionWarning,
        match=r"^PIQP returned an inaccurate solution \(ALMOST after \d+ iterations",
    ):
        res = model.solve(returns=medium.returns, benchmark=medium.benchmark)
    assert res.status is rp.Status.OPTIMAL_INACCURATE and model._compiled.native
    assert res.stats.solver == "PIQP"


def test_inaccurate_native_solution_falls_back(
    medium, monkeypatch, without_dual_newton
):
    """With fallback, an inaccurate PIQP solution is replaced by Clarabel's."""
    from replicator.solvers import Status

    exact = basic_model().solve(returns=medium.returns, benchmark=medium.benchmark)
    fake_native(monkeypatch, "PIQP", Status.OPTIMAL_INACCURATE, "ALMOST")
    res = basic_model().solve(returns=medium.returns, benchmark=medium.benchmark)
    assert res.status is rp.Status.OPTIMAL and res.stats.solver == "CLARABEL"
    assert res.stats.reason == "fallback after PIQP returned ALMOST"
    assert res.stats.attempts == (
        "DUAL_NEWTON: declined: disabled by the test",
        "PIQP: ALMOST",
        "CLARABEL: Solved",
    )
    assert res.objective == pytest.approx(exact.objective, rel=1e-6)


def break_native_solvers(monkeypatch):
    from replicator.solvers import Status, _native

    def failed(self, data):
        return _native.NativeOutcome(None, Status.FAILED, "BROKEN", 3, 0.0, 0.0)

    for cls in (_native._PIQP, _native._OSQP, _native._Clarabel):
        monkeypatch.setattr(cls, "solve", failed)


def test_native_failure_without_fallback_raises(
    medium, monkeypatch, without_dual_newton
):
    break_native_solvers(monkeypatch)
    model = basic_model(fallback=False)
    with pytest.raises(
        SolverFailedError,
        match=r"^Every solver failed \(DUAL_NEWTON: declined: disabled by the test; "
        r"PIQP: BROKEN\)\. Check",
    ) as info:
        model.solve(returns=medium.returns, benchmark=medium.benchmark)
    assert info.value.status == "failed" and info.value.solver == "PIQP"


def test_native_failure_falls_back_to_cvxpy(medium, monkeypatch, without_dual_newton):
    """No native solver succeeds: the cvxpy twin and its solver chain run."""
    exact = basic_model().solve(returns=medium.returns, benchmark=medium.benchmark)
    break_native_solvers(monkeypatch)
    model = basic_model()
    res = model.solve(returns=medium.returns, benchmark=medium.benchmark)
    assert res.status is rp.Status.OPTIMAL and res.stats.solver == "OSQP"
    assert res.stats.attempts == (
        "DUAL_NEWTON: declined: disabled by the test",
        "PIQP: BROKEN",
        "CLARABEL: BROKEN",
        "OSQP: BROKEN",
        "OSQP: optimal",
    )
    assert res.objective == pytest.approx(exact.objective, rel=1e-5)
    np.testing.assert_allclose(res.weights, exact.weights, atol=1e-5)


def test_every_solver_failing_raises(medium, monkeypatch, without_dual_newton):
    from replicator.problem import _builder
    from replicator.solvers import SolverStats, Status

    def failing(problem, solver, reason, options=None, **kwargs):
        return SolverStats(
            Status.FAILED,
            "solver_error",
            solver,
            reason,
            None,
            0,
            0,
            0,
            0,
            attempts=(f"{solver}: solver_error",),
        )

    break_native_solvers(monkeypatch)
    monkeypatch.setattr(_builder, "run_solver", failing)
    with pytest.raises(
        SolverFailedError,
        match=r"^Every solver failed \(DUAL_NEWTON: declined: disabled by the test; "
        r"PIQP: BROKEN; CLARABEL: BROKEN; OSQP: BROKEN; "
        r"OSQP: solver_error; CLARABEL: solver_error; SCS: solver_error\)\. Check",
    ) as info:
        basic_model().solve(returns=medium.returns, benchmark=medium.benchmark)
    assert info.value.status == "failed"


class ConcaveCost(rp.costs.Cost):
    def bind(self, snapshot):
        super().bind(snapshot)

    def expression(self, v):
        return -cp.sum_squares(v.trades)

    def evaluate(self, trades, snapshot):
        return -float(np.sum(np.asarray(trades) ** 2))


def test_non_convex_term_is_a_model_error(medium):
    model = basic_model(costs=[ConcaveCost()])
    with pytest.raises(ModelError, match=r"ConcaveCost\(\) is not a valid convex"):
        model.solve(returns=medium.returns, benchmark=medium.benchmark)


def test_sp500_real_data_solve(sp500_2010):
    R, index = sp500_2010
    assert R.shape == (252, 386)
    model = rp.Replicator(
        risk=rp.risk.StatisticalFactor(n_factors=10),
        costs=[rp.costs.ProportionalFee(bps=5)],
        constraints=[
            C.FullyInvested(),
            C.LongOnly(),
            C.WeightBounds(upper=0.03),
            C.TurnoverLimit(0.25),
        ],
    )
    w0 = pd.Series(1 / R.shape[1], index=R.columns)
    res = model.solve(returns=R, benchmark=index, holdings=w0)
    assert res.status is rp.Status.OPTIMAL
    w = res.weights
    assert w.sum() == pytest.approx(1.0, abs=1e-6)
    assert w.min() >= -1e-6 and w.max() <= 0.03 + 1e-6
    assert res.turnover <= 0.25 + 1e-6
    assert all(c.max_violation < 1e-5 for c in res.constraints)
    # The in-sample realized TE of a 386-name long-only tracker is small.
    active = R[w.index] @ w - index
    assert active.std() * np.sqrt(252) < 0.015


# ======================================================= fallback policy
def _stats(status, solver="S"):
    from replicator.solvers import SolverStats

    return SolverStats(
        status, str(status), solver, "test", 1, 0.0, 0.0, 0.0, 0.0,
        attempts=(f"{solver}: {status}",),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("first", "then", "kept"),
    [
        # an inaccurate solution does not refute a certificate ...
        ("infeasible", ["optimal_inaccurate"], "infeasible"),
        ("unbounded", ["optimal_inaccurate"], "unbounded"),
        # ... an accurate optimum does
        ("infeasible", ["optimal"], "optimal"),
        # a failed solve is replaced by any usable one, then by an optimal one
        ("failed", ["optimal_inaccurate"], "optimal_inaccurate"),
        ("failed", ["optimal_inaccurate", "optimal"], "optimal"),
        ("failed", ["infeasible"], "infeasible"),
        ("optimal_inaccurate", ["infeasible"], "optimal_inaccurate"),
    ],
)
def test_fall_back_keeps_the_most_trustworthy_outcome(first, then, kept):
    from replicator.solvers import Status, fall_back

    chain = [(f"ALT{i}", lambda reason, s=s, i=i: _stats(Status(s), f"ALT{i}"))
             for i, s in enumerate(then)]  # fmt: skip
    out = fall_back(_stats(Status(first), "FIRST"), chain)
    assert out.status is Status(kept)
    assert len(out.attempts) == 1 + len(then)


def test_inaccurate_fallback_does_not_hide_infeasibility(medium, monkeypatch):
    """Clarabel proves infeasibility, a first-order solver then returns an
    inaccurate point: the user gets InfeasibleError, not that point."""
    from replicator.problem import _builder
    from replicator.solvers import Status

    real = _builder.run_solver

    def scs_inaccurate(problem, solver, reason, options=None, **kwargs):
        if solver == "SCS":
            return _stats(Status.OPTIMAL_INACCURATE, "SCS")
        return real(problem, solver, reason, options, **kwargs)

    monkeypatch.setattr(_builder, "run_solver", scs_inaccurate)
    model = rp.Replicator(
        risk=rp.risk.StatisticalFactor(n_factors=3),
        constraints=[
            rp.constraints.FullyInvested(),
            rp.constraints.LongOnly(),
            rp.constraints.TrackingErrorLimit(0.01),  # 0.08 at least
            rp.constraints.TurnoverLimit(0.02),
        ],
        backend="cvxpy",
        solver="CLARABEL",
    )
    _, data = _te_cap_above_turnover(medium)  # the same limits, solved by cvxpy
    with pytest.raises(
        rp.exceptions.InfeasibleError,
        match=r"^The problem is infeasible: TrackingErrorLimit\(0\.01\) conflicts "
        r"with TurnoverLimit\(0\.02\)",
    ) as info:
        model.solve(**data)
    assert info.value.solver == "CLARABEL"


@pytest.mark.parametrize(
    ("first", "then", "tried"),
    [
        # Clarabel's certificate: OSQP and SCS cannot refute it, they are skipped
        ("CLARABEL", ["OSQP", "SCS"], []),
        # ... an interior-point solver still re-checks it
        ("CLARABEL", ["SCS", "PIQP"], ["PIQP"]),
        # a first-order solver's certificate is re-checked by anyone
        ("OSQP", ["SCS", "CLARABEL"], ["SCS", "CLARABEL"]),
    ],
)
def test_interior_point_certificates_skip_first_order_checks(first, then, tried):
    from replicator.solvers import Status, fall_back

    called = []

    def solve(name):
        def run(reason):
            called.append(name)
            return _stats(Status.OPTIMAL_INACCURATE, name)

        return run

    out = fall_back(_stats(Status.INFEASIBLE, first), [(n, solve(n)) for n in then])
    assert called == tried
    assert out.status is Status.INFEASIBLE and out.solver == first


# ============================================ inaccurate and failed fallbacks
def test_inaccurate_solution_breaking_a_limit_is_refused(
    medium, monkeypatch, without_dual_newton
):
    """An early-stopped solver's point outside the constraints is not returned."""
    from dataclasses import replace

    from replicator.solvers import Status, _native

    real = _native._PIQP.solve

    def off_budget(self, data):
        out = real(self, data)
        x = out.x.copy()
        x[data.blocks["w"]] *= 0.5  # invests half the NAV
        return replace(out, x=x, status=Status.OPTIMAL_INACCURATE, raw_status="ALMOST")

    monkeypatch.setattr(_native._PIQP, "solve", off_budget)
    with pytest.raises(
        SolverFailedError,
        match=r"^PIQP returned an inaccurate solution \(ALMOST\) that violates "
        r"FullyInvested\(\) by 0\.5 \(value 0\.5, limit 1\); it is not returned\.",
    ) as info:
        basic_model(fallback=False).solve(
            returns=medium.returns, benchmark=medium.benchmark
        )
    assert info.value.status == "optimal_inaccurate"


def test_slightly_inaccurate_solution_is_returned_with_a_warning(
    medium, monkeypatch, without_dual_newton
):
    from replicator.solvers import Status

    fake_native(monkeypatch, "PIQP", Status.OPTIMAL_INACCURATE, "ALMOST")
    with pytest.warns(
        rp.exceptions.InaccurateSolutionWarning, match="PIQP returned an inacc"
    ):
        res = basic_model(fallback=False).solve(
            returns=medium.returns, benchmark=medium.benchmark
        )
    assert res.status is Status.OPTIMAL_INACCURATE


def test_cvxpy_fallback_out_of_memory_is_a_solver_error(
    medium, monkeypatch, without_dual_newton
):
    break_native_solvers(monkeypatch)

    def no_memory(self, compiled, snapshot):
        raise MemoryError

    monkeypatch.setattr(rp.Replicator, "_cvxpy_twin", no_memory)
    with pytest.raises(
        SolverFailedError,
        match=r"^Every native solver failed \(DUAL_NEWTON: declined: disabled by the "
        r"test; PIQP: BROKEN; CLARABEL: BROKEN; OSQP: "
        r"BROKEN\) and the cvxpy fallback ran out of memory \(50 assets\)\.",
    ):
        basic_model().solve(returns=medium.returns, benchmark=medium.benchmark)


def test_large_conic_failure_skips_the_cvxpy_fallback(medium, monkeypatch):
    """A failed native SOCP above the size limit is not compiled by cvxpy."""
    import replicator.engine._pipeline as module

    break_native_solvers(monkeypatch)
    monkeypatch.setattr(module, "CVXPY_CONIC_MAX_ASSETS", 10)

    _forbid_cvxpy_twin(monkeypatch)
    model = basic_model(
        constraints=[C.FullyInvested(), C.LongOnly(), C.TrackingErrorLimit(0.05)]
    )
    with pytest.raises(
        SolverFailedError,
        match=r"^Every native solver failed \(CLARABEL: BROKEN\) and the native "
        r"elastic check failed too; the cvxpy diagnosis is skipped for a conic "
        r"problem above 10 assets",
    ):
        model.solve(returns=medium.returns, benchmark=medium.benchmark)
    # below the limit the fallback runs (and solves)
    monkeypatch.undo()
    break_native_solvers(monkeypatch)
    res = model.solve(returns=medium.returns, benchmark=medium.benchmark)
    assert res.stats.reason.startswith("fallback to cvxpy")


def _forbid_cvxpy_twin(monkeypatch):
    """Building the cvxpy twin (O(N^2) conic compilation) fails the test."""

    def no_twin(*args, **kwargs):
        raise AssertionError("the cvxpy twin must not be built")

    monkeypatch.setattr(rp.Replicator, "_cvxpy_twin", no_twin)


def _fail_first_clarabel(monkeypatch):
    """The first native Clarabel solve stalls; later ones (elastic check) run."""
    from replicator.solvers import Status, _native

    real, calls = _native._Clarabel.solve, []

    def solve(self, data):
        calls.append(1)
        if len(calls) == 1:
            return _native.NativeOutcome(
                None, Status.FAILED, "InsufficientProgress", 30, 0.0, 0.0
            )
        return real(self, data)

    monkeypatch.setattr(_native._Clarabel, "solve", solve)


def _te_cap_above_turnover(medium):
    """An infeasible TE cap: from equal weights, a turnover of 0.02 leaves a TE
    of ~0.08, and the cap is 0.01. Returns the model and the solve inputs."""
    equal = pd.Series(1.0 / len(medium.benchmark), index=medium.benchmark.index)
    data = {"returns": medium.returns, "benchmark": medium.benchmark, "holdings": equal}
    model = basic_model(
        constraints=[
            C.FullyInvested(),
            C.LongOnly(),
            C.TurnoverLimit(0.02),
            C.TrackingErrorLimit(0.01),
        ]
    )
    return model, data


def test_large_infeasible_socp_is_named_by_the_native_elastic_check(
    medium, monkeypatch
):
    """Above the cvxpy limit a stalled SOCP is diagnosed natively: the TE cap
    cannot hold, it conflicts with the turnover limit alone (the budget and
    long-only constraints do not raise the smallest TE), and the least
    violating point has the smallest TE the turnover limit allows."""
    import replicator.engine._pipeline as module

    model, data = _te_cap_above_turnover(medium)
    floor = basic_model(
        costs=[], constraints=[C.FullyInvested(), C.LongOnly(), C.TurnoverLimit(0.02)]
    ).solve(**data)
    monkeypatch.setattr(module, "CVXPY_CONIC_MAX_ASSETS", 10)
    _fail_first_clarabel(monkeypatch)
    with pytest.raises(
        rp.exceptions.InfeasibleError,
        match=r"^The problem is infeasible: TrackingErrorLimit\(0\.01\) conflicts with "
        r"TurnoverLimit\(0\.02\): the point that violates the constraints "
        r"least breaks TrackingErrorLimit\(0\.01\) \(tracking error 0\.08\d+ against "
        r"a limit of 0\.01\)\. Found by the native elastic check after CLARABEL: "
        r"InsufficientProgress; the cvxpy diagnosis is skipped",
    ) as info:
        model.solve(**data)
    assert set(info.value.conflicts) == {"TrackingErrorLimit(0.01)"}
    te = float(str(info.value).split("(tracking error ")[1].split(" ")[0])
    assert te == pytest.approx(floor.tracking_error, rel=1e-4)


def test_large_feasible_socp_failure_is_numerical(medium, monkeypatch):
    import replicator.engine._pipeline as module

    monkeypatch.setattr(module, "CVXPY_CONIC_MAX_ASSETS", 10)
    _fail_first_clarabel(monkeypatch)
    model = basic_model(
        constraints=[C.FullyInvested(), C.LongOnly(), C.TrackingErrorLimit(0.5)]
    )
    with pytest.raises(
        SolverFailedError,
        match=r"^Every native solver failed \(CLARABEL: InsufficientProgress\) and "
        r"the native elastic check finds that every constraint can hold, so this is "
        r"numerical trouble; the cvxpy diagnosis is skipped",
    ):
        model.solve(returns=medium.returns, benchmark=medium.benchmark)


def test_small_infeasible_socp_skips_the_cvxpy_solver_chain(medium, monkeypatch):
    """Below the size limit a stalled SOCP the elastic check finds infeasible
    goes straight to the cvxpy diagnosis (no cvxpy solve, so no SCS)."""
    from replicator.problem import CompiledProblem

    def no_solve(self, *args, **kwargs):
        raise AssertionError("the cvxpy solver chain must not run")

    _fail_first_clarabel(monkeypatch)
    monkeypatch.setattr(CompiledProblem, "solve", no_solve)
    model, data = _te_cap_above_turnover(medium)
    with pytest.raises(
        rp.exceptions.InfeasibleError,
        match=r"^The problem is infeasible: TrackingErrorLimit\(0\.01\) conflicts "
        r"with .*TurnoverLimit\(0\.02\)",
    ) as info:
        model.solve(**data)
    assert info.value.solver == "CLARABEL"


def test_scs_fallback_runs_under_a_time_limit(medium, monkeypatch):
    """SCS, the last fallback, gets FALLBACK_OPTIONS' time limit; the routed
    solver keeps the user's options."""
    from replicator.problem import _builder
    from replicator.solvers import Status

    real = _builder.run_solver
    calls = []

    def others_fail(problem, solver, reason, options=None, **kwargs):
        calls.append((solver, options))
        if solver == "SCS":
            return real(problem, solver, reason, options, **kwargs)
        return _stats(Status.FAILED, solver)

    monkeypatch.setattr(_builder, "run_solver", others_fail)
    model = basic_model(backend="cvxpy", solver="CLARABEL")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rp.exceptions.InaccurateSolutionWarning)
        res = model.solve(returns=medium.returns, benchmark=medium.benchmark)
    assert [c[0] for c in calls] == ["CLARABEL", "OSQP", "SCS"]
    assert calls[0][1] is None  # the routed solver: no fallback options
    assert calls[-1][1] == {"time_limit_secs": 60.0}
    assert res.stats.solver == "SCS"


def test_scs_time_limit_stops_it_early(medium, monkeypatch):
    """The limit reaches SCS through cvxpy: a 1 ms budget ends the solve long
    before its 200,000 iterations, with an inaccurate or failed status."""
    from replicator.problem import _builder
    from replicator.solvers import Status

    real = _builder.run_solver

    def clarabel_fails(problem, solver, reason, options=None, **kwargs):
        if solver != "SCS":
            return _stats(Status.FAILED, solver)
        return real(problem, solver, reason, options, **kwargs)

    monkeypatch.setattr(_builder, "run_solver", clarabel_fails)
    monkeypatch.setattr(
        _builder, "FALLBACK_OPTIONS", {"SCS": {"time_limit_secs": 1e-3}}
    )
    model = basic_model(backend="cvxpy", solver="CLARABEL")
    snap = model.prepare(returns=medium.returns, benchmark=medium.benchmark)
    compiled = model.compiled_for(snap)
    compiled.update(snap)
    stats = compiled.solve("CLARABEL", None, fallback=True)
    assert stats.solver == "SCS"
    assert stats.status in (Status.OPTIMAL_INACCURATE, Status.FAILED)
    assert stats.iterations is None or stats.iterations < 200_000
    assert stats.solve_time < 5.0


def test_native_conflict_partners_match_the_cvxpy_diagnosis(medium, monkeypatch):
    """The native phase 2 names the same conflicting constraints as the cvxpy
    diagnosis, on a case where two limits (weight caps and turnover) bind
    against the TE cap."""
    import replicator.engine._pipeline as module

    equal = pd.Series(1.0 / len(medium.benchmark), index=medium.benchmark.index)
    data = {"returns": medium.returns, "benchmark": medium.benchmark, "holdings": equal}

    def model():
        return basic_model(
            constraints=[
                C.FullyInvested(),
                C.LongOnly(),
                C.WeightBounds(upper=0.03),
                C.TurnoverLimit(0.05),
                C.TrackingErrorLimit(0.001),
            ]
        )

    with pytest.raises(rp.exceptions.InfeasibleError) as small:
        model().solve(**data)  # the cvxpy diagnosis (below the size limit)
    want = str(small.value).split(" conflicts with ")[1].split(":")[0]
    monkeypatch.setattr(module, "CVXPY_CONIC_MAX_ASSETS", 10)
    _fail_first_clarabel(monkeypatch)
    with pytest.raises(
        rp.exceptions.InfeasibleError,
        match=r"^The problem is infeasible: TrackingErrorLimit\(0\.001\) conflicts "
        r"with ",
    ) as large:
        model().solve(**data)
    got = str(large.value).split(" conflicts with ")[1].split(":")[0]
    assert set(got.split(" + ")) == set(want.split(" + "))
    assert set(got.split(" + ")) == {
        "WeightBounds(lower=0, upper=0.03)",
        "TurnoverLimit(0.05)",
    }


def _absurd_te_cap(u):
    """A TE cap of 1e-6 from equal weights, with caps of 3x equal weight and a
    turnover limit of 0.05. Returns the model and the solve inputs."""
    n = len(u.benchmark)
    model = basic_model(
        constraints=[
            C.FullyInvested(),
            C.LongOnly(),
            C.WeightBounds(upper=3.0 / n),
            C.TurnoverLimit(0.05),
            C.TrackingErrorLimit(1e-6),
        ]
    )
    equal = pd.Series(1.0 / n, index=u.benchmark.index)
    return model, {"returns": u.returns, "benchmark": u.benchmark, "holdings": equal}


@pytest.mark.slow
def test_native_elastic_diagnosis_at_1000_assets(wide, monkeypatch):
    """At N=1,000 (natively, no cvxpy): only the TE cap must give (the interior
    point's ~1e-10 slack on each of the 1,000 long-only rows is not a
    violation), and it conflicts with the weight caps and the turnover limit,
    as the cvxpy diagnosis finds at N=300 on the same kind of problem."""
    _fail_first_clarabel(monkeypatch)
    model, data = _absurd_te_cap(wide)
    with pytest.raises(
        rp.exceptions.InfeasibleError,
        match=r"^The problem is infeasible: TrackingErrorLimit\(1e-06\) conflicts with "
        r"WeightBounds\(lower=0, upper=0\.003\) \+ TurnoverLimit\(0\.05\): the point "
        r"that violates the constraints least breaks TrackingErrorLimit\(1e-06\) "
        r"\(tracking error 0\.0\d+ against a limit of 1e-06\)\. Found by the native "
        r"elastic check",
    ) as info:
        model.solve(**data)
    assert set(info.value.conflicts) == {"TrackingErrorLimit(1e-06)"}


def test_large_certified_infeasible_socp_is_diagnosed_natively(medium, monkeypatch):
    """A conic problem Clarabel certifies infeasible above the size limit is
    diagnosed by the native elastic check: cvxpy's conic compilation (O(N^2)
    memory) never runs."""
    import replicator.engine._pipeline as module

    monkeypatch.setattr(module, "CVXPY_CONIC_MAX_ASSETS", 10)
    _forbid_cvxpy_twin(monkeypatch)
    model, data = _te_cap_above_turnover(medium)
    with pytest.raises(
        rp.exceptions.InfeasibleError,
        match=r"^The problem is infeasible: TrackingErrorLimit\(0\.01\) conflicts with "
        r"TurnoverLimit\(0\.02\): the point that violates the constraints least "
        r"breaks TrackingErrorLimit\(0\.01\) \(tracking error 0\.08\d+ against a "
        r"limit of 0\.01\)\. Found by the native elastic check after CLARABEL: "
        r"PrimalInfeasible",
    ) as info:
        model.solve(**data)
    assert info.value.solver == "CLARABEL"


def test_large_certified_infeasible_socp_when_the_check_fails(medium, monkeypatch):
    import replicator.engine._pipeline as module
    from replicator.problem._native import NativeProblem

    monkeypatch.setattr(module, "CVXPY_CONIC_MAX_ASSETS", 10)
    monkeypatch.setattr(NativeProblem, "elastic_violations", lambda self, snap: None)
    model, data = _te_cap_above_turnover(medium)
    with pytest.raises(
        rp.exceptions.InfeasibleError,
        match=r"^CLARABEL reported the problem infeasible \(PrimalInfeasible\), and "
        r"the native elastic check failed; the cvxpy diagnosis is skipped .* Check "
        r"the constraints: FullyInvested\(\), LongOnly\(\), TurnoverLimit\(0\.02\), "
        r"TrackingErrorLimit\(0\.01\)\.$",
    ):
        model.solve(**data)


@pytest.mark.slow
def test_native_elastic_diagnosis_at_5000_assets(very_wide):
    """A TE cap of 1e-6 at N=5,000, certified infeasible by Clarabel, is
    diagnosed natively. The soft cap's rotated cone is scaled by the larger of
    the cap and the holdings' TE: scaled by the cap alone, Clarabel stalled on
    the elastic problem (InsufficientProgress) and nothing was named."""
    model, data = _absurd_te_cap(very_wide)
    with pytest.raises(
        rp.exceptions.InfeasibleError,
        match=r"^The problem is infeasible: TrackingErrorLimit\(1e-06\) conflicts with "
        r"WeightBounds\(lower=0, upper=0\.0006\) \+ TurnoverLimit\(0\.05\): the point "
        r"that violates the constraints least breaks TrackingErrorLimit\(1e-06\)",
    ) as info:
        model.solve(**data)
    assert set(info.value.conflicts) == {"TrackingErrorLimit(1e-06)"}
