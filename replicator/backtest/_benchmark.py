"""The benchmark through time: returns and (in weights mode) drifting weights."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from replicator.data._validate import (
    check_no_duplicates,
    ensure_frame,
    format_items,
    validate_weights,
)
from replicator.exceptions import (
    DataError,
    MisalignedIndexError,
    MissingAssetsError,
    NaNError,
)

__all__ = ["BenchmarkPath", "ConstantMix", "benchmark_path"]

WEIGHT_SUM_TOL = 1e-4


@dataclass(frozen=True)
class BenchmarkPath:
    """Benchmark returns and weights at each close.

    Attributes
    ----------
    returns : ndarray of shape (n_dates,)
        Benchmark return of each day.
    weights : ndarray of shape (n_dates, n_assets) or None
        Weights at each close, after that close's reconstitution (None in
        returns-only mode).
    returns_only : bool
        True when the benchmark was given as a return series.
    by_effective_date : bool
        True when given as weights by effective date (a DataFrame).
    reconstitutions : tuple of int
        Positions of the closes at which the weights are reset.
    """

    returns: np.ndarray
    weights: np.ndarray | None
    returns_only: bool
    by_effective_date: bool
    reconstitutions: tuple[int, ...]


def _is_return_series(series: pd.Series, dates: pd.Index, assets: pd.Index) -> bool:
    if isinstance(series.index, pd.DatetimeIndex):
        return True
    on_dates = series.index.isin(dates).mean() if len(series) else 0.0
    on_tickers = (
        pd.Index(series.index.map(str)).isin(assets).mean() if len(series) else 0.0
    )
    return bool(on_dates > on_tickers)


@dataclass(frozen=True)
class ConstantMix:
    """Constant benchmark weights rebalanced back to ``weights`` every day.

    Only on request (``benchmark_mix="constant"``): a weights benchmark
    otherwise drifts buy-and-hold between its effective dates.
    """

    weights: pd.Series


def benchmark_path(
    benchmark: object,
    dates: pd.Index,
    assets: pd.Index,
    returns: np.ndarray,
    first: int,
    last: int,
    lookback: int,
) -> BenchmarkPath:
    r"""Build the benchmark path from one of the accepted forms.

    Parameters
    ----------
    benchmark : DataFrame, Series or ConstantMix
        Weights by effective date (DataFrame effective_date x tickers),
        weights by ticker (Series, held from the formation date), index
        returns (Series by date) or a :class:`ConstantMix`.
    dates, assets : Index
        Trading dates and tickers of the returns.
    returns : ndarray of shape (n_dates, n_assets)
        Returns with missing values set to 0.
    first, last, lookback : int
        Formation position, last position and risk-model window length.

    Raises
    ------
    DataError
        The first effective date is after the formation date's next date
        (weights would be used before their effective date).

    Notes
    -----
    A row of weights dated ``e`` holds the weights in force for the returns of
    day ``e`` onward: the index is reconstituted at the close of the last
    trading day before ``e``. Between reconstitutions the weights drift with
    the returns (buy-and-hold),

    .. math::

        r^b_t = b_{t-1}^T r_t, \qquad
        b_t = \frac{b_{t-1} \circ (1 + r_t)}{1 + r^b_t}.

    The first row must be in force by the first performance date: rows dated
    on or before the first date of the returns are in force from the start, a
    later first row is set at the close before its date (and stands in for the
    dates before it, which only the lookback window sees). Weights by ticker (a
    Series) are set at the close of the formation date and drift from there
    on. A :class:`ConstantMix` is reset every day: ``r^b_t = b^T r_t``. Rows
    are normalized to sum to exactly 1 after a check that they sum to 1
    within 1e-4.
    """
    if isinstance(benchmark, pd.DataFrame):
        return _from_effective_weights(benchmark, dates, assets, returns, first)
    constant = isinstance(benchmark, ConstantMix)
    if constant:
        benchmark = benchmark.weights
    if not isinstance(benchmark, pd.Series):
        raise DataError(
            "benchmark must be a DataFrame of weights by effective date, a Series "
            "of weights by ticker or a Series of index returns by date; got "
            f"{type(benchmark).__name__}."
        )
    if not constant and _is_return_series(benchmark, dates, assets):
        return _from_returns(benchmark, dates, first, last, lookback)
    b = validate_weights(benchmark, "benchmark weights", sum_to_one=True)
    unknown = b.index.difference(assets)
    if len(unknown):
        raise MissingAssetsError(
            f"benchmark weights have {len(unknown)} tickers that are not in the "
            f"returns: {format_items(unknown)}. Add their returns or remove them."
        )
    w = b.reindex(assets).fillna(0.0).to_numpy(dtype=float)
    w = w / w.sum()
    if not constant:
        bench_returns, weights = _drift(w, {first: w}, dates, returns)
        return BenchmarkPath(
            returns=bench_returns,
            weights=weights,
            returns_only=False,
            by_effective_date=False,
            reconstitutions=(first,),
        )
    return BenchmarkPath(
        returns=returns @ w,
        weights=np.broadcast_to(w, returns.shape),
        returns_only=False,
        by_effective_date=False,
        reconstitutions=tuple(range(len(dates))),
    )


def _drift(
    b0: np.ndarray, resets: dict[int, np.ndarray], dates: pd.Index, returns: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Buy-and-hold benchmark returns and close weights, reset at ``resets``."""
    n_dates = len(dates)
    weights = np.empty_like(returns)
    bench_returns = np.empty(n_dates)
    b = b0.copy()
    for i in range(n_dates):
        rb = float(b @ returns[i])
        if not 1.0 + rb > 0:
            raise DataError(
                f"The benchmark loses all its value on {dates[i]} (return "
                f"{rb:.4g}); check the returns of its constituents."
            )
        bench_returns[i] = rb
        b = b * (1.0 + returns[i]) / (1.0 + rb)
        if i in resets:
            b = resets[i].copy()
        weights[i] = b
    return bench_returns, weights


