"""Glue between the reference problems and replicator: build, solve, judge.

:func:`build_model` turns a :class:`_reference.Problem` into a ``Replicator``
and the ``solve`` arguments; :func:`judge` solves both and names the outcome.
The outcomes in :data:`ACCEPTED` are correct behaviour; every other one is a
failure class of the trust campaign.
"""

from __future__ import annotations

import contextlib
import signal
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

import replicator as rp
from replicator.exceptions import (
    InfeasibleError,
    ReplicatorError,
    ReplicatorWarning,
    SolverFailedError,
    UnboundedError,
)

from . import _reference as R

C = rp.constraints

#: Relative objective tolerance against the reference (issue 12's 1e-6).
OBJ_RTOL = 1e-6
#: Absolute floor, times the problem's coefficient scale (``Problem.scale``):
#: an objective that is ~0 cannot be compared relatively.
OBJ_ATOL = 1e-9
#: Weight accuracy: the objective may also be off by the first-order effect of
#: moving every weight by this much (``WEIGHT_TOL * |grad f(w*)|_1`` over the
#: smooth terms and the linear cost rates; not the soft penalties), e.g. a
#: weight 3.5e-7 inside an active cash band (0.0035 bp), or a 6e-8 trade paying
#: a fee where not trading costs nothing.
WEIGHT_TOL = 1e-6


def objective_tolerance(p: R.Problem, ref: R.Outcome) -> float:
    """How far above the reference optimum an answer may be."""
    slope = np.abs(p.smooth_gradient(ref.weights)) + p.linear_rates()
    first_order = WEIGHT_TOL * float(slope.sum())
    return OBJ_RTOL * abs(ref.objective) + first_order + OBJ_ATOL * p.scale


#: Seconds after which a solve counts as a hang.
HANG_SECONDS = 60

#: Correct outcomes.
ACCEPTED = {
    "verified",  # a solution, feasible, objective within tolerance
    "verified_unclear",  # reference unclear (borderline feasible); point feasible
    "infeasible_agreed",  # InfeasibleError, reference infeasible
    "infeasible_unclear",  # InfeasibleError, reference borderline
    "failed_on_infeasible",  # SolverFailedError on an infeasible problem
    "reference_worse",  # replicator beat the reference (reference inaccurate)
}


def tickers(n: int) -> list[str]:
    return [f"T{i:03d}" for i in range(n)]


# ------------------------------------------------------------------ building
def risk_model(risk: R.Risk, names: list[str]) -> rp.risk.RiskModel:
    """The replicator risk model of the reference's ``Risk``."""
    if risk.dense is not None:
        return rp.risk.Covariance(pd.DataFrame(risk.dense, index=names, columns=names))
    if risk.exposures is None or risk.exposures.shape[1] == 0:
        D = np.diag(risk.specific_var)
        return rp.risk.Covariance(pd.DataFrame(D, index=names, columns=names))
    k = risk.exposures.shape[1]
    factors = [f"f{j}" for j in range(k)]
    return rp.risk.FactorModel(
        pd.DataFrame(risk.exposures, index=names, columns=factors),
        pd.DataFrame(risk.factor_cov, index=factors, columns=factors),
        pd.Series(risk.specific_var, index=names),
    )


def _bound(values: np.ndarray, names: list[str]) -> float | pd.Series:
    finite = np.isfinite(values)
    if finite.all() and np.all(values == values[0]):
        return float(values[0])
    return pd.Series(values[finite], index=np.asarray(names)[finite])


def constraint(spec, names: list[str]) -> rp.constraints.Constraint:
    """The replicator constraint of a reference spec."""
    if isinstance(spec, R.Soft):
        return C.Soft(constraint(spec.inner, names), penalty=spec.penalty)
    if isinstance(spec, R.FullyInvested):
        return C.FullyInvested(min_cash=spec.min_cash, max_cash=spec.max_cash)
    if isinstance(spec, R.LongOnly):
        return C.LongOnly()
    if isinstance(spec, R.WeightBounds):
        cls = C.ActiveWeightBounds if spec.active else C.WeightBounds
        return cls(lower=_bound(spec.lower, names), upper=_bound(spec.upper, names))
    if isinstance(spec, R.GroupBounds):
        labels = [f"G{g}" for g in range(len(spec.lower))]
        lower = {
            g: v for g, v in zip(labels, spec.lower, strict=True) if np.isfinite(v)
        }
        upper = {
            g: v for g, v in zip(labels, spec.upper, strict=True) if np.isfinite(v)
        }
        groups = pd.Series([f"G{g}" for g in spec.labels], index=names)
        return C.GroupBounds(
            lower=lower or None, upper=upper or None, active=spec.active, groups=groups
        )
    if isinstance(spec, R.TurnoverLimit):
        return C.TurnoverLimit(spec.limit)
    if isinstance(spec, R.LiquidityLimit):
        return C.LiquidityLimit(spec.participation, days=spec.days)
    if isinstance(spec, R.NoTrade):
        return C.NoTrade([n for n, m in zip(names, spec.mask, strict=True) if m])
    if isinstance(spec, R.Restricted):
        return C.Restricted([n for n, m in zip(names, spec.mask, strict=True) if m])
    if isinstance(spec, R.TrackingErrorLimit):
        return C.TrackingErrorLimit(spec.max_te)
    raise TypeError(spec)


