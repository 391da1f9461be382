"""When a backtest rebalances: a calendar, thresholds on drift, or both."""

from __future__ import annotations

import difflib
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from replicator.data._validate import format_items
from replicator.exceptions import ConfigError, DataError

__all__ = ["Schedule", "as_schedule"]

CALENDARS = {"D": None, "W": "W", "M": "M", "Q": "Q", "Y": "Y"}
DRIFT_REFERENCES = ("target", "benchmark")


@dataclass(frozen=True)
class Schedule:
    r"""Rebalancing rule of a backtest.

    A date is a rebalance date when the calendar says so, *or* when a
    threshold is exceeded by the drifted holdings at that date's close. The
    formation date (the close before the first performance day) always
    rebalances; the last date never does (a trade there would only cost).

    Parameters
    ----------
    calendar : str, int, sequence of dates or None, default "M"
        ``"D"`` every day; ``"W"``, ``"M"``, ``"Q"``, ``"Y"`` the last trading
        day of each week, month, quarter, year; an int ``N`` every ``N``
        trading days from the formation date; ``"reconstitution"`` the close
        before each effective date of a benchmark given as weights by
        effective date; a sequence of dates (each moved to the last trading
        day on or before it); None for no calendar (thresholds only, or buy
        and hold when no threshold is set either).
    max_tracking_error : float, optional
        Rebalance when the annualized ex-ante tracking error of the drifted
        holdings, under the latest fitted risk model, exceeds this fraction.
    max_drift : float, optional
        Rebalance when the active share of the drifted holdings against
        ``drift_reference`` exceeds this fraction.
    drift_reference : {"target", "benchmark"}, default "target"
        ``"target"``: the weights set at the last rebalance; ``"benchmark"``:
        the current benchmark weights (not available in returns-only mode).

    Notes
    -----
    With ``w`` the drifted weights at the close of date ``d``, ``w*`` the last
    target and ``b`` the benchmark, date ``d`` rebalances when

    .. math::

        d \in \mathcal C \;\lor\; \sqrt{(w-b)^T\Sigma(w-b)} > \tau_{TE}
        \;\lor\; \tfrac12\big(\lVert w - r\rVert_1
        + |\mathbf 1^T(w - r)|\big) > \tau_{AS},
        \qquad r \in \{w^*, b\}

    Examples
    --------
    >>> import replicator as rp
    >>> rp.backtest.Schedule("M").calendar                          # month ends
    'M'
    >>> both = rp.backtest.Schedule("Q", max_tracking_error=0.01)   # or TE > 1 %
    """

    calendar: str | int | Sequence[Any] | None = "M"
    max_tracking_error: float | None = None
    max_drift: float | None = None
    drift_reference: str = "target"

    # ----------------------------------------------------------- validation
    def validate(self, *, returns_only: bool, by_effective_date: bool) -> None:
        """Check the rule against the kind of benchmark.

        Raises
        ------
        ConfigError
            An unknown calendar, a non-positive threshold or period, or a rule
            the benchmark cannot support.
        """
        cal = self.calendar
        if isinstance(cal, str):
            if cal != "reconstitution" and cal.upper() not in CALENDARS:
                raise ConfigError(
                    f"The 'calendar' of Schedule must be one of 'D', 'W', 'M', 'Q', "
                    f"'Y', 'reconstitution', an int, a list of dates or None. Got "
                    f"{cal!r} instead."
                )
            if cal == "reconstitution" and not by_effective_date:
                raise ConfigError(
                    "Schedule(calendar='reconstitution') needs the benchmark as "
                    "weights by effective date (a DataFrame effective_date x "
                    "tickers); got "
                    + ("a return series" if returns_only else "constant weights")
                    + ". Use a calendar such as 'M' instead."
                )
        elif isinstance(cal, numbers.Integral) and not isinstance(cal, bool):
            if cal < 1:
                raise ConfigError(
                    f"The 'calendar' of Schedule must be a positive number of "
                    f"trading days. Got {cal!r} instead."
                )
        elif cal is not None and not isinstance(cal, (Sequence, pd.Index)):
            raise ConfigError(
                f"The 'calendar' of Schedule must be a string, an int, a list of "
                f"dates or None. Got {type(cal).__name__} instead."
            )
        for name in ("max_tracking_error", "max_drift"):
            value = getattr(self, name)
            if value is not None and not (
                isinstance(value, numbers.Real)
                and not isinstance(value, bool)
                and np.isfinite(value)
                and value > 0
            ):
                raise ConfigError(
                    f"The '{name}' parameter of Schedule must be a positive "
                    f"fraction (0.01 = 1 %) or None. Got {value!r} instead."
                )
        if self.drift_reference not in DRIFT_REFERENCES:
            raise ConfigError(
                f"The 'drift_reference' parameter of Schedule must be one of "
                f"{DRIFT_REFERENCES}. Got {self.drift_reference!r} instead."
            )
        if (
            self.max_drift is not None
            and self.drift_reference == "benchmark"
            and returns_only
        ):
            raise ConfigError(
                "Schedule(max_drift=..., drift_reference='benchmark') needs "
                "benchmark weights, but the benchmark is a return series "
                "(returns-only mode). Use drift_reference='target'."
            )

    @property
    def has_thresholds(self) -> bool:
        """True when a drift or TE threshold is set."""
        return self.max_tracking_error is not None or self.max_drift is not None

    # ------------------------------------------------------------- calendar
    def calendar_mask(
        self,
        dates: pd.Index,
        first: int,
        last: int,
        reconstitutions: Sequence[int] = (),
    ) -> np.ndarray:
        """Return a boolean mask over ``dates``: calendar rebalance dates.

        Parameters
        ----------
        dates : Index
            Trading dates of the panel.
        first, last : int
            Positions of the formation date and of the last date.
        reconstitutions : sequence of int
            Positions of the closes at which the benchmark is reconstituted.

        Returns
        -------
        ndarray of bool
            True on ``first`` and on every calendar date in ``(first, last)``.
        """
        mask = np.zeros(len(dates), dtype=bool)
        cal = self.calendar
        if cal is None:
            pass
        elif isinstance(cal, str) and cal == "reconstitution":
            mask[np.asarray(list(reconstitutions), dtype=int)] = True
        elif isinstance(cal, str) and cal.upper() == "D":
            mask[:] = True
        elif isinstance(cal, str):
            if not isinstance(dates, pd.DatetimeIndex):
                raise ConfigError(
                    f"Schedule(calendar={cal!r}) needs dates as a DatetimeIndex; "
                    f"the returns are indexed by {type(dates).__name__}. Use an "
                    "int calendar (every N rows) instead."
                )
            periods = dates.to_period(CALENDARS[cal.upper()])
            ends = np.r_[periods[1:] != periods[:-1], True]
            mask[ends] = True
        elif isinstance(cal, numbers.Integral):
            mask[first :: int(cal)] = True
        else:
            mask[self._explicit(dates, first, last, cal)] = True
        mask[: first + 1] = False
        mask[last:] = False
        mask[first] = True
        return mask

    @staticmethod
    def _explicit(
        dates: pd.Index, first: int, last: int, wanted: Sequence[Any]
    ) -> np.ndarray:
        try:
            keys = pd.Index(pd.to_datetime(list(wanted)))
            pos = dates.searchsorted(keys, side="right") - 1
        except (TypeError, ValueError) as exc:
            raise ConfigError(
                f"Schedule calendar dates could not be read as dates: {exc}."
            ) from None
        bad = keys[(pos < first) | (pos >= last)]
        if len(bad):
            raise DataError(
                f"Schedule calendar has {len(bad)} dates outside the backtest "
                f"({dates[first]} to {dates[last]}, last date excluded): "
                f"{format_items(bad)}. Remove them or widen start/end."
            )
        return pos


def as_schedule(schedule: Any) -> Schedule:
    """Coerce ``schedule``: a Schedule, a mapping of its fields, or a calendar.

    Raises
    ------
    ConfigError
        A mapping with a key that is not a field of :class:`Schedule`.
    """
    if isinstance(schedule, Schedule):
        return schedule
    if isinstance(schedule, Mapping):
        known = [f.name for f in fields(Schedule)]
        for key in schedule:
            if key not in known:
                close = difflib.get_close_matches(str(key), known, n=1)
                hint = f" Did you mean '{close[0]}'?" if close else ""
                raise ConfigError(
                    f"schedule.{key} is not a field of Schedule.{hint} Valid keys: "
                    f"{', '.join(known)}."
                )
        return Schedule(**schedule)
    return Schedule(calendar=schedule)
