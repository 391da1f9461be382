"""Annualization factor from a date index: 24/7 crypto, business days, ...."""

from __future__ import annotations

import numpy as np
import pandas as pd

from replicator.exceptions import DataError

__all__ = ["infer_periods_per_year"]

#: Median spacing (days) -> periods per year, for spacings above one day.
_SPACINGS = ((8.0, 52.0), (35.0, 12.0), (100.0, 4.0), (200.0, 2.0))
#: Share of weekend dates above which a daily calendar is a 7-day week.
WEEKEND_SHARE = 0.1


def infer_periods_per_year(index: object) -> float:
    r"""Periods per year implied by the calendar of a date index.

    Parameters
    ----------
    index : DatetimeIndex
        The dates of the returns, at least 3.

    Returns
    -------
    float
        365 for daily data with weekends (a 7-day week: crypto), 252 for daily
        data on business days, 52 weekly, 12 monthly, 4 quarterly, 2
        semi-annual, 1 annual.

    Raises
    ------
    DataError
        Not dates, or fewer than 3 of them: give ``periods_per_year``.

    Notes
    -----
    Daily means a median spacing :math:`\le 1.5` days; the week has 7 days
    when more than 10 % of the dates are Saturdays or Sundays (a 7-day week
    has 2/7 = 28.6 %, a business-day calendar none).
    """
    if not (
        isinstance(index, pd.Index)
        and pd.api.types.is_datetime64_any_dtype(index)
        and len(index) >= 3
    ):
        raise DataError(
            "periods_per_year cannot be inferred: the returns need at least 3 dates "
            "in a DatetimeIndex. Give periods_per_year (252 for equities, 365 for "
            "crypto)."
        )
    dates = pd.DatetimeIndex(index)
    gaps = np.diff(dates.to_numpy()) / np.timedelta64(1, "D")
    spacing = float(np.median(gaps))
    if spacing <= 1.5:
        weekend = float(np.mean(dates.day_of_week >= 5))
        return 365.0 if weekend > WEEKEND_SHARE else 252.0
    for limit, periods in _SPACINGS:
        if spacing <= limit:
            return periods
    return 1.0
