"""load_benchmark_weights: undated / dated, long / wide, CSV / Parquet."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from replicator.data import load_benchmark_weights


@pytest.fixture
def dated():
    """Two effective dates; XOM leaves the index on the second."""
    return pd.DataFrame(
        {
            "date": ["2020-01-01"] * 3 + ["2020-04-01"] * 2,
            "ticker": ["AAPL", "MSFT", "XOM", "AAPL", "MSFT"],
            "weight": [0.5, 0.3, 0.2, 0.6, 0.4],
        }
    )


def test_undated_long(io, ext):
    table = pd.DataFrame({"ticker": ["A", "B"], "weight": [0.25, 0.75]})
    out = load_benchmark_weights(io.write(table, f"w.{ext}"))
    assert out.to_dict() == {"A": 0.25, "B": 0.75}
    assert out.name == "weight"
    assert out.attrs["effective_date"] is None


def test_latest_effective_date_by_default(dated, io, ext):
    out = load_benchmark_weights(io.write(dated, f"w.{ext}"))
    assert out.to_dict() == {"AAPL": 0.6, "MSFT": 0.4}
    assert out.attrs["effective_date"] == pd.Timestamp("2020-04-01")


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("2020-01-01", {"AAPL": 0.5, "MSFT": 0.3, "XOM": 0.2}),
        ("2020-03-31", {"AAPL": 0.5, "MSFT": 0.3, "XOM": 0.2}),
        ("2020-04-01", {"AAPL": 0.6, "MSFT": 0.4}),
        (pd.Timestamp("2021-01-01"), {"AAPL": 0.6, "MSFT": 0.4}),
    ],
)
def test_weights_in_force_on_a_date(dated, io, date, expected):
    out = load_benchmark_weights(io.write(dated, "w.csv"), date=date)
    assert out.to_dict() == expected


def test_all_dates_as_frame(dated, io):
    out = load_benchmark_weights(io.write(dated, "w.parquet"), date="all")
    assert out.shape == (2, 3)
    assert out.loc["2020-04-01", "XOM"] == 0.0
    np.testing.assert_allclose(out.sum(axis=1), 1.0)


def test_wide_form(dated, io, ext):
    wide = dated.pivot(index="date", columns="ticker", values="weight").reset_index()
    out = load_benchmark_weights(io.write(wide, f"w.{ext}"), date="2020-02-01")
    assert out.to_dict() == {"AAPL": 0.5, "MSFT": 0.3, "XOM": 0.2}
    later = load_benchmark_weights(io.write(wide, f"w2.{ext}"))
    assert later.to_dict() == {"AAPL": 0.6, "MSFT": 0.4}


def test_normalize(io):
    table = pd.DataFrame({"ticker": ["A", "B"], "weight": [2.0, 6.0]})
    out = load_benchmark_weights(io.write(table, "w.csv"), normalize=True)
    assert out.to_dict() == {"A": 0.25, "B": 0.75}


def test_allow_negative(io):
    table = pd.DataFrame({"ticker": ["A", "B"], "weight": [1.2, -0.2]})
    out = load_benchmark_weights(io.write(table, "w.csv"), allow_negative=True)
    assert out["B"] == -0.2


def test_tolerance(io):
    table = pd.DataFrame({"ticker": ["A", "B"], "weight": [0.5, 0.49995]})
    out = load_benchmark_weights(io.write(table, "w.csv"))
    assert out.sum() == pytest.approx(0.99995)
