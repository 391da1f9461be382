"""Review calendars on 24/7 or business-day data alike."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from replicator.data._validate import format_items
from replicator.exceptions import ConfigError

__all__ = ["CalendarSpec", "review_positions"]

CalendarSpec = str | int | Sequence[Any]

_FREQ = {"D": "D", "W": "W", "M": "M", "Q": "Q", "A": "Y", "Y": "Y"}


def review_positions(
    spec: CalendarSpec, dates: pd.DatetimeIndex, label: str
) -> np.ndarray:
    """Positions in ``dates`` of the review (decision) dates of a calendar.

    Parameters
    ----------
    spec : str, int or sequence of dates
        ``"D"``, ``"W"``, ``"M"``, ``"Q"`` or ``"Y"``: the last date of the data
        in each day, week, month, quarter or year (whatever days the data
        has: 7-day weeks and business days alike). An int ``k``: every
        ``k``-th row from the first. A sequence: these dates, each a date of
        the data.
    dates : DatetimeIndex
        The dates of the data, sorted.
    label : str
        The parameter's name, for errors (``"reweight"``).

    Returns
    -------
    ndarray of int

    Raises
    ------
    ConfigError
        An unknown frequency, a non-positive step, or dates not in the data
        (the error names them and the data's range).
    """
    n = len(dates)
    if n == 0:
        raise ConfigError(f"{label}: the data have no dates.")
    if isinstance(spec, str):
        freq = _FREQ.get(spec.upper())
        if freq is None:
            raise ConfigError(
                f"{label}: unknown calendar {spec!r}; use one of D, W, M, Q, Y, an "
                "int (every k-th date) or a list of dates."
            )
        periods = dates.to_period(freq)
        last = np.flatnonzero(periods[1:] != periods[:-1])
        return np.append(last, n - 1)
    if isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
        if spec < 1:
            raise ConfigError(f"{label}: the step must be a positive int; got {spec}.")
        return np.arange(0, n, int(spec))
    try:
        wanted = pd.DatetimeIndex(pd.to_datetime(list(spec)))
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{label}: cannot read the calendar dates ({exc}).") from None
    if dates.tz is not None and wanted.tz is None:
        wanted = wanted.tz_localize(dates.tz)
    inside = (wanted >= dates[0]) & (wanted <= dates[-1])
    if not inside.any():
        raise ConfigError(
            f"{label}: no date of the calendar is inside the data "
            f"({dates[0].date()} .. {dates[-1].date()}); the calendar has "
            f"{format_items(wanted, 3)}."
        )
    pos = dates.get_indexer(wanted)
    if (pos < 0).any():
        raise ConfigError(
            f"{label}: {format_items(wanted[pos < 0], 3)} are not dates of the data "
            f"({dates[0].date()} .. {dates[-1].date()}); give dates that have data."
        )
    return np.unique(pos)