def cost(spec, names: list[str]) -> rp.costs.Cost:
    """The replicator cost of a reference cost spec."""
    if isinstance(spec, R.ProportionalFee):
        return rp.costs.ProportionalFee(
            buy_bps=pd.Series(spec.buy * 1e4, index=names),
            sell_bps=pd.Series(spec.sell * 1e4, index=names),
        )
    if isinstance(spec, R.Spread):
        return rp.costs.Spread(pd.Series(spec.half * 1e4, index=names))
    if isinstance(spec, R.QuadraticImpact):
        return rp.costs.QuadraticImpact(coef=pd.Series(spec.coef, index=names))
    raise TypeError(spec)


def build_model(p: R.Problem, **options) -> tuple[rp.Replicator, dict]:
    """A Replicator of ``p`` and the keyword arguments of its ``solve``."""
    names = tickers(len(p.benchmark))
    model = rp.Replicator(
        risk=risk_model(p.risk, names),
        costs=[cost(c, names) for c in p.costs],
        constraints=[constraint(k, names) for k in p.constraints],
        risk_aversion=1.0 / p.cost_weight,
        **options,
    )
    return model, solve_kwargs(p)


def solve_kwargs(p: R.Problem) -> dict:
    """The inputs of ``Replicator.solve`` for ``p``."""
    names = tickers(len(p.benchmark))
    kw: dict = {
        "benchmark": pd.Series(p.benchmark, index=names),
        "holdings": pd.Series(p.holdings, index=names),
    }
    for k in p.constraints:
        inner = k.inner if isinstance(k, R.Soft) else k
        if isinstance(inner, R.LiquidityLimit):
            kw["adv"] = pd.Series(inner.adv, index=names)
            kw["nav"] = inner.nav
    return kw


# ------------------------------------------------------------------- judging
@dataclass
class Verdict:
    """What happened, and the numbers that show it."""

    outcome: str
    detail: str = ""
    weights: np.ndarray | None = None

    @property
    def ok(self) -> bool:
        return self.outcome in ACCEPTED


class Hang(Exception):
    """A solve ran past :data:`HANG_SECONDS`."""


@contextlib.contextmanager
def time_limit(seconds: float):
    """Raise :class:`Hang` in the main thread after ``seconds`` (best effort)."""

    def fire(signum, frame):
        raise Hang(f"no answer after {seconds} s")

    old = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def run(model: rp.Replicator, kw: dict):
    """Solve, returning ``(result or None, exception or None, warnings)``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with time_limit(HANG_SECONDS):
                res = model.solve(**kw)
        except Exception as exc:  # judged below
            return None, exc, caught
    return res, None, caught


def judge_answer(
    p: R.Problem, ref: R.Outcome, res, exc: BaseException | None, caught=()
) -> Verdict:
    """Name the outcome of a replicator answer against the reference."""
    if exc is not None:
        what = f"{type(exc).__name__}: {str(exc)[:300]}"
        if isinstance(exc, Hang):
            return Verdict("hang", what)
        if isinstance(exc, InfeasibleError):
            if ref.status == "infeasible":
                return Verdict("infeasible_agreed", what)
            if ref.status == "unclear":
                return Verdict("infeasible_unclear", what)
            return Verdict("false_infeasible", f"{what}; reference {ref.objective:.6g}")
        if isinstance(exc, UnboundedError):
            return Verdict("false_unbounded", what)
        if isinstance(exc, SolverFailedError):
            if ref.status != "optimal":
                return Verdict("failed_on_infeasible", what)
            return Verdict("solver_failed", what)
        if isinstance(exc, ReplicatorError):
            return Verdict("rejected_input", what)
        return Verdict("untyped_error", what)
    w = res.weights.to_numpy(dtype=float)
    viol = p.max_violation(w)
    obj = p.objective(w)
    inaccurate = any(issubclass(c.category, ReplicatorWarning) for c in caught)
    tag = " (inaccurate warning)" if inaccurate else ""
    if ref.status == "infeasible":
        return Verdict(
            "infeasible_returned",
            f"status {res.status}{tag}, worst hard row {viol:.3g}, reference least "
            f"violation {ref.min_violation:.3g}",
            w,
        )
    if viol > R.FEAS_TOL:
        worst = max(p.violations(w).items(), key=lambda kv: kv[1])
        name = type(p.hard[worst[0]]).__name__
        return Verdict(
            "hard_violation", f"{name} broken by {viol:.3g} (scaled){tag}", w
        )
    reported = float(res.objective)
    if p.te_weight == 1.0 and abs(reported - obj) > 1e-9 * abs(obj) + 1e-12 * p.scale:
        return Verdict(
            "misreported_objective",
            f"result.objective {reported:.10g} vs {obj:.10g}",
            w,
        )
    if ref.status == "unclear":
        return Verdict("verified_unclear", f"objective {obj:.6g}", w)
    tol = objective_tolerance(p, ref)
    if obj > ref.objective + tol:
        rel = (obj - ref.objective) / max(abs(ref.objective), 1e-300)
        return Verdict(
            "worse_objective",
            f"objective {obj:.10g} vs reference {ref.objective:.10g} "
            f"({rel:.3g} relative; tol {tol:.3g}){tag}",
            w,
        )
    if obj < ref.objective - tol:
        return Verdict("reference_worse", f"{obj:.10g} < {ref.objective:.10g}", w)
    return Verdict("verified", f"objective {obj:.6g}{tag}", w)


def judge(p: R.Problem, ref: R.Outcome | None = None, **options) -> Verdict:
    """Solve ``p`` cold with replicator and judge it against the reference."""
    ref = ref if ref is not None else R.solve(p)
    model, kw = build_model(p, **options)
    res, exc, caught = run(model, kw)
    return judge_answer(p, ref, res, exc, caught)
