"""Calendar rules of the rebalancing schedule (no solver)."""

import numpy as np
import pandas as pd
import pytest

from replicator.backtest import Schedule
from replicator.exceptions import ConfigError, DataError

DATES = pd.bdate_range("2021-01-01", "2021-12-31")


def _dates(cal, first=0, last=None, recon=()):
    last = len(DATES) - 1 if last is None else last
    mask = Schedule(calendar=cal).calendar_mask(DATES, first, last, recon)
    return DATES[mask]


def test_month_ends():
    got = _dates("M")
    assert got[0] == DATES[0]  # formation
    assert list(got[1:4]) == list(
        pd.to_datetime(["2021-01-29", "2021-02-26", "2021-03-31"])
    )
    assert len(got) == 12  # formation + Jan..Nov ends; Dec 31 is the last date
    assert DATES[-1] not in got


def test_week_and_quarter_ends():
    weeks = _dates("W")
    assert (weeks[1:].day_of_week == 4).all()  # Fridays (no holidays in bdate_range)
    quarters = _dates("Q", first=10)
    assert list(quarters) == [
        DATES[10],
        *pd.to_datetime(["2021-03-31", "2021-06-30", "2021-09-30"]),
    ]


def test_every_n_days_daily_and_none():
    assert list(_dates(5, first=3, last=20)) == list(DATES[[3, 8, 13, 18]])
    assert len(_dates("D", first=3, last=20)) == 17
    assert list(_dates(None, first=3, last=20)) == [DATES[3]]


def test_explicit_dates_move_to_the_last_trading_day():
    got = _dates(["2021-01-09", "2021-02-01"], first=0, last=100)
    # Jan 9 2021 is a Saturday -> Friday Jan 8
    assert list(got) == [DATES[0], *pd.to_datetime(["2021-01-08", "2021-02-01"])]


def test_reconstitution_dates():
    assert list(
        _dates("reconstitution", first=2, last=50, recon=(1, 7, 30, 50))
    ) == list(DATES[[2, 7, 30]])


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"calendar": "fortnight"}, "'calendar' of Schedule must be one of"),
        ({"calendar": 0}, "positive number of trading days"),
        ({"calendar": 2.5}, "must be a string, an int"),
        ({"max_tracking_error": -0.01}, "'max_tracking_error' parameter of Schedule"),
        ({"max_drift": np.inf}, "'max_drift' parameter of Schedule"),
        ({"drift_reference": "index"}, "'drift_reference' parameter"),
    ],
)
def test_invalid_schedules(kw, match):
    with pytest.raises(ConfigError, match=match):
        Schedule(**kw).validate(returns_only=False, by_effective_date=True)


def test_rules_the_benchmark_cannot_support():
    with pytest.raises(
        ConfigError, match="needs the benchmark as weights by effective"
    ):
        Schedule("reconstitution").validate(returns_only=True, by_effective_date=False)
    with pytest.raises(ConfigError, match="drift_reference='target'"):
        Schedule(None, max_drift=0.1, drift_reference="benchmark").validate(
            returns_only=True, by_effective_date=False
        )


def test_calendar_strings_need_dates():
    with pytest.raises(ConfigError, match="needs dates as a DatetimeIndex"):
        Schedule("M").calendar_mask(pd.RangeIndex(100), 0, 99)


def test_explicit_dates_outside_the_backtest():
    with pytest.raises(DataError, match="1 dates outside the backtest"):
        Schedule(["2021-01-05", "2022-03-01"]).calendar_mask(DATES, 0, 100)
    with pytest.raises(ConfigError, match="could not be read as dates"):
        Schedule(["not a date"]).calendar_mask(DATES, 0, 100)


def test_schedule_from_a_mapping():
    from replicator.backtest._schedule import as_schedule

    s = as_schedule({"calendar": "Q", "max_drift": 0.05})
    assert s == Schedule("Q", max_drift=0.05)
    assert as_schedule("W") == Schedule("W")
    assert as_schedule(s) is s
    with pytest.raises(
        ConfigError, match=r"max_tracking_eror is not .* 'max_tracking_error'"
    ):
        as_schedule({"max_tracking_eror": 0.01})
