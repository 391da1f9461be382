"""Term factories: replicator's own class when it exists, else a local stand-in.

Every factory returns ``(term, provenance)`` where provenance is ``"rp"`` or
``"bench-local (<reason>)"``; the results table records it, so a number
measured with a stand-in is never mistaken for one of the shipped term.

The coefficients are the benchmark's, whatever class runs them:

* quadratic impact ``kappa_i = eta sigma_i NAV / ADV_i`` with ``eta = 0.1``;
* 3/2-power impact ``Y sigma_i sqrt(NAV / ADV_i) |t_i|^1.5`` with ``Y = 0.5``;
* liquidity ``|t_i| <= p ADV_i / NAV`` with ``p`` = problem.participation;
* constant-product AMM pools on 10 % of the names, fee 30 bp.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

import replicator as rp
from benchmarks import _fallback_terms as local
from benchmarks.problems import BenchProblem

__all__ = [
    "IMPACT_ETA",
    "POWER_COEF",
    "amm_cost",
    "liquidity_limit",
    "power_impact",
    "quadratic_impact",
    "te_limit",
]

IMPACT_ETA = 0.1
POWER_COEF = 0.5
AMM_FEE = 0.003


def _rp_class(module: Any, name: str) -> tuple[type | None, str]:
    cls = getattr(module, name, None)
    if cls is None:
        return None, f"bench-local (rp has no {module.__name__}.{name})"
    return cls, "rp"


def quadratic_impact(problem: BenchProblem) -> tuple[Any, str]:
    """Quadratic (linear-impact) cost, coefficients from ADV and volatility."""
    cls, why = _rp_class(rp.costs, "QuadraticImpact")
    if cls is not None:
        return cls(eta=IMPACT_ETA), why
    return local.QuadraticImpactCost(IMPACT_ETA), why


def power_impact(problem: BenchProblem) -> tuple[Any, str]:
    """3/2-power (square-root law) impact cost."""
    cls, why = _rp_class(rp.costs, "PowerImpact")
    if cls is not None:
        return cls(coef=POWER_COEF, exponent=1.5), why
    return local.PowerImpactCost(POWER_COEF), why


def amm_pools(problem: BenchProblem) -> np.ndarray:
    """Indices of the names traded on a constant-product pool (10 %)."""
    rng = np.random.default_rng(problem.seed + 29)
    m = max(1, problem.n_assets // 10)
    return np.sort(rng.choice(problem.n_assets, m, replace=False))


def amm_cost(problem: BenchProblem) -> tuple[Any, str]:
    """Exact constant-product AMM cost on the pool names."""
    pools = amm_pools(problem)
    cls, why = _rp_class(rp.costs, "ConstantProductAMM")
    if cls is not None:
        reserves = pd.Series(
            problem.reserves[pools] * problem.nav, index=problem.tickers[pools]
        )
        return cls(reserves=reserves, fee=AMM_FEE), why
    return local.AMMCost(pools, problem.reserves[pools], AMM_FEE), why


def liquidity_limit(problem: BenchProblem) -> tuple[Any, str]:
    """Participation limit on each trade (one day)."""
    cls, why = _rp_class(rp.constraints, "LiquidityLimit")
    if cls is not None:
        return cls(problem.participation), why
    return local.LiquidityCap(problem.participation), why


def te_limit(cap: float, risk: Any) -> tuple[Any, str]:
    """Cap on the ex-ante tracking error (annualized fraction)."""
    cls, why = _rp_class(rp.constraints, "TrackingErrorLimit")
    if cls is not None:
        return cls(max_te=cap), why
    return local.TrackingErrorCap(cap, risk), why
