"""Per-strategy state of a running backtest and its assembly into a result."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from replicator.backtest._ledger import Book
from replicator.backtest._result import BacktestResult
from replicator.measures import turnover

__all__ = ["Strategy"]

HOLDING_TOL = 1e-6
DAILY_COLUMNS = (
    "portfolio_return",
    "gross_return",
    "benchmark_return",
    "active_return",
    "nav",
    "cash",
    "flow",
    "turnover",
    "cost",
    "cost_amount",
    "n_holdings",
)


class Strategy:
    """One policy, its book and its records over the backtest rows.

    Parameters
    ----------
    name : str
        Key of the strategy (``"optimized"``, ``"full"``, ...).
    policy : object
        Has ``label`` and ``target(decision) -> Target``.
    book : Book
        The strategy's positions and cash.
    n_rows : int
        Number of dates (formation included).
    cost_names : list of str
        Labels of the cost models.
    """

    def __init__(
        self, name: str, policy: Any, book: Book, n_rows: int, cost_names: list[str]
    ) -> None:
        self.name, self.policy, self.book = name, policy, book
        self.rows = {c: np.zeros(n_rows) for c in DAILY_COLUMNS}
        self.rebalanced = np.zeros(n_rows, dtype=bool)
        self.cost_by_type = np.zeros((n_rows, len(cost_names)))
        self.cost_names = cost_names
        self.log: list[dict[str, Any]] = []
        self.tables: list[dict[str, pd.DataFrame]] = []
        self.weights: list[np.ndarray] = []
        self.trades: list[np.ndarray] = []
        self.last_target: np.ndarray | None = None
        self.prev_nav = book.nav
        self.pnl = 0.0
        #: Funding paid each day, a fraction of the previous NAV (perps only).
        self.funding: np.ndarray | None = None
        #: The perps: their notional is on margin, not cash (the ``cash`` column).
        self.on_margin: np.ndarray | None = None
        self.paid = 0.0

    def mark(
        self,
        returns: np.ndarray,
        cash_return: float,
        funding: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> None:
        """Apply a day of returns (and of perp funding: ``(rates, perp mask)``)."""
        paid = self.book.funding_paid
        self.pnl = self.book.mark(returns, cash_return, funding)
        self.paid = self.book.funding_paid - paid

    def execute(
        self,
        row: int,
        trades: np.ndarray,
        costs: list[float],
        info: dict[str, Any],
        tables: dict[str, pd.DataFrame] | None = None,
    ) -> None:
        """Trade, pay the costs and log the rebalance (and the terms' tables)."""
        nav_before = self.book.nav
        w = self.book.weights() + trades
        amount = self.book.trade(trades, float(sum(costs)))
        self.rows["turnover"][row] = turnover(trades)
        self.rows["cost"][row] = float(sum(costs))
        self.rows["cost_amount"][row] = amount
        self.cost_by_type[row] = costs
        self.rebalanced[row] = True
        self.weights.append(w)
        self.trades.append(np.asarray(trades, dtype=float))
        info.update(
            turnover=turnover(trades),
            cost=float(sum(costs)),
            nav_before=nav_before,
            n_holdings=int((np.abs(w) > HOLDING_TOL).sum()),
        )
        self.log.append(info)
        self.tables.append(tables or {})

    def close(self, row: int, benchmark_return: float, flow: float) -> None:
        """Record the day's row (after market move, flow and trades)."""
        nav = self.book.nav
        r = self.rows
        net = (self.pnl - r["cost_amount"][row]) / self.prev_nav
        r["portfolio_return"][row] = net
        r["gross_return"][row] = self.pnl / self.prev_nav
        r["benchmark_return"][row] = benchmark_return
        r["active_return"][row] = net - benchmark_return
        r["nav"][row] = nav
        cash = self.book.cash
        if self.on_margin is not None:  # the ledger moved the perp notional
            cash += float(self.book.positions[self.on_margin].sum())
        r["cash"][row] = cash / nav
        r["flow"][row] = flow
        r["n_holdings"][row] = int(
            (np.abs(self.book.positions) > HOLDING_TOL * nav).sum()
        )
        if self.funding is not None:
            self.funding[row] = self.paid / self.prev_nav
            self.paid = 0.0
        self.prev_nav = nav
        self.pnl = 0.0

    def result(
        self,
        dates: pd.Index,
        assets: pd.Index,
        *,
        initial_nav: float,
        periods_per_year: float,
        returns_only: bool,
        n_compilations: int,
        config: dict[str, Any],
        notes: tuple[str, ...] = (),
        baselines: dict[str, BacktestResult] | None = None,
    ) -> BacktestResult:
        """Assemble the frozen :class:`BacktestResult`."""
        daily = pd.DataFrame(self.rows, index=dates)
        daily["n_holdings"] = daily["n_holdings"].astype(int)
        daily["rebalanced"] = self.rebalanced
        if self.funding is not None:
            daily["funding"] = self.funding
        log = pd.DataFrame(self.log)
        reb_dates = dates[self.rebalanced]
        log.index = reb_dates
        log = log.drop(columns="date", errors="ignore")
        return BacktestResult(
            name=self.name,
            label=self.policy.label,
            daily=daily,
            costs=pd.DataFrame(self.cost_by_type, index=dates, columns=self.cost_names),
            rebalances=log,
            weights=pd.DataFrame(self.weights, index=reb_dates, columns=assets),
            trades=pd.DataFrame(self.trades, index=reb_dates, columns=assets),
            initial_nav=initial_nav,
            periods_per_year=periods_per_year,
            returns_only=returns_only,
            n_compilations=n_compilations,
            config=config,
            baselines=dict(baselines or {}),
            notes=notes,
            tables=stack_tables(reb_dates, self.tables),
        )


def stack_tables(
    dates: pd.Index, tables: list[dict[str, pd.DataFrame]]
) -> dict[str, pd.DataFrame]:
    """Each term table over the rebalances, indexed by ``(date, row)``."""
    out: dict[str, pd.DataFrame] = {}
    names = dict.fromkeys(k for t in tables for k in t)
    for name in names:
        found = {d: t[name] for d, t in zip(dates, tables, strict=True) if name in t}
        frame = pd.concat(found, names=["date", None])
        frame.attrs = dict(next(reversed(found.values())).attrs)
        out[name] = frame
    return out
