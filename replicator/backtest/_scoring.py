"""Benchmark options of a backtest: constant mix, look-ahead check, scored TE."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from replicator.backtest._benchmark import ConstantMix
from replicator.data._validate import format_items
from replicator.exceptions import ConfigError, LookAheadWarning, MisalignedIndexError
from replicator.measures import ex_post_tracking_error

__all__ = ["check_look_ahead", "prepare_benchmark", "record_scores", "scored_tracking"]

MIXES = ("buy_and_hold", "constant")


def prepare_benchmark(benchmark: Any, mix: str) -> Any:
    """Wrap weights by ticker in :class:`ConstantMix` when a constant mix is asked."""
    if mix not in MIXES:
        raise ConfigError(
            f"The 'benchmark_mix' parameter must be 'buy_and_hold' or 'constant'; "
            f"got {mix!r}."
        )
    if mix == "buy_and_hold":
        return benchmark
    if not isinstance(benchmark, pd.Series) or isinstance(
        benchmark.index, pd.DatetimeIndex
    ):
        raise ConfigError(
            "benchmark_mix='constant' needs benchmark weights by ticker (a Series); "
            f"got {type(benchmark).__name__}"
            + (" of returns by date" if isinstance(benchmark, pd.Series) else "")
            + "."
        )
    return ConstantMix(benchmark)


def check_look_ahead(benchmark: Any, formation: Any, stacklevel: int = 3) -> None:
    """Warn when benchmark weights were estimated with data after ``formation``.

    The estimation date is read from ``benchmark.attrs["as_of"]`` (the last
    date of the data the weights were computed from), which the bundled
    datasets set, e.g. on the S&P 500 implied weights fitted on 2010-2011.
    """
    if isinstance(benchmark, ConstantMix):
        benchmark = benchmark.weights
    as_of = getattr(benchmark, "attrs", {}).get("as_of")
    if as_of is None or isinstance(benchmark, pd.DataFrame):
        return
    try:
        late = pd.Timestamp(as_of) > pd.Timestamp(formation)
    except (TypeError, ValueError):
        return
    if late:
        warnings.warn(
            f"look-ahead: the benchmark weights were estimated with data up to "
            f"{pd.Timestamp(as_of).date()}, after the backtest's formation date "
            f"{pd.Timestamp(formation).date()}. Use weights by effective date (e.g. "
            "rp.indices) or weights estimated before the start.",
            LookAheadWarning,
            stacklevel=stacklevel,
        )


def scored_tracking(
    daily: pd.DataFrame, score_against: pd.Series, periods_per_year: float, name: str
) -> dict[str, Any]:
    r"""Ex-post TE of the portfolio against a second series (the published index).

    Parameters
    ----------
    daily : DataFrame
        The daily table of a backtest (first row: formation).
    score_against : Series
        Daily simple returns of the scoring series, by date.
    periods_per_year : float
    name : str
        Name of the scoring series.

    Returns
    -------
    dict
        ``name``, ``te_ex_post`` and ``tracking_difference_cumulative``.

    Notes
    -----
    With :math:`a_t = r^p_t - r^s_t` over the performance days,
    :math:`TE = \sqrt{p}\,\mathrm{sd}(a)` and
    :math:`TD = \prod(1 + r^p_t) - \prod(1 + r^s_t)` (the portfolio's
    product includes the formation day's costs, as the tracked TD does).
    """
    s = score_against.astype(float)
    s.index = (
        pd.DatetimeIndex(s.index)
        if isinstance(daily.index, pd.DatetimeIndex)
        else s.index
    )
    perf = daily.iloc[1:]
    aligned = s.reindex(perf.index)
    bad = aligned.index[~np.isfinite(aligned.to_numpy())]
    if len(bad):
        raise MisalignedIndexError(
            f"score_against ({name}) has no return on {len(bad)} dates of the "
            f"backtest: {format_items(bad, 3)}. Give a return for every date."
        )
    rp = perf["portfolio_return"].to_numpy()
    rs = aligned.to_numpy()
    formation = float(daily["portfolio_return"].iloc[0])
    return {
        "name": name,
        "te_ex_post": ex_post_tracking_error(rp - rs, periods_per_year),
        "tracking_difference_cumulative": float(
            (1 + formation) * np.prod(1 + rp) - np.prod(1 + rs)
        ),
    }


def record_scores(result: Any, series: pd.Series | None) -> None:
    """Record the tracked and (when given) the scored TE of every strategy."""
    info = result.config["benchmark"]
    strategies = {"optimized": result, **result.baselines}
    info["te_tracked"] = {
        k: s.metrics().get("te_ex_post") for k, s in strategies.items()
    }
    if series is None:
        return
    label = str(series.name or "scored series")
    info["scored_against"] = label
    info["te_scored"] = {
        k: scored_tracking(s.daily, series, s.periods_per_year, label)["te_ex_post"]
        for k, s in strategies.items()
    }
