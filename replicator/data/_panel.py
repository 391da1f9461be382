"""Read a dates x tickers panel from a wide or long CSV/Parquet file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from replicator.data._io import (
    PathLike,
    find_column,
    read_table,
    require_column,
    row_ref,
)
from replicator.data._parse import parse_dates, parse_numbers
from replicator.data._validate import format_items
from replicator.exceptions import ConfigError, DataError

__all__ = ["FORMATS", "Panel", "check_option", "panel_from_table", "read_panel"]

FORMATS = ("auto", "wide", "long")

LONG_HINT = (
    " If the file is in long form (one row per date and ticker), pass "
    "format='long' with ticker_col= and value_col=."
)
NO_DATE_COLUMN = (
    "File '{path}' has no date column '{date_col}'. Expected either the wide form "
    "(a '{date_col}' column, then one column per ticker) or the long form "
    "(columns '{date_col}', '{ticker_col}', '{value_col}'). Columns found: "
    "{found}. Rename the columns or pass date_col=, ticker_col=, value_col=."
)


class Panel(NamedTuple):
    """A parsed panel and a way to point at its cells in the file."""

    frame: pd.DataFrame
    path: Path
    form: str
    value_col: str
    locate: Callable[[object, object], str]

    def cell(self, date: object, ticker: object) -> str:
        """Describe a cell: "column 'AAPL', line 5 (date 2020-01-03)"."""
        column = ticker if self.form == "wide" else self.value_col
        return f"column '{column}', {self.locate(date, ticker)}"


def check_option(value: object, name: str, options: tuple[str, ...]) -> str:
    """Raise a ConfigError unless ``value`` is one of ``options``."""
    if value not in options:
        raise ConfigError(
            f"The '{name}' argument must be one of {format_items(options)}; got "
            f"{value!r} instead."
        )
    return str(value)


def read_panel(
    path: PathLike,
    *,
    what: str,
    format: str = "auto",
    date_col: str = "date",
    ticker_col: str = "ticker",
    value_col: str = "value",
    sort_dates: bool = False,
) -> Panel:
    """Read a panel with dates as rows and tickers as columns.

    Parameters
    ----------
    path : str or PathLike
        CSV or Parquet file.
    what : str
        What the file holds, for messages.
    format : {"auto", "wide", "long"}
        "wide": a date column then one column per ticker. "long": one row per
        (date, ticker) with columns ``date_col``, ``ticker_col``, ``value_col``.
        "auto": long if ``ticker_col`` and ``value_col`` are present.
    date_col, ticker_col, value_col : str
        Column names (matched case-insensitively).
    sort_dates : bool, default False
        Sort a wide file by date instead of rejecting unsorted dates.

    Returns
    -------
    Panel
        ``frame`` is float with NaN for missing cells, a DatetimeIndex named
        "date" (sorted, unique) and string ticker columns.
    """
    check_option(format, "format", FORMATS)
    raw, p = read_table(path, what, (date_col, ticker_col))
    return panel_from_table(
        raw,
        p,
        format=format,
        date_col=date_col,
        ticker_col=ticker_col,
        value_col=value_col,
        sort_dates=sort_dates,
    )


def panel_from_table(
    raw: pd.DataFrame,
    p: Path,
    *,
    format: str,
    date_col: str,
    ticker_col: str,
    value_col: str,
    sort_dates: bool | None = None,
) -> Panel:
    """Build a :class:`Panel` from a table already read by ``read_table``.

    ``sort_dates=None``: unsorted dates are an error, and the caller has no
    ``sort_dates`` option to advise.
    """
    check_option(format, "format", FORMATS)
    if format == "auto":
        is_long = (
            find_column(raw, ticker_col) is not None
            and find_column(raw, value_col) is not None
        )
        format = "long" if is_long else "wide"
    if format == "long":
        return _read_long(raw, p, date_col, ticker_col, value_col)
    return _read_wide(raw, p, date_col, ticker_col, value_col, sort_dates)


def _read_wide(
    raw: pd.DataFrame,
    path: Path,
    date_col: str,
    ticker_col: str,
    value_col: str,
    sort_dates: bool | None,
) -> Panel:
    dcol = find_column(raw, date_col)
    if dcol is None and _is_index_name(raw.columns[0]):
        dcol = raw.columns[0]
    if dcol is None:
        raise DataError(
            NO_DATE_COLUMN.format(
                path=path,
                date_col=date_col,
                ticker_col=ticker_col,
                value_col=value_col,
                found=format_items(raw.columns, limit=12),
            )
        )
    dates = parse_dates(raw[dcol], path, dcol)
    tickers = [c for c in raw.columns if c != dcol]
    if not tickers:
        raise DataError(
            f"File '{path}' has a date column '{dcol}' but no ticker columns. In the "
            "wide form every other column holds one ticker."
        )
    values = parse_numbers(
        raw, path, tickers, lambda i: f"date {dates[i].date()}", hint=LONG_HINT
    )
    values.index = dates
    if dates.has_duplicates:
        dup = dates[dates.duplicated()][0]
        lines = [row_ref(path, i) for i in np.flatnonzero(dates == dup)]
        raise DataError(
            f"File '{path}', column '{dcol}': date {dup.date()} appears more than "
            f"once ({', '.join(lines)}). Each date must appear once; remove or merge "
            "the duplicated rows."
        )
    if not dates.is_monotonic_increasing:
        if not sort_dates:
            pos = int(np.flatnonzero(np.diff(dates.asi8) < 0)[0]) + 1
            raise DataError(
                f"File '{path}', column '{dcol}': dates are not in increasing order; "
                f"{row_ref(path, pos)} has {dates[pos].date()} after "
                f"{dates[pos - 1].date()} on {row_ref(path, pos - 1)}. Sort the file "
                "by date"
                + (
                    ", or pass sort_dates=True (data.sort_dates: true in a config)."
                    if sort_dates is False
                    else "."
                )
            )
        values = values.sort_index()
    positions = pd.Series(np.arange(len(dates)), index=dates)

    def locate(date: object, ticker: object) -> str:
        return f"{row_ref(path, int(positions[date]))} (date {_day(date)})"

    return Panel(_finish(values, path), path, "wide", value_col, locate)


def _read_long(
    raw: pd.DataFrame, path: Path, date_col: str, ticker_col: str, value_col: str
) -> Panel:
    dcol = require_column(raw, date_col, path, "the date of each row", "date_col")
    tcol = require_column(raw, ticker_col, path, "the ticker of each row", "ticker_col")
    vcol = require_column(raw, value_col, path, "the value of each row", "value_col")
    dates = parse_dates(raw[dcol], path, dcol)
    tickers = raw[tcol].astype("string").str.strip()
    empty = (tickers.isna() | (tickers == "")).to_numpy()
    if empty.any():
        pos = int(np.flatnonzero(empty)[0])
        raise DataError(
            f"File '{path}', column '{tcol}': {row_ref(path, pos)} has no ticker. "
            "Fill it in or delete the row."
        )
    values = parse_numbers(
        raw,
        path,
        [vcol],
        lambda i: f"ticker {tickers.iloc[i]!r}, date {dates[i].date()}",
    )[vcol].to_numpy()
    keys = pd.MultiIndex.from_arrays(
        [dates, tickers.to_numpy(dtype=str)], names=["date", "ticker"]
    )
    if keys.has_duplicates:
        date, ticker = keys[keys.duplicated()][0]
        lines = [row_ref(path, i) for i in np.flatnonzero(keys == (date, ticker))]
        raise DataError(
            f"File '{path}', columns '{dcol}'/'{tcol}': ticker {ticker!r} has more "
            f"than one row for date {date.date()} ({', '.join(lines)}). Keep one "
            "row per (date, ticker)."
        )
    order = pd.unique(keys.get_level_values("ticker"))
    wide = pd.Series(values, index=keys).unstack("ticker").reindex(columns=order)
    wide = wide.sort_index()

    def locate(date: object, ticker: object) -> str:
        hit = np.flatnonzero((dates == date) & (tickers.to_numpy(dtype=str) == ticker))
        where = row_ref(path, int(hit[0])) if len(hit) else "no row"
        return f"{where} (ticker {ticker!r}, date {_day(date)})"

    return Panel(_finish(wide, path), path, "long", vcol, locate)


def _is_index_name(name: str) -> bool:
    """Return True for the header of an unnamed index column (pandas CSV)."""
    return name in ("", "index") or name.startswith("Unnamed: 0")


def _day(date: object) -> str:
    ts = pd.Timestamp(date)  # type: ignore[arg-type]
    return str(ts.date()) if ts == ts.normalize() else str(ts)


def _finish(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    frame = frame.astype(float)
    frame.columns = pd.Index([str(c) for c in frame.columns])
    frame.index = pd.DatetimeIndex(frame.index, name="date")
    frame.attrs["source"] = str(path)
    return frame
