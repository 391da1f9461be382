"""The cost and constraint terms of the benchmark variants, with its coefficients.

* quadratic impact ``kappa_i = eta sigma_i NAV / ADV_i`` with ``eta = 0.1``
  (``rp.costs.QuadraticImpact.from_adv``);
* 3/2-power impact ``Y sigma_i sqrt(NAV / ADV_i) |t_i|^1.5`` with ``Y = 0.5``;
* liquidity ``|t_i| <= p ADV_i / NAV`` with ``p`` = problem.participation;
* constant-product AMM pools on 10 % of the names, fee 30 bp;
* a tracking-error cap (annualized fraction).

:mod:`benchmarks.raw_osqp` rebuilds the QP ones by hand from the same numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import replicator as rp
from benchmarks.problems import BenchProblem

__all__ = [
    "AMM_FEE",
    "IMPACT_ETA",
    "POWER_COEF",
    "amm_cost",
    "amm_pools",
    "liquidity_limit",
    "power_impact",
    "quadratic_impact",
    "te_limit",
]

IMPACT_ETA = 0.1
POWER_COEF = 0.5
AMM_FEE = 0.003


def quadratic_impact(problem: BenchProblem) -> rp.costs.Cost:
    """Quadratic (linear-impact) cost, coefficients from ADV and volatility."""
    return rp.costs.QuadraticImpact(eta=IMPACT_ETA)


def power_impact(problem: BenchProblem) -> rp.costs.Cost:
    """3/2-power (square-root law) impact cost."""
    return rp.costs.PowerImpact(coef=POWER_COEF, exponent=1.5)


def amm_pools(problem: BenchProblem) -> np.ndarray:
    """Indices of the names traded on a constant-product pool (10 %)."""
    rng = np.random.default_rng(problem.seed + 29)
    m = max(1, problem.n_assets // 10)
    return np.sort(rng.choice(problem.n_assets, m, replace=False))


def amm_cost(problem: BenchProblem) -> rp.costs.Cost:
    """Exact constant-product AMM cost on the pool names."""
    pools = amm_pools(problem)
    reserves = pd.Series(
        problem.reserves[pools] * problem.nav, index=problem.tickers[pools]
    )
    return rp.costs.ConstantProductAMM(reserves=reserves, fee=AMM_FEE)


def liquidity_limit(problem: BenchProblem) -> rp.constraints.Constraint:
    """Participation limit on each trade (one day)."""
    return rp.constraints.LiquidityLimit(problem.participation)


def te_limit(cap: float) -> rp.constraints.Constraint:
    """Cap on the ex-ante tracking error (annualized fraction)."""
    return rp.constraints.TrackingErrorLimit(max_te=cap)
