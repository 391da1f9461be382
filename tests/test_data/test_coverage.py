"""check_coverage: tickers and dates shared across inputs."""

from __future__ import annotations

import pandas as pd
import pytest

from replicator.data import check_coverage, load_benchmark_weights, load_returns
from replicator.exceptions import MisalignedIndexError, MissingAssetsError


def test_consistent_inputs_pass(returns_panel):
    tickers = returns_panel.columns
    check_coverage(
        returns_panel,
        benchmark=pd.Series(1 / 3, index=tickers),
        holdings=pd.Series({"AAPL": 0.5, "ZZZ": 0.0}),  # zero weights are ignored
        adv=pd.Series(1e6, index=tickers),
        sectors=pd.Series("S", index=[*tickers, "EXTRA"]),
        index_returns=pd.Series(0.0, index=returns_panel.index),
    )


def test_missing_tickers_name_the_files(returns_panel, io):
    r_path = io.panel(returns_panel, "wide", "csv")
    bm = pd.DataFrame({"ticker": ["AAPL", "TSLA"], "weight": [0.5, 0.5]})
    b_path = io.write(bm, "bm.csv")
    returns, benchmark = load_returns(r_path), load_benchmark_weights(b_path)
    with pytest.raises(
        MissingAssetsError,
        match=r"benchmark \(file '.*bm\.csv'\) has 1 tickers with no returns in "
        r"returns \(file '.*panel_wide\.csv'\): 'TSLA'",
    ):
        check_coverage(returns, benchmark=benchmark)


def test_per_asset_input_must_cover_universe(returns_panel):
    adv = pd.Series(1e6, index=["AAPL"])
    with pytest.raises(
        MissingAssetsError, match=r"adv lacks 2 tickers of returns: 'MSFT', 'XOM'"
    ):
        check_coverage(returns_panel, adv=adv)


def test_all_problems_in_one_message(returns_panel):
    with pytest.raises(MissingAssetsError, match=r"holdings .*'ZZZ'.*; fees lacks"):
        check_coverage(
            returns_panel.columns,
            holdings=pd.Series({"ZZZ": 0.1}),
            fees=pd.Series(1.0, index=["AAPL"]),
        )


def test_index_returns_must_cover_dates(returns_panel):
    idx = pd.Series(0.0, index=returns_panel.index[1:])
    with pytest.raises(
        MisalignedIndexError,
        match=r"index_returns has no value on 1 dates .*'2020-01-02'",
    ):
        check_coverage(returns_panel, index_returns=idx)
