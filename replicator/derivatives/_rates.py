r"""Funding rate series: expected carry at a solve date, realized per backtest day.

A rate series is a DataFrame indexed by settlement timestamps (8-hourly,
hourly or daily), one column per perp symbol, each value the funding rate of
that settlement as a fraction of notional (positive: longs pay shorts).

Assumption when no series is given (``crypto-markets.md`` §3): the interest
anchor of the standard funding formula, 0.01 % per 8 h (Binance, BitMEX since
2017; binance.com FAQ 360033525031, r8my.ch/blog/ir-funding-rate), i.e.
10.95 % a year simple. BitMEX's Q3-2025 report found funding positive > 92 %
of the time and BTC funding at exactly 0.01 % 78 % of the time.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from replicator.derivatives._perp import Perp
from replicator.exceptions import DataError
from replicator.typing import FloatArray

__all__ = [
    "ANCHOR_RATE_8H",
    "SETTLEMENTS_PER_DAY",
    "check_rates",
    "expected_annual_rates",
    "realized_daily_rates",
]

#: Funding per 8-hour settlement when the premium is inside the clamp.
ANCHOR_RATE_8H = 1e-4
#: Settlements per day of the standard 8-hourly schedule (00/08/16 UTC).
SETTLEMENTS_PER_DAY = 3
DAY = pd.Timedelta(days=1)


def check_rates(rates: pd.DataFrame, perps: Sequence[Perp]) -> pd.DataFrame:
    """Validate a rate series: datetime index, sorted, unique, a column per perp.

    Raises
    ------
    DataError
        Naming the perp without a column, or the problem with the index.
    """
    if not isinstance(rates.index, pd.DatetimeIndex):
        raise DataError(
            "The funding rate series must be indexed by settlement timestamps "
            f"(a DatetimeIndex); got a {type(rates.index).__name__}."
        )
    if not rates.index.is_monotonic_increasing or rates.index.has_duplicates:
        raise DataError(
            "The funding rate series' timestamps must be sorted and unique; sort "
            "it and sum duplicate settlements."
        )
    cols = rates.columns.map(str)
    for p in perps:
        if p.symbol not in cols:
            raise DataError(
                f"The funding rate series has no column for perp {p.symbol!r}; add "
                "its settlements, or drop the series to use the 0.01 %/8 h "
                "assumption."
            )
    out = rates.copy()
    out.columns = cols
    return out[[p.symbol for p in perps]].astype(float)


def _per_year(index: pd.DatetimeIndex) -> float:
    """Settlements a year, from the median spacing of the timestamps."""
    if len(index) < 2:
        return 365.0 * SETTLEMENTS_PER_DAY
    step = pd.Series(index).diff().dropna().median()
    return float(pd.Timedelta(days=365) / step)


def expected_annual_rates(
    rates: pd.DataFrame, perps: Sequence[Perp], date: object, lookback_days: int
) -> FloatArray:
    r"""Return the expected funding a year per perp, from settlements to ``date``.

    Notes
    -----
    With the settlements :math:`F_{i,k}` of perp ``i`` in the window
    ``(date - lookback, date]`` (no later one is used) and ``n`` settlements a
    year (from the series' median spacing: 1,095 for 8-hourly, 365 daily),

    .. math:: f_i = n \cdot \operatorname{mean}_k F_{i,k}

    Raises
    ------
    DataError
        No settlement of a perp in the window (names the perp and date).
    """
    if date is None:
        raise DataError(
            "FundingCarry reads the funding series up to the solve date: pass "
            "date=... to solve (the backtest does), or use the rate assumption."
        )
    end = pd.Timestamp(date)
    idx = rates.index
    if (idx.tz is None) != (end.tz is None):
        raise DataError(
            f"The funding series' timestamps and the solve date {end} differ in "
            "time zone awareness; make both UTC-aware or both naive."
        )
    window = rates.loc[(idx > end - lookback_days * DAY) & (idx <= end)]
    per_year = _per_year(idx)
    out = np.empty(len(perps))
    for j, p in enumerate(perps):
        col = window[p.symbol].dropna()
        if col.empty:
            raise DataError(
                f"The funding series has no settlement of perp {p.symbol!r} in the "
                f"{lookback_days} days up to {end.date()}; extend the series back, "
                "or raise lookback_days."
            )
        out[j] = per_year * float(col.mean())
    return out


def realized_daily_rates(
    rates: pd.DataFrame | None,
    perps: Sequence[Perp],
    dates: pd.DatetimeIndex,
    first: int,
    last: int,
    rate_8h: float,
) -> FloatArray:
    r"""Funding settled over each backtest day, per perp: ``(len(dates), k)``.

    Notes
    -----
    Row ``i`` (``first < i <= last``) is the sum of the settlements with
    timestamps in ``(dates[i-1], dates[i]]``; other rows are 0. Without a
    series, the assumption ``3 rate_8h`` a day times the days elapsed.

    Raises
    ------
    DataError
        A perp with no settlement in some day of the backtest, or a NaN rate
        inside it (names the perp and the date).
    """
    out = np.zeros((len(dates), len(perps)))
    if last <= first:
        return out
    if rates is None:
        days = np.asarray((dates[first + 1 : last + 1] - dates[first:last]) / DAY)
        out[first + 1 : last + 1] = (days * SETTLEMENTS_PER_DAY * rate_8h)[:, None]
        return out
    idx = rates.index
    if (idx.tz is None) != (dates.tz is None):
        raise DataError(
            "The funding series' timestamps and the backtest dates differ in time "
            "zone awareness; make both UTC-aware or both naive."
        )
    lo, hi = dates[first], dates[last]
    inside = rates.loc[(idx > lo) & (idx <= hi)]
    # day of each settlement: the first backtest date at or after it
    row = dates.searchsorted(inside.index, side="left")
    for j, p in enumerate(perps):
        col = inside[p.symbol].to_numpy(dtype=float)
        if np.isnan(col).any():
            bad = inside.index[np.isnan(col)][0]
            raise DataError(
                f"The funding series has a NaN rate for perp {p.symbol!r} at {bad}, "
                "inside the backtest; fill it (0 if no funding was settled)."
            )
        np.add.at(out[:, j], row, col)
        counts = np.bincount(row, minlength=len(dates))[first + 1 : last + 1]
        if (counts == 0).any():
            gap = dates[first + 1 + int(np.flatnonzero(counts == 0)[0])]
            raise DataError(
                f"The funding series does not cover the backtest for perp "
                f"{p.symbol!r}: no settlement in the day ending {gap} (the backtest "
                f"runs {lo} to {hi}). Extend the series, or shorten the backtest."
            )
    return out
