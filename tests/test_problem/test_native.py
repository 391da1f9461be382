"""The native QP path solves the same problem as the cvxpy path, and behaves.

Every term with a native form (``supports_qp``) gets one small problem on the
``medium`` universe (50 assets) in which it binds: the optimum with the term
differs from the optimum without it. On each, the native path (the dual Newton
method on the directly assembled QP, PIQP where it declines; Clarabel when a
term adds cones) must reach the optimum
of cvxpy + Clarabel at tight tolerances, and the assembled problem must price
its solution exactly as the numpy twins of the terms do.
"""

from __future__ import annotations

import copy
import hashlib
import inspect
import pickle
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import cvxpy as cp
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import replicator as rp
from replicator.exceptions import (
    ConfigError,
    InaccurateSolutionWarning,
    InfeasibleError,
    SolverFailedError,
)
from replicator.problem._builder import OBJECTIVE_SCALE
from replicator.solvers import Status
from replicator.solvers import _native as native_solvers

C = rp.constraints
K = rp.costs

#: Reference: Clarabel through cvxpy, tightest first (see :func:`reference`).
TIGHT_CLARABEL = {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10}
REFERENCE_OPTIONS = (
    TIGHT_CLARABEL,
    {"tol_gap_abs": 1e-9, "tol_gap_rel": 1e-9, "tol_feas": 1e-9},
    None,  # replicator's Clarabel defaults (tol 1e-8)
)
#: Objective agreement: unscaled objective (TE^2 units). The absolute part is
#: 1e-6 in the solver's units (OBJECTIVE_SCALE = 1e4).
OBJ_RTOL, OBJ_ATOL = 1e-6, 1e-6 / OBJECTIVE_SCALE
#: Weight agreement, fractions of NAV.
W_ATOL = 1e-5
#: A term "binds" when it moves some weight by at least this (10 x W_ATOL).
BINDS = 10 * W_ATOL


# =================================================================== discovery
def native_terms() -> dict[str, type]:
    """Every public term class with a native form (`supports_qp`), by class name."""
    found: dict[str, type] = {}
    for module in (rp.costs, rp.constraints, rp.risk):
        for name in module.__all__:
            cls = getattr(module, name)
            # RiskModel is the base class (subclasses supply _fit_factors).
            if not inspect.isclass(cls) or cls is rp.risk.RiskModel:
                continue
            if getattr(cls, "supports_qp", False):
                found[name] = cls
    return found


# ======================================================================= cases
_FITS: dict[tuple, rp.risk.RiskModel] = {}


def _digest(frame: pd.DataFrame | pd.Series) -> str:
    """Content hash of a pandas object (values, index and labels)."""
    values = pd.util.hash_pandas_object(frame, index=True).to_numpy()
    labels = getattr(frame, "columns", [getattr(frame, "name", None)])
    return hashlib.sha1(values.tobytes() + repr(list(labels)).encode()).hexdigest()


class Prefitted(rp.Replicator):
    """A Replicator whose risk model is already fitted (solve() skips the fit)."""

    def prepare(self, *args: Any, **kwargs: Any):
        return super().prepare(*args, **{**kwargs, "fit": False})


@dataclass
class Problem:
    """One replication problem: the model's terms and the solve() inputs."""

    risk: Callable[[], rp.risk.RiskModel]
    costs: list = field(default_factory=list)
    constraints: list = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    term: Any = None  # the term under test (in costs or constraints)
    _fitted: Any = field(default=None, repr=False)

    def fitted_risk(self) -> rp.risk.RiskModel:
        """The risk model fitted on ``data`` exactly as solve() fits it.

        Fits are shared between problems with the same risk model, returns and
        asset order (most cases): they cost an SVD each.
        """
        if self._fitted is None:
            model = rp.Replicator(risk=self.risk())
            snapshot = model.prepare(**self.data, fit=False)
            returns = self.data.get("returns")
            key = (
                self.risk,
                tuple(snapshot.assets),
                None if returns is None else _digest(returns),
                _digest(self.data["benchmark"]) if snapshot.returns_only else None,
            )
            if key not in _FITS:
                model.prepare(**self.data)
                _FITS[key] = model.risk
            self._fitted = _FITS[key]
        return copy.deepcopy(self._fitted)

    def model(
        self, *, without_term: bool = False, prefit: bool = True, **kw: Any
    ) -> rp.Replicator:
        """A fresh Replicator on deep copies of the terms.

        With ``prefit`` the risk model comes fitted (one fit per problem, the
        same numbers on both paths) and is not refitted by solve().
        """
        drop = self.term if without_term else None
        kw.setdefault("risk_aversion", 100.0)  # the setting these were written for
        return (Prefitted if prefit else rp.Replicator)(
            risk=self.fitted_risk() if prefit else self.risk(),
            costs=copy.deepcopy([c for c in self.costs if c is not drop]),
            constraints=copy.deepcopy([k for k in self.constraints if k is not drop]),
            **kw,
        )


