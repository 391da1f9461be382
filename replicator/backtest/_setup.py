"""Validate the scalar settings of a backtest and build its strategies."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from replicator.backtest._market import Market
from replicator.backtest._policies import (
    FullReplication,
    LeastSquaresTracker,
    Optimized,
    TopK,
)
from replicator.data._validate import format_items, validate_weights
from replicator.exceptions import ConfigError, DataError, MissingAssetsError

__all__ = [
    "BASELINES",
    "check_settings",
    "cost_names",
    "initial_weights",
    "make_policies",
    "universe_rule",
]

BASELINES = ("full", "top_k", "ls")


def _is_int(x: Any) -> bool:
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def check_settings(
    model: Any, reestimate_every: Any, min_history: Any, on_error: Any, nav: Any
) -> None:
    """Raise ConfigError / DataError for an invalid scalar setting."""
    if not (hasattr(model, "solve_snapshot") and hasattr(model, "prepare")):
        raise ConfigError(
            f"model must be a replicator.Replicator; got {type(model).__name__}."
        )
    if not _is_int(reestimate_every) or reestimate_every < 1:
        raise ConfigError(
            f"The 'reestimate_every' parameter of backtest.run must be an int "
            f">= 1 (re-estimate the risk model every k rebalances). Got "
            f"{reestimate_every!r} instead."
        )
    if not (isinstance(min_history, numbers.Real) and 0 < min_history <= 1):
        raise ConfigError(
            f"The 'min_history' parameter of backtest.run must be a fraction "
            f"in (0, 1]. Got {min_history!r} instead."
        )
    if on_error not in ("raise", "hold"):
        raise ConfigError(
            f"The 'on_error' parameter of backtest.run must be 'raise' or "
            f"'hold'. Got {on_error!r} instead."
        )
    if not (isinstance(nav, numbers.Real) and np.isfinite(nav) and nav > 0):
        raise DataError(f"nav must be a positive number; got {nav!r}.")


def cost_names(costs: Sequence[Any]) -> list[str]:
    """Label the cost models uniquely (``name``, then ``name#2`` ...)."""
    names: list[str] = []
    for c in costs:
        base, k = c.name, 2
        name = base
        while name in names:
            name, k = f"{base}#{k}", k + 1
        names.append(name)
    return names


def universe_rule(universe: Any, market: Market, notes: list[str]) -> Any:
    """Return "all", "constituents" or a fixed boolean mask over the assets."""
    if universe is None:
        return "all" if market.bench.returns_only else "constituents"
    if isinstance(universe, str):
        if universe not in ("constituents", "all"):
            raise ConfigError(
                f"The 'universe' parameter of backtest.run must be "
                f"'constituents', 'all' or a list of tickers. Got {universe!r}."
            )
        if universe == "constituents" and market.bench.returns_only:
            notes.append(
                "universe='constituents' needs benchmark weights; with a "
                "return series every asset with data is investable."
            )
            return "all"
        return universe
    names = pd.Index([str(u) for u in universe])
    unknown = names.difference(market.assets)
    if len(unknown):
        raise MissingAssetsError(
            f"universe has {len(unknown)} tickers that are not in the returns: "
            f"{format_items(unknown)}. Add their returns or drop them."
        )
    return np.asarray(market.assets.isin(names))


def initial_weights(holdings: Any, assets: pd.Index) -> np.ndarray:
    """Align the initial weights on ``assets`` (zeros: all cash)."""
    if holdings is None:
        return np.zeros(len(assets))
    h = validate_weights(holdings, "holdings")
    unknown = h.index.difference(assets)
    if len(unknown):
        raise MissingAssetsError(
            f"holdings has {len(unknown)} tickers that are not in the returns: "
            f"{format_items(unknown)}. Add their returns or drop the positions."
        )
    return h.reindex(assets).fillna(0.0).to_numpy(dtype=float)


def make_policies(
    model: Any,
    baselines: Any,
    top_k: Any,
    on_error: str,
    returns_only: bool,
    notes: list[str],
) -> dict[str, Any]:
    """Build the optimizer, then the requested (and available) baselines."""
    if isinstance(baselines, str) and baselines == "auto":
        baselines = ("ls",) if returns_only else ("full", "top_k")
    elif isinstance(baselines, str) or baselines is None:
        baselines = () if baselines is None else (baselines,)
    unknown = [b for b in baselines if b not in BASELINES]
    if unknown:
        raise ConfigError(
            f"Unknown baselines {unknown}; choose from {BASELINES} or 'auto'."
        )
    if "top_k" in baselines and not (_is_int(top_k) and top_k >= 1):
        raise ConfigError(
            f"The 'top_k' parameter of backtest.run must be an int >= 1. Got "
            f"{top_k!r} instead."
        )
    policies: dict[str, Any] = {"optimized": Optimized(model, on_error)}
    for b in dict.fromkeys(baselines):
        if b in ("full", "top_k") and returns_only:
            notes.append(
                f"Baseline '{b}' is not available: the benchmark is a return "
                "series (returns-only mode), so its weights are unknown."
            )
            continue
        if b == "full":
            policies[b] = FullReplication()
        elif b == "top_k":
            policies[b] = TopK(int(top_k))
        else:
            policies[b] = LeastSquaresTracker()
    return policies
