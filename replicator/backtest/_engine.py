"""The walk-forward loop: decide at each close, trade at the close, mark daily."""

from __future__ import annotations

import numbers
import time
import warnings
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from replicator.backtest._ledger import Book
from replicator.backtest._market import load_market
from replicator.backtest._policies import (
    Decision,
    FullReplication,
    LeastSquaresTracker,
    Optimized,
    TopK,
)
from replicator.backtest._recorder import Strategy
from replicator.backtest._result import BacktestResult
from replicator.backtest._schedule import Schedule, as_schedule
from replicator.data._snapshot import MarketSnapshot
from replicator.data._validate import format_items, validate_weights
from replicator.exceptions import (
    ConfigError,
    DataError,
    InaccurateSolutionWarning,
    MissingAssetsError,
)
from replicator.measures import active_share

__all__ = ["BASELINES", "Engine", "finish", "run_loop"]

BASELINES = ("full", "top_k", "ls")


def _cost_names(costs: Sequence[Any]) -> list[str]:
    names: list[str] = []
    for c in costs:
        base, k = c.name, 2
        name = base
        while name in names:
            name, k = f"{base}#{k}", k + 1
        names.append(name)
    return names


class Engine:
    """State of one backtest run; see :func:`replicator.backtest.run`."""

    def __init__(self, model: Any, returns: Any, benchmark: Any, **kw: Any) -> None:
        if not (hasattr(model, "solve_snapshot") and hasattr(model, "prepare")):
            raise ConfigError(
                f"model must be a replicator.Replicator; got {type(model).__name__}."
            )
        self.model = model
        self.lookback = kw["lookback"]
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
        self.k = kw["reestimate_every"]
        if not isinstance(self.k, numbers.Integral) or isinstance(self.k, bool) or self.k < 1:
            raise ConfigError(
                f"The 'reestimate_every' parameter of backtest.run must be an int "
                f">= 1 (re-estimate the risk model every k rebalances). Got "
                f"{self.k!r} instead."
            )
        self.min_history = kw["min_history"]
        if not (isinstance(self.min_history, numbers.Real) and 0 < self.min_history <= 1):
            raise ConfigError(
                f"The 'min_history' parameter of backtest.run must be a fraction "
                f"in (0, 1]. Got {self.min_history!r} instead."
            )
        self.on_error = kw["on_error"]
        if self.on_error not in ("raise", "hold"):
            raise ConfigError(
                f"The 'on_error' parameter of backtest.run must be 'raise' or "
                f"'hold'. Got {self.on_error!r} instead."
            )
        self.nav0 = kw["nav"]
        if not (isinstance(self.nav0, numbers.Real) and np.isfinite(self.nav0) and self.nav0 > 0):
            raise DataError(f"nav must be a positive number; got {self.nav0!r}.")
        self.notes: list[str] = []
        self.member = self._universe(kw["universe"])
        self.w_init = self._initial(kw["holdings"])
        self.cost_names = _cost_names(model.costs)
        self.strategies = self._strategies(kw["baselines"], kw["top_k"])
        self.template: MarketSnapshot | None = None
        self.epoch = -1
        self.n_opt_rebalances = 0

    # ------------------------------------------------------------- set-up
    def _universe(self, universe: Any) -> np.ndarray | str:
        """Return "all", "constituents" or a fixed boolean mask."""
        m = self.market
        if isinstance(universe, str):
            if universe not in ("constituents", "all"):
                raise ConfigError(
                    f"The 'universe' parameter of backtest.run must be "
                    f"'constituents', 'all' or a list of tickers. Got {universe!r}."
                )
            if universe == "constituents" and m.bench.returns_only:
                self.notes.append(
                    "universe='constituents' needs benchmark weights; with a "
                    "return series every asset with data is investable."
                )
                return "all"
            return universe
        names = pd.Index([str(u) for u in universe])
        unknown = names.difference(m.assets)
        if len(unknown):
            raise MissingAssetsError(
                f"universe has {len(unknown)} tickers that are not in the returns: "
                f"{format_items(unknown)}. Add their returns or drop them."
            )
        return np.asarray(m.assets.isin(names))

    def _initial(self, holdings: Any) -> np.ndarray:
        m = self.market
        if holdings is None:
            return np.zeros(len(m.assets))
        h = validate_weights(holdings, "holdings")
        unknown = h.index.difference(m.assets)
        if len(unknown):
            raise MissingAssetsError(
                f"holdings has {len(unknown)} tickers that are not in the returns: "
                f"{format_items(unknown)}. Add their returns or drop the positions."
            )
        return h.reindex(m.assets).fillna(0.0).to_numpy(dtype=float)

    def _strategies(self, baselines: Any, top_k: Any) -> list[Strategy]:
        only_returns = self.market.bench.returns_only
        if isinstance(baselines, str) and baselines == "auto":
            baselines = ("ls",) if only_returns else ("full", "top_k")
        elif isinstance(baselines, str) or baselines is None:
            baselines = () if baselines is None else (baselines,)
        unknown = [b for b in baselines if b not in BASELINES]
        if unknown:
            raise ConfigError(
                f"Unknown baselines {unknown}; choose from {BASELINES} or 'auto'."
            )
        if "top_k" in baselines and not (
            isinstance(top_k, numbers.Integral) and not isinstance(top_k, bool) and top_k >= 1
        ):
            raise ConfigError(
                f"The 'top_k' parameter of backtest.run must be an int >= 1. Got "
                f"{top_k!r} instead."
            )
        policies: dict[str, Any] = {"optimized": Optimized(self.model, self.on_error)}
        for b in dict.fromkeys(baselines):
            if b in ("full", "top_k") and only_returns:
                self.notes.append(
                    f"Baseline '{b}' is not available: the benchmark is a return "
                    "series (returns-only mode), so its weights are unknown."
                )
                continue
            policies[b] = {
                "full": FullReplication,
                "top_k": lambda: TopK(int(top_k)),
                "ls": LeastSquaresTracker,
            }[b]()
        n_rows = self.last - self.first + 1
        return [
            Strategy(k, p, Book(self.nav0, self.w_init), n_rows, self.cost_names)
            for k, p in policies.items()
        ]

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
        m = self.market
        window = m.returns[i - self.lookback + 1 : i + 1]
        out: dict[str, Any] = {"volatility": window.std(axis=0, ddof=1)}
        for name, panel, default in (("adv", m.adv, None), ("prices", m.prices, 1.0)):
            if panel is not None:
                row = panel[i].copy()
                bad = ~(np.isfinite(row) & (row > 0))
                if bad.any():
                    fill = default if default is not None else (
                        np.nanmax(np.where(bad, np.nan, row)) if (~bad).any() else 1.0
                    )
                    row[bad] = fill
                out[name] = row
        return out

    def _refit(self, i: int, w0: np.ndarray, nav: float, arrays: dict) -> None:
        """Re-estimate the risk model: a full ``prepare`` on the window."""
        m = self.market
        lo = i - self.lookback + 1
        window = pd.DataFrame(m.returns[lo : i + 1], index=m.dates[lo : i + 1], columns=m.assets)
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
        """The template snapshot with this strategy's and this date's numbers."""
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
            for s in self.strategies:
                s.mark(m.returns[i], m.cash_return[i])
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
        if i != self.first and not self.calendar[i] and not self.schedule.has_thresholds:
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
            costs = [c.evaluate(trades, snap) for c in self.model.costs]
            te = target.tracking_error
            if s is not opt:
                te = float(np.sqrt(max(self.model.risk.evaluate(weights, snap), 0.0)))
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
            )
            s.last_target = weights


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