def factor_risk() -> rp.risk.RiskModel:
    return rp.risk.StatisticalFactor(n_factors=3)


def _case(term, base=(), *, costs=(), **data) -> Problem:
    if isinstance(term, rp.costs.Cost):
        return Problem(factor_risk, [*costs, term], list(base), data, term)
    return Problem(factor_risk, list(costs), [*base, term], data, term)


def hard_cases(u) -> dict[str, Problem]:
    """One case per hard constraint, with parameters that make it bind."""
    top3 = u.benchmark.nlargest(3).index
    universe = u.benchmark.index.difference(top3)  # top 3 proxied by the rest
    band = 2.0 * float(u.benchmark[top3].sum()) / len(universe)
    moved = (u.holdings - u.benchmark).abs().nlargest(5).index
    budget = [C.FullyInvested()]
    held = 0.96 * u.holdings / u.holdings.sum()  # 4 % cash before the trade
    d = {"returns": u.returns, "benchmark": u.benchmark, "holdings": u.holdings}
    return {
        # no other budget: the optimum w = b is fully invested, the band binds
        "FullyInvested": _case(C.FullyInvested(min_cash=0.02, max_cash=0.05), **d),
        # without the top 3 names the best proxy shorts some others
        "LongOnly": _case(C.LongOnly(), [*budget, C.Restricted(top3)], **d),
        "WeightBounds": _case(C.WeightBounds(lower=-1.0, upper=0.1), budget, **d),
        # bounds on two names only: the others are unbounded (infinite bounds)
        "WeightBounds(series)": _case(
            C.WeightBounds(
                lower=pd.Series({u.benchmark.idxmin(): 0.03}),
                upper=pd.Series({u.benchmark.idxmax(): 0.05}),
            ),
            budget,
            **d,
        ),
        "ActiveWeightBounds": _case(
            C.ActiveWeightBounds(upper=band), budget, **d, universe=universe
        ),
        # sector weights are 0.46, 0.11, 0.34, 0.08: both sides bind
        "GroupBounds": _case(
            C.GroupBounds(lower=0.1, upper=0.4), budget, **d, groups=u.sectors
        ),
        "GroupBounds(active)": _case(
            C.GroupBounds(lower=-0.01, upper=0.01, active=True),
            budget,
            **d,
            groups=u.sectors,
            universe=universe,
        ),
        # at least 2 % must be sold into cash (the cash leg counts): turnover
        # 0.02 at least, and reaching the benchmark takes 0.013 more
        "TurnoverLimit": _case(
            C.TurnoverLimit(0.025),
            [C.FullyInvested(min_cash=0.02, max_cash=0.05), C.LongOnly()],
            **d,
        ),
        # a hard budget: the cash leg is the constant 0.04 (one row natively);
        # the limit is a quarter of the way from 0.04 to the turnover reaching b
        "TurnoverLimit(budget)": _case(
            C.TurnoverLimit(0.035 + 0.125 * float((u.benchmark - held).abs().sum())),
            [*budget, C.LongOnly()],
            **{**d, "holdings": held},
        ),
        "LiquidityLimit": _case(
            C.LiquidityLimit(0.1, days=2.0), budget, **d, adv=u.adv, nav=1e11
        ),
        "Restricted": _case(C.Restricted(top3), budget, **d),
        "NoTrade": _case(C.NoTrade(moved), budget, **d),
    }


#: Penalties that leave each softened constraint violated at the optimum, yet
#: priced enough to move it (checked in test_native_matches_cvxpy).
SOFT_PENALTY = {
    "FullyInvested": 2e-5,
    "LongOnly": 1e-3,
    "WeightBounds": 1e-2,
    "WeightBounds(series)": 1e-2,
    "ActiveWeightBounds": 1e-3,
    "GroupBounds": 1e-4,
    "GroupBounds(active)": 1e-3,
    "TurnoverLimit": 1e-5,
    "TurnoverLimit(budget)": 2e-5,
    "LiquidityLimit": 3e-4,
    "Restricted": 1e-2,
    "NoTrade": 3e-4,
}


def soft_cases(u) -> dict[str, Problem]:
    """Each hard case with its constraint wrapped in Soft."""
    out = {}
    for name, p in hard_cases(u).items():
        soft = C.Soft(p.term, penalty=SOFT_PENALTY[name])
        cons = [soft if k is p.term else k for k in p.constraints]
        out[f"Soft({name})"] = Problem(p.risk, p.costs, cons, p.data, soft)
    return out


def cost_cases(u) -> dict[str, Problem]:
    """One case per cost with a native form: each changes the trades."""
    base = [C.FullyInvested(), C.LongOnly()]
    half_spread = pd.Series(np.linspace(5.0, 40.0, len(u.benchmark)), u.benchmark.index)
    d = {"returns": u.returns, "benchmark": u.benchmark, "holdings": u.holdings}
    return {
        "ProportionalFee": _case(K.ProportionalFee(buy_bps=20, sell_bps=50), base, **d),
        "Spread": _case(K.Spread(half_spread_bps=half_spread), base, **d),
        "QuadraticImpact": _case(K.QuadraticImpact(coef=5.0), base, **d),
        "QuadraticImpact(adv)": _case(
            K.QuadraticImpact.from_adv(eta=5.0), base, **d, adv=u.adv, nav=1e9
        ),
    }


