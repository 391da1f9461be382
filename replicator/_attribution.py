"""Assemble a ReplicationResult from a solved problem (numpy twins only)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from replicator.data._snapshot import MarketSnapshot
from replicator.measures import turnover
from replicator.result import ReplicationResult
from replicator.solvers import SolverStats

if TYPE_CHECKING:
    from replicator.problem import CompiledProblem
    from replicator.replicator import Replicator

__all__ = ["build_result"]


def build_result(
    model: Replicator,
    compiled: CompiledProblem,
    snapshot: MarketSnapshot,
    weights: np.ndarray,
    trades: np.ndarray,
    stats: SolverStats,
) -> ReplicationResult:
    """Price the solution with the numpy twins and pack the result.

    Every field is computed here (nothing is lazy), so the result does not
    change when the model or the inputs are modified after the solve. Per-asset
    Series own their data (pandas copies the arrays).
    """
    assets = snapshot.assets
    # Non-investable names are forced to zero; clean solver round-off there.
    weights = np.where(snapshot.investable, weights, 0.0)
    trades = weights - snapshot.holdings
    risk = model.risk
    factor_var, specific_var = risk.evaluate_parts(weights, snapshot)
    te2 = factor_var + specific_var
    contrib = pd.Series(risk.contributions(weights, snapshot), index=assets)
    if snapshot.groups is not None:
        by_group = contrib.groupby(snapshot.groups.reindex(assets).to_numpy()).sum()
    else:
        by_group = _empty_series()
    costs = _unique_costs(model.costs, trades, snapshot)
    penalties = {
        k.name: k.evaluate_penalty(weights, trades, snapshot)  # type: ignore[attr-defined]
        for k in model.constraints
        if getattr(k, "is_soft", False)
    }
    reports = tuple(k.report(weights, trades, snapshot) for k in model.constraints)
    liquidity = (
        _empty_series()
        if snapshot.adv is None
        else pd.Series(
            _liquidity_usage(trades, snapshot.nav, snapshot.adv), index=assets
        )
    )
    unreplicated, unreplicable = _unreplicable(snapshot)
    cost_weight = 1.0 / (model.risk_aversion * model.horizon)
    objective = te2 + cost_weight * sum(costs.values()) + sum(penalties.values())
    return ReplicationResult(
        weights=pd.Series(weights, index=assets, name="weight"),
        trades=pd.Series(trades, index=assets, name="trade"),
        holdings=pd.Series(snapshot.holdings, index=assets, name="holdings"),
        benchmark=pd.Series(snapshot.benchmark, index=assets, name="benchmark"),
        tracking_error=float(np.sqrt(max(te2, 0.0))),
        tracking_variance=float(te2),
        te_factor_variance=float(factor_var),
        te_specific_variance=float(specific_var),
        te_by_asset=contrib,
        te_by_group=by_group,
        costs=costs,
        turnover=turnover(trades),
        liquidity_usage=liquidity,
        constraints=reports,
        unreplicated_weight=unreplicated,
        unreplicable=unreplicable,
        cash=float(1.0 - weights.sum()),
        nav=snapshot.nav,
        objective=float(objective),
        stats=stats,
        returns_only=snapshot.returns_only,
        date=snapshot.date,
        penalties=penalties,
    )


#: Template of the empty float Series of absent diagnostics (copied, never shared).
_EMPTY = pd.Series(dtype=float)


def _empty_series() -> pd.Series:
    """Return a new empty float64 Series (copying is 3x faster than building)."""
    return _EMPTY.copy()


def _liquidity_usage(trades: np.ndarray, nav: float, adv: np.ndarray) -> np.ndarray:
    """``|trade| * NAV / ADV`` by asset; 0 where the trade is below 1e-12."""
    size = np.abs(trades)
    with np.errstate(divide="ignore", invalid="ignore"):
        usage = size * nav / adv
    return np.where(size < 1e-12, 0.0, usage)


def _unreplicable(snapshot: MarketSnapshot) -> tuple[float, tuple[str, ...]]:
    """Benchmark weight of the non-investable names, and those in the benchmark."""
    blocked = ~snapshot.investable
    if not blocked.any():
        return 0.0, ()
    benchmark = snapshot.benchmark
    names = snapshot.assets[blocked & (benchmark != 0)]
    return float(benchmark[blocked].sum()), tuple(str(a) for a in names)


def _unique_costs(
    terms: list, trades: np.ndarray, snapshot: MarketSnapshot
) -> dict[str, float]:
    """Evaluate each cost, keyed by name; repeated names get ``#2``, ``#3``."""
    out: dict[str, float] = {}
    for term in terms:
        key, i = term.name, 1
        while key in out:
            i += 1
            key = f"{term.name}#{i}"
        out[key] = term.evaluate(trades, snapshot)
    return out
