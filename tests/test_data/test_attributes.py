"""load_adv, load_sectors, load_fees."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from replicator.data import load_adv, load_fees, load_sectors


@pytest.fixture(scope="module")
def volumes():
    dates = pd.bdate_range("2020-01-01", periods=30, name="date")
    values = np.arange(60, dtype=float).reshape(30, 2) * 1e6
    return pd.DataFrame(values, index=dates, columns=["A", "B"])


def test_adv_table(io, ext):
    table = pd.DataFrame({"ticker": ["A", "B"], "adv": [1e6, 2e6]})
    out = load_adv(io.write(table, f"adv.{ext}"))
    assert out.to_dict() == {"A": 1e6, "B": 2e6}
    assert out.name == "adv"


def test_adv_from_volume_panel(volumes, io, form, ext):
    path = io.panel(volumes, form, ext, value="volume")
    out = load_adv(path, window=5)
    expected = volumes.iloc[-5:].mean()
    np.testing.assert_allclose(out.to_numpy(), expected.to_numpy())
    assert out.attrs["window"] == 5
    assert out.attrs["date"] == volumes.index[-1]


def test_adv_as_of_a_date(volumes, io):
    path = io.panel(volumes, "wide", "csv")
    out = load_adv(path, window=3, date="2020-01-15")
    expected = volumes.loc[:"2020-01-15"].iloc[-3:].mean()
    np.testing.assert_allclose(out.to_numpy(), expected.to_numpy())


def test_adv_skips_missing_days(io):
    text = "date,A\n2020-01-01,10\n2020-01-02,\n2020-01-03,20\n"
    out = load_adv(io.text("v.csv", text), window=3)
    assert out["A"] == 15.0


def test_sectors(io, ext):
    table = pd.DataFrame({"symbol": ["A", "B"], "Sector": ["Energy", " Utilities "]})
    out = load_sectors(io.write(table, f"s.{ext}"), ticker_col="symbol")
    assert out.to_dict() == {"A": "Energy", "B": "Utilities"}
    assert out.name == "sector"


def test_fees(io, ext):
    table = pd.DataFrame({"ticker": ["A", "B"], "fee_bps": [5, 0]})
    out = load_fees(io.write(table, f"f.{ext}"))
    assert out.to_dict() == {"A": 5.0, "B": 0.0}