def tracking_error_of_holdings(u) -> float:
    """Ex-ante TE of ``u.holdings`` under the 3-factor model (shared fit)."""
    p = Problem(
        factor_risk,
        data={"returns": u.returns, "benchmark": u.benchmark, "holdings": u.holdings},
    )
    risk = p.fitted_risk()
    snapshot = Prefitted(risk=risk).prepare(**p.data)
    return float(np.sqrt(risk.evaluate(snapshot.holdings, snapshot)))


def venue_list(pool_asset: str) -> list:
    """Two CEXs listing every asset and one constant-product pool."""
    tiers = (rp.venues.FeeTier("base", 0, 10, 20),)
    return [
        rp.venues.CEXVenue(
            "cex_a", tiers, tier="base", half_spread_bps=2, adv_share=0.2
        ),
        rp.venues.CEXVenue(
            "cex_b", tiers, tier="base", impact="quadratic", adv_share=0.1,
            participation=0.01,
        ),
        rp.venues.DEXPool("amm", pool_asset, reserves=2e7, fee=0.003),
    ]  # fmt: skip


def conic_cases(u) -> dict[str, Problem]:
    """Terms whose native form adds cones (solved by Clarabel natively)."""
    base = [C.FullyInvested(), C.LongOnly()]
    d = {"returns": u.returns, "benchmark": u.benchmark, "holdings": u.holdings}
    te = tracking_error_of_holdings(u)  # 0.26 %
    return {
        "PowerImpact": _case(
            K.PowerImpact(coef=1.0, exponent=1.5), base, **d, adv=u.adv, nav=1e9
        ),
        # small pools: the buy limit u < r binds on the small names
        "ConstantProductAMM": _case(
            K.ConstantProductAMM(reserves=u.adv * 0.02, fee=0.003), base, **d, nav=1e9
        ),
        # two CEXs (3/2-power and quadratic impact, a participation cap) and a
        # small pool on the largest name: the split and the pool cone bind
        "VenueCost": _case(
            rp.venues.VenueCost(venue_list(u.benchmark.idxmax())),
            base,
            **d,
            adv=u.adv,
            nav=1e9,
        ),
        # with a hard cap the objective is the fee; TE^2 is a tie-breaker
        "TrackingErrorLimit": _case(
            C.TrackingErrorLimit(max_te=0.5 * te),
            base,
            costs=[K.ProportionalFee(bps=20)],
            **d,
        ),
        # a fee high enough that the optimum stays above the cap (TE 0.12 %)
        "Soft(TrackingErrorLimit)": _case(
            C.Soft(C.TrackingErrorLimit(max_te=0.4 * te), penalty=SOFT_TE_PENALTY),
            base,
            costs=[K.ProportionalFee(bps=300)],
            **d,
        ),
    }


#: Price of TE^2 above the cap (the rows of a TE cap are in TE^2 units).
SOFT_TE_PENALTY = 0.1


def risk_cases(u) -> dict[str, Problem]:
    """One case per risk model; a weight cap keeps the tracking error positive."""
    R = u.returns
    cov = R.cov() * 252
    # A 3-factor model given directly: top eigenpairs plus the residual diagonal.
    vals, vecs = np.linalg.eigh(cov.to_numpy())
    B = vecs[:, -3:] * np.sqrt(vals[-3:])
    resid = np.clip(np.diag(cov.to_numpy()) - (B**2).sum(axis=1), 1e-6, None)
    names = ["f1", "f2", "f3"]
    exposures = pd.DataFrame(B, index=R.columns, columns=names)
    fcov = pd.DataFrame(np.eye(3), index=names, columns=names)
    specific = pd.Series(resid, index=R.columns)
    models: dict[str, Callable[[], rp.risk.RiskModel]] = {
        "StatisticalFactor": factor_risk,
        "SampleCovariance": rp.risk.SampleCovariance,  # T = 250 > N = 50
        "EWMA": lambda: rp.risk.EWMA(halflife=60),
        "LedoitWolf": rp.risk.LedoitWolf,
        "Covariance": lambda: rp.risk.Covariance(cov),
        "FactorModel": lambda: rp.risk.FactorModel(exposures, fcov, specific),
    }
    cons = [C.FullyInvested(), C.LongOnly(), C.WeightBounds(upper=0.1)]
    d = {"returns": R, "benchmark": u.benchmark, "holdings": u.holdings}
    return {
        name: Problem(make, [K.ProportionalFee(bps=5)], list(cons), dict(d))
        for name, make in models.items()
    }


