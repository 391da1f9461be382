"""PowerImpact on the conic path (issue 16): no stalls; re-solves reuse Clarabel.

The problems are those of ``benchmarks/conic.py`` (10-factor model, budget,
long-only, caps, turnover, liquidity, 5 bp fee, ``PowerImpact(0.5, 1.5)``);
the reference is a cvxpy model written from the math
(:func:`benchmarks.conic.reference`), not from the native assembly.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from benchmarks import conic
from benchmarks.problems import make_problem
from replicator.solvers import _native
from replicator.solvers._base import Status


def _solve(model, problem, j: int = 0):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tight cvxpy reference may warn
        return model.solve(**conic.inputs(problem, j))


def test_seed_that_stalled_on_power_cones_is_solved():
    """N=1,000 seed 3: with power cones Clarabel returned AlmostSolved with a
    point 1.99 over a liquidity cap (SolverFailedError); with the SOC form it
    is solved at the tight tolerances, within every limit."""
    problem = make_problem(1000, seed=3)
    res = conic.build(problem).solve(**conic.inputs(problem))
    assert res.status is Status.OPTIMAL
    assert res.stats.solver == "CLARABEL"
    assert res.stats.raw_status == "Solved"  # no retry at looser tolerances
    assert conic.violation(problem, res.weights.to_numpy()) <= 1e-9


@pytest.mark.parametrize("seed", [0, 1])
def test_objective_matches_an_independent_cvxpy_model(seed):
    problem = make_problem(200, seed=seed)
    w = conic.build(problem).solve(**conic.inputs(problem)).weights.to_numpy()
    w_ref, status = conic.reference(problem)
    assert status == "optimal"
    ours, ref = conic.objective(problem, w), conic.objective(problem, w_ref)
    assert conic.violation(problem, w) <= 1e-9
    assert abs(ours - ref) <= 1e-6 * ref


def test_other_exponents_keep_the_power_cone_and_agree_with_cvxpy():
    """Exponent 1.7 has no SOC form here: the power cone path still solves."""
    import cvxpy as cp

    import replicator as rp

    problem = make_problem(200, seed=4)
    model = conic.build(problem)
    model.costs[1] = rp.costs.PowerImpact(coef=0.5, exponent=1.7)
    res = model.solve(**conic.inputs(problem))
    assert res.status is Status.OPTIMAL and res.stats.solver == "CLARABEL"
    snap = model.prepare(**conic.inputs(problem))
    reb = problem.rebalance(0)
    k = model.costs[1].coefficients(snap)
    u = np.maximum(np.abs(reb.benchmark - reb.holdings), 0.01 / problem.n_assets)
    w = cp.Variable(problem.n_assets)
    t, d = w - reb.holdings, w - reb.benchmark
    scaled = cp.power(cp.abs(cp.multiply(1 / u, t)), 1.7)  # 17/10: exact SOCs
    cost = 5e-4 * cp.sum(cp.abs(t)) + (k * u**1.7) @ scaled
    te2 = cp.sum_squares(problem.G @ d) + cp.sum_squares(cp.multiply(problem.s, d))
    cons = [
        cp.sum(w) == 1,
        w >= 0,
        w <= problem.upper,
        0.5 * (cp.sum(cp.abs(t)) + cp.abs(cp.sum(t))) <= problem.turnover,
        cp.abs(t) <= problem.participation * problem.adv / problem.nav,
    ]
    ref_problem = cp.Problem(
        cp.Minimize(1e4 * (te2 + cost / conic.RISK_AVERSION)), cons
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cvxpy: "approximated with rational 17/10"
        ref_problem.solve(solver="CLARABEL", tol_gap_abs=1e-9, tol_gap_rel=1e-9)
    # cvxpy's 17/10 cones reach only "optimal_inaccurate" here: compare
    # feasible points, ours must be at least as good.
    assert ref_problem.status in ("optimal", "optimal_inaccurate")

    def f(x):
        dd, tt = x - reb.benchmark, x - reb.holdings
        te = np.sum((problem.G @ dd) ** 2) + np.sum((problem.s * dd) ** 2)
        c = 5e-4 * np.abs(tt).sum() + k @ np.abs(tt) ** 1.7
        return te + c / conic.RISK_AVERSION

    ours, ref = f(res.weights.to_numpy()), f(np.asarray(w.value))
    assert conic.violation(problem, np.asarray(w.value)) <= 1e-7
    assert ours <= ref * (1 + 1e-6)
    assert conic.violation(problem, res.weights.to_numpy()) <= 1e-8


def test_resolve_updates_clarabel_in_place_and_matches_a_cold_solve(monkeypatch):
    problem = make_problem(200, seed=2)
    built = []
    original = _native._Clarabel._new

    def spy(self, *args):
        built.append(args[-1])
        return original(self, *args)

    monkeypatch.setattr(_native._Clarabel, "_new", spy)
    warm = conic.build(problem)
    warm.solve(**conic.inputs(problem, 0))
    assert len(built) == 1
    again = warm.solve(**conic.inputs(problem, 1))
    assert len(built) == 1  # the data were updated, no new solver
    cold = conic.build(problem).solve(**conic.inputs(problem, 1))
    assert len(built) == 2
    assert again.status is Status.OPTIMAL and cold.status is Status.OPTIMAL
    assert abs(again.objective - cold.objective) <= 1e-9 * abs(cold.objective)
    np.testing.assert_allclose(again.weights, cold.weights, rtol=0, atol=1e-7)


def test_a_stall_at_the_tight_tolerances_is_solved_again_at_clarabels(monkeypatch):
    """Unreachable tolerances stall; the adapter re-solves at Clarabel's own."""
    monkeypatch.setattr(
        _native._Clarabel, "TIGHT", {"tol_gap_abs": 1e-300, "tol_gap_rel": 1e-300}
    )
    problem = make_problem(200, seed=0)
    res = _solve(conic.build(problem), problem)
    assert res.status is Status.OPTIMAL
    assert res.stats.raw_status.startswith("Solved (at Clarabel's tolerances")
    assert conic.violation(problem, res.weights.to_numpy()) <= 1e-8


def test_given_tolerances_are_used_as_given():
    adapter = _native.make_native_solver("CLARABEL", {"tol_gap_rel": 1e-7}, 10)
    assert not adapter.tight
    assert _native.make_native_solver("CLARABEL", None, 10).tight