def finish(engine: Engine, elapsed: float, config: dict[str, Any], n_compilations: int) -> BacktestResult:
    """Assemble the optimized result with its baselines."""
    m = engine.market
    dates = m.dates[engine.first : engine.last + 1]
    opt, *rest = engine.strategies
    inaccurate = sum(str(x.get("status")) == "optimal_inaccurate" for x in opt.log)
    if inaccurate:
        warnings.warn(
            f"{inaccurate} of {len(opt.log)} rebalances returned an inaccurate "
            "solution (see result.rebalances['status']); tighten solver_options or "
            "use solver='CLARABEL'.",
            InaccurateSolutionWarning,
            stacklevel=3,
        )
    common = {
        "initial_nav": float(engine.nav0),
        "periods_per_year": float(engine.model.periods_per_year),
        "returns_only": m.bench.returns_only,
    }
    cfg = dict(config, elapsed=elapsed)
    baselines = {
        s.name: s.result(dates, m.assets, n_compilations=0, config=cfg, **common)
        for s in rest
    }
    return opt.result(
        dates,
        m.assets,
        n_compilations=n_compilations,
        config=cfg,
        notes=tuple(engine.notes),
        baselines=baselines,
        **common,
    )


def run_loop(engine: Engine, progress: bool) -> float:
    """Run every date; return the elapsed seconds."""
    t0 = time.perf_counter()
    positions = range(engine.first, engine.last + 1)
    if not progress:
        for i in positions:
            engine.step(i)
        return time.perf_counter() - t0
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("backtest {task.fields[date]}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} days"),
        TimeRemainingColumn(),
        transient=True,
    ) as bar:
        task = bar.add_task("backtest", total=len(positions), date="")
        for i in positions:
            engine.step(i)
            bar.update(task, advance=1, date=str(engine.market.dates[i])[:10])
    return time.perf_counter() - t0