def all_cases(u) -> dict[str, Problem]:
    return {
        **risk_cases(u),
        **cost_cases(u),
        **hard_cases(u),
        **soft_cases(u),
        **conic_cases(u),
    }


RISK_IDS = [
    "StatisticalFactor",
    "SampleCovariance",
    "EWMA",
    "LedoitWolf",
    "Covariance",
    "FactorModel",
]
COST_IDS = ["ProportionalFee", "Spread", "QuadraticImpact", "QuadraticImpact(adv)"]
HARD_IDS = list(SOFT_PENALTY)
CONIC_IDS = [
    "PowerImpact",
    "ConstantProductAMM",
    "VenueCost",
    "TrackingErrorLimit",
    "Soft(TrackingErrorLimit)",
]
CASE_IDS = RISK_IDS + COST_IDS + HARD_IDS + [f"Soft({k})" for k in HARD_IDS] + CONIC_IDS


#: Non-conic cases the dual Newton method declines under ``solver="auto"``, and
#: why (PIQP solves them); it solves every other non-conic case itself.
DUAL_NEWTON_DECLINES = {
    # a sample factor (one row per date: 250 here) couples every asset
    "SampleCovariance": "too many coupling rows",
    "EWMA": "too many coupling rows",
    "LedoitWolf": "too many coupling rows",
    # the square root of a dense covariance: 50 rows, but no specific part
    "Covariance": "a weight without curvature",
    # the soft turnover limit prices max(buys, sells): one slack in two rows
    # (soft rows with a slack each bound their multiplier: solved)
    "Soft(TurnoverLimit)": "a penalty slack shared by rows",
    "Soft(TurnoverLimit(budget))": "a penalty slack shared by rows",
}


def expected_qp_route(case_id: str) -> tuple[str, tuple[str, ...], str]:
    """``(solver, attempts, reason)`` of an auto native solve of a QP case."""
    from replicator.problem._native import DUAL_NEWTON_REASON, PIQP_REASON

    if case_id in DUAL_NEWTON_DECLINES:
        why = f"declined: {DUAL_NEWTON_DECLINES[case_id]}"
        return (
            "PIQP",
            (f"DUAL_NEWTON: {why}", "PIQP: PIQP_SOLVED"),
            f"{PIQP_REASON} (dual Newton {why})",
        )
    return "DUAL_NEWTON", ("DUAL_NEWTON: solved",), DUAL_NEWTON_REASON


def case_class(case_id: str) -> str:
    """Class a case tests: ``Soft(NoTrade)`` -> ``Soft``."""
    return case_id.split("(")[0]


# ===================================================================== pricing
def numpy_objective(model: rp.Replicator, snapshot, weights) -> float:
    """The engine's objective priced by the numpy twins of the terms.

    ``a TE^2(w) + sum_k C_k(t) / (lambda H) + sum_j P_j(w, t)``, with ``a = 1``
    unless a hard TE cap makes the cost the objective (``a = 1e-4 / (lambda H)``
    keeps TE^2 as a tie-breaker, as both engines do).
    """
    w = np.asarray(weights, dtype=float)
    t = w - snapshot.holdings
    cost_weight = 1.0 / (model.risk_aversion * model.horizon)
    capped = any(
        getattr(k, "caps_tracking_error", False) and not getattr(k, "is_soft", False)
        for k in model.constraints
    )
    te_weight = 1e-4 * cost_weight if capped and model.costs else 1.0
    te2 = model.risk.evaluate(w, snapshot)
    cost = sum(c.evaluate(t, snapshot) for c in model.costs)
    penalty = sum(
        k.evaluate_penalty(w, t, snapshot)
        for k in model.constraints
        if getattr(k, "is_soft", False)
    )
    return float(te_weight * te2 + cost_weight * cost + penalty)


def priced(model: rp.Replicator, res, data: dict) -> float:
    """:func:`numpy_objective` of a result (the model's risk is already fitted)."""
    snapshot = model.prepare(**data, fit=False)
    return numpy_objective(model, snapshot, res.weights.to_numpy())


def reference(p: Problem, **kw: Any):
    """cvxpy + Clarabel, at the tightest tolerance Clarabel reports as solved.

    Clarabel reports AlmostSolved at 1e-10 on some cvxpy forms (the epigraph
    of a quadratic cost is a second-order cone) and fails on the 1e6 stand-ins
    for infinite bounds; the next rung is then used.
    """
    failures: list[str] = []
    for options in REFERENCE_OPTIONS:
        # A fresh model per rung: cvxpy keeps Clarabel's settings between
        # solves of one problem (its warm-start cache).
        model = p.model(
            backend="cvxpy",
            solver="CLARABEL",
            solver_options=options,
            fallback=False,
            **kw,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InaccurateSolutionWarning)
            try:
                res = model.solve(**p.data)
            except SolverFailedError as exc:  # e.g. BIG = 1e6 bounds at 1e-10
                failures.append(str(exc))
                continue
        failures.append(", ".join(res.stats.attempts))
        if res.status is Status.OPTIMAL:
            assert res.stats.solver == "CLARABEL"
            assert model.n_compilations_ == 1
            return model, res
    pytest.fail(f"Clarabel did not solve the reference: {failures}")


