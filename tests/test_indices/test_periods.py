"""periods_per_year from the data's calendar (API and configs)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import replicator as rp
from replicator._periods import infer_periods_per_year
from replicator.exceptions import DataError


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        (pd.date_range("2021-01-01", periods=60, freq="D"), 365.0),
        (pd.bdate_range("2021-01-01", periods=60), 252.0),
        (pd.date_range("2021-01-03", periods=30, freq="W"), 52.0),
        (pd.date_range("2021-01-31", periods=24, freq="ME"), 12.0),
        (pd.date_range("2021-03-31", periods=12, freq="QE"), 4.0),
        (pd.date_range("2001-12-31", periods=12, freq="YE"), 1.0),
    ],
)
def test_calendars(dates, expected):
    assert infer_periods_per_year(dates) == expected


def test_a_7_day_week_with_gaps_is_still_365():
    days = pd.date_range("2021-01-01", periods=100, freq="D").delete([5, 6, 40])
    assert infer_periods_per_year(days) == 365.0


def test_not_dates_raises():
    with pytest.raises(DataError, match="Give periods_per_year"):
        infer_periods_per_year(pd.RangeIndex(10))


def test_replicator_infers_from_the_returns():
    rng = np.random.default_rng(0)
    days = pd.date_range("2021-01-01", periods=120, freq="D")
    R = pd.DataFrame(rng.normal(0, 0.02, (120, 4)), index=days, columns=list("ABCD"))
    b = pd.Series(0.25, index=list("ABCD"))
    model = rp.Replicator(
        risk=rp.risk.SampleCovariance(),
        constraints=[rp.constraints.FullyInvested(), rp.constraints.LongOnly()],
        periods_per_year=None,
    )
    res = model.solve(returns=R, benchmark=b)
    assert model.periods_per_year_ == 365.0
    assert model.periods_per_year is None  # the setting stays: re-inferred per solve
    ref = rp.Replicator(
        risk=rp.risk.SampleCovariance(),
        constraints=[rp.constraints.FullyInvested(), rp.constraints.LongOnly()],
        periods_per_year=365.0,
    ).solve(returns=R, benchmark=b)
    np.testing.assert_allclose(res.weights, ref.weights, atol=1e-9)


def test_the_default_infers_the_calendar_of_the_returns():
    """Not given (the default), periods_per_year follows the data: 365 for 24/7."""
    rng = np.random.default_rng(1)
    days = pd.date_range("2021-01-01", periods=90, freq="D")
    R = pd.DataFrame(rng.normal(0, 0.02, (90, 3)), index=days, columns=list("ABC"))
    model = rp.Replicator(risk=rp.risk.SampleCovariance())
    model.solve(returns=R, benchmark=pd.Series(1 / 3, index=list("ABC")))
    assert model.periods_per_year is None
    assert model.periods_per_year_ == 365.0
    model.solve(
        returns=R[R.index.day_of_week < 5],
        benchmark=pd.Series(1 / 3, index=list("ABC")),
    )
    assert model.periods_per_year_ == 252.0  # re-inferred per solve


def test_returns_without_dates_need_periods_per_year():
    rng = np.random.default_rng(2)
    R = pd.DataFrame(rng.normal(0, 0.02, (60, 3)), columns=list("ABC"))
    b = pd.Series(1 / 3, index=list("ABC"))
    with pytest.raises(DataError, match="Give periods_per_year"):
        rp.Replicator(risk=rp.risk.SampleCovariance()).solve(returns=R, benchmark=b)
    res = rp.Replicator(risk=rp.risk.SampleCovariance(), periods_per_year=252).solve(
        returns=R, benchmark=b
    )
    assert res.status is rp.Status.OPTIMAL
