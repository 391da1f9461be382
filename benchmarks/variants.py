"""Benchmark variants: which terms a problem carries, and how it is scored.

* ``engine``: the engine issue's problem: factor risk, budget, long-only,
  bounds, turnover, 5 bp proportional fee (a QP).
* ``peer``: what every peer library can express: TE, budget, long-only,
  bounds, turnover (a QP, no costs).
* ``qp``: engine + liquidity limit + quadratic impact.
* ``socp``: qp + 3/2-power impact + constant-product AMM + a TE cap.
* ``dense``: qp with the risk given as a dense covariance (``rp.risk.Covariance``)
  instead of the factor model.

Scoring is numpy on the returned weights: the objective replicator minimizes

.. math::

    f(w) = \\omega\\, TE^2(w) + \\frac{1}{\\lambda H} \\sum_k C_k(w - w_0),
    \\qquad TE^2(w) = \\lVert G (w-b) \\rVert^2 + \\lVert s \\circ (w-b) \\rVert^2

(``omega = 1e-4 / (lambda H)`` when a TE cap turns the objective into cost minimization,
else 1), and the largest violation ``max(lhs - rhs)`` over every constraint row.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

import replicator as rp
from benchmarks import terms
from benchmarks.problems import BenchProblem

__all__ = ["VARIANTS", "Evaluation", "RawInputs", "Setup", "build"]

VARIANTS = ("engine", "peer", "qp", "socp", "dense")
QP_VARIANTS = ("engine", "peer", "qp", "dense")
RISK_AVERSION = 100.0
_TE_CAPS: dict[tuple[str, int, int], float] = {}


@dataclass(frozen=True)
class Evaluation:
    """Numpy score of a weight vector."""

    objective: float
    tracking_error: float
    max_violation: float
    total_cost: float


@dataclass
class RawInputs:
    """Data of :class:`benchmarks.raw_osqp.RawOSQP` for one rebalance."""

    matrices: dict[str, Any]
    g: np.ndarray
    sb: np.ndarray
    w0: np.ndarray
    G_changed: np.ndarray | None = None
    s_changed: np.ndarray | None = None


@dataclass
class Setup:
    """A problem, a variant and a configured (unsolved) Replicator."""

    problem: BenchProblem
    variant: str
    model: rp.Replicator
    te_cap: float | None = None

    def inputs(self, j: int = 0) -> dict[str, Any]:
        """Keyword arguments of ``model.solve`` for rebalance ``j``."""
        p = self.problem
        reb = p.rebalance(j)
        kw: dict[str, Any] = {
            "holdings": pd.Series(reb.holdings, index=p.tickers),
            "nav": p.nav,
            "adv": pd.Series(p.adv, index=p.tickers),
            "volatility": pd.Series(p.volatility, index=p.tickers),
            "universe": p.tickers,
        }
        if p.returns_only:
            kw["returns"] = reb.returns
            kw["benchmark"] = reb.index_returns
        else:
            kw["benchmark"] = pd.Series(reb.benchmark, index=p.tickers)
        return kw

    def raw_inputs(self, j: int = 0) -> RawInputs:
        """The same QP as hand-built OSQP data (qp, engine and peer variants)."""
        p = self.problem
        reb = p.rebalance(j)
        if p.returns_only:
            f = (
                rp.risk.StatisticalFactor(n_factors=10)
                .fit(reb.returns, reb.index_returns, periods_per_year=252.0)
                .factors_
            )
            zero = np.zeros(p.n_assets)
            bs = (
                f.specific_benchmark(True, zero)
                if hasattr(f, "specific_benchmark")
                else zero
            )
            G, s, g, sb = f.exposures, f.specific, f.benchmark_exposure, f.specific * bs
        else:
            G, s = p.G, p.s
            g, sb = G @ reb.benchmark, s * reb.benchmark
        fee = 0.0 if self.variant == "peer" else p.fee_bps / 1e4
        mats: dict[str, Any] = {
            "G": G,
            "s": s,
            "upper": p.upper,
            "turnover": p.turnover,
            "buy_rate": np.full(p.n_assets, fee),
            "sell_rate": np.full(p.n_assets, fee),
            "cost_weight": 1.0 / (self.model.risk_aversion * self.model.horizon),
        }
        if self.variant in ("qp", "dense"):
            mats["impact"] = terms.IMPACT_ETA * p.volatility * p.nav / p.adv
            mats["trade_cap"] = p.participation * p.adv / p.nav
        changed = p.returns_only and j > 0
        return RawInputs(
            mats, g, sb, reb.holdings, G if changed else None, s if changed else None
        )

    def te2(self, w: np.ndarray, j: int = 0) -> float:
        """Annualized TE^2 of ``w`` (numpy, independent of the risk term)."""
        p = self.problem
        if p.returns_only:
            snap = self.model.prepare(**self.inputs(j))
            return float(self.model.risk.evaluate(w, snap))
        d = w - p.rebalance(j).benchmark
        return float(np.sum((p.G @ d) ** 2) + np.sum((p.s * d) ** 2))

    def evaluate(self, w: np.ndarray, j: int = 0) -> Evaluation:
        """Objective, TE and largest constraint violation of ``w``."""
        model = self.model
        snap = model.prepare(**self.inputs(j), fit=self.problem.returns_only)
        w = np.asarray(w, dtype=float)
        t = w - snap.holdings
        cost = float(sum(c.evaluate(t, snap) for c in model.costs))
        viol = 0.0
        for k in model.constraints:
            lhs, rhs = k.evaluate(w, t, snap)
            gap = np.atleast_1d(np.asarray(lhs, float) - np.asarray(rhs, float))
            if gap.size:
                viol = max(viol, float(np.max(gap)))
        te2 = self.te2(w, j)
        capped = any(
            getattr(k, "caps_tracking_error", False) for k in model.constraints
        )
        cw = 1.0 / (model.risk_aversion * model.horizon)
        omega = 1e-4 * cw if capped and model.costs else 1.0
        return Evaluation(
            objective=omega * te2 + cw * cost,
            tracking_error=float(np.sqrt(max(te2, 0.0))),
            max_violation=max(viol, 0.0),
            total_cost=cost,
        )


def _risk(problem: BenchProblem, variant: str) -> rp.risk.RiskModel:
    if problem.returns_only:
        return rp.risk.StatisticalFactor(n_factors=10)
    if variant == "dense":
        sigma = pd.DataFrame(
            problem.sigma, index=problem.tickers, columns=problem.tickers
        )
        return rp.risk.Covariance(sigma)
    k = problem.exposures.shape[1]
    factors = [f"F{i}" for i in range(k)]
    return rp.risk.FactorModel(
        pd.DataFrame(problem.exposures, index=problem.tickers, columns=factors),
        pd.DataFrame(problem.factor_cov, index=factors, columns=factors),
        pd.Series(problem.specific_var, index=problem.tickers),
        periods_per_year=252.0,
    )


def te_cap(problem: BenchProblem) -> float:
    """A binding but feasible TE cap for the socp variant.

    ``TE_min`` is the smallest TE the trading constraints allow (solved with
    Clarabel: budget, long-only, caps, turnover, liquidity); a cost-minimizer
    without a cap stays near the holdings, at ``TE_0 = TE(w0)``. The cap is
    half-way: ``TE_min + (TE_0 - TE_min) / 2``. Cached per problem.
    """
    key = (problem.name, problem.seed, problem.n_assets)
    if key in _TE_CAPS:
        return _TE_CAPS[key]
    setup = build(problem, "peer", "CLARABEL")
    setup.model.constraints.append(terms.liquidity_limit(problem))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        te_min = setup.model.solve(**setup.inputs(0)).tracking_error
    te0 = float(np.sqrt(setup.te2(problem.rebalance(0).holdings, 0)))
    _TE_CAPS[key] = float(te_min + 0.5 * (te0 - te_min))
    return _TE_CAPS[key]


def build(
    problem: BenchProblem,
    variant: str,
    solver: str = "auto",
    solver_options: dict[str, Any] | None = None,
    *,
    fallback: bool = False,
    backend: str = "auto",
) -> Setup:
    """Configure a Replicator for ``variant`` on ``problem`` (not yet solved)."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; choose from {VARIANTS}")
    risk = _risk(problem, variant)
    upper = pd.Series(problem.upper, index=problem.tickers)
    constraints: list[Any] = [
        rp.constraints.FullyInvested(),
        rp.constraints.LongOnly(),
        rp.constraints.WeightBounds(upper=upper),
        rp.constraints.TurnoverLimit(problem.turnover),
    ]
    costs: list[Any] = []
    if variant != "peer":
        costs.append(rp.costs.ProportionalFee(bps=problem.fee_bps))
    if variant in ("qp", "socp", "dense"):
        costs.append(terms.quadratic_impact(problem))
        constraints.append(terms.liquidity_limit(problem))
    cap = None
    if variant == "socp":
        costs += [terms.power_impact(problem), terms.amm_cost(problem)]
        cap = te_cap(problem)
        constraints.append(terms.te_limit(cap))
    model = rp.Replicator(
        risk=risk,
        costs=costs,
        constraints=constraints,
        risk_aversion=RISK_AVERSION,
        solver=solver,
        solver_options=solver_options,
        fallback=fallback,
        backend=backend,
    )
    return Setup(problem, variant, model, cap)
