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

__all__ = ["BenchmarkPath", "benchmark_path"]

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


def benchmark_path(
    benchmark: object,
    dates: pd.Index,
    assets: pd.Index,
    returns: np.ndarray,
    first: int,
    last: int,
    lookback: int,
) -> BenchmarkPath:
    r"""Build the benchmark path from one of the three accepted forms.

    Parameters
    ----------
    benchmark : DataFrame or Series
        Weights by effective date (DataFrame effective_date x tickers),
        constant weights (Series by ticker) or index returns (Series by date).
    dates, assets : Index
        Trading dates and tickers of the returns.
    returns : ndarray of shape (n_dates, n_assets)
        Returns with missing values set to 0.
    first, last, lookback : int
        Formation position, last position and risk-model window length.

    Notes
    -----
    A row of weights dated ``e`` holds the weights in force for the returns of
    day ``e`` onward: the index is reconstituted at the close of the last
    trading day before ``e`` (rows dated on or before the first trading day,
    and the first row in any case, are in force from the start). Between
    reconstitutions the weights drift with the returns,

    .. math::

        r^b_t = b_{t-1}^T r_t, \qquad
        b_t = \frac{b_{t-1} \circ (1 + r_t)}{1 + r^b_t}.

    Constant weights (a Series by ticker) are reset every day: the benchmark
    is then the constant mix ``r^b_t = b^T r_t``. Rows are normalized to sum to
    exactly 1 after a check that they sum to 1 within 1e-4.
    """
    if isinstance(benchmark, pd.DataFrame):
        return _from_effective_weights(benchmark, dates, assets, returns)
    if not isinstance(benchmark, pd.Series):
        raise DataError(
            "benchmark must be a DataFrame of weights by effective date, a Series "
            "of weights by ticker or a Series of index returns by date; got "
            f"{type(benchmark).__name__}."
        )
    if _is_return_series(benchmark, dates, assets):
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
    return BenchmarkPath(
        returns=returns @ w,
        weights=np.broadcast_to(w, returns.shape),
        returns_only=False,
        by_effective_date=False,
        reconstitutions=tuple(range(len(dates))),
    )


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
    frame: pd.DataFrame, dates: pd.Index, assets: pd.Index, returns: np.ndarray
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
    closes[0] = -1
    resets = {int(c): values[k] for k, c in enumerate(closes) if 0 <= c < len(dates)}
    n_dates = len(dates)
    weights = np.empty_like(returns)
    bench_returns = np.empty(n_dates)
    b = values[int(np.flatnonzero(closes < 0)[-1])].copy()
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
    return BenchmarkPath(
        returns=bench_returns,
        weights=weights,
        returns_only=False,
        by_effective_date=True,
        reconstitutions=tuple(sorted(resets)),
    )
