"""Bad input to Replicator.solve: each gets a specific error naming the culprit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import replicator as rp
from replicator.exceptions import (
    ConfigError,
    DataError,
    MisalignedIndexError,
    MissingAssetsError,
    NaNError,
    ReplicatorError,
)

C = rp.constraints


@pytest.fixture
def model():
    return rp.Replicator(
        risk=rp.risk.StatisticalFactor(n_factors=2),
        constraints=[C.FullyInvested(), C.LongOnly()],
    )


def test_nan_returns(model, small):
    R = small.returns.copy()
    R.iloc[3, 2] = np.nan
    with pytest.raises(NaNError, match=r"returns has 1 NaN .* \('A0002'\)"):
        model.solve(returns=R, benchmark=small.benchmark)


def test_nan_benchmark_weight(model, small):
    b = small.benchmark.copy()
    b.iloc[0] = np.nan
    with pytest.raises(NaNError, match=r"benchmark weights has NaN .* 'A0000'"):
        model.solve(returns=small.returns, benchmark=b)


def test_duplicate_tickers_in_returns(model, small):
    R = small.returns.copy()
    R.columns = ["A0000", "A0000", "A0002", "A0003", "A0004"]
    with pytest.raises(DataError, match=r"returns has duplicate tickers: 'A0000'"):
        model.solve(returns=R, benchmark=small.benchmark)


def test_duplicate_tickers_in_benchmark(model, small):
    b = pd.concat([small.benchmark, small.benchmark.iloc[:1]])
    with pytest.raises(DataError, match=r"benchmark weights has duplicate tickers"):
        model.solve(returns=small.returns, benchmark=b)


def test_benchmark_weights_must_sum_to_one(model, small):
    with pytest.raises(DataError, match=r"must sum to 1 .* they sum to 0\.9"):
        model.solve(returns=small.returns, benchmark=small.benchmark * 0.9)


def test_holdings_for_unknown_tickers(model, small):
    w0 = pd.Series({"A0000": 0.5, "ZZZ": 0.5})
    with pytest.raises(DataError, match=r"holdings has 1 tickers .* 'ZZZ'"):
        model.solve(returns=small.returns, benchmark=small.benchmark, holdings=w0)


def test_benchmark_constituent_without_returns(model, small):
    b = pd.concat([small.benchmark * 0.5, pd.Series({"NEW": 0.5})])
    with pytest.raises(
        MissingAssetsError, match=r"benchmark weights has 1 tickers .* 'NEW'"
    ):
        model.solve(returns=small.returns, benchmark=b)


def test_negative_adv(model, small):
    adv = small.adv.copy()
    adv.iloc[1] = -5.0
    with pytest.raises(DataError, match=r"adv must be non-negative; .* 'A0001'"):
        model.solve(returns=small.returns, benchmark=small.benchmark, adv=adv)


def test_mismatched_dates_in_returns_only_mode(model, small):
    bench = small.index_returns.iloc[:-5]
    with pytest.raises(
        MisalignedIndexError, match=r"returns and benchmark have different dates"
    ):
        model.solve(returns=small.returns, benchmark=bench)


def test_too_few_observations(small):
    model = rp.Replicator(risk=rp.risk.StatisticalFactor(n_factors=10))
    with pytest.raises(
        DataError, match=r"StatisticalFactor\(10\) needs at least 11 .* got 5"
    ):
        model.solve(returns=small.returns.iloc[:5], benchmark=small.benchmark)


def test_covariance_of_wrong_shape(small):
    cov = pd.DataFrame(np.eye(3), index=list("abc"), columns=list("abcd")[:3])
    cov = cov.iloc[:, :2]
    model = rp.Replicator(risk=rp.risk.Covariance(cov))
    with pytest.raises(DataError, match=r"square"):
        model.solve(benchmark=pd.Series({"a": 0.5, "b": 0.5}))


def test_unsorted_dates(model, small):
    R = small.returns.iloc[::-1]
    with pytest.raises(DataError, match=r"not sorted"):
        model.solve(returns=R, benchmark=small.benchmark)


def test_bad_term_parameter(small):
    model = rp.Replicator(constraints=[C.TurnoverLimit(-0.1)])
    with pytest.raises(
        ConfigError,
        match=r"The 'limit' parameter of TurnoverLimit must be .* Got -0\.1 instead",
    ):
        model.solve(returns=small.returns, benchmark=small.benchmark)


def test_bad_risk_aversion(small):
    model = rp.Replicator(risk_aversion=0.0)
    with pytest.raises(ConfigError, match=r"'risk_aversion' parameter of Replicator"):
        model.solve(returns=small.returns, benchmark=small.benchmark)


def test_not_a_term(small):
    model = rp.Replicator(constraints=["LongOnly"])
    with pytest.raises(ConfigError, match=r"rp\.constraints\.\* objects; got str"):
        model.solve(returns=small.returns, benchmark=small.benchmark)


def test_benchmark_not_a_series(model, small):
    with pytest.raises(DataError, match=r"benchmark must be a pandas Series"):
        model.solve(returns=small.returns, benchmark=small.benchmark.to_dict())


def test_missing_returns_for_estimated_model(model, small):
    with pytest.raises(DataError, match=r"estimated from returns"):
        model.solve(benchmark=small.benchmark)


def test_negative_nav(model, small):
    with pytest.raises(DataError, match=r"nav must be a positive number; got -1"):
        model.solve(returns=small.returns, benchmark=small.benchmark, nav=-1)


def test_groups_missing_assets(model, small):
    with pytest.raises(DataError, match=r"groups has no label for 2 assets"):
        model.solve(
            returns=small.returns,
            benchmark=small.benchmark,
            groups=small.sectors.iloc[:3],
        )


def test_errors_share_the_base_class():
    for exc in (DataError, ConfigError, NaNError, rp.exceptions.InfeasibleError):
        assert issubclass(exc, ReplicatorError)
