"""Elastic-mode infeasibility diagnosis: who conflicts, and by how much.

Each case has a closed-form smallest relaxation; the test reads the number from
the message, compares it with the closed form, and re-solves just above it
(feasible) and just below it (infeasible).
"""

from __future__ import annotations

import copy
import re

import numpy as np
import pandas as pd
import pytest

import replicator as rp
from replicator.exceptions import InfeasibleError
from replicator.problem._diagnose import diagnose_infeasibility
from replicator.solvers import SolverStats, Status

C = rp.constraints
SF = rp.risk.StatisticalFactor


def number(pattern, message):
    m = re.search(pattern, message)
    assert m, f"{pattern!r} not in {message!r}"
    return float(m.group(1))


def feasible(make, **solve):
    try:
        make().solve(**solve)
    except InfeasibleError:
        return False
    return True


@pytest.fixture(scope="module")
def prefit(medium):
    """Factor models fitted once (weights mode, returns-only mode)."""
    weights = SF(n_factors=3).fit(medium.returns)
    returns_only = SF(n_factors=3).fit(medium.returns, medium.index_returns)
    return {"weights": weights, "returns_only": returns_only}


class Prefitted(rp.Replicator):
    """A Replicator whose risk model is already fitted (skips the refit)."""

    def prepare(self, *args, **kwargs):
        return super().prepare(*args, **kwargs, fit=False)


def model_with(prefit, mode, constraints, **kwargs):
    return Prefitted(
        risk=copy.deepcopy(prefit[mode]), constraints=constraints, **kwargs
    )


@pytest.mark.parametrize(
    ("backend", "solver"),
    [("auto", "PIQP"), ("cvxpy", "OSQP")],
    ids=["native", "cvxpy"],
)
def test_turnover_conflicts_with_weight_bounds(medium, prefit, backend, solver):
    u = 0.05
    w0 = medium.benchmark  # holdings = benchmark, but some names above the cap
    excess = float((w0 - u).clip(lower=0).sum())
    assert excess > 0.1

    def make(limit=0.05):
        return model_with(
            prefit,
            "weights",
            [
                C.FullyInvested(),
                C.LongOnly(),
                C.WeightBounds(upper=u),
                C.TurnoverLimit(limit),
            ],
            backend=backend,
        )

    data = {"returns": medium.returns, "benchmark": medium.benchmark, "holdings": w0}
    with pytest.raises(
        InfeasibleError,
        match=r"^The problem is infeasible: TurnoverLimit\(0\.05\) conflicts with "
        r"(FullyInvested\(\) \+ )?WeightBounds\(lower=0, upper=0\.05\)"
        r": the smallest feasible turnover is [0-9.]+ \(limit 0\.05\)\. Relax the "
        r"limit, or wrap it in rp\.constraints\.Soft",
    ) as info:
        make().solve(**data)
    err = info.value
    smallest = number(r"smallest feasible turnover is ([0-9.]+)", str(err))
    assert smallest == pytest.approx(excess, rel=1e-5)
    assert err.conflicts == {
        "TurnoverLimit(0.05)": pytest.approx(excess - 0.05, rel=1e-5)
    }
    assert err.status == "infeasible" and err.solver == solver
    assert feasible(lambda: make(smallest + 1e-6), **data)
    assert not feasible(lambda: make(smallest - 1e-3), **data)


def test_liquidity_conflicts_with_full_investment(medium, prefit):
    """From all cash, buying 100 % of NAV needs p * days * sum(ADV) >= NAV."""
    adv = medium.adv
    nav, days = 0.25 * 2 * float(adv.sum()), 2.0  # needs a participation of 0.25

    def make(p=0.1):
        return model_with(
            prefit,
            "weights",
            [C.FullyInvested(), C.LongOnly(), C.LiquidityLimit(p, days=days)],
        )

    data = {
        "returns": medium.returns,
        "benchmark": medium.benchmark,
        "nav": nav,
        "adv": adv,
    }
    with pytest.raises(
        InfeasibleError,
        match=r"LiquidityLimit\(0\.1, days=2\) conflicts with FullyInvested\(\): the "
        r"smallest feasible participation is [0-9.]+ of ADV per day over 2 days "
        r"\(limit 0\.1; reached on 'A00\d\d'\)",
    ) as info:
        make().solve(**data)
    smallest = number(r"participation is ([0-9.]+)", str(info.value))
    assert smallest == pytest.approx(0.25, rel=1e-6)
    assert feasible(lambda: make(smallest + 1e-6), **data)
    assert not feasible(lambda: make(smallest - 1e-3), **data)


