"""Load per-asset attributes: average daily volume, sectors, fees."""

from __future__ import annotations

import warnings
from numbers import Integral

import numpy as np
import pandas as pd

from replicator.data._assets import (
    check_nonnegative_column,
    numeric_column,
    ticker_column,
)
from replicator.data._io import (
    PathLike,
    find_column,
    read_table,
    require_column,
    row_ref,
)
from replicator.data._panel import FORMATS, check_option, panel_from_table
from replicator.data._validate import format_items
from replicator.exceptions import ConfigError, DataError, DataWarning, NaNError

__all__ = ["load_adv", "load_fees", "load_sectors"]


def load_adv(
    path: PathLike,
    *,
    window: int = 20,
    date: object = None,
    format: str = "auto",
    date_col: str = "date",
    ticker_col: str = "ticker",
    adv_col: str = "adv",
    volume_col: str = "volume",
) -> pd.Series:
    r"""Load average daily traded value (ADV) per asset, in currency.

    Parameters
    ----------
    path : str or PathLike
        Either a table of ADV (columns ``ticker_col``, ``adv_col``; no date
        column), or a panel of daily traded values (wide: ``date_col`` then
        one column per ticker; long: ``date_col``, ``ticker_col``,
        ``volume_col``). Volumes must be traded *value* in the currency of the
        NAV, not share counts.
    window : int, default 20
        For a panel: number of trailing dates averaged.
    date : date-like, optional
        For a panel: the last date of the window (default: the last date).
    format : {"auto", "wide", "long"}
        Layout of a panel.
    date_col, ticker_col, adv_col, volume_col : str
        Column names, matched case-insensitively.

    Returns
    -------
    Series
        ADV by ticker, named "adv".

    Notes
    -----
    For a panel of daily traded values :math:`V_{t,i}` and the last
    :math:`W` dates :math:`t \le T` (missing days skipped):

    .. math:: \mathrm{ADV}_i = \frac{1}{W} \sum_{t=T-W+1}^{T} V_{t,i}.
    """
    if isinstance(window, bool) or not isinstance(window, Integral) or window < 1:
        raise ConfigError(
            f"The 'window' argument must be a positive integer; got {window!r}."
        )
    check_option(format, "format", FORMATS)
    raw, p = read_table(path, "average daily volumes", (date_col, ticker_col))
    if find_column(raw, date_col) is None:
        tcol = require_column(raw, ticker_col, p, "the ticker", "ticker_col")
        acol = require_column(raw, adv_col, p, "average daily value", "adv_col")
        tickers = ticker_column(raw, p, tcol)
        adv = numeric_column(raw, p, acol, tickers)
        check_nonnegative_column(adv, p, acol, "ADV must be >= 0.")
        return _finish(adv.rename("adv"), p)
    panel = panel_from_table(
        raw, p, format=format, date_col=date_col, ticker_col=ticker_col,
        value_col=volume_col,
    )  # fmt: skip
    volumes = panel.frame
    neg = volumes.to_numpy() < 0
    if neg.any():
        row, col = np.argwhere(neg)[0]
        d, t = volumes.index[row], volumes.columns[col]
        raise DataError(
            f"File '{p}', {panel.cell(d, t)}: volume {volumes.iat[row, col]:.6g} "
            "is negative. Volumes must be >= 0; fix the cell or leave it empty."
        )
    if date is not None:
        try:
            end = pd.Timestamp(date)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ConfigError(
                f"The 'date' argument must be a date; got {date!r}."
            ) from None
        volumes = volumes.loc[volumes.index <= end]
        if volumes.empty:
            raise DataError(
                f"File '{p}' has no volumes on or before {end.date()} (the first "
                f"date is {panel.frame.index[0].date()}). Pass a later date."
            )
    if len(volumes) < window:
        warnings.warn(
            f"File '{p}' has {len(volumes)} dates up to {volumes.index[-1].date()}, "
            f"fewer than window={window}; ADV averages over {len(volumes)} dates. "
            "Pass a smaller window or a longer history to silence this warning.",
            DataWarning,
            stacklevel=2,
        )
    tail = volumes.iloc[-window:]
    adv = tail.mean(skipna=True)
    empty = adv.index[adv.isna()]
    if len(empty):
        raise NaNError(
            f"File '{p}': {len(empty)} tickers have no volume in the {len(tail)} "
            f"dates {tail.index[0].date()}..{tail.index[-1].date()}: "
            f"{format_items(empty)}. Fill their volumes or drop them."
        )
    adv = adv.rename("adv")
    adv.index.name = "ticker"
    out = _finish(adv, p)
    out.attrs["window"] = len(tail)
    out.attrs["date"] = tail.index[-1]
    return out


