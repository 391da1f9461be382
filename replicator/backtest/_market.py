"""Validate and align the panel inputs of a backtest into numpy arrays."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from replicator.backtest._benchmark import BenchmarkPath, benchmark_path
from replicator.data._validate import (
    check_no_duplicates,
    ensure_frame,
    ensure_series,
    format_items,
)
from replicator.exceptions import (
    ConfigError,
    DataError,
    MisalignedIndexError,
    MissingAssetsError,
    NaNError,
)

__all__ = ["Market", "load_market"]


@dataclass(frozen=True)
class Market:
    """The aligned numeric panel a backtest runs on (dates x assets).

    Attributes
    ----------
    dates, assets : Index
        Trading dates and the fixed model universe.
    returns : ndarray of shape (n_dates, n_assets)
        Daily simple returns with missing values replaced by 0.
    valid : ndarray of bool, same shape
        True where a return was given (the asset had a price that day).
    bench : BenchmarkPath
        Benchmark returns and, in weights mode, weights at each close.
    adv, prices : ndarray of shape (n_dates, n_assets) or None
        As-of values: the last known value on or before each date (NaN
        before the first one).
    groups : Series or None
        Sector label per asset ("Other" when not given).
    flows : ndarray of shape (n_dates,)
        Subscriptions (+) and redemptions (-) in currency.
    cash_return : ndarray of shape (n_dates,)
        Daily simple return of cash.
    """

    dates: pd.Index
    assets: pd.Index
    returns: np.ndarray
    valid: np.ndarray
    bench: BenchmarkPath
    adv: np.ndarray | None
    prices: np.ndarray | None
    groups: pd.Series | None
    flows: np.ndarray
    cash_return: np.ndarray


def _returns_panel(returns: object) -> pd.DataFrame:
    frame = ensure_frame(returns, "returns")
    if frame.shape[0] < 2 or frame.shape[1] == 0:
        raise DataError(
            f"returns must have at least 2 dates and 1 ticker; got shape {frame.shape}."
        )
    frame.columns = frame.columns.map(str)
    check_no_duplicates(frame.columns, "returns", "tickers")
    check_no_duplicates(frame.index, "returns", "dates")
    if not frame.index.is_monotonic_increasing:
        raise DataError(
            "returns dates are not sorted in increasing order. Sort them with "
            ".sort_index()."
        )
    arr = frame.to_numpy(dtype=float)
    if np.isinf(arr).any():
        cols = frame.columns[np.isinf(arr).any(axis=0)]
        raise NaNError(
            f"returns has infinite values in {format_items(cols)}. Replace them "
            "with the true return, or with NaN for a day without a price."
        )
    with np.errstate(invalid="ignore"):
        below = arr < -1
    if below.any():
        cols = frame.columns[below.any(axis=0)]
        raise DataError(
            f"returns has values below -1 (a loss of more than 100 %) in "
            f"{format_items(cols)}. Returns must be simple returns, not log "
            "returns or percentages."
        )
    return frame


def _by_date(
    values: Any, name: str, dates: pd.Index, assets: pd.Index
) -> np.ndarray | None:
    """As-of panel (dates x assets) from a Series by ticker or a DataFrame."""
    if values is None:
        return None
    if isinstance(values, pd.DataFrame):
        frame = ensure_frame(values, name)
        frame.columns = frame.columns.map(str)
        check_no_duplicates(frame.columns, name, "tickers")
        check_no_duplicates(frame.index, name, "dates")
        try:
            if isinstance(dates, pd.DatetimeIndex):
                frame.index = pd.DatetimeIndex(frame.index)
            frame = frame.sort_index()
            frame = frame.reindex(frame.index.union(dates)).ffill().reindex(dates)
        except (TypeError, ValueError) as exc:
            raise MisalignedIndexError(
                f"{name} dates cannot be compared with the returns dates ({exc}). "
                "Index both by dates of the same type."
            ) from None
    elif isinstance(values, pd.Series):
        s = ensure_series(values, name)
        s.index = s.index.map(str)
        check_no_duplicates(s.index, name, "tickers")
        frame = pd.DataFrame(
            np.tile(s.to_numpy(dtype=float), (len(dates), 1)),
            index=dates,
            columns=s.index,
        )
    else:
        raise DataError(
            f"{name} must be a Series by ticker or a DataFrame (dates x tickers); "
            f"got {type(values).__name__}."
        )
    unknown = frame.columns.difference(assets)
    if len(unknown):
        raise MissingAssetsError(
            f"{name} has {len(unknown)} tickers that are not in the returns: "
            f"{format_items(unknown)}. Add their returns or drop them."
        )
    arr = frame.reindex(columns=assets).to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        negative = arr < 0
    if negative.any():
        cols = assets[negative.any(axis=0)]
        raise DataError(
            f"{name} must be non-negative; got negative values for "
            f"{format_items(cols)}."
        )
    return arr


def _date_series(
    values: Any, name: str, dates: pd.Index, first: int, last: int, fill: float
) -> np.ndarray:
    """Align a Series by date (or a scalar) on the backtest dates."""
    if values is None:
        return np.full(len(dates), float(fill))
    if not isinstance(values, pd.Series):
        if isinstance(values, (int, float)) and np.isfinite(values):
            return np.full(len(dates), float(values))
        raise DataError(
            f"{name} must be a number or a pandas Series by date; got "
            f"{type(values).__name__}."
        )
    s = ensure_series(values, name)
    check_no_duplicates(s.index, name, "dates")
    bad = s.index[~np.isfinite(s.to_numpy())]
    if len(bad):
        raise NaNError(
            f"{name} has no finite value on {len(bad)} dates: "
            f"{format_items(bad, 3)}. Give a number for every date."
        )
    if name == "flows":
        outside = s.index.difference(dates[first : last + 1])
        if len(outside):
            raise MisalignedIndexError(
                f"flows has {len(outside)} dates that are not trading dates of the "
                f"backtest ({dates[first]} to {dates[last]}): "
                f"{format_items(outside, 3)}. Move each flow to a trading date."
            )
        return s.reindex(dates).fillna(0.0).to_numpy(dtype=float)
    out = s.reindex(dates)
    missing = out.index[first : last + 1][out.iloc[first : last + 1].isna().to_numpy()]
    if len(missing):
        raise MisalignedIndexError(
            f"{name} has no value on {len(missing)} backtest dates: "
            f"{format_items(missing, 3)}. Give a value for every trading date."
        )
    return out.fillna(0.0).to_numpy(dtype=float)


def load_market(
    returns: object,
    benchmark: object,
    *,
    start: Any,
    end: Any,
    lookback: int,
    adv: Any = None,
    volumes: Any = None,
    adv_window: int = 20,
    prices: Any = None,
    sectors: Any = None,
    flows: Any = None,
    cash_return: Any = 0.0,
) -> tuple[Market, int, int]:
    """Validate the inputs of :func:`replicator.backtest.run`.

    Returns
    -------
    market : Market
    first, last : int
        Positions of the formation date and of the last date.
    """
    frame = _returns_panel(returns)
    dates, assets = frame.index, frame.columns
    first, last = _period(dates, start, end, lookback)
    raw = frame.to_numpy(dtype=float)
    valid = np.isfinite(raw)
    filled = np.where(valid, raw, 0.0)
    bench = benchmark_path(benchmark, dates, assets, filled, first, last, lookback)
    if adv is not None and volumes is not None:
        raise ConfigError("Give adv or volumes, not both.")
    adv_arr = _by_date(adv, "adv", dates, assets)
    if volumes is not None:
        vol = _by_date_frame(volumes, "volumes", dates, assets)
        if not (isinstance(adv_window, int) and adv_window >= 1):
            raise ConfigError(f"adv_window must be a positive int; got {adv_window!r}.")
        adv_arr = pd.DataFrame(vol).rolling(adv_window, min_periods=1).mean().to_numpy()
    groups = None
    if sectors is not None:
        if not isinstance(sectors, pd.Series):
            raise DataError(
                f"sectors must be a Series of labels by ticker; got "
                f"{type(sectors).__name__}."
            )
        g = sectors.copy()
        g.index = g.index.map(str)
        check_no_duplicates(g.index, "sectors", "tickers")
        groups = g.reindex(assets).astype(object).fillna("Other").astype(str)
    market = Market(
        dates=dates,
        assets=assets,
        returns=filled,
        valid=valid,
        bench=bench,
        adv=adv_arr,
        prices=_by_date(prices, "prices", dates, assets),
        groups=groups,
        flows=_date_series(flows, "flows", dates, first, last, 0.0),
        cash_return=_date_series(cash_return, "cash_return", dates, first, last, 0.0),
    )
    return market, first, last


def _by_date_frame(values: Any, name: str, dates: pd.Index, assets: pd.Index) -> Any:
    if not isinstance(values, pd.DataFrame):
        raise DataError(
            f"{name} must be a DataFrame of daily traded value (dates x tickers); "
            f"got {type(values).__name__}."
        )
    frame = ensure_frame(values, name)
    frame.columns = frame.columns.map(str)
    check_no_duplicates(frame.columns, name, "tickers")
    unknown = frame.columns.difference(assets)
    if len(unknown):
        raise MissingAssetsError(
            f"{name} has {len(unknown)} tickers that are not in the returns: "
            f"{format_items(unknown)}."
        )
    return frame.reindex(index=dates, columns=assets).to_numpy(dtype=float)


def _position(dates: pd.Index, when: Any, side: str) -> int:
    try:
        key = pd.Timestamp(when) if isinstance(dates, pd.DatetimeIndex) else when
        return int(dates.searchsorted(key, side=side))
    except (TypeError, ValueError) as exc:
        raise DataError(
            f"Could not compare {when!r} with the returns dates: {exc}."
        ) from None


def _period(dates: pd.Index, start: Any, end: Any, lookback: int) -> tuple[int, int]:
    """Positions of the formation date and of the last date."""
    if not (isinstance(lookback, int) and not isinstance(lookback, bool)) or (
        lookback < 2
    ):
        raise ConfigError(
            f"The 'lookback' parameter of backtest.run must be an int >= 2 "
            f"(rows of the risk-model window). Got {lookback!r} instead."
        )
    if start is None:
        first = lookback - 1
    else:
        first = _position(dates, start, "left") - 1
    last = len(dates) - 1 if end is None else _position(dates, end, "right") - 1
    if first < lookback - 1:
        need = dates[lookback] if lookback < len(dates) else "a later date"
        raise DataError(
            f"lookback={lookback} needs {lookback} rows of returns up to the "
            f"formation date (the close before start={start!r}); only {first + 1} "
            f"are available. Use start >= {need} or a shorter lookback."
        )
    if last <= first:
        raise DataError(
            f"The backtest period is empty: start={start!r}, end={end!r} leave "
            f"no trading day after the formation date "
            f"{dates[min(first, len(dates) - 1)]}."
            " Check start and end against the returns dates "
            f"({dates[0]} to {dates[-1]})."
        )
    return first, last
