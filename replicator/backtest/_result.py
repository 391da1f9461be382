"""The frozen result of a walk-forward backtest."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from replicator.backtest._metrics import METRIC_LABELS, backtest_metrics

__all__ = ["BacktestResult"]


@dataclass(frozen=True)
class BacktestResult:
    """Daily series, rebalance log and statistics of one backtested strategy.

    Units: returns, weights, turnover and costs are fractions (costs of NAV
    before the trade); ``nav`` and ``cost_amount`` are in currency; tracking
    errors are annualized fractions.

    Attributes
    ----------
    name : str
        ``"optimized"`` or a baseline key (``"full"``, ``"top_k"``, ``"ls"``).
    label : str
        Display name.
    daily : DataFrame
        One row per date, the formation date first. Columns:
        ``portfolio_return`` (net of costs), ``gross_return`` (before costs),
        ``benchmark_return``, ``active_return``, ``nav`` (close, after trades,
        costs and flows), ``cash`` (weight; a perp's notional is on margin
        and not counted), ``flow``, ``turnover``
        (one-way), ``cost`` (fraction of pre-trade NAV), ``cost_amount``
        (currency), ``n_holdings`` (``|w| > 1e-6``), ``rebalanced``.
    costs : DataFrame
        Cost of each cost model by date (fraction of pre-trade NAV).
    rebalances : DataFrame
        One row per rebalance: ``trigger``, ``refit``, ``ex_ante_te`` (of the
        target), ``turnover``, ``cost``, ``nav_before``, ``n_holdings``,
        ``status``, ``solver``, ``iterations``, ``solve_time`` (solver),
        ``wall_time`` (the whole solve call).
    weights : DataFrame
        Post-trade weights at each rebalance (dates x tickers), as fractions
        of the pre-trade NAV: ``weights - trades`` are the pre-trade weights.
        The costs, paid from cash, are not deducted (after them the weights
        are ``weights / (1 - cost)``).
    trades : DataFrame
        Executed trades at each rebalance, fractions of the pre-trade NAV.
    initial_nav : float
        Capital at the formation date, before the formation trade.
    periods_per_year : float
        Annualization factor.
    returns_only : bool
        True when the benchmark was a return series.
    n_compilations : int
        Problem compilations during the run (1 for a fixed universe).
    config : dict
        The run's settings (schedule, lookback, ...).
    baselines : dict of str to BacktestResult
        Baselines run beside the optimizer through the same engine.
    notes : tuple of str
        What was not available or was handled specially.
    tables : dict of str to DataFrame
        The terms' tables (``Term.report_tables``) of the executed trades at
        each rebalance, indexed by ``(date, row)``: e.g. ``venue_trades``,
        ``cost_by_venue``, ``funding_carry``, ``margin``. Not compared by
        ``==``.
    """

    name: str
    label: str
    daily: pd.DataFrame
    costs: pd.DataFrame
    rebalances: pd.DataFrame
    weights: pd.DataFrame
    trades: pd.DataFrame
    initial_nav: float
    periods_per_year: float
    returns_only: bool
    n_compilations: int = 0
    config: dict[str, Any] = field(default_factory=dict)
    baselines: dict[str, BacktestResult] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    tables: dict[str, pd.DataFrame] = field(default_factory=dict, compare=False)

    # ---------------------------------------------------------------- series
    @property
    def portfolio_returns(self) -> pd.Series:
        """Daily portfolio returns, net of costs."""
        return self.daily["portfolio_return"]

    @property
    def benchmark_returns(self) -> pd.Series:
        """Daily benchmark returns (0 on the formation date)."""
        return self.daily["benchmark_return"]

    @property
    def active_returns(self) -> pd.Series:
        """Daily portfolio minus benchmark returns."""
        return self.daily["active_return"]

    @property
    def nav(self) -> pd.Series:
        """NAV at each close, in currency."""
        return self.daily["nav"]

    @property
    def turnover(self) -> pd.Series:
        """One-way turnover by date (0 between rebalances)."""
        return self.daily["turnover"]

    @property
    def n_holdings(self) -> pd.Series:
        """Number of names held at each close."""
        return self.daily["n_holdings"]

    @property
    def ex_ante_tracking_error(self) -> pd.Series:
        """Ex-ante TE of the target at each rebalance (annualized)."""
        return self.rebalances["ex_ante_te"]

    # ------------------------------------------------------------ statistics
    def metrics(self) -> dict[str, Any]:
        """Summary statistics (see :func:`backtest_metrics` for definitions)."""
        return backtest_metrics(
            self.daily,
            self.costs,
            self.rebalances,
            periods_per_year=self.periods_per_year,
            n_compilations=self.n_compilations,
        )

    def comparison(self) -> pd.DataFrame:
        """Metrics of this strategy and its baselines, one column each."""
        cols = {self.label: self.metrics()}
        for b in self.baselines.values():
            cols[b.label] = b.metrics()
        rows = {key: [m.get(key) for m in cols.values()] for key in METRIC_LABELS}
        return pd.DataFrame(rows, index=list(cols)).T

    def summary(self) -> str:
        """Text table of the metrics, beside the baselines."""
        table = self.comparison()
        width = 30
        colw = max(14, *(len(c) + 2 for c in table.columns))
        bar = "=" * (width + colw * len(table.columns))
        m = self.metrics()
        lines = [
            bar,
            f"Backtest {m['start']} .. {m['end']} ({m['n_days']} days, formation "
            f"{m['formation_date']})".center(len(bar)),
            bar,
            f"{'':<{width}}" + "".join(f"{c:>{colw}}" for c in table.columns),
        ]
        for key, (label, unit) in METRIC_LABELS.items():
            cells = "".join(f"{_fmt(v, unit):>{colw}}" for v in table.loc[key])
            lines.append(f"{label:<{width}}" + cells)
        if m["costs_bp_per_year"]:
            lines.append("-" * len(bar))
            lines.append("Costs by type (bp/yr, ex formation)")
            for k, v in m["costs_bp_per_year"].items():
                lines.append(f"  {k:<{width - 2}}{_fmt(v, 'bp'):>{colw}}")
        if self.notes:
            lines.append("-" * len(bar))
            lines.extend(f"Note: {n}" for n in self.notes)
        lines.append(bar)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    # ---------------------------------------------------------------- export
    def to_frame(self) -> pd.DataFrame:
        """Return the daily table with one ``cost:<name>`` column per cost."""
        costs = self.costs.add_prefix("cost:")
        return self.daily.join(costs)

    def funding(self) -> dict[str, float] | None:
        """Realized perp funding (None without perps), fractions of NAV.

        ``paid`` is the sum of the daily ``funding`` column (each day's
        funding over the previous NAV; negative: received), ``per_year`` its
        mean over the days after formation times the periods per year.
        """
        if "funding" not in self.daily:
            return None
        daily = self.daily["funding"].to_numpy(dtype=float)
        after = daily[1:] if len(daily) > 1 else daily
        return {
            "paid": float(daily.sum()),
            "per_year": float(after.mean() * self.periods_per_year),
        }

    def to_dict(self, *, series: bool = False) -> dict[str, Any]:
        """JSON-friendly summary; ``series=True`` adds the daily table.

        ``tables`` holds the terms' tables as ``{date: {row: {column:
        value}}}``, ``funding`` the realized funding (see :meth:`funding`).
        """
        out: dict[str, Any] = {
            "name": self.name,
            "label": self.label,
            "returns_only": self.returns_only,
            "initial_nav": self.initial_nav,
            "config": _jsonable(self.config),
            "notes": list(self.notes),
            "metrics": self.metrics(),
            "funding": self.funding(),
            "tables": {k: _table_json(v) for k, v in self.tables.items()},
            "baselines": {
                k: b.to_dict(series=series) for k, b in self.baselines.items()
            },
        }
        if series:
            frame = self.to_frame()
            out["daily"] = {"date": [str(d) for d in frame.index]}
            for col in frame.columns:
                out["daily"][col] = [_jsonable(x) for x in frame[col].tolist()]
        return out

    def to_json(self, *, series: bool = False, **kwargs: Any) -> str:
        """:meth:`to_dict` as JSON text."""
        return json.dumps(self.to_dict(series=series), **kwargs)


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return float(x) if math.isfinite(x) else None
    if x is None or isinstance(x, str):
        return x
    return str(x)


def _table_json(frame: pd.DataFrame) -> dict[str, Any]:
    """Return a ``(date, row)`` table as ``{date: {row: {column: value}}}``."""
    out: dict[str, Any] = {}
    for (date, row), values in frame.iterrows():
        day = out.setdefault(str(date), {})
        day[str(row)] = {str(c): _jsonable(v) for c, v in values.items()}
    return out


def _fmt(v: Any, unit: str) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "n/a"
    if unit == "pct":
        return f"{100 * v:.3f} %"
    if unit == "bp":
        return f"{v:.2f}"
    if unit == "ratio":
        return f"{v:.2f}"
    if unit == "sec":
        return f"{v:.4f}"
    if unit == "int":
        return f"{int(v)}"
    return f"{v:.1f}"
