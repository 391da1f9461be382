"""Load benchmark (index) weights, optionally with effective dates."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from replicator.data._assets import ticker_column
from replicator.data._io import (
    PathLike,
    find_column,
    read_table,
    require_column,
    row_ref,
)
from replicator.data._panel import FORMATS, check_option, panel_from_table
from replicator.data._parse import parse_dates, parse_numbers
from replicator.data._validate import WEIGHT_SUM_TOL
from replicator.exceptions import ConfigError, DataError, NaNError

__all__ = ["load_benchmark_weights"]

UNDATED = pd.Timestamp("1970-01-01")
NEGATIVE_HINT = (
    "Benchmark weights must be >= 0; for a long/short benchmark pass "
    "allow_negative=True (benchmark.allow_negative: true in a config)."
)
BAD_SUM = (
    "File '{path}', {where}: the weights {when} sum to {total:.6g}, not 1 "
    "(tolerance {tol:g}; {n_bad} of {n_dates} dates are off). Fix the weights or "
    "add the missing constituents, or pass normalize=True (benchmark.normalize: "
    "true in a config) to rescale each date."
)


def load_benchmark_weights(
    path: PathLike,
    *,
    date: object = None,
    format: str = "auto",
    date_col: str = "date",
    ticker_col: str = "ticker",
    weight_col: str = "weight",
    tol: float = WEIGHT_SUM_TOL,
    normalize: bool = False,
    allow_negative: bool = False,
) -> pd.Series | pd.DataFrame:
    r"""Load benchmark weights (fractions) from a CSV or Parquet file.

    Parameters
    ----------
    path : str or PathLike
        Long form: columns ``ticker_col``, ``weight_col`` and, optionally,
        ``date_col`` (the date each set of weights becomes effective). Wide
        form: ``date_col`` then one column per ticker, one row per effective
        date (empty cell = not a constituent).
    date : date-like, "all" or None
        Return the weights in force on ``date``: those of the latest effective
        date on or before it. None means the latest effective date; "all"
        returns every effective date as a DataFrame (dates x tickers, 0 for
        non-constituents).
    format : {"auto", "wide", "long"}
        "auto" is long when ``ticker_col`` and ``weight_col`` exist.
    date_col, ticker_col, weight_col : str
        Column names, matched case-insensitively.
    tol : float, default 1e-4
        Tolerance of the check that each date's weights sum to 1.
    normalize : bool, default False
        Rescale each date's weights to sum to 1 instead of checking the sum.
    allow_negative : bool, default False
        Accept negative weights (a long/short benchmark).

    Returns
    -------
    Series or DataFrame
        Weights by ticker, named "weight", with ``attrs["effective_date"]``
        (None for an undated file) and ``attrs["source"]``.

    Notes
    -----
    On every effective date :math:`d` the check is
    :math:`|\sum_i b_{d,i} - 1| \le \mathrm{tol}`.
    """
    check_option(format, "format", FORMATS)
    raw, p = read_table(path, "benchmark weights", (date_col, ticker_col))
    if format == "auto":
        has_long = find_column(raw, ticker_col) and find_column(raw, weight_col)
        format = "long" if has_long else "wide"
    if format == "long":
        weights, present, column, dated = _long(
            raw, p, date_col, ticker_col, weight_col, allow_negative
        )
        locate: Callable[[object, object], str] | None = None
    else:
        panel = panel_from_table(
            raw, p, format="wide", date_col=date_col, ticker_col=ticker_col,
            value_col=weight_col,
        )  # fmt: skip
        present = panel.frame.notna()
        weights = panel.frame.fillna(0.0)
        column, dated, locate = "", True, panel.locate
        neg = weights.to_numpy() < 0
        if neg.any() and not allow_negative:
            row, col = np.argwhere(neg)[0]
            date_, ticker = weights.index[row], weights.columns[col]
            raise DataError(
                f"File '{p}', {panel.cell(date_, ticker)}: weight "
                f"{weights.iat[row, col]:.6g} is negative. {NEGATIVE_HINT}"
            )

    def when(d: object) -> str:
        return _when(d, dated)

    def where(d: object) -> str:
        return f"column '{column}'" if locate is None else locate(d, None)

    totals = weights.sum(axis=1)
    if normalize:
        if (totals <= 0).any():
            first = totals.index[np.flatnonzero((totals <= 0).to_numpy())[0]]
            raise DataError(
                f"File '{p}', {where(first)}: the weights {when(first)} sum to "
                f"{totals[first]:.6g}; they cannot be normalized to 1."
            )
        weights = weights.div(totals, axis=0)
    else:
        off = (totals - 1.0).abs() > tol
        if off.any():
            first = totals.index[np.flatnonzero(off.to_numpy())[0]]
            raise DataError(
                BAD_SUM.format(
                    path=p, where=where(first), when=when(first), total=totals[first],
                    tol=tol, n_bad=int(off.sum()), n_dates=len(totals),
                )
            )  # fmt: skip
    return _select(weights, present, date, p, dated)


def _long(
    raw: pd.DataFrame,
    p: Path,
    date_col: str,
    ticker_col: str,
    weight_col: str,
    allow_negative: bool,
) -> tuple[pd.DataFrame, pd.DataFrame, str, bool]:
    tcol = require_column(raw, ticker_col, p, "the constituent ticker", "ticker_col")
    wcol = require_column(raw, weight_col, p, "the weight", "weight_col")
    dcol = find_column(raw, date_col)
    dated = dcol is not None
    if dcol is not None:
        dates = parse_dates(raw[dcol], p, dcol)
    else:
        dates = pd.DatetimeIndex([UNDATED] * len(raw), name="date")
    tickers = ticker_column(raw, p, tcol, unique=False)
    values = parse_numbers(raw, p, [wcol], lambda i: f"ticker {tickers.iloc[i]!r}")[
        wcol
    ].to_numpy()
    bad = ~np.isfinite(values)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise NaNError(
            f"File '{p}', column '{wcol}': {row_ref(p, pos)} (ticker "
            f"{tickers.iloc[pos]!r}) has no weight. Fill it in (0 if the ticker is "
            "not a constituent) or delete the row."
        )
    if not allow_negative and (values < 0).any():
        pos = int(np.flatnonzero(values < 0)[0])
        raise DataError(
            f"File '{p}', column '{wcol}': {row_ref(p, pos)} (ticker "
            f"{tickers.iloc[pos]!r}{', ' + _when(dates[pos], dated) if dated else ''}) "
            "has weight "
            f"{values[pos]:.6g}, which is negative. {NEGATIVE_HINT}"
        )
    keys = pd.MultiIndex.from_arrays([dates, tickers.to_numpy()])
    if keys.has_duplicates:
        pos = int(np.flatnonzero(keys.duplicated())[0])
        raise DataError(
            f"File '{p}', column '{tcol}': ticker {tickers.iloc[pos]!r} appears more "
            f"than once {_when(dates[pos], dated)} (again on {row_ref(p, pos)}). "
            "Keep one row per ticker and effective date."
        )
    series = pd.Series(values, index=keys)
    weights = series.unstack(level=1).reindex(columns=pd.unique(tickers.to_numpy()))
    present = weights.notna()
    return weights.fillna(0.0), present, wcol, dated


def _when(date: object, dated: bool) -> str:
    if not dated:
        return "in the file"
    return f"on effective date {pd.Timestamp(date).date()}"  # type: ignore[arg-type]


def _select(
    weights: pd.DataFrame,
    present: pd.DataFrame,
    date: object,
    p: Path,
    dated: bool,
) -> pd.Series | pd.DataFrame:
    weights.columns = pd.Index([str(c) for c in weights.columns], name="ticker")
    if isinstance(date, str) and date == "all":
        if not dated:
            raise DataError(
                f"File '{p}' has no date column, so date='all' has no meaning. Add a "
                "date column with the effective date of each row, or pass date=None."
            )
        out = weights.sort_index()
        out.index.name = "date"
        out.attrs["source"] = str(p)
        return out
    pos = len(weights) - 1
    if dated and date is not None:
        try:
            when = pd.Timestamp(date)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ConfigError(
                f"The 'date' argument must be a date, 'all' or None; got {date!r}."
            ) from None
        eligible = np.flatnonzero(weights.index <= when)
        if len(eligible) == 0:
            raise DataError(
                f"File '{p}' has no weights in force on {when.date()}: the earliest "
                f"effective date is {weights.index.min().date()}. Pass a later date "
                "or add older weights to the file."
            )
        pos = int(eligible[-1])
    series = weights.iloc[pos][present.iloc[pos].to_numpy()].rename("weight")
    series.attrs["effective_date"] = weights.index[pos] if dated else None
    series.attrs["source"] = str(p)
    return series
