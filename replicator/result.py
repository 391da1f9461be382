"""The frozen result of one replication solve."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from replicator.constraints._base import ConstraintReport
from replicator.solvers import SolverStats, Status

__all__ = ["ReplicationResult"]


@dataclass(frozen=True)
class ReplicationResult:
    """Weights, trades and diagnostics of one solve (pandas out).

    Units: weights, trades, costs and turnover are fractions of NAV;
    ``tracking_error`` is the annualized ex-ante TE as a fraction (0.0123 =
    1.23 % a year); ``tracking_variance`` is its square.

    Attributes
    ----------
    weights : Series
        Post-trade weights by ticker.
    trades : Series
        Trades ``weights - holdings`` by ticker.
    holdings : Series
        Pre-trade weights by ticker.
    benchmark : Series
        Benchmark weights by ticker (zeros in returns-only mode).
    tracking_error : float
        Annualized ex-ante tracking error.
    tracking_variance : float
        ``tracking_error ** 2``.
    te_factor_variance, te_specific_variance : float
        Systematic and specific parts of ``tracking_variance``.
    te_by_group : Series
        Contributions to ``tracking_variance`` by group (sector), when groups
        are given; by asset otherwise in :attr:`te_by_asset`.
    te_by_asset : Series
        Euler contributions to ``tracking_variance`` by ticker.
    costs : dict of str to float
        Estimated one-off cost of each cost term, fraction of NAV.
    turnover : float
        One-way turnover including the cash leg.
    liquidity_usage : Series
        ``|trade| * NAV / ADV`` by ticker (empty when no ADV was given).
    constraints : tuple of ConstraintReport
        Value, limit and binding flag of each constraint.
    unreplicated_weight : float
        Benchmark weight of constituents that cannot be held.
    unreplicable : tuple of str
        Those constituents.
    cash : float
        Post-trade cash weight ``1 - sum(weights)``.
    nav : float
        NAV used for liquidity and impact, in currency.
    objective : float
        Unscaled objective value.
    stats : SolverStats
        Solver, status, iterations and timings.
    returns_only : bool
        True when the benchmark was a return series.
    date : object
        Rebalance date, when given.
    """

    weights: pd.Series
    trades: pd.Series
    holdings: pd.Series
    benchmark: pd.Series
    tracking_error: float
    tracking_variance: float
    te_factor_variance: float
    te_specific_variance: float
    te_by_asset: pd.Series
    te_by_group: pd.Series
    costs: dict[str, float]
    turnover: float
    liquidity_usage: pd.Series
    constraints: tuple[ConstraintReport, ...]
    unreplicated_weight: float
    unreplicable: tuple[str, ...]
    cash: float
    nav: float
    objective: float
    stats: SolverStats
    returns_only: bool = False
    date: Any = None
    penalties: dict[str, float] = field(default_factory=dict)

    @property
    def status(self) -> Status:
        """Solver status (``Status.OPTIMAL`` etc.)."""
        return self.stats.status

    @property
    def solver(self) -> str:
        """Solver that produced the solution."""
        return self.stats.solver

    @property
    def total_cost(self) -> float:
        """Sum of the estimated costs, fraction of NAV."""
        return float(sum(self.costs.values()))

    @property
    def n_holdings(self) -> int:
        """Number of positions with ``|w| > 1e-6``."""
        return int((self.weights.abs() > 1e-6).sum())

    @property
    def binding_constraints(self) -> list[str]:
        """Names of the constraints at their bound."""
        return [c.name for c in self.constraints if c.binding]

    def active_weights(self) -> pd.Series:
        """``weights - benchmark`` by ticker (weights mode)."""
        return self.weights - self.benchmark

    def to_frame(self) -> pd.DataFrame:
        """Per-asset table: benchmark, holdings, weights, trades, active, usage."""
        df = pd.DataFrame(
            {
                "benchmark": self.benchmark,
                "holdings": self.holdings,
                "weight": self.weights,
                "trade": self.trades,
                "active": self.weights - self.benchmark,
                "te_contribution": self.te_by_asset,
            }
        )
        if len(self.liquidity_usage):
            df["liquidity_usage"] = self.liquidity_usage
        return df

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly summary (no per-asset vectors)."""

        def clean(x: float) -> float | None:
            return None if x is None or not math.isfinite(x) else float(x)

        return {
            "status": str(self.status),
            "tracking_error": clean(self.tracking_error),
            "tracking_variance": clean(self.tracking_variance),
            "te_decomposition": {
                "factor_variance": clean(self.te_factor_variance),
                "specific_variance": clean(self.te_specific_variance),
                "by_group": {str(k): clean(v) for k, v in self.te_by_group.items()},
            },
            "costs": {k: clean(v) for k, v in self.costs.items()},
            "total_cost": clean(self.total_cost),
            "penalties": {k: clean(v) for k, v in self.penalties.items()},
            "turnover": clean(self.turnover),
            "cash": clean(self.cash),
            "n_holdings": self.n_holdings,
            "nav": clean(self.nav),
            "unreplicated_weight": clean(self.unreplicated_weight),
            "unreplicable": list(self.unreplicable),
            "max_liquidity_usage": clean(
                float(self.liquidity_usage.max()) if len(self.liquidity_usage) else 0.0
            ),
            "constraints": [
                {
                    "name": c.name,
                    "value": clean(c.value),
                    "limit": clean(c.limit),
                    "binding": c.binding,
                    "n_binding": c.n_binding,
                    "max_violation": clean(c.max_violation),
                    "where": getattr(c, "where", ""),
                    "soft": c.soft,
                }
                for c in self.constraints
            ],
            "objective": clean(self.objective),
            "solver": self.stats.to_dict(),
            "returns_only": self.returns_only,
            "date": None if self.date is None else str(self.date),
        }

    def to_json(self, **kwargs: Any) -> str:
        """:meth:`to_dict` as JSON text."""
        return json.dumps(self.to_dict(), **kwargs)

    def summary(self) -> str:
        """Human-readable text summary (arch-style)."""
        lines = []
        bar = "=" * 64
        lines.append(bar)
        lines.append("Replication result".center(64))
        lines.append(bar)
        rows = [
            ("Status", str(self.status)),
            (
                "Solver",
                f"{self.stats.solver} ({self.stats.iterations} it, "
                f"{self.stats.solve_time * 1e3:.1f} ms)",
            ),
            ("Ex-ante TE (ann.)", f"{self.tracking_error * 100:.4f} %"),
            (
                "  factor / specific",
                f"{_pct_share(self.te_factor_variance, self.tracking_variance)}"
                " / "
                f"{_pct_share(self.te_specific_variance, self.tracking_variance)}"
                " of TE^2",
            ),
            ("Total cost", f"{self.total_cost * 1e4:.3f} bp of NAV"),
            ("Turnover (one-way)", f"{self.turnover * 100:.3f} %"),
            ("Holdings", f"{self.n_holdings} names, cash {self.cash * 100:.3f} %"),
            ("Unreplicated weight", f"{self.unreplicated_weight * 100:.3f} %"),
        ]
        if self.returns_only:
            rows.append(("Benchmark", "return series (returns-only mode)"))
        if self.date is not None:
            rows.insert(0, ("Date", str(self.date)))
        for k, v in rows:
            lines.append(f"{k:<24}{v}")
        if self.costs:
            lines.append("-" * 64)
            lines.append("Costs (bp of NAV)")
            for k, v in self.costs.items():
                lines.append(f"  {k:<40}{v * 1e4:>12.4f}")
        if self.constraints:
            lines.append("-" * 64)
            lines.append(f"{'Constraint':<40}{'value':>10}{'limit':>10}  bind")
            for c in self.constraints:
                lines.append(
                    f"  {c.name[:38]:<38}{c.value:>10.4g}{c.limit:>10.4g}  "
                    f"{'*' if c.binding else ''}"
                )
        lines.append(bar)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def _pct_share(part: float, total: float) -> str:
    if total <= 0 or not np.isfinite(total):
        return "n/a"
    return f"{100 * part / total:.1f} %"