def test_group_bounds_conflict_with_full_investment(medium, prefit):
    """Four sectors capped at 20 % cannot hold 100 %: widen every cap by 5 %."""

    def make(upper=0.2):
        return model_with(
            prefit,
            "weights",
            [C.FullyInvested(), C.LongOnly(), C.GroupBounds(upper=upper)],
        )

    data = {
        "returns": medium.returns,
        "benchmark": medium.benchmark,
        "groups": medium.sectors,
    }
    with pytest.raises(
        InfeasibleError,
        match=r"GroupBounds\(upper=0\.2\) conflicts with FullyInvested\(\): its group "
        r"weight bounds must be widened by [0-9.]+; the tightest is group 'S\d' "
        r"\(upper\) at 0\.25 against a bound of 0\.2\.",
    ) as info:
        make().solve(**data)
    widen = number(r"widened by ([0-9.]+)", str(info.value))
    assert widen == pytest.approx(0.05, rel=1e-6)
    assert feasible(lambda: make(0.2 + widen + 1e-6), **data)
    assert not feasible(lambda: make(0.2 + widen - 1e-3), **data)


def test_tracking_error_cap_below_the_best_tracking_error(medium, prefit):
    """The smallest feasible TE is the TE of the plain TE-minimizing solution."""

    def make(cap=None):
        extra = [] if cap is None else [C.TrackingErrorLimit(cap)]
        return model_with(
            prefit, "returns_only", [C.FullyInvested(), C.LongOnly(), *extra]
        )

    data = {
        "returns": medium.returns,
        "benchmark": medium.index_returns,
        "date": "2021-06-30",
    }
    best = make().solve(**data).tracking_error
    with pytest.raises(
        InfeasibleError,
        # Which of the two the diagnosis names depends on the risk estimate
        # (with the joint ridge estimate of issue 14, LongOnly alone binds).
        match=r"TrackingErrorLimit\(0\.01\) conflicts with (FullyInvested\(\) "
        r"(\+ LongOnly\(\) )?|LongOnly\(\) )on 2021-06-30: the smallest feasible "
        r"tracking error is",
    ) as info:
        make(0.01).solve(**data)
    smallest = number(r"tracking error is ([0-9.]+)", str(info.value))
    assert smallest == pytest.approx(best, rel=1e-5)
    assert info.value.date == "2021-06-30"
    assert info.value.conflicts == {
        "TrackingErrorLimit(0.01)": pytest.approx(smallest - 0.01, rel=1e-4)
    }
    assert feasible(lambda: make(smallest * (1 + 1e-5)), **data)
    assert not feasible(lambda: make(smallest - 1e-3), **data)


def test_no_trade_on_a_held_name_that_cannot_be_held(small):
    held = small.holdings
    tickers = list(held.index)
    model = rp.Replicator(
        risk=SF(n_factors=2), constraints=[C.FullyInvested(), C.NoTrade(tickers[0])]
    )
    with pytest.raises(
        InfeasibleError,
        match=r"NoTrade\('A0000'\) conflicts with the non-investable constituents: "
        r"its trade bounds must be widened by [0-9.]+; the tightest is 'A0000'",
    ) as info:
        model.solve(small.returns, small.benchmark, held, universe=tickers[1:])
    widen = number(r"widened by ([0-9.]+)", str(info.value))
    assert widen == pytest.approx(held.iloc[0], rel=1e-6)  # the forced sale


def test_two_independent_conflicts_are_listed(small):
    held = small.holdings
    tickers = list(held.index)
    model = rp.Replicator(
        risk=SF(n_factors=2),
        constraints=[
            C.FullyInvested(),
            C.NoTrade(tickers[0]),
            C.GroupBounds(upper=0.2),
        ],
    )
    with pytest.raises(
        InfeasibleError,
        match=r"no single constraint can be relaxed alone to make it feasible\. "
        r"The least relaxation \(elastic mode.*\) relaxes "
        r"(NoTrade\('A0000'\) by [0-9.e-]+, GroupBounds\(upper=0\.2\) by [0-9.e-]+"
        r"|GroupBounds\(upper=0\.2\) by [0-9.e-]+, NoTrade\('A0000'\) by [0-9.e-]+)\.",
    ) as info:
        model.solve(
            small.returns,
            small.benchmark,
            held,
            universe=tickers[1:],
            groups=small.sectors,
        )
    assert set(info.value.conflicts) == {"NoTrade('A0000')", "GroupBounds(upper=0.2)"}


def test_soft_constraints_make_it_feasible(medium, prefit):
    w0 = medium.benchmark
    model = model_with(
        prefit,
        "weights",
        [
            C.FullyInvested(),
            C.WeightBounds(upper=0.05),
            C.Soft(C.TurnoverLimit(0.05), penalty=1.0),
        ],
    )
    res = model.solve(medium.returns, medium.benchmark, w0)
    assert res.turnover > 0.05 and res.constraints[2].max_violation > 0


# ------------------------------------------------------------ direct calls
def _stats():
    return SolverStats(Status.INFEASIBLE, "infeasible", "OSQP", "test", 1, 0, 0, 0, 0)


def _compiled(small, constraints):
    """The cvxpy problem the diagnosis works on (also built on the native path)."""
    model = rp.Replicator(
        risk=SF(n_factors=2), constraints=constraints, backend="cvxpy"
    )
    snap = model.prepare(small.returns, small.benchmark, small.holdings)
    compiled = model.compiled_for(snap)
    compiled.update(snap)
    return compiled, snap


