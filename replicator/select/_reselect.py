"""A walk-forward backtest whose settings are re-selected every ``k`` rebalances."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from replicator.backtest import BacktestResult, run
from replicator.backtest._schedule import as_schedule
from replicator.exceptions import ConfigError, DataError
from replicator.measures import ex_post_tracking_error
from replicator.replicator import Replicator
from replicator.select._walk_forward import Selection, walk_forward

__all__ = ["ReselectedBacktest", "reselecting_backtest"]


@dataclass(frozen=True)
class ReselectedBacktest:
    """Segments of a backtest, each run with the settings selected at its start.

    Attributes
    ----------
    segments : list of BacktestResult
        One backtest per selection; each starts from the previous one's
        drifted holdings and NAV.
    selections : list of Selection
        The selection made at the formation date of each segment.
    daily : DataFrame
        ``portfolio_return``, ``benchmark_return``, ``active_return`` and
        ``nav`` of the whole run (the first row is the first formation).
    periods_per_year : float
        Annualization factor.
    """

    segments: list[BacktestResult]
    selections: list[Selection]
    daily: pd.DataFrame
    periods_per_year: float

    @property
    def tracking_error(self) -> float:
        """Annualized ex-post TE (sd) over the performance days."""
        active = self.daily["active_return"].to_numpy()[1:]
        return float(ex_post_tracking_error(active, self.periods_per_year))

    @property
    def choices(self) -> pd.DataFrame:
        """The settings chosen at each selection date."""
        return pd.DataFrame(
            [
                {"date": s.until, "candidate": s.table.loc[0, "candidate"]}
                for s in self.selections
            ]
        ).set_index("date")


def _drifted(bt: BacktestResult, returns: pd.DataFrame) -> pd.Series:
    """Weights at the close of a backtest's last day (positions / NAV)."""
    last = bt.weights.index[-1]
    reb = bt.rebalances.loc[last]
    positions = bt.weights.loc[last].to_numpy(dtype=float) * float(reb["nav_before"])
    after = returns.loc[(returns.index > last) & (returns.index <= bt.daily.index[-1])]
    growth = np.prod(1.0 + np.nan_to_num(after[bt.weights.columns].to_numpy()), axis=0)
    return pd.Series(
        positions * growth / float(bt.daily["nav"].iloc[-1]), bt.weights.columns
    )


def reselecting_backtest(
    model_grid: Mapping[str, Sequence[Any]] | Sequence[Replicator],
    returns: pd.DataFrame,
    benchmark: pd.Series,
    *,
    every: int = 12,
    model: Replicator | None = None,
    schedule: Any = "M",
    lookback: int = 252,
    validation: int = 252,
    start: Any = None,
    end: Any = None,
    nav: float = 1e9,
    **backtest_kwargs: Any,
) -> ReselectedBacktest:
    r"""Backtest with settings re-selected by walk-forward every ``k`` rebalances.

    Parameters
    ----------
    model_grid, returns, benchmark, model, lookback, validation
        As in :func:`walk_forward` (the benchmark as a return series or
        constant weights).
    every : int, default 12
        Rebalances between selections (12 with monthly rebalances: once a
        year).
    schedule : str, int or sequence of dates, default "M"
        The rebalancing calendar (thresholds are not supported here).
    start, end : date-like, optional
        Performance period; default from the first date with
        ``lookback + validation`` rows before it to the last date.
    nav : float, default 1e9
        Initial capital.
    **backtest_kwargs
        Passed to every :func:`replicator.backtest.run` call.

    Returns
    -------
    ReselectedBacktest

    Notes
    -----
    At each selection date :math:`d_j` (the formation date, then every
    ``every``-th rebalance date), :func:`walk_forward` chooses the settings
    on data up to :math:`d_j`; a backtest with them runs from the holdings
    drifted to the close of :math:`d_j` (that rebalance is its formation)
    until :math:`d_{j+1}`. The segments' daily returns are chained, the
    formation cost of a segment compounded into the return of its date.
    """
    if not isinstance(every, int) or isinstance(every, bool) or every < 1:
        raise ConfigError(
            f"reselecting_backtest: every must be an int >= 1; got {every!r}."
        )
    dates = returns.index
    lo = dates[lookback + validation] if start is None else pd.Timestamp(start)
    hi = dates[-1] if end is None else pd.Timestamp(end)
    pos = np.flatnonzero((dates >= lo) & (dates <= hi))
    if len(pos) < 2 or pos[0] < lookback + validation:
        raise DataError(
            f"reselecting_backtest: the performance period must start after "
            f"lookback + validation = {lookback + validation} rows of returns."
        )
    first, last = int(pos[0]) - 1, int(pos[-1])
    mask = as_schedule(schedule).calendar_mask(dates, first, last)
    rebalances = np.flatnonzero(mask)
    cuts = [*rebalances[::every].tolist(), last]
    segments, selections, holdings = [], [], None
    for a, b in itertools.pairwise(cuts):
        sel = walk_forward(
            model_grid,
            returns,
            benchmark,
            model=model,
            until=dates[a],
            validation=validation,
            lookback=lookback,
            schedule=schedule,
        )
        bt = run(
            sel.model,
            returns.iloc[: b + 1],
            benchmark,
            schedule=schedule,
            lookback=lookback,
            start=dates[a + 1],
            holdings=holdings,
            nav=nav,
            baselines=None,
            **backtest_kwargs,
        )
        segments.append(bt)
        selections.append(sel)
        holdings, nav = _drifted(bt, returns), float(bt.daily["nav"].iloc[-1])
    parts = []
    for j, bt in enumerate(segments):
        d = bt.daily[["portfolio_return", "benchmark_return"]].copy()
        if j:
            parts[-1].iloc[-1, 0] = (1 + parts[-1].iloc[-1, 0]) * (1 + d.iloc[0, 0]) - 1
            d = d.iloc[1:]
        parts.append(d)
    daily = pd.concat(parts)
    daily["active_return"] = daily["portfolio_return"] - daily["benchmark_return"]
    daily["nav"] = pd.concat(
        # At a junction, the NAV after the next segment's formation trade.
        [
            bt.daily["nav"].iloc[: len(bt.daily) - (j < len(segments) - 1)]
            for j, bt in enumerate(segments)
        ]
    )
    return ReselectedBacktest(
        segments, selections, daily, float(segments[0].periods_per_year)
    )
