"""Load asset and benchmark return histories from CSV or Parquet files."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from replicator.data._io import PathLike
from replicator.data._panel import Panel, check_option, read_panel
from replicator.data._units import MAX_RETURN, PERCENT_MEDIAN
from replicator.data._validate import format_items
from replicator.exceptions import ConfigError, DataError, DataWarning, NaNError

__all__ = ["load_benchmark_returns", "load_returns"]

KINDS = ("returns", "prices")
NAN_POLICIES = ("error", "drop_assets", "fill_zero")

NAN_FOUND = (
    "File '{path}', {cell}: {what} is missing ({n} missing cells in {k} columns: "
    "{columns}). Fill the gaps in the file, or pass nan_policy='drop_assets' (drop "
    "assets with fewer than min_history observations, fill the rest with 0) or "
    "nan_policy='fill_zero' (a missing return counts as 0)."
)
PERCENT_UNITS = (
    "File '{path}': the median absolute return is {median:.4g}, far above a "
    "typical daily return (about 0.01). Returns must be simple returns as "
    "fractions (0.01 = 1 %): divide percent values by 100, or pass kind='prices' "
    "(data.prices in a config) if the file holds prices."
)


def load_returns(
    path: PathLike,
    *,
    format: str = "auto",
    date_col: str = "date",
    ticker_col: str = "ticker",
    value_col: str | None = None,
    kind: str = "returns",
    nan_policy: str = "error",
    min_history: int | None = None,
    sort_dates: bool = False,
) -> pd.DataFrame:
    """Load a panel of simple asset returns (or prices) from CSV or Parquet.

    Parameters
    ----------
    path : str or PathLike
        ``.csv`` (optionally compressed) or ``.parquet`` file.
    format : {"auto", "wide", "long"}, default "auto"
        "wide": column ``date_col`` then one column per ticker. "long": one row
        per (date, ticker) with ``date_col``, ``ticker_col`` and ``value_col``.
        "auto" picks long when ``ticker_col`` and ``value_col`` exist.
    date_col, ticker_col : str
        Column names, matched case-insensitively.
    value_col : str, optional
        Value column of the long form; default "return" (or "price" when
        ``kind="prices"``).
    kind : {"returns", "prices"}, default "returns"
        What the file holds. Prices are converted to simple returns; the
        first date is then dropped. Prices must be positive.
    nan_policy : {"error", "drop_assets", "fill_zero"}, default "error"
        "error" rejects any missing value. "drop_assets" drops the assets with
        fewer than ``min_history`` observed returns (default: every asset with
        a gap) and fills the remaining gaps with 0. "fill_zero" drops only
        assets below ``min_history`` (if given) and fills every gap with 0.
    min_history : int, optional
        Minimum number of observed returns per asset.
    sort_dates : bool, default False
        Sort an unsorted wide file instead of raising.

    Returns
    -------
    DataFrame of shape (n_dates, n_assets)
        Simple returns as fractions, DatetimeIndex named "date", string
        tickers; ``attrs["source"]`` is the file and
        ``attrs["dropped_assets"]`` the tickers dropped by ``nan_policy``.

    Notes
    -----
    Prices :math:`p_{t,i}` become simple returns

    .. math:: r_{t,i} = p_{t,i} / p_{s,i} - 1,

    where :math:`s < t` is the previous date with a price; the return on a
    date with no price is missing.
    """
    check_option(kind, "kind", KINDS)
    check_option(nan_policy, "nan_policy", NAN_POLICIES)
    _check_min_history(min_history)
    what = "asset returns" if kind == "returns" else "asset prices"
    panel = read_panel(
        path,
        what=what,
        format=format,
        date_col=date_col,
        ticker_col=ticker_col,
        value_col=value_col or ("return" if kind == "returns" else "price"),
        sort_dates=sort_dates,
    )
    return _returns_from_panel(panel, panel.frame, kind, nan_policy, min_history)


def load_benchmark_returns(
    path: PathLike,
    *,
    column: str | None = None,
    format: str = "wide",
    date_col: str = "date",
    ticker_col: str = "ticker",
    value_col: str | None = None,
    kind: str = "returns",
    sort_dates: bool = False,
) -> pd.Series:
    """Load the return series of a benchmark index.

    Parameters
    ----------
    path : str or PathLike
        CSV or Parquet file with a date column and one or more value columns.
    column : str, optional
        The benchmark column; required when the file has several.
    format, date_col, ticker_col, value_col, kind, sort_dates
        As in :func:`load_returns`. No missing values are accepted.

    Returns
    -------
    Series
        Simple returns by date, named after the column.
    """
    check_option(kind, "kind", KINDS)
    panel = read_panel(
        path,
        what="benchmark returns",
        format=format,
        date_col=date_col,
        ticker_col=ticker_col,
        value_col=value_col or ("return" if kind == "returns" else "price"),
        sort_dates=sort_dates,
    )
    columns = panel.frame.columns
    if column is None:
        if len(columns) != 1:
            raise DataError(
                f"File '{panel.path}' has {len(columns)} value columns "
                f"({format_items(columns)}); pass column='<name>' to choose the "
                "benchmark."
            )
        column = str(columns[0])
    matches = [c for c in columns if c.lower() == column.lower()]
    if column not in columns and len(matches) != 1:
        raise DataError(
            f"File '{panel.path}' has no benchmark column '{column}'. Value columns "
            f"found: {format_items(columns, limit=12)}. Pass column='<name>'."
        )
    column = column if column in columns else matches[0]
    frame = _returns_from_panel(panel, panel.frame[[column]], kind, "error", None)
    series = frame[column].rename(column)
    series.attrs["source"] = str(panel.path)
    return series


def _check_min_history(min_history: int | None) -> None:
    if min_history is None:
        return
    if isinstance(min_history, bool) or not isinstance(min_history, int | np.integer):
        raise ConfigError(
            f"The 'min_history' argument must be a positive integer or None; got "
            f"{min_history!r} instead."
        )
    if min_history < 1:
        raise ConfigError(
            f"The 'min_history' argument must be a positive integer or None; got "
            f"{min_history} instead."
        )


def _first_bad(frame: pd.DataFrame, mask: np.ndarray) -> tuple[object, object]:
    row, col = np.argwhere(mask)[0]
    return frame.index[row], frame.columns[col]


def _returns_from_panel(
    panel: Panel,
    frame: pd.DataFrame,
    kind: str,
    nan_policy: str,
    min_history: int | None,
) -> pd.DataFrame:
    values = frame.to_numpy()
    if np.isinf(values).any():
        date, ticker = _first_bad(frame, np.isinf(values))
        raise DataError(
            f"File '{panel.path}', {panel.cell(date, ticker)}: the value is "
            "infinite. Replace it with a finite number or leave the cell empty."
        )
    what = "the return" if kind == "returns" else "the price"
    huge = np.abs(values) > (MAX_RETURN if kind == "returns" else 1e100)
    if huge.any():
        date, ticker = _first_bad(frame, huge)
        raise DataError(
            f"File '{panel.path}', {panel.cell(date, ticker)}: {what} "
            f"{frame.at[date, ticker]:.6g} is implausibly large (over "
            f"{MAX_RETURN if kind == 'returns' else 1e100:g}). Fix the cell, or leave "
            "it empty to mark a missing value."
        )
    if nan_policy == "error":
        _raise_on_nan(panel, frame, what)
    if kind == "prices":
        frame = _prices_to_returns(panel, frame)
    else:
        observed = np.abs(values[np.isfinite(values)])
        median = float(np.median(observed)) if observed.size else 0.0
        if median > PERCENT_MEDIAN:
            raise DataError(PERCENT_UNITS.format(path=panel.path, median=median))
        below = values < -1
        if below.any():
            date, ticker = _first_bad(frame, below)
            raise DataError(
                f"File '{panel.path}', {panel.cell(date, ticker)}: return "
                f"{frame.at[date, ticker]:.6g} is below -1 (a loss of more than "
                "100 %). Returns must be simple returns as fractions; divide "
                "percents by 100, or pass kind='prices' (data.prices in a "
                "config) for a price file."
            )
    dropped: list[str] = []
    n_dates = len(frame)
    if nan_policy == "error" and min_history is not None and n_dates < min_history:
        raise DataError(
            f"File '{panel.path}' has {n_dates} dates of returns, fewer than "
            f"min_history={min_history}. Provide a longer history or lower "
            "min_history."
        )
    if nan_policy != "error":
        threshold = min_history
        if threshold is None:
            threshold = n_dates if nan_policy == "drop_assets" else 0
        counts = frame.notna().sum()
        dropped = [str(t) for t in counts.index[counts < threshold]]
        if len(dropped) == frame.shape[1]:
            raise DataError(
                f"File '{panel.path}': no asset has at least {threshold} observed "
                f"returns (the longest has {int(counts.max())}), so "
                f"nan_policy='{nan_policy}' would drop all {len(dropped)} assets. "
                "Lower min_history or provide a longer history."
            )
        frame = frame.drop(columns=dropped).fillna(0.0)
    abs_values = np.abs(frame.to_numpy())
    median = float(np.median(abs_values)) if abs_values.size else 0.0
    if median > 0.1:
        warnings.warn(
            PERCENT_UNITS.format(path=panel.path, median=np.median(abs_values)),
            DataWarning,
            stacklevel=3,
        )
    frame.attrs["source"] = str(panel.path)
    frame.attrs["dropped_assets"] = dropped
    return frame


def _raise_on_nan(panel: Panel, frame: pd.DataFrame, what: str) -> None:
    missing = frame.isna().to_numpy()
    if not missing.any():
        return
    date, ticker = _first_bad(frame, missing)
    columns = frame.columns[missing.any(axis=0)]
    raise NaNError(
        NAN_FOUND.format(
            path=panel.path,
            cell=panel.cell(date, ticker),
            what=what,
            n=int(missing.sum()),
            k=len(columns),
            columns=format_items(columns),
        )
    )


def _prices_to_returns(panel: Panel, prices: pd.DataFrame) -> pd.DataFrame:
    nonpositive = (prices <= 0).to_numpy()
    if nonpositive.any():
        date, ticker = _first_bad(prices, nonpositive)
        raise DataError(
            f"File '{panel.path}', {panel.cell(date, ticker)}: price "
            f"{prices.at[date, ticker]:.6g} is not positive. Prices must be > 0; "
            "fix the price, or leave the cell empty to mark it missing."
        )
    if len(prices) < 2:
        raise DataError(
            f"File '{panel.path}' has prices for {len(prices)} date; at least two "
            "dates are needed to compute a return."
        )
    filled = prices.ffill()
    returns = filled / filled.shift(1) - 1.0
    returns = returns.mask(prices.isna())
    return returns.iloc[1:]
