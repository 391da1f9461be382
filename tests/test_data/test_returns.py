"""load_returns / load_benchmark_returns on wide and long CSV and Parquet files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from replicator.data import load_benchmark_returns, load_returns


def assert_same(out, expected, rtol=1e-15):
    pd.testing.assert_frame_equal(
        out, expected, check_freq=False, check_names=False, rtol=rtol
    )


def test_returns_roundtrip(returns_panel, io, form, ext):
    path = io.panel(returns_panel, form, ext)
    out = load_returns(path)
    assert_same(out, returns_panel)
    assert out.index.name == "date"
    assert list(out.columns) == ["AAPL", "MSFT", "XOM"]
    assert out.attrs["source"] == str(path)


def test_prices_to_returns(returns_panel, prices_panel, io, form, ext):
    path = io.panel(prices_panel, form, ext, value="price")
    out = load_returns(path, kind="prices")
    assert_same(out, returns_panel, rtol=1e-12)


def test_explicit_format_and_column_names(returns_panel, io):
    long = io.to_long(returns_panel, "ret").rename(
        columns={"date": "Day", "ticker": "Sym"}
    )
    long["extra"] = "ignored"
    path = io.write(long, "r.csv")
    out = load_returns(
        path, format="long", date_col="day", ticker_col="sym", value_col="RET"
    )
    assert_same(out, returns_panel)


def test_parquet_with_datetime_index(returns_panel, io):
    path = io.tmp / "r.parquet"
    returns_panel.to_parquet(path)  # the DatetimeIndex is stored as an index
    assert_same(load_returns(path), returns_panel)


def test_csv_with_unnamed_index_column(returns_panel, io):
    path = io.tmp / "r.csv"
    returns_panel.rename_axis(None).to_csv(path)  # header starts with ","
    assert_same(load_returns(path), returns_panel)


def test_ticker_na_is_kept_as_text(io):
    text = "date,ticker,return\n2020-01-02,NA,0.01\n2020-01-02,0005,0.02\n"
    out = load_returns(io.text("r.csv", text))
    assert list(out.columns) == ["NA", "0005"]
    assert out.iloc[0].tolist() == [0.01, 0.02]


def test_na_markers_are_missing_values(io):
    text = "date,A,B\n2020-01-02,0.01,NA\n2020-01-03,n/a,0.02\n2020-01-06,0.03,\n"
    out = load_returns(io.text("r.csv", text), nan_policy="fill_zero")
    assert out.to_numpy().tolist() == [[0.01, 0.0], [0.0, 0.02], [0.03, 0.0]]


def test_sort_dates_option(returns_panel, io):
    shuffled = returns_panel.iloc[[2, 0, 1, 5, 4, 3]].rename_axis("date").reset_index()
    out = load_returns(io.write(shuffled, "r.csv"), sort_dates=True)
    assert_same(out, returns_panel)


def test_long_form_is_sorted_by_date(returns_panel, io):
    long = io.to_long(returns_panel).sort_values(
        ["ticker", "date"], ascending=[True, False]
    )
    assert_same(load_returns(io.write(long, "r.parquet")), returns_panel)


@pytest.fixture
def gappy(io):
    """A has a gap on day 2, B starts on day 3 (2 observations), C complete."""
    text = (
        "date,A,B,C\n"
        "2020-01-02,0.01,,0.03\n"
        "2020-01-03,,,0.01\n"
        "2020-01-06,0.02,0.05,0.02\n"
        "2020-01-07,0.01,0.04,0.01\n"
    )
    return io.text("gappy.csv", text)


def test_drop_assets_default_drops_every_gappy_asset(gappy):
    out = load_returns(gappy, nan_policy="drop_assets")
    assert list(out.columns) == ["C"]
    assert out.attrs["dropped_assets"] == ["A", "B"]


def test_drop_assets_with_min_history_fills_the_rest(gappy):
    out = load_returns(gappy, nan_policy="drop_assets", min_history=3)
    assert list(out.columns) == ["A", "C"]
    assert out.loc["2020-01-03", "A"] == 0.0
    assert not out.isna().any().any()


def test_fill_zero_keeps_all_assets(gappy):
    out = load_returns(gappy, nan_policy="fill_zero")
    assert list(out.columns) == ["A", "B", "C"]
    assert out["B"].tolist() == [0.0, 0.0, 0.05, 0.04]


def test_prices_with_gap_give_the_return_over_the_gap(io):
    text = "date,A\n2020-01-01,100\n2020-01-02,\n2020-01-03,110\n2020-01-06,99\n"
    out = load_returns(io.text("p.csv", text), kind="prices", nan_policy="fill_zero")
    np.testing.assert_allclose(out["A"].to_numpy(), [0.0, 0.10, -0.10])


def test_benchmark_returns_single_column(returns_panel, io):
    table = returns_panel[["MSFT"]].rename(columns={"MSFT": "SPX"}).rename_axis("date")
    out = load_benchmark_returns(io.write(table.reset_index(), "bm.csv"))
    assert out.name == "SPX"
    np.testing.assert_array_equal(out.to_numpy(), returns_panel["MSFT"].to_numpy())


def test_benchmark_returns_pick_column_and_prices(prices_panel, returns_panel, io, ext):
    path = io.panel(prices_panel, "wide", ext)
    out = load_benchmark_returns(path, column="xom", kind="prices")
    assert out.name == "XOM"
    np.testing.assert_allclose(
        out.to_numpy(), returns_panel["XOM"].to_numpy(), rtol=1e-12
    )


def test_timezone_aware_dates_become_naive_utc(io):
    text = "date,A\n2020-01-02T00:00:00+00:00,0.01\n2020-01-03T01:00:00+01:00,0.02\n"
    out = load_returns(io.text("r.csv", text))
    assert out.index.tz is None
    assert list(out.index) == [pd.Timestamp("2020-01-02"), pd.Timestamp("2020-01-03")]


def test_parquet_datetime_column(returns_panel, io):
    table = returns_panel.rename_axis("Date").reset_index()  # real datetime64 column
    assert_same(load_returns(io.write(table, "r.parquet")), returns_panel)
