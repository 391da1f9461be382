"""Honest benchmarks in a backtest: effective dates, look-ahead warning, scoring."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import replicator as rp
from replicator.exceptions import (
    ConfigError,
    DataError,
    LookAheadWarning,
    MisalignedIndexError,
)
from tests.test_indices.conftest import make_panels


def _model() -> rp.Replicator:
    return rp.Replicator(
        risk=rp.risk.StatisticalFactor(n_factors=2),
        constraints=[rp.constraints.FullyInvested(), rp.constraints.LongOnly()],
        periods_per_year=None,
    )


@pytest.fixture(scope="module")
def index():
    prices, caps, _ = make_panels(n_assets=8, n_dates=200, seed=1)
    m = rp.indices.Methodology(rp.indices.MarketCap(), rp.indices.Selection(top=5))
    return m.build(market_caps=caps, prices=prices)


def test_no_weights_before_their_first_effective_date(index):
    first = index.weights.index[0]
    with pytest.raises(DataError, match=r"first effective date .* is after the first "
                                        r"date of the backtest"):  # fmt: skip
        rp.backtest.run(_model(), index.returns, index.weights, lookback=10,
                        start=first - pd.Timedelta(days=5))  # fmt: skip


def test_whole_sample_weights_raise_a_look_ahead_warning():
    data = rp.datasets.load_sp500(end="2010-06-30")
    assert data.weights.attrs["as_of"] == pd.Timestamp("2011-12-30")
    tickers = data.weights.index[:30]
    w = data.weights[tickers] / data.weights[tickers].sum()
    w.attrs["as_of"] = data.weights.attrs["as_of"]
    with pytest.warns(LookAheadWarning, match=r"estimated with data up to 2011-12-30"):
        rp.backtest.run(_model(), data.returns[tickers], w, schedule=None,
                        lookback=60, baselines=None)  # fmt: skip


def test_constant_mix_only_on_request_and_checked(index):
    w = index.weights.iloc[-1]
    w = w[w > 0]
    held = index.returns[w.index]
    kw = {"schedule": None, "lookback": 10, "baselines": ["full"]}
    hold = rp.backtest.run(_model(), held, w, **kw).baselines["full"]
    mix = rp.backtest.run(_model(), held, w, benchmark_mix="constant", **kw)
    r = held.loc[hold.daily.index[1:]].to_numpy()
    np.testing.assert_allclose(mix.baselines["full"].benchmark_returns.iloc[1:], r @ w)
    assert np.abs(hold.active_returns).max() < 1e-14  # buy-and-hold = the holdings
    with pytest.raises(ConfigError, match="'benchmark_mix' parameter must be"):
        rp.backtest.run(_model(), held, w, benchmark_mix="daily", **kw)


def test_scored_series_must_cover_the_backtest(index):
    held = index.weights.columns[(index.weights > 0).any()]
    short = index.index_returns.iloc[:-10]
    with pytest.raises(MisalignedIndexError, match=r"score_against .* has no return"):
        rp.backtest.run(_model(), index.returns[held], index.weights[held],
                        schedule="reconstitution", lookback=10,
                        start=index.weights.index[0] + pd.Timedelta(days=1),
                        score_against=short)  # fmt: skip
