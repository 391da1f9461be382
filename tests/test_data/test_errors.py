"""Each bad input gives a specific error naming the file, column and row."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from replicator.data import (
    load_adv,
    load_benchmark_returns,
    load_benchmark_weights,
    load_fees,
    load_holdings,
    load_returns,
    load_sectors,
)
from replicator.exceptions import (
    ConfigError,
    DataError,
    DataWarning,
    MissingAssetsError,
    NaNError,
)

WIDE = (
    "date,AAPL,MSFT\n2020-01-02,0.01,0.02\n2020-01-03,0.03,0.04\n2020-01-06,0.05,0.06\n"
)


# --- files -----------------------------------------------------------------------


def test_file_not_found(tmp_path):
    path = tmp_path / "nope.csv"
    with pytest.raises(DataError, match=r"File '.*nope\.csv' not found \(resolved to"):
        load_returns(path)


def test_unsupported_extension(io):
    path = io.text("returns.xlsx", "whatever")
    with pytest.raises(
        DataError,
        match=r"File '.*returns\.xlsx' has an unsupported extension '\.xlsx'.*CSV",
    ):
        load_returns(path)


def test_empty_file(io):
    path = io.text("empty.csv", "")
    with pytest.raises(DataError, match=r"File '.*empty\.csv' is empty"):
        load_returns(path)


def test_header_only_file(io):
    path = io.text("header.csv", "date,AAPL\n")
    with pytest.raises(
        DataError,
        match=r"File '.*header\.csv' is empty: it has no data rows \(columns found: "
        r"'date', 'AAPL'\)",
    ):
        load_returns(path)


def test_empty_parquet(io):
    path = io.write(pd.DataFrame({"ticker": pd.Series([], dtype=str)}), "e.parquet")
    with pytest.raises(DataError, match=r"File '.*e\.parquet' is empty"):
        load_sectors(path)


def test_unreadable_parquet(io):
    path = io.text("broken.parquet", "this is not parquet")
    with pytest.raises(
        DataError, match=r"File '.*broken\.parquet' could not be read as Parquet"
    ):
        load_returns(path)


def test_unreadable_csv(io):
    path = io.tmp / "binary.csv"
    path.write_bytes(b"\xff\xfe\x00\x00" * 10)
    with pytest.raises(
        DataError, match=r"File '.*binary\.csv' could not be read as CSV"
    ):
        load_returns(path)


def test_duplicate_header_columns(io):
    path = io.text("dup.csv", "date,AAPL,AAPL\n2020-01-02,0.1,0.2\n")
    with pytest.raises(
        DataError, match=r"File '.*dup\.csv' has duplicate column names .*'AAPL'"
    ):
        load_returns(path)


# --- columns ---------------------------------------------------------------------


def test_missing_date_column_lists_columns(io):
    path = io.text("r.csv", "when,AAPL\n2020-01-02,0.1\n")
    with pytest.raises(
        DataError,
        match=r"File '.*r\.csv' has no date column 'date'.*Columns found: 'when', "
        r"'AAPL'.*date_col=",
    ):
        load_returns(path)


def test_long_form_missing_value_column(io):
    path = io.text("r.csv", "date,ticker,ret\n2020-01-02,AAPL,0.1\n")
    with pytest.raises(
        DataError,
        match=r"File '.*r\.csv' has no column 'return' \(the value of each row\)\. "
        r"Columns found: 'date', 'ticker', 'ret'\. .*value_col=",
    ):
        load_returns(path, format="long")


def test_sectors_missing_column(io):
    path = io.text("s.csv", "symbol,sector\nA,Energy\n")
    with pytest.raises(
        DataError,
        match=r"File '.*s\.csv' has no column 'ticker'.*'symbol', 'sector'.*"
        r"ticker_col=",
    ):
        load_sectors(path)


def test_holdings_need_weight_or_quantity(io):
    path = io.text("h.csv", "ticker,amount\nA,1\n")
    with pytest.raises(
        DataError,
        match=r"File '.*h\.csv' must have .*'weight'.*'quantity'.*columns found: "
        r"'ticker', 'amount'",
    ):
        load_holdings(path)


def test_holdings_with_both_columns(io):
    path = io.text("h.csv", "ticker,weight,quantity\nA,1,1\n")
    with pytest.raises(DataError, match=r"File '.*h\.csv' must have .*it has both"):
        load_holdings(path)


def test_benchmark_returns_ambiguous_column(io):
    path = io.text("bm.csv", WIDE)
    with pytest.raises(
        DataError,
        match=r"File '.*bm\.csv' has 2 value columns \('AAPL', 'MSFT'\); pass column=",
    ):
        load_benchmark_returns(path)


def test_benchmark_returns_unknown_column(io):
    path = io.text("bm.csv", WIDE)
    with pytest.raises(
        DataError,
        match=r"File '.*bm\.csv' has no benchmark column 'SPX'.*'AAPL', 'MSFT'",
    ):
        load_benchmark_returns(path, column="SPX")


# --- cells -----------------------------------------------------------------------


def test_non_numeric_cell(io):
    path = io.text("r.csv", WIDE.replace("0.04", "abc"))
    with pytest.raises(
        DataError,
        match=r"File '.*r\.csv', column 'MSFT': line 3 \(date 2020-01-03\) has 'abc', "
        r"which is not a number",
    ):
        load_returns(path)


def test_bad_date(io):
    path = io.text("r.csv", WIDE.replace("2020-01-03", "not-a-date"))
    with pytest.raises(
        DataError,
        match=r"File '.*r\.csv', column 'date': line 3 has 'not-a-date', which is not "
        r"a date",
    ):
        load_returns(path)


def test_missing_date(io):
    path = io.text("r.csv", WIDE.replace("2020-01-03", ""))
    with pytest.raises(
        DataError, match=r"File '.*r\.csv', column 'date': line 3 has no date"
    ):
        load_returns(path)


def test_duplicate_dates_wide(io):
    path = io.text("r.csv", WIDE.replace("2020-01-03", "2020-01-02"))
    with pytest.raises(
        DataError,
        match=r"File '.*r\.csv', column 'date': date 2020-01-02 appears more than once "
        r"\(line 2, line 3\)",
    ):
        load_returns(path)


def test_duplicate_rows_long(io):
    text = (
        "date,ticker,return\n2020-01-02,AAPL,0.1\n2020-01-02,MSFT,0.2\n"
        "2020-01-02,AAPL,0.3\n"
    )
    with pytest.raises(
        DataError,
        match=r"File '.*r\.csv', columns 'date'/'ticker': ticker 'AAPL' has more than "
        r"one row "
        r"for date 2020-01-02 \(line 2, line 4\)",
    ):
        load_returns(io.text("r.csv", text))


def test_unsorted_dates(io):
    text = "date,A\n2020-01-02,0.1\n2020-01-06,0.1\n2020-01-03,0.1\n"
    with pytest.raises(
        DataError,
        match=r"File '.*r\.csv', column 'date': dates are not in increasing order; "
        r"line 4 has "
        r"2020-01-03 after 2020-01-06 on line 3.*sort_dates=True",
    ):
        load_returns(io.text("r.csv", text))


def test_nan_wide(io):
    path = io.text("r.csv", WIDE.replace("0.04", ""))
    with pytest.raises(
        NaNError,
        match=r"File '.*r\.csv', column 'MSFT', line 3 \(date 2020-01-03\): the return "
        r"is missing "
        r"\(1 missing cells in 1 columns: 'MSFT'\).*nan_policy='drop_assets'",
    ):
        load_returns(path)


def test_nan_long_missing_row(io):
    text = (
        "date,ticker,return\n2020-01-02,AAPL,0.1\n2020-01-02,MSFT,0.2\n"
        "2020-01-03,AAPL,0.3\n"
    )
    with pytest.raises(
        NaNError,
        match=r"File '.*r\.csv', column 'return', no row \(ticker 'MSFT', date "
        r"2020-01-03\): the return is missing",
    ):
        load_returns(io.text("r.csv", text))


def test_nan_parquet_names_row(io):
    frame = pd.DataFrame({"date": ["2020-01-02", "2020-01-03"], "A": [0.1, None]})
    with pytest.raises(
        NaNError, match=r"File '.*r\.parquet', column 'A', row 2 \(date 2020-01-03\)"
    ):
        load_returns(io.write(frame, "r.parquet"))


def test_nan_in_price_file(io):
    text = "date,A\n2020-01-01,100\n2020-01-02,\n2020-01-03,110\n"
    with pytest.raises(
        NaNError, match=r"column 'A', line 3 \(date 2020-01-02\): the price is missing"
    ):
        load_returns(io.text("p.csv", text), kind="prices")


def test_infinite_value(io):
    path = io.text("r.csv", WIDE.replace("0.05", "inf"))
    with pytest.raises(
        DataError,
        match=r"File '.*r\.csv', column 'AAPL', line 4 \(date 2020-01-06\): the value "
        r"is infinite",
    ):
        load_returns(path)


def test_negative_price(io):
    text = "date,ticker,price\n2020-01-01,A,100\n2020-01-02,A,-5\n"
    with pytest.raises(
        DataError,
        match=r"File '.*p\.csv', column 'price', line 3 \(ticker 'A', date "
        r"2020-01-02\): price -5 is not positive",
    ):
        load_returns(io.text("p.csv", text), kind="prices")


def test_zero_price(io):
    text = "date,A\n2020-01-01,0\n2020-01-02,5\n"
    with pytest.raises(
        DataError,
        match=r"column 'A', line 2 \(date 2020-01-01\): price 0 is not positive",
    ):
        load_returns(io.text("p.csv", text), kind="prices")


def test_return_below_minus_one(io):
    path = io.text("r.csv", WIDE.replace("0.06", "-1.5"))
    with pytest.raises(
        DataError,
        match=r"column 'MSFT', line 4 \(date 2020-01-06\): return -1\.5 is below -1",
    ):
        load_returns(path)


def test_percent_units_raise(io):
    text = "date,A,B\n2020-01-02,1.5,-0.7\n2020-01-03,2.1,0.9\n"
    with pytest.raises(
        DataError, match=r"File '.*r\.csv': the median absolute return is 1\.2"
    ):
        load_returns(io.text("r.csv", text))


def test_percent_units_warn_below_the_error_threshold(io):
    text = "date,A,B\n2020-01-02,0.15,-0.17\n2020-01-03,0.21,0.09\n"
    with pytest.warns(
        DataWarning, match=r"File '.*r\.csv': the median absolute return is 0\.16"
    ):
        load_returns(io.text("r.csv", text))


def test_drop_assets_drops_everything(io):
    text = "date,A,B\n2020-01-02,0.1,\n2020-01-03,,0.2\n"
    with pytest.raises(
        DataError, match=r"File '.*r\.csv': no asset has at least 2 observed returns"
    ):
        load_returns(io.text("r.csv", text), nan_policy="drop_assets")


def test_min_history_longer_than_file(io):
    with pytest.raises(
        DataError,
        match=r"File '.*r\.csv' has 3 dates of returns, fewer than min_history=10",
    ):
        load_returns(io.text("r.csv", WIDE), min_history=10)


# --- weights -----------------------------------------------------------------------


def test_weights_do_not_sum_to_one(io):
    text = "date,ticker,weight\n2020-01-01,A,0.5\n2020-01-01,B,0.4\n2020-02-01,A,1\n"
    with pytest.raises(
        DataError,
        match=r"File '.*w\.csv', column 'weight': the weights on effective date "
        r"2020-01-01 sum to "
        r"0\.9, not 1 \(tolerance 0\.0001; 1 of 2 dates are off\).*normalize=True",
    ):
        load_benchmark_weights(io.text("w.csv", text))


def test_wide_weights_do_not_sum_to_one(io):
    text = "date,A,B\n2020-01-01,0.5,0.5\n2020-02-01,0.7,0.7\n"
    with pytest.raises(
        DataError,
        match=r"File '.*w\.csv', line 3 \(date 2020-02-01\): the weights on effective "
        r"date 2020-02-01 sum to 1\.4",
    ):
        load_benchmark_weights(io.text("w.csv", text))


def test_negative_benchmark_weight(io):
    text = "ticker,weight\nA,1.1\nB,-0.1\n"
    with pytest.raises(
        DataError,
        match=r"File '.*w\.csv', column 'weight': line 3 \(ticker 'B'\) has weight "
        r"-0\.1.*allow_negative=True",
    ):
        load_benchmark_weights(io.text("w.csv", text))


def test_missing_benchmark_weight(io):
    with pytest.raises(
        NaNError,
        match=r"File '.*w\.csv', column 'weight': line 3 \(ticker 'B'\) has no weight",
    ):
        load_benchmark_weights(io.text("w.csv", "ticker,weight\nA,1\nB,\n"))


def test_negative_dated_benchmark_weight(io):
    text = "date,ticker,weight\n2020-01-01,A,1.1\n2020-01-01,B,-0.1\n"
    with pytest.raises(
        DataError,
        match=r"line 3 \(ticker 'B', on effective date 2020-01-01\) has weight -0\.1",
    ):
        load_benchmark_weights(io.text("w.csv", text))


def test_undated_weights_do_not_sum_to_one(io):
    with pytest.raises(
        DataError, match=r"column 'weight': the weights in the file sum to 0\.8, not 1"
    ):
        load_benchmark_weights(io.text("w.csv", "ticker,weight\nA,0.5\nB,0.3\n"))


def test_duplicate_benchmark_ticker(io):
    text = "date,ticker,weight\n2020-01-01,A,0.5\n2020-01-01,A,0.5\n"
    with pytest.raises(
        DataError,
        match=r"File '.*w\.csv', column 'ticker': ticker 'A' appears more than once on "
        r"effective date 2020-01-01 \(again on line 3\)",
    ):
        load_benchmark_weights(io.text("w.csv", text))


def test_no_weights_before_date(io):
    text = "date,ticker,weight\n2020-01-01,A,1\n"
    with pytest.raises(
        DataError,
        match=r"File '.*w\.csv' has no weights in force on 2019-06-30: the earliest "
        r"effective date is 2020-01-01",
    ):
        load_benchmark_weights(io.text("w.csv", text), date="2019-06-30")


def test_all_dates_needs_a_date_column(io):
    with pytest.raises(
        DataError, match=r"File '.*w\.csv' has no date column, so date='all'"
    ):
        load_benchmark_weights(io.text("w.csv", "ticker,weight\nA,1\n"), date="all")


# --- holdings, sectors, fees, adv ---------------------------------------------------


def test_holdings_missing_price(io):
    text = "ticker,quantity\nA,10\nB,5\n"
    with pytest.raises(
        MissingAssetsError,
        match=r"File '.*h\.csv': 1 held tickers have no price in the prices argument: "
        r"'B'",
    ):
        load_holdings(io.text("h.csv", text), prices=pd.Series({"A": 10.0}))


def test_holdings_blank_price_cell(io):
    text = "ticker,quantity,price\nA,10,5\nB,5,\n"
    with pytest.raises(
        NaNError,
        match=r"File '.*h\.csv', column 'price': line 3 \(ticker 'B'\) has no price",
    ):
        load_holdings(io.text("h.csv", text))


def test_holdings_weights_above_one(io):
    with pytest.raises(
        DataError,
        match=r"File '.*h\.csv', column 'weight': the weights sum to 1\.2, more than 1",
    ):
        load_holdings(io.text("h.csv", "ticker,weight\nA,0.7\nB,0.5\n"))


def test_holdings_short_position(io):
    with pytest.raises(
        DataError,
        match=r"File '.*h\.csv', column 'quantity': line 3 \(ticker 'B'\) has -5, "
        r"which is negative",
    ):
        load_holdings(io.text("h.csv", "ticker,quantity,price\nA,10,1\nB,-5,1\n"))


def test_holdings_positions_exceed_nav(io):
    with pytest.raises(
        DataError,
        match=r"File '.*h\.csv': the positions are worth 100, more than nav=50",
    ):
        load_holdings(io.text("h.csv", "ticker,quantity,price\nA,10,10\n"), nav=50.0)


def test_duplicate_sector_ticker(io):
    text = "ticker,sector\nA,Energy\nB,Utilities\nA,Energy\n"
    with pytest.raises(
        DataError,
        match=r"File '.*s\.csv', column 'ticker': ticker 'A' appears more than once "
        r"\(line 2, line 4\)",
    ):
        load_sectors(io.text("s.csv", text))


def test_blank_sector(io):
    with pytest.raises(
        DataError,
        match=r"File '.*s\.csv', column 'sector': line 3 \(ticker 'B'\) has no sector",
    ):
        load_sectors(io.text("s.csv", "ticker,sector\nA,Energy\nB,\n"))


def test_negative_fee(io):
    with pytest.raises(
        DataError,
        match=r"File '.*f\.csv', column 'fee_bps': line 2 \(ticker 'A'\) has -1, which "
        r"is negative",
    ):
        load_fees(io.text("f.csv", "ticker,fee_bps\nA,-1\nB,2\n"))


def test_fee_units_warn(io):
    with pytest.warns(
        DataWarning,
        match=r"File '.*f\.csv', column 'fee_bps': the largest fee is 0\.0005 bps",
    ):
        load_fees(io.text("f.csv", "ticker,fee_bps\nA,0.0005\n"))


def test_negative_volume(io):
    text = "date,A,B\n2020-01-02,10,5\n2020-01-03,-1,5\n"
    with pytest.raises(
        DataError,
        match=r"File '.*v\.csv', column 'A', line 3 \(date 2020-01-03\): volume -1 is "
        r"negative",
    ):
        load_adv(io.text("v.csv", text), window=1)


def test_adv_ticker_without_volume(io):
    text = "date,A,B\n2020-01-02,10,\n2020-01-03,20,\n"
    with pytest.raises(
        NaNError,
        match=r"File '.*v\.csv': 1 tickers have no volume in the 2 dates "
        r"2020-01-02\.\.2020-01-03: 'B'",
    ):
        load_adv(io.text("v.csv", text), window=2)


def test_adv_short_history_warns(io):
    text = "date,A\n2020-01-02,10\n2020-01-03,20\n"
    with pytest.warns(
        DataWarning,
        match=r"File '.*v\.csv' has 2 dates up to 2020-01-03, fewer than window=20",
    ):
        out = load_adv(io.text("v.csv", text))
    assert out["A"] == 15.0


def test_adv_missing_adv_column(io):
    with pytest.raises(
        DataError, match=r"File '.*a\.csv' has no column 'adv'.*'ticker', 'value'"
    ):
        load_adv(io.text("a.csv", "ticker,value\nA,1\n"))


# --- arguments -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"nan_policy": "ignore"},
            "The 'nan_policy' argument must be one of 'error', 'drop_assets', "
            "'fill_zero'; got 'ignore'",
        ),
        (
            {"kind": "levels"},
            "The 'kind' argument must be one of 'returns', 'prices'; got 'levels'",
        ),
        (
            {"format": "tall"},
            "The 'format' argument must be one of 'auto', 'wide', 'long'; got 'tall'",
        ),
        (
            {"min_history": 0},
            "The 'min_history' argument must be a positive integer or None; got 0",
        ),
        (
            {"min_history": 2.5},
            "The 'min_history' argument must be a positive integer or None; got 2.5",
        ),
    ],
)
def test_bad_arguments(io, kwargs, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_returns(io.text("r.csv", WIDE), **kwargs)


def test_bad_adv_window(io):
    with pytest.raises(
        ConfigError, match=r"The 'window' argument must be a positive integer; got 0"
    ):
        load_adv(io.text("v.csv", WIDE), window=0)


def test_bad_nav(io):
    with pytest.raises(
        ConfigError, match=r"The 'nav' argument must be a positive number; got -1"
    ):
        load_holdings(io.text("h.csv", "ticker,weight\nA,1\n"), nav=-1)
