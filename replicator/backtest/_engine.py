"""The walk-forward loop: decide at each close, trade at the close, mark daily."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from replicator._attribution import term_tables
from replicator.backtest._ledger import Book
from replicator.backtest._market import load_market
from replicator.backtest._policies import Decision
from replicator.backtest._recorder import Strategy
from replicator.backtest._schedule import Schedule, as_schedule
from replicator.backtest._setup import (
    check_settings,
    cost_names,
    initial_weights,
    make_policies,
    universe_rule,
)
from replicator.data._snapshot import MarketSnapshot
from replicator.exceptions import DataError
from replicator.measures import active_share

__all__ = ["Engine"]


class Engine:
    """State of one backtest run; see :func:`replicator.backtest.run`."""

    def __init__(self, model: Any, returns: Any, benchmark: Any, **kw: Any) -> None:
        check_settings(
            model, kw["reestimate_every"], kw["min_history"], kw["on_error"], kw["nav"]
        )
        self.model = model
        self.lookback = kw["lookback"]
        self.k = kw["reestimate_every"]
        self.min_history = kw["min_history"]
        self.nav0 = float(kw["nav"])
        self.market, self.first, self.last = load_market(
            returns,
            benchmark,
            start=kw["start"],
            end=kw["end"],
            lookback=self.lookback,
            adv=kw["adv"],
            volumes=kw["volumes"],
            adv_window=kw["adv_window"],
            prices=kw["prices"],
            sectors=kw["sectors"],
            flows=kw["flows"],
            cash_return=kw["cash_return"],
        )
        m = self.market
        self.schedule: Schedule = as_schedule(kw["schedule"])
        self.schedule.validate(
            returns_only=m.bench.returns_only,
            by_effective_date=m.bench.by_effective_date,
        )
        self.calendar = self.schedule.calendar_mask(
            m.dates, self.first, self.last, m.bench.reconstitutions
        )
        self.notes: list[str] = []
        self.member = universe_rule(kw["universe"], m, self.notes)
        w_init = initial_weights(kw["holdings"], m.assets)
        policies = make_policies(
            model,
            kw["baselines"],
            kw["top_k"],
            kw["on_error"],
            m.bench.returns_only,
            self.notes,
        )
        names = cost_names(model.costs)
        n_rows = self.last - self.first + 1
        self.strategies = [
            Strategy(k, p, Book(self.nav0, w_init), n_rows, names)
            for k, p in policies.items()
        ]
        self.funding = _funding_panel(model, m.dates, m.assets, self.first, self.last)
        for s in self.strategies if self.funding is not None else ():
            s.funding = np.zeros(n_rows)
            s.on_margin = self.funding[1]
        self.template: MarketSnapshot | None = None
        self.epoch = -1
        self.n_opt_rebalances = 0

    # ---------------------------------------------------------- per date
    def _investable(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """(investable, tradable) masks at the close of position ``i``."""
        m = self.market
        tradable = m.valid[i].copy()
        for panel in (m.adv, m.prices):
            if panel is not None:
                tradable &= np.isfinite(panel[i]) & (panel[i] > 0)
        hist = m.valid[i - self.lookback + 1 : i + 1].mean(axis=0) >= self.min_history
        investable = tradable & hist
        if isinstance(self.member, np.ndarray):
            investable &= self.member
        elif self.member == "constituents":
            investable &= m.bench.weights[i] != 0
        return investable, tradable

    def _market_arrays(self, i: int) -> dict[str, Any]:
        """Volatility over the window, ADV and prices as of position ``i``.

        Names without a positive ADV or price that day cannot trade (see
        :meth:`_investable`); their entries get a placeholder (the largest
        ADV, a price of 1) so that the snapshot stays finite.
        """
        m = self.market
        window = m.returns[i - self.lookback + 1 : i + 1]
        out: dict[str, Any] = {"volatility": window.std(axis=0, ddof=1)}
        for name, panel in (("adv", m.adv), ("prices", m.prices)):
            if panel is None:
                continue
            row = panel[i].copy()
            bad = ~(np.isfinite(row) & (row > 0))
            if bad.any():
                fill = 1.0 if name == "prices" or bad.all() else row[~bad].max()
                row[bad] = fill
            out[name] = row
        return out

    def _refit(self, i: int, w0: np.ndarray, nav: float, arrays: dict) -> None:
        """Re-estimate the risk model: a full ``prepare`` on the window."""
        m = self.market
        lo = i - self.lookback + 1
        window = pd.DataFrame(
            m.returns[lo : i + 1], index=m.dates[lo : i + 1], columns=m.assets
        )
        if m.bench.returns_only:
            bench = pd.Series(m.bench.returns[lo : i + 1], index=m.dates[lo : i + 1])
        else:
            bench = pd.Series(m.bench.weights[i], index=m.assets)
        series = {k: pd.Series(v, index=m.assets) for k, v in arrays.items()}
        self.template = self.model.prepare(
            window,
            bench,
            pd.Series(w0, index=m.assets),
            nav=nav,
            groups=m.groups,
            universe=m.assets,
            date=m.dates[i],
            fit=True,
            **series,
        )
        self.epoch += 1

    def _snapshot(
        self, i: int, w0: np.ndarray, nav: float, investable: np.ndarray, arrays: dict
    ) -> MarketSnapshot:
        """Fill the template snapshot with this strategy's and date's numbers."""
        m = self.market
        template = self.template
        bench = template.benchmark if m.bench.returns_only else m.bench.weights[i]
        return replace(
            template,
            benchmark=np.array(bench, dtype=float),
            holdings=w0,
            investable=investable,
            nav=float(nav),
            date=m.dates[i],
            **arrays,
        )

    def _trigger(self, s: Strategy, i: int, snap: MarketSnapshot) -> str | None:
        if i == self.first:
            return "formation"
        if self.calendar[i]:
            return "calendar"
        sch = self.schedule
        w0 = snap.holdings
        if sch.max_drift is not None:
            ref = s.last_target if sch.drift_reference == "target" else snap.benchmark
            if ref is not None and active_share(w0, ref) > sch.max_drift:
                return "drift"
        if sch.max_tracking_error is not None:
            te = float(np.sqrt(max(self.model.risk.evaluate(w0, snap), 0.0)))
            if te > sch.max_tracking_error:
                return "tracking_error"
        return None

    def step(self, i: int) -> None:
        """Process the close of position ``i``."""
        m = self.market
        row = i - self.first
        if i > self.first:
            f = None if self.funding is None else (self.funding[0][i], self.funding[1])
            for s in self.strategies:
                s.mark(m.returns[i], m.cash_return[i], f)
        for s in self.strategies:
            s.book.deposit(m.flows[i])
            if s.book.nav <= 0:
                raise DataError(
                    f"The NAV of the {s.policy.label} strategy falls to "
                    f"{s.book.nav:.6g} on {m.dates[i]} after a flow of "
                    f"{m.flows[i]:.6g}: redemptions exceed the fund. Check the "
                    "sign and size of flows."
                )
        if i < self.last:
            self._rebalance(i)
        bench_ret = m.bench.returns[i] if i > self.first else 0.0
        for s in self.strategies:
            s.close(row, bench_ret, m.flows[i])

    def _rebalance(self, i: int) -> None:
        m = self.market
        if (
            i != self.first
            and not self.calendar[i]
            and not self.schedule.has_thresholds
        ):
            return
        investable, tradable = self._investable(i)
        arrays = self._market_arrays(i)
        opt = self.strategies[0]
        refit = False
        if self.template is None:
            self._refit(i, opt.book.weights(), opt.book.nav, arrays)
            refit = True
        for s in self.strategies:
            w0, nav = s.book.weights(), s.book.nav
            snap = self._snapshot(i, w0, nav, investable, arrays)
            trigger = self._trigger(s, i, snap)
            if trigger is None:
                continue
            if s is opt:
                if self.n_opt_rebalances % self.k == 0 and not refit:
                    self._refit(i, w0, nav, arrays)
                    refit = True
                    snap = self._snapshot(i, w0, nav, investable, arrays)
                self.n_opt_rebalances += 1
            lo = i - self.lookback + 1
            decision = Decision(
                date=m.dates[i],
                snapshot=snap,
                window=m.returns[lo : i + 1],
                benchmark_window=m.bench.returns[lo : i + 1],
                epoch=self.epoch,
            )
            target = s.policy.target(decision)
            weights = _freeze(target.weights, w0, tradable)
            trades = weights - w0
            costs = [
                0.0 if getattr(c, "accrues_daily", False) else c.evaluate(trades, snap)
                for c in self.model.costs
            ]
            te = target.tracking_error
            if s is not opt:
                te = float(np.sqrt(max(self.model.risk.evaluate(weights, snap), 0.0)))
            terms = [self.model.risk, *self.model.costs, *self.model.constraints]
            s.execute(
                i - self.first,
                trades,
                costs,
                {
                    "trigger": trigger,
                    "refit": bool(refit and s is opt),
                    "ex_ante_te": te,
                    "status": target.status,
                    "solver": target.solver,
                    "iterations": target.iterations,
                    "solve_time": target.solve_time,
                    "wall_time": target.wall_time,
                },
                term_tables(terms, weights, trades, snap),
            )
            s.last_target = weights


def _funding_panel(
    model: Any, dates: pd.Index, assets: pd.Index, first: int, last: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """Daily realized funding ``(rates per date x asset, perp mask)``, or None.

    From the model's carry cost (a term with ``accrues_daily``, e.g.
    :class:`~replicator.derivatives.FundingCarry`): the backtest pays it daily
    in the NAV instead of charging it at the rebalance.
    """
    for c in model.costs:
        if getattr(c, "accrues_daily", False):
            return c.realized_rates(dates, assets, first, last)
    return None


def _freeze(target: np.ndarray, w0: np.ndarray, tradable: np.ndarray) -> np.ndarray:
    """Keep positions in names without a price today; scale the rest.

    Notes
    -----
    With ``F`` the held names that cannot trade and ``f = sum_{i in F} w0_i``,
    the executed weights are ``w0_i`` on ``F`` and ``(1 - f) w*_i`` elsewhere,
    so the budget of the target is kept.
    """
    frozen = ~tradable & (w0 != 0)
    if not frozen.any():
        return np.asarray(target, dtype=float)
    f = float(w0[frozen].sum())
    out = np.where(frozen, 0.0, target) * (1.0 - f)
    out[frozen] = w0[frozen]
    return out