def assert_same_optimum(model_a, res_a, model_b, res_b, data, *, rtol=OBJ_RTOL):
    """Same weights, and the same objective priced by the numpy twins."""
    obj_a, obj_b = priced(model_a, res_a, data), priced(model_b, res_b, data)
    assert obj_a == pytest.approx(obj_b, rel=rtol, abs=OBJ_ATOL)
    np.testing.assert_allclose(res_a.weights, res_b.weights, rtol=0, atol=W_ATOL)
    assert res_a.tracking_error == pytest.approx(res_b.tracking_error, abs=1e-6)
    assert res_a.total_cost == pytest.approx(res_b.total_cost, rel=1e-4, abs=1e-8)


#: Native solves for the pricing test: tight, so that the auxiliaries (slacks,
#: buy/sell, cash leg, cone epigraphs) sit at their optimal values.
TIGHT_NATIVE = {
    "PIQP": {"eps_abs": 1e-11, "eps_rel": 1e-11},
    "CLARABEL": TIGHT_CLARABEL,
}


def assert_qp_prices_like_twins(p: Problem) -> None:
    """At the native solution ``x``: ``QPData.objective(x) == S * numpy objective``.

    Solved tightly (no fallback) so that the comparison measures the pricing,
    not the solver tolerance.
    """
    terms = [*p.costs, *p.constraints]
    solver = "CLARABEL" if any(t.problem_class != "qp" for t in terms) else "PIQP"
    model = p.model(
        backend="native",
        solver=solver,
        solver_options=TIGHT_NATIVE[solver],
        fallback=False,
    )
    res = model.solve(**p.data)
    assert res.status is Status.OPTIMAL and res.stats.solver == solver
    compiled = model._compiled
    assert compiled.native
    qp, x = compiled.data, compiled._x
    snapshot = model.prepare(**p.data, fit=False)
    w = x[qp.blocks["w"]]
    expected = OBJECTIVE_SCALE * numpy_objective(model, snapshot, w)
    assert qp.objective(x) == pytest.approx(expected, rel=1e-7, abs=1e-7)
    # The trades are the split w - w0 = buy - sell.
    t = x[qp.blocks["buy"]] - x[qp.blocks["sell"]]
    np.testing.assert_allclose(w - snapshot.holdings, t, atol=1e-9)


# ==================================================================== fixtures
@pytest.fixture(scope="module")
def cases(medium) -> dict[str, Problem]:
    return all_cases(medium)


@pytest.fixture(scope="module")
def native_solve(cases):
    """Cached native solve of a case: ``(model, result)``."""
    done: dict[str, tuple] = {}

    def solve(case_id: str):
        if case_id not in done:
            model = cases[case_id].model(backend="native")
            done[case_id] = (model, model.solve(**cases[case_id].data))
        return done[case_id]

    return solve


# ============================================================ 1. agreement
def test_every_native_term_has_a_case(cases):
    terms = native_terms()
    assert set(cases) == set(CASE_IDS)
    assert {case_class(c) for c in CASE_IDS} == set(terms)
    # Soft wraps every other native constraint.
    softenable = {
        name
        for name, cls in terms.items()
        if issubclass(cls, rp.constraints.Constraint) and cls is not C.Soft
    }
    wrapped = {
        type(p.term.constraint).__name__
        for p in cases.values()
        if isinstance(p.term, C.Soft)
    }
    assert wrapped == softenable


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_native_matches_cvxpy(cases, native_solve, case_id):
    p = cases[case_id]
    model, res = native_solve(case_id)
    assert res.status is Status.OPTIMAL
    conic = case_id in CONIC_IDS
    assert model._compiled.data.is_conic == conic
    if conic:
        assert res.stats.solver == "CLARABEL"
        assert len(res.stats.attempts) == 1
    else:
        solver, attempts, reason = expected_qp_route(case_id)
        assert res.stats.solver == solver
        assert res.stats.attempts == attempts
        assert res.stats.reason == reason
    ref_model, ref = reference(p)
    assert_same_optimum(model, res, ref_model, ref, p.data)
    assert res.penalties.keys() == ref.penalties.keys()
    for name, value in res.penalties.items():
        assert value == pytest.approx(ref.penalties[name], rel=1e-4, abs=1e-10)
    if p.term is None:
        return
    # The term binds: without it the optimum moves.
    free = p.model(backend="native", without_term=True).solve(**p.data)
    assert np.abs(res.weights - free.weights).max() > BINDS
    if getattr(p.term, "is_soft", False):
        # ... and a soft term is violated at the optimum (not effectively hard).
        # (Rows are in their own units: fractions of NAV, or TE^2 ~ 1e-6.)
        [violation] = res.penalties.values()
        assert violation / p.term.penalty > 1e-8


