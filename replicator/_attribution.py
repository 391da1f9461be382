"""Assemble a ReplicationResult from a solved problem (numpy twins only)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import pandas as pd

from replicator.data._snapshot import MarketSnapshot
from replicator.measures import turnover
from replicator.result import PerAssetData, ReplicationResult
from replicator.solvers import SolverStats

__all__ = ["PricedModel", "build_result", "margin_mask", "term_tables"]


class PricedModel(Protocol):
    """What prices a solution: the terms and the cost weights (a Replicator)."""

    risk: Any
    costs: Sequence[Any]
    constraints: Sequence[Any]
    risk_aversion: float
    horizon: float


def build_result(
    model: PricedModel,
    compiled: object,
    snapshot: MarketSnapshot,
    weights: np.ndarray,
    trades: np.ndarray,
    stats: SolverStats,
) -> ReplicationResult:
    """Price the solution with the numpy twins and pack the result.

    Every number is computed here, eagerly, into arrays and floats that belong
    to the result, so it does not change when the model or the inputs are
    modified after the solve. Only the pandas wrappers are deferred: the
    per-asset Series (and the group sums of ``te_by_group``) are built from
    those read-only arrays on first access (see :class:`ReplicationResult`).

    Parameters
    ----------
    model : PricedModel
        The model solved (its risk model, costs and constraints price the
        solution).
    compiled : Problem
        The solved problem (unused: the numpy twins price the solution).
    snapshot : MarketSnapshot
        The inputs of the solve.
    weights, trades : ndarray of shape (n_assets,)
        The solution; ``trades`` is recomputed from the cleaned weights.
    stats : SolverStats
        How the solve went.

    Returns
    -------
    ReplicationResult
    """
    # Non-investable names are forced to zero; clean solver round-off there.
    # New arrays: the result owns them (and the copies below).
    all_investable = bool(snapshot.investable.all())
    if all_investable:
        weights = np.array(weights, dtype=float)
    else:
        weights = np.where(snapshot.investable, weights, 0.0)
    trades = weights - snapshot.holdings
    risk = model.risk
    factor_var, specific_var = risk.evaluate_parts(weights, snapshot)
    te2 = factor_var + specific_var
    costs = _unique_costs(model.costs, trades, snapshot)
    penalties = {
        k.name: k.evaluate_penalty(weights, trades, snapshot)  # type: ignore[attr-defined]
        for k in model.constraints
        if k.is_soft
    }
    reports = tuple(k.report(weights, trades, snapshot) for k in model.constraints)
    terms = [model.risk, *model.costs, *model.constraints]
    tables = term_tables(terms, weights, trades, snapshot)
    on_margin = margin_mask(terms, snapshot)
    unreplicated, unreplicable = (
        (0.0, ()) if all_investable else _unreplicable(snapshot)
    )
    arrays = {
        "weights": weights,
        "trades": trades,
        "holdings": np.array(snapshot.holdings),
        "benchmark": np.array(snapshot.benchmark),
        "te_by_asset": np.array(risk.contributions(weights, snapshot)),
    }
    if snapshot.adv is not None:
        arrays["liquidity_usage"] = _liquidity_usage(trades, snapshot.nav, snapshot.adv)
    # last: the terms above read weights and trades before they turn read-only
    groups = snapshot.groups
    if groups is not None and snapshot.labels is not None:
        groups = groups.set_axis(snapshot.labels)  # aligned on assets
    per_asset = PerAssetData(snapshot.output_labels, arrays, groups)
    cost_weight = 1.0 / (model.risk_aversion * model.horizon)
    objective = te2 + cost_weight * sum(costs.values()) + sum(penalties.values())
    return ReplicationResult(
        _per_asset=per_asset,
        tracking_error=math.sqrt(max(te2, 0.0)),  # correctly rounded, as np.sqrt
        tracking_variance=float(te2),
        te_factor_variance=float(factor_var),
        te_specific_variance=float(specific_var),
        costs=costs,
        turnover=turnover(trades),
        constraints=reports,
        unreplicated_weight=unreplicated,
        unreplicable=unreplicable,
        cash=float(1.0 - weights.sum() + weights[on_margin].sum()),
        nav=snapshot.nav,
        objective=float(objective),
        stats=stats,
        returns_only=snapshot.returns_only,
        date=snapshot.date,
        penalties=penalties,
        tables=tables,
    )


def term_tables(
    terms: Sequence[Any],
    weights: np.ndarray,
    trades: np.ndarray,
    snapshot: MarketSnapshot,
) -> dict[str, pd.DataFrame]:
    """Collect the tables of the terms (``Term.report_tables``); repeats get #2."""
    out: dict[str, pd.DataFrame] = {}
    for term in terms:
        for name, table in term.report_tables(weights, trades, snapshot).items():
            key, i = name, 1
            while key in out:
                i += 1
                key = f"{name}#{i}"
            out[key] = table
    return out


def margin_mask(terms: Sequence[Any], snapshot: MarketSnapshot) -> np.ndarray:
    r"""Return the assets held on margin (``Term.margin_positions``), using no cash.

    Notes
    -----
    The cash is then :math:`1 - \sum_{i \notin M} w_i` with ``M`` this mask:
    a perp's notional is backed by margin, not paid for.
    """
    mask = np.zeros(snapshot.n_assets, dtype=bool)
    for term in terms:
        found = term.margin_positions(snapshot)
        if found is not None:
            mask |= np.asarray(found, dtype=bool)
    return mask


def _liquidity_usage(trades: np.ndarray, nav: float, adv: np.ndarray) -> np.ndarray:
    """``|trade| * NAV / ADV`` by asset; 0 where the trade is below 1e-12."""
    size = np.abs(trades)
    with np.errstate(divide="ignore", invalid="ignore"):
        usage = size * nav
        usage /= adv  # in place: (size * nav) / adv, one array fewer
    np.putmask(usage, size < 1e-12, 0.0)
    return usage


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