def load_sectors(
    path: PathLike, *, ticker_col: str = "ticker", sector_col: str = "sector"
) -> pd.Series:
    """Load a sector (or any group) label per ticker.

    Parameters
    ----------
    path : str or PathLike
        CSV or Parquet file with columns ``ticker_col`` and ``sector_col``.
    ticker_col, sector_col : str
        Column names, matched case-insensitively.

    Returns
    -------
    Series
        Sector label (str) by ticker, named "sector".
    """
    raw, p = read_table(path, "sectors", (ticker_col, sector_col))
    tcol = require_column(raw, ticker_col, p, "the ticker", "ticker_col")
    scol = require_column(raw, sector_col, p, "the sector label", "sector_col")
    tickers = ticker_column(raw, p, tcol)
    sectors = raw[scol].astype("string").str.strip()
    empty = (sectors.isna() | (sectors == "")).to_numpy()
    if empty.any():
        pos = int(np.flatnonzero(empty)[0])
        raise DataError(
            f"File '{p}', column '{scol}': {row_ref(p, pos)} (ticker "
            f"{tickers.iloc[pos]!r}) has no sector ({int(empty.sum())} such rows). "
            "Fill it in, e.g. with 'Unknown'."
        )
    out = pd.Series(
        sectors.to_numpy(dtype=str), index=pd.Index(tickers, name="ticker")
    ).rename("sector")
    return _finish(out, p)


def load_fees(
    path: PathLike, *, ticker_col: str = "ticker", fee_col: str = "fee_bps"
) -> pd.Series:
    """Load a per-asset proportional fee in basis points.

    Parameters
    ----------
    path : str or PathLike
        CSV or Parquet file with columns ``ticker_col`` and ``fee_col``.
    ticker_col, fee_col : str
        Column names, matched case-insensitively.

    Returns
    -------
    Series
        Fee in bps (1 bp = 0.01 %) by ticker, named "fee_bps".
    """
    raw, p = read_table(path, "fees", (ticker_col,))
    tcol = require_column(raw, ticker_col, p, "the ticker", "ticker_col")
    fcol = require_column(raw, fee_col, p, "the fee in basis points", "fee_col")
    tickers = ticker_column(raw, p, tcol)
    fees = numeric_column(raw, p, fcol, tickers)
    check_nonnegative_column(fees, p, fcol, "Fees must be >= 0 (in basis points).")
    top = float(fees.max())
    if top > 1000 or 0 < top < 0.01:
        warnings.warn(
            f"File '{p}', column '{fcol}': the largest fee is {top:.6g} bps, "
            "implausible for a fee in basis points (1 bp = 0.01 %). Give fees in "
            "bps, e.g. 5 for 0.05 %; this warning disappears when every fee is "
            "between 0.01 and 1000 bps.",
            DataWarning,
            stacklevel=2,
        )
    return _finish(fees.rename("fee_bps"), p)


def _finish(series: pd.Series, p: object) -> pd.Series:
    series.index = pd.Index([str(t) for t in series.index], name="ticker")
    series.attrs["source"] = str(p)
    return series