# =========================================== 2. returns-only, estimated risk
@pytest.mark.parametrize(
    "risk",
    [
        rp.risk.SampleCovariance,  # T = 250 > N = 50: definite
        factor_risk,
        lambda: rp.risk.EWMA(halflife=60),
        rp.risk.LedoitWolf,
    ],
    ids=["SampleCovariance", "StatisticalFactor", "EWMA", "LedoitWolf"],
)
def test_returns_only_mode_matches_cvxpy(medium, risk, request):
    p = Problem(
        risk,
        [K.ProportionalFee(bps=5)],
        [C.FullyInvested(), C.LongOnly(), C.WeightBounds(upper=0.1)],
        {
            "returns": medium.returns,
            "benchmark": medium.index_returns,
            "holdings": medium.holdings,
        },
    )
    model = p.model(backend="native")
    res = model.solve(**p.data)
    # the risk models' case ids are those of test_native_matches_cvxpy
    solver, attempts, reason = expected_qp_route(request.node.callspec.id)
    assert res.returns_only and res.stats.solver == solver
    assert res.stats.attempts == attempts and res.stats.reason == reason
    assert res.tracking_error > 1e-3  # the cap binds: no exact replication
    ref_model, ref = reference(p)
    assert_same_optimum(model, res, ref_model, ref, p.data)
    assert_qp_prices_like_twins(p)  # with the constant c0 of returns-only mode


# ============================================ 3. native solvers agree
def rich_problem(u) -> Problem:
    return Problem(
        factor_risk,
        [K.ProportionalFee(bps=10)],
        [
            C.FullyInvested(),
            C.LongOnly(),
            C.WeightBounds(upper=0.1),
            C.TurnoverLimit(0.25),  # the caps alone need a turnover of 0.217
            C.GroupBounds(upper=0.4),
        ],
        {
            "returns": u.returns,
            "benchmark": u.benchmark,
            "holdings": u.holdings,
            "groups": u.sectors,
        },
    )


def test_native_solvers_reach_the_same_optimum(medium):
    p = rich_problem(medium)
    solved = {}
    for name in ("PIQP", "OSQP", "CLARABEL"):
        model = p.model(backend="native", solver=name)
        res = model.solve(**p.data)
        assert res.status is Status.OPTIMAL
        assert res.stats.solver == name and len(res.stats.attempts) == 1
        assert model._compiled.native
        solved[name] = (model, res)
    assert_same_optimum(*solved["PIQP"], *solved["CLARABEL"], p.data)
    model_o, res_o = solved["OSQP"]
    model_p, res_p = solved["PIQP"]
    assert priced(model_o, res_o, p.data) == pytest.approx(
        priced(model_p, res_p, p.data), rel=1e-4
    )
    np.testing.assert_allclose(res_o.weights, res_p.weights, atol=2e-4)


# ===================================== 4. the QP prices what the twins price
@pytest.mark.parametrize("case_id", CASE_IDS)
def test_assembled_qp_prices_like_the_numpy_twins(cases, case_id):
    assert_qp_prices_like_twins(cases[case_id])


# ============================================================ 5. compile once
def test_resolves_update_the_piqp_solver_without_recompiling(
    medium, monkeypatch, without_dual_newton
):
    """With the dual Newton method declining (auto), PIQP solves: set up once,
    then updated in place."""
    import piqp

    calls = {"setup": 0, "update": 0}

    class CountingSolver(piqp.SparseSolver):
        def setup(self, *args, **kwargs):
            calls["setup"] += 1
            return super().setup(*args, **kwargs)

        def update(self, *args, **kwargs):
            calls["update"] += 1
            return super().update(*args, **kwargs)

    monkeypatch.setattr(piqp, "SparseSolver", CountingSolver)
    p = rich_problem(medium)
    model = p.model(backend="native", prefit=False)  # refits on every solve
    R, rng = medium.returns, np.random.default_rng(7)
    data = {**p.data, "returns": R.iloc[:200]}
    res = model.solve(**data)
    for i in range(1, 4):
        b = medium.benchmark * np.exp(rng.normal(0, 0.2, len(medium.benchmark)))
        data = {
            "returns": R.iloc[10 * i : 200 + 10 * i],
            "benchmark": b / b.sum(),
            "holdings": res.weights,
            "groups": medium.sectors,
        }
        res = model.solve(**data)
        assert res.status is Status.OPTIMAL and res.stats.solver == "PIQP"
        assert res.stats.attempts == (without_dual_newton, "PIQP: PIQP_SOLVED")
    assert model.n_compilations_ == 1
    assert calls == {"setup": 1, "update": 3}
    # The updated solver solves the new numbers, not stale ones.
    ref_model, ref = reference(Problem(p.risk, p.costs, p.constraints, data))
    assert_same_optimum(model, res, ref_model, ref, data)