def _from_returns(
    series: pd.Series, dates: pd.Index, first: int, last: int, lookback: int
) -> BenchmarkPath:
    s = series.astype(float)
    check_no_duplicates(s.index, "benchmark returns", "dates")
    aligned = s.reindex(dates)
    needed = aligned.iloc[first - lookback + 1 : last + 1]
    bad = needed.index[~np.isfinite(needed.to_numpy())]
    if len(bad):
        missing = bad.difference(s.index)
        if len(missing):
            raise MisalignedIndexError(
                f"benchmark returns have no value on {len(missing)} dates of the "
                f"backtest and its lookback window: {format_items(missing, 3)}. "
                "Give the index return of every trading date of the returns."
            )
        raise NaNError(
            f"benchmark returns have NaN or infinite values on "
            f"{format_items(bad, 3)}. Fill or correct them."
        )
    return BenchmarkPath(
        returns=aligned.fillna(0.0).to_numpy(dtype=float),
        weights=None,
        returns_only=True,
        by_effective_date=False,
        reconstitutions=(),
    )


def _from_effective_weights(
    frame: pd.DataFrame,
    dates: pd.Index,
    assets: pd.Index,
    returns: np.ndarray,
    first: int,
) -> BenchmarkPath:
    table = ensure_frame(frame, "benchmark weights")
    table.columns = table.columns.map(str)
    check_no_duplicates(table.columns, "benchmark weights", "tickers")
    check_no_duplicates(table.index, "benchmark weights", "effective dates")
    if len(table) == 0:
        raise DataError("benchmark weights have no rows (no effective date).")
    table = table.sort_index()
    unknown = table.columns.difference(assets)
    if len(unknown):
        raise MissingAssetsError(
            f"benchmark weights have {len(unknown)} tickers that are not in the "
            f"returns: {format_items(unknown)}. Add their returns or drop them."
        )
    values = table.reindex(columns=assets).fillna(0.0).to_numpy(dtype=float)
    if np.isinf(values).any():
        raise NaNError("benchmark weights have infinite values.")
    sums = values.sum(axis=1)
    off = np.abs(sums - 1.0) > WEIGHT_SUM_TOL
    if off.any():
        k = int(np.argmax(off))
        raise DataError(
            f"benchmark weights must sum to 1 on each effective date; on "
            f"{table.index[k]} they sum to {sums[k]:.6g}. Normalize each row "
            "(w / w.sum()) or add the missing constituents."
        )
    values = values / sums[:, None]
    try:
        key = (
            pd.DatetimeIndex(table.index)
            if isinstance(dates, pd.DatetimeIndex)
            else table.index
        )
        closes = dates.searchsorted(key, side="left") - 1
    except (TypeError, ValueError) as exc:
        raise MisalignedIndexError(
            f"benchmark effective dates cannot be compared with the returns "
            f"dates ({exc}). Index both by dates."
        ) from None
    if closes[0] > first:
        raise DataError(
            f"benchmark weights: the first effective date {table.index[0]} is after "
            f"the first date of the backtest {dates[min(first + 1, len(dates) - 1)]}; "
            "no weights are used before their effective date. Start the backtest "
            "later (start=) or give weights in force at its start."
        )
    resets = {int(c): values[k] for k, c in enumerate(closes) if 0 <= c < len(dates)}
    before = np.flatnonzero(closes < 0)
    b0 = values[int(before[-1]) if len(before) else 0]
    bench_returns, weights = _drift(b0, resets, dates, returns)
    return BenchmarkPath(
        returns=bench_returns,
        weights=weights,
        returns_only=False,
        by_effective_date=True,
        reconstitutions=tuple(sorted(resets)),
    )