def test_no_hard_constraint(small):
    compiled, snap = _compiled(small, [C.Soft(C.TurnoverLimit(0.1))])
    err = diagnose_infeasibility(compiled, snap, _stats())
    assert isinstance(err, InfeasibleError)
    with pytest.raises(InfeasibleError, match="no constraint to relax"):
        raise err


def test_feasible_problem_reported_infeasible_is_numerical_trouble(small):
    compiled, snap = _compiled(small, [C.FullyInvested(), C.LongOnly()])
    with pytest.raises(
        InfeasibleError, match=r"elastic solve needs no slack.*numerical"
    ):
        raise diagnose_infeasibility(compiled, snap, _stats())


def test_elastic_solve_failure(small, monkeypatch):
    import replicator.problem._diagnose as diag

    def failing(problem, solver, reason, options=None):
        return SolverStats(
            Status.FAILED, "solver_error", solver, reason, None, 0, 0, 0, 0
        )

    monkeypatch.setattr(diag, "run_solver", failing)
    compiled, snap = _compiled(small, [C.FullyInvested(), C.TurnoverLimit(0.01)])
    with pytest.raises(
        InfeasibleError,
        match=r"elastic diagnosis failed \(solver_error\)\. Check the constraints: "
        r"FullyInvested\(\), TurnoverLimit\(0\.01\)\.",
    ):
        raise diagnose_infeasibility(compiled, snap, _stats())


# ------------------------------------------- the same through a native solve
def _fake_piqp_outcome(status, raw):
    from replicator.solvers._native import NativeOutcome

    def solve(self, data):
        return NativeOutcome(None, status, raw, 7, 0.0, 0.0)

    return solve


def test_native_feasible_problem_reported_infeasible(
    small, monkeypatch, without_dual_newton
):
    """PIQP wrongly says infeasible: the fallback overrules it, else diagnosed."""
    from replicator.solvers import _native

    monkeypatch.setattr(
        _native._PIQP,
        "solve",
        _fake_piqp_outcome(Status.INFEASIBLE, "PIQP_PRIMAL_INFEASIBLE"),
    )
    data = (small.returns, small.benchmark, small.holdings)
    ks = [C.FullyInvested(), C.LongOnly()]
    res = rp.Replicator(risk=SF(n_factors=2), constraints=ks).solve(*data)
    assert res.status is Status.OPTIMAL and res.stats.solver == "CLARABEL"
    assert res.stats.attempts[0] == without_dual_newton
    assert res.stats.attempts[1] == "PIQP: PIQP_PRIMAL_INFEASIBLE"
    assert res.stats.reason == "fallback after PIQP returned PIQP_PRIMAL_INFEASIBLE"

    model = rp.Replicator(risk=SF(n_factors=2), constraints=ks, fallback=False)
    with pytest.raises(
        InfeasibleError,
        match=r"^PIQP reported the problem infeasible, but every constraint can "
        r"hold at once \(the elastic solve needs no slack\): this is numerical",
    ) as info:
        model.solve(*data)
    assert info.value.solver == "PIQP" and model._compiled.native


def test_native_elastic_solve_failure(small, monkeypatch):
    import replicator.problem._diagnose as diag

    def failing(problem, solver, reason, options=None):
        return SolverStats(
            Status.FAILED, "solver_error", solver, reason, None, 0, 0, 0, 0
        )

    monkeypatch.setattr(diag, "run_solver", failing)
    far = pd.Series(np.eye(5)[0], index=small.benchmark.index)
    model = rp.Replicator(
        risk=SF(n_factors=2),
        constraints=[C.WeightBounds(upper=0.6), C.TurnoverLimit(0.01)],
        fallback=False,
    )
    with pytest.raises(
        InfeasibleError,
        match=r"^The problem is infeasible \(PIQP: PIQP_PRIMAL_INFEASIBLE\) and the "
        r"elastic diagnosis failed \(solver_error\)\. Check the constraints: "
        r"WeightBounds\(lower=0, upper=0\.6\), TurnoverLimit\(0\.01\)\.",
    ):
        model.solve(small.returns, small.benchmark, far)
    assert model._compiled.native


def test_diagnosis_leaves_a_reusable_model(small):
    """After an infeasible solve the same model solves a feasible snapshot."""
    model = rp.Replicator(
        risk=SF(n_factors=2),
        constraints=[
            C.FullyInvested(),
            C.WeightBounds(upper=0.6),
            C.TurnoverLimit(0.01),
        ],
    )
    far = pd.Series(np.eye(5)[0], index=small.benchmark.index)
    with pytest.raises(InfeasibleError):
        model.solve(small.returns, small.benchmark, far)
    res = model.solve(small.returns, small.benchmark, small.holdings)
    assert res.turnover <= 0.01 + 1e-7 and model.n_compilations_ == 1