# ================================================================ 6. infeasible
def test_infeasible_native_problem_names_the_conflict(medium):
    u = 0.05
    w0 = medium.benchmark  # some names above the cap: selling them is turnover
    excess = float((w0 - u).clip(lower=0).sum())
    model = rp.Replicator(
        risk=factor_risk(),
        constraints=[
            C.FullyInvested(),
            C.LongOnly(),
            C.WeightBounds(upper=u),
            C.TurnoverLimit(0.05),
        ],
        backend="native",
    )
    with pytest.raises(
        InfeasibleError,
        match=r"^The problem is infeasible: TurnoverLimit\(0\.05\) conflicts with "
        r"(FullyInvested\(\) \+ )?WeightBounds\(lower=0, upper=0\.05\)"
        r": the smallest feasible turnover is [0-9.]+ \(limit 0\.05\)\. Relax the "
        r"limit, or wrap it in rp\.constraints\.Soft",
    ) as info:
        model.solve(returns=medium.returns, benchmark=medium.benchmark, holdings=w0)
    err = info.value
    assert err.status == "infeasible" and err.solver == "PIQP"
    assert err.conflicts == {
        "TurnoverLimit(0.05)": pytest.approx(excess - 0.05, rel=1e-5)
    }
    assert model._compiled.native  # the diagnosis built its cvxpy twin aside


# =============================================================== 7. bad input
def test_unknown_backend_is_a_config_error(small):
    model = rp.Replicator(risk=factor_risk(), backend="bogus")
    with pytest.raises(
        ConfigError,
        match=r"The 'backend' parameter of Replicator must be one of 'auto', "
        r"'native', 'cvxpy'\. Got 'bogus' instead\.",
    ):
        model.solve(returns=small.returns, benchmark=small.benchmark)


class SquaredTrades(rp.costs.Cost):
    """A user-defined cost with a cvxpy form only (no ``qp``)."""

    def expression(self, v):
        return cp.sum_squares(v.trades)

    def evaluate(self, trades, snapshot):
        return float(np.sum(np.asarray(trades, dtype=float) ** 2))


def test_native_backend_refuses_a_term_without_native_form(small):
    model = rp.Replicator(
        risk=factor_risk(),
        costs=[SquaredTrades()],
        constraints=[C.FullyInvested()],
        backend="native",
    )
    with pytest.raises(
        ConfigError,
        match=r"backend='native' needs terms with a native form and solver 'auto', "
        r"'PIQP', 'OSQP' or 'CLARABEL'; SquaredTrades\(\) need cvxpy\. "
        r"Use backend='auto'\.",
    ):
        model.solve(returns=small.returns, benchmark=small.benchmark)


def test_native_backend_refuses_a_qp_solver_for_a_conic_term(small):
    model = rp.Replicator(
        risk=factor_risk(),
        costs=[K.PowerImpact()],
        constraints=[C.FullyInvested()],
        solver="PIQP",
        backend="native",
    )
    with pytest.raises(
        ConfigError,
        match=r"backend='native' needs terms with a native form and solver 'auto' "
        r"or 'CLARABEL' \(the problem has cones\); solver='PIQP' runs through "
        r"cvxpy\. Use backend='auto'\.",
    ):
        model.solve(returns=small.returns, benchmark=small.benchmark, adv=small.adv)


def test_native_backend_refuses_a_cvxpy_only_solver(small):
    model = rp.Replicator(risk=factor_risk(), solver="SCS", backend="native")
    with pytest.raises(ConfigError, match=r"solver='SCS' runs through cvxpy"):
        model.solve(returns=small.returns, benchmark=small.benchmark)


def test_auto_backend_routing(medium):
    data = {
        "returns": medium.returns,
        "benchmark": medium.benchmark,
        "holdings": medium.holdings,
        "adv": medium.adv,
        "nav": 1e8,
    }
    cons = [C.FullyInvested(), C.LongOnly()]

    from replicator.problem._native import DUAL_NEWTON_REASON

    last = {}

    def routed(costs, **kw):
        kw.setdefault("risk_aversion", 100.0)  # the setting this was written for
        model = rp.Replicator(risk=factor_risk(), costs=costs, constraints=cons, **kw)
        res = last["stats"] = model.solve(**data).stats
        return getattr(model._compiled, "native", False), res.solver

    # a QP: the dual Newton method natively
    assert routed([K.Spread(5.0)]) == (True, "DUAL_NEWTON")
    assert last["stats"].reason == DUAL_NEWTON_REASON
    assert last["stats"].attempts == ("DUAL_NEWTON: solved",)
    assert routed([K.PowerImpact()]) == (True, "CLARABEL")  # cones: Clarabel
    assert routed([SquaredTrades()])[0] is False  # no qp form: cvxpy
    # SCS cannot reach replicator's default 1e-8 on this problem (|t| is not
    # smooth): "optimal_inaccurate" after 200,000 iterations on one machine,
    # "optimal" on another. At 1e-5 it converges in ~125 iterations everywhere;
    # without the fallback the route itself is what is checked.
    scs = {"eps_abs": 1e-5, "eps_rel": 1e-5}
    assert routed(
        [K.Spread(5.0)], solver="SCS", fallback=False, solver_options=scs
    ) == (False, "SCS")
    assert last["stats"].attempts == ("SCS: optimal",)
    assert routed([K.Spread(5.0)], backend="cvxpy")[0] is False


