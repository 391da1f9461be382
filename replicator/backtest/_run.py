"""``rp.backtest.run``: the public entry point of the walk-forward backtest."""

from __future__ import annotations

import contextlib
import time
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from replicator.backtest._engine import Engine
from replicator.backtest._result import BacktestResult
from replicator.backtest._schedule import Schedule
from replicator.backtest._scoring import (
    check_look_ahead,
    prepare_benchmark,
    record_scores,
)
from replicator.exceptions import ConfigError, InaccurateSolutionWarning

if TYPE_CHECKING:
    from replicator.replicator import Replicator

__all__ = ["run"]


def run(
    model: Replicator,
    returns: pd.DataFrame,
    benchmark: pd.DataFrame | pd.Series,
    *,
    schedule: Schedule | str | int | Sequence[Any] | None = "M",
    lookback: int = 252,
    reestimate_every: int = 1,
    start: Any = None,
    end: Any = None,
    holdings: pd.Series | None = None,
    nav: float = 1e9,
    adv: pd.Series | pd.DataFrame | None = None,
    volumes: pd.DataFrame | None = None,
    adv_window: int = 20,
    prices: pd.Series | pd.DataFrame | None = None,
    sectors: pd.Series | None = None,
    flows: pd.Series | None = None,
    cash_return: float | pd.Series = 0.0,
    universe: str | Sequence[str] | None = None,
    min_history: float = 0.9,
    baselines: str | Sequence[str] | None = "auto",
    top_k: int = 50,
    on_error: str = "raise",
    progress: bool = False,
    blas_threads: int | None = 1,
    benchmark_mix: str = "buy_and_hold",
    score_against: pd.Series | None = None,
    benchmark_name: str | None = None,
) -> BacktestResult:
    r"""Walk-forward backtest of a Replicator, beside simple baselines.

    Parameters
    ----------
    model : Replicator
        The same object a single solve uses; its problem is compiled once and
        re-solved (warm-started) at every rebalance.
    returns : DataFrame of shape (n_dates, n_assets)
        Daily simple returns; NaN where an asset has no price that day.
    benchmark : DataFrame or Series
        Weights by effective date (DataFrame effective_date x tickers; each
        row is used from its effective date on, never before, and drifts
        buy-and-hold until the next), weights by ticker (Series: set at the
        formation date and held buy-and-hold), or the index's returns (Series
        by date: returns-only mode). Weights whose ``attrs["as_of"]`` is after
        the formation date raise a :class:`~replicator.exceptions.LookAheadWarning`.
    schedule : Schedule, mapping, str, int, sequence of dates or None, default "M"
        When to rebalance: a :class:`Schedule`, a mapping of its fields (as in
        a config file), or a bare calendar value (``Schedule(calendar=value)``).
    lookback : int, default 252
        Rows of returns (ending at the decision date) for the risk model.
    reestimate_every : int, default 1
        Re-estimate the risk model every ``k`` rebalances; in between the
        fitted ``model.risk.factors_`` are reused.
    start, end : date-like, optional
        First and last day of the performance period. Default: the first date
        with ``lookback`` rows before it, and the last date.
    holdings : Series, optional
        Initial weights by ticker; default all cash (the formation trade then
        invests the whole NAV: start from ``holdings`` when the model limits
        turnover).
    nav : float, default 1e9
        Initial capital, in the currency of ``adv`` and ``flows``.
    adv : Series or DataFrame, optional
        Average daily traded value by ticker, constant or by date (as of).
    volumes : DataFrame, optional
        Daily traded value (dates x tickers); ADV is its trailing
        ``adv_window``-day mean. Give ``adv`` or ``volumes``.
    adv_window : int, default 20
        Window of the ADV computed from ``volumes``.
    prices : Series or DataFrame, optional
        Prices by ticker, constant or by date.
    sectors : Series, optional
        Sector by ticker (``"Other"`` when missing).
    flows : Series, optional
        Subscriptions (+) and redemptions (-) in currency by trading date.
    cash_return : float or Series, default 0
        Daily simple return of cash.
    universe : {"constituents", "all"}, sequence of str or None
        Names that may be held: the current benchmark constituents, every
        asset with data, or a fixed list. None: constituents when the
        benchmark weights are known, else every asset with data.
    min_history : float, default 0.9
        Fraction of the lookback window an asset needs returns for to be
        investable.
    baselines : "auto", sequence of {"full", "top_k", "ls"} or None
        Baselines run through the same engine and costs. "auto": full
        replication and top-K with benchmark weights, the least-squares
        tracker in returns-only mode.
    top_k : int, default 50
        Names held by the top-K baseline.
    on_error : {"raise", "hold"}, default "raise"
        On a failed solve, raise the SolveError (it names the date) or keep
        the drifted holdings and log the failure.
    progress : bool, default False
        Show a rich progress bar.
    blas_threads : int or None, default 1
        BLAS threads while the backtest runs (restored afterwards; None leaves
        them alone). The risk-model fits and regressions of a backtest are
        small dense problems that run fastest on one thread, and
        multi-threaded OpenBLAS slows down 10-30x on a shared machine.
    benchmark_mix : {"buy_and_hold", "constant"}, default "buy_and_hold"
        ``"constant"``: weights by ticker rebalanced back every day (a constant
        mix) instead of held buy-and-hold.
    score_against : Series, optional
        Daily returns of a second series to score the backtest against (e.g.
        the published index level's returns) besides the tracked benchmark;
        both TEs are reported in ``result.config["benchmark"]``.
    benchmark_name : str, optional
        Name of the tracked benchmark in the result and report.

    Returns
    -------
    BacktestResult
        The optimized strategy, with the baselines in ``.baselines``.

    Raises
    ------
    DataError
        Malformed or misaligned inputs, a lookback longer than the history,
        redemptions larger than the fund.
    ConfigError
        An invalid schedule or parameter.
    SolveError
        A rebalance failed and ``on_error="raise"``.

    Notes
    -----
    See :mod:`replicator.backtest` for the timing convention, the accounting
    and the treatment of universe changes. The daily net return is the
    time-weighted return with end-of-day flows,

    .. math::

        r_t = \frac{V_t - F_t - V_{t-1}}{V_{t-1}}
            = \frac{h_{t-1}^T r^a_t + c_{t-1} r^c_t - K_t}{V_{t-1}}

    with ``K_t`` the costs paid at the close of ``t``.

    Examples
    --------
    >>> import replicator as rp
    >>> model = rp.Replicator(
    ...     risk=rp.risk.StatisticalFactor(n_factors=10),
    ...     costs=[rp.costs.ProportionalFee(bps=5)],
    ...     constraints=[rp.constraints.FullyInvested(), rp.constraints.LongOnly()],
    ... )
    >>> bt = rp.backtest.run(model, R, index_returns, schedule="M")  # doctest: +SKIP
    >>> print(bt.summary())                                          # doctest: +SKIP
    """
    benchmark = prepare_benchmark(benchmark, benchmark_mix)
    engine = Engine(
        model,
        returns,
        benchmark,
        schedule=schedule,
        lookback=lookback,
        reestimate_every=reestimate_every,
        start=start,
        end=end,
        holdings=holdings,
        nav=nav,
        adv=adv,
        volumes=volumes,
        adv_window=adv_window,
        prices=prices,
        sectors=sectors,
        flows=flows,
        cash_return=cash_return,
        universe=universe,
        min_history=min_history,
        baselines=baselines,
        top_k=top_k,
        on_error=on_error,
    )
    check_look_ahead(benchmark, engine.market.dates[engine.first])
    compiled_before = model.n_compilations_
    with _blas_limit(blas_threads):
        elapsed = run_loop(engine, progress)
    sched = engine.schedule
    config = {
        "schedule": {
            "calendar": sched.calendar
            if sched.calendar is None or isinstance(sched.calendar, (str, int))
            else [str(x) for x in sched.calendar],
            "max_tracking_error": sched.max_tracking_error,
            "max_drift": sched.max_drift,
            "drift_reference": sched.drift_reference,
        },
        "lookback": lookback,
        "reestimate_every": reestimate_every,
        "universe": universe
        if universe is None or isinstance(universe, str)
        else list(universe),
        "min_history": min_history,
        "top_k": top_k,
        "nav": nav,
        "model": repr(model),
        "benchmark": {"name": benchmark_name or "benchmark", "mix": benchmark_mix},
    }
    result = finish(engine, elapsed, config, model.n_compilations_ - compiled_before)
    record_scores(result, score_against)
    return result


def _blas_limit(threads: int | None) -> Any:
    """Limit BLAS threads with threadpoolctl (a scikit-learn dependency)."""
    if threads is None:
        return contextlib.nullcontext()
    if not (isinstance(threads, int) and not isinstance(threads, bool)) or (
        threads < 1
    ):
        raise ConfigError(
            f"The 'blas_threads' parameter of backtest.run must be a positive int "
            f"or None. Got {threads!r} instead."
        )
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with sklearn
        return contextlib.nullcontext()
    return threadpool_limits(limits=threads, user_api="blas")


def finish(
    engine: Engine, elapsed: float, config: dict[str, Any], n_compilations: int
) -> BacktestResult:
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
        "periods_per_year": float(engine.model.periods_per_year_),
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