@pytest.mark.parametrize(
    ("solver", "message"),
    [
        ("auto", r"solver_options: PIQP has no setting 'no_such'"),
        ("PIQP", r"solver_options: PIQP has no setting 'no_such'"),
        ("DUAL_NEWTON", r"solver_options: DUAL_NEWTON has no setting 'no_such'"),
        ("CLARABEL", r"solver_options: CLARABEL has no setting 'no_such'"),
        ("OSQP", r"solver_options: OSQP rejected them: .*'no_such'"),
    ],
)
def test_unknown_native_solver_option_is_a_config_error(small, solver, message):
    model = rp.Replicator(
        risk=factor_risk(),
        constraints=[C.FullyInvested()],
        solver=solver,
        solver_options={"no_such": 1},
        backend="native",
    )
    with pytest.raises(ConfigError, match=message):
        model.solve(returns=small.returns, benchmark=small.benchmark)


# ================================================================= 8. fallback
def test_failed_piqp_falls_back_to_clarabel(medium, monkeypatch, without_dual_newton):
    p = rich_problem(medium)
    model_p = p.model(backend="native")
    res_p = model_p.solve(**p.data)

    def failed(self, d):
        return native_solvers.NativeOutcome(
            None, Status.FAILED, "FAKE_FAILURE", 0, 0.0, 0.0
        )

    monkeypatch.setattr(native_solvers._PIQP, "solve", failed)
    model = p.model(backend="native")
    res = model.solve(**p.data)
    assert res.status is Status.OPTIMAL
    assert res.stats.solver == "CLARABEL"
    assert res.stats.reason == "fallback after PIQP returned FAKE_FAILURE"
    assert res.stats.attempts == (
        without_dual_newton,
        "PIQP: FAKE_FAILURE",
        "CLARABEL: Solved",
    )
    assert_same_optimum(model, res, model_p, res_p, p.data)


# ========================================================= 9. pickle and clone
def test_pickle_and_clone_after_a_native_solve(medium):
    p = rich_problem(medium)
    model = p.model(backend="native", prefit=False)
    res = model.solve(**p.data)
    assert model._compiled.native
    for other in (pickle.loads(pickle.dumps(model)), model.clone()):
        assert other._compiled is None
        again = other.solve(**p.data)
        assert again.stats.solver == "DUAL_NEWTON" and other._compiled.native
        np.testing.assert_allclose(again.weights, res.weights, atol=1e-8)
    # The original keeps its compiled problem and still re-solves.
    np.testing.assert_allclose(model.solve(**p.data).weights, res.weights, atol=1e-8)
    assert model.n_compilations_ == 1


# ===================================================== 10. random small problems
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    n=st.integers(10, 30),
    seed=st.integers(0, 2**31 - 1),
    cap_mult=st.floats(1.2, 3.0),
    limit=st.floats(0.02, 0.6),
    bps=st.floats(0.0, 30.0),
    max_cash=st.sampled_from([0.0, 0.03]),
    sample=st.booleans(),
)
def test_random_problems_native_equals_clarabel(
    medium, n, seed, cap_mult, limit, bps, max_cash, sample
):
    rng = np.random.default_rng(seed)
    names = medium.benchmark.index[
        np.sort(rng.choice(len(medium.benchmark), n, replace=False))
    ]
    b = medium.benchmark[names] / medium.benchmark[names].sum()
    w0 = pd.Series(rng.dirichlet(np.ones(n)), index=names)
    upper = max(cap_mult / n, float(w0.max()))  # the holdings are feasible
    p = Problem(
        rp.risk.SampleCovariance if sample else factor_risk,
        [K.ProportionalFee(bps=bps)],
        [
            C.FullyInvested(max_cash=max_cash),
            C.LongOnly(),
            C.WeightBounds(upper=upper),
            C.TurnoverLimit(limit),
        ],
        {"returns": medium.returns[names], "benchmark": b, "holdings": w0},
    )
    model = p.model(backend="native")
    res = model.solve(**p.data)
    assert res.status is Status.OPTIMAL
    if sample:  # T = 250 factor rows: the dual Newton method declines
        assert res.stats.solver == "PIQP"
        assert res.stats.attempts == (
            "DUAL_NEWTON: declined: too many coupling rows",
            "PIQP: PIQP_SOLVED",
        )
    else:
        assert res.stats.solver == "DUAL_NEWTON"
        assert res.stats.attempts == ("DUAL_NEWTON: solved",)
    ref_model, ref = reference(p)
    assert_same_optimum(model, res, ref_model, ref, p.data)
    assert_qp_prices_like_twins(p)
