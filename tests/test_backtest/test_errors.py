"""Every input error of the backtest is a replicator exception naming the problem."""

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
)


def _run(mkt, model_factory, returns=None, benchmark=None, **kw):
    kw.setdefault("lookback", 60)
    return rp.backtest.run(
        kw.pop("model", None) or model_factory(),
        mkt.returns if returns is None else returns,
        mkt.weights if benchmark is None else benchmark,
        **kw,
    )


def test_returns_errors(mkt, model_factory):
    R = mkt.returns
    with pytest.raises(DataError, match="returns must be a pandas DataFrame"):
        _run(mkt, model_factory, returns=R.to_numpy())
    with pytest.raises(DataError, match="at least 2 dates and 1 ticker"):
        _run(mkt, model_factory, returns=R.iloc[:1])
    with pytest.raises(DataError, match="duplicate tickers: 'T00'"):
        _run(mkt, model_factory, returns=R.rename(columns={"T01": "T00"}))
    with pytest.raises(DataError, match="duplicate dates"):
        _run(mkt, model_factory, returns=pd.concat([R, R.iloc[-1:]]))
    with pytest.raises(DataError, match="not sorted"):
        _run(mkt, model_factory, returns=R.iloc[::-1])
    bad = R.copy()
    bad.iloc[5, 2] = np.inf
    with pytest.raises(NaNError, match="infinite values in 'T02'"):
        _run(mkt, model_factory, returns=bad)
    bad.iloc[5, 2] = -1.5
    with pytest.raises(DataError, match=r"below -1 .* in 'T02'"):
        _run(mkt, model_factory, returns=bad)


def test_period_errors(mkt, model_factory):
    with pytest.raises(ConfigError, match=r"'lookback' parameter of backtest.run"):
        _run(mkt, model_factory, lookback=1)
    with pytest.raises(DataError, match=r"lookback=60 needs 60 rows .* only 31"):
        _run(mkt, model_factory, start=mkt.returns.index[31])
    with pytest.raises(DataError, match="period is empty"):
        _run(
            mkt, model_factory, start=mkt.returns.index[100], end=mkt.returns.index[90]
        )
    with pytest.raises(DataError, match="Could not compare 'soon'"):
        _run(mkt, model_factory, start="soon")


def test_benchmark_errors(mkt, model_factory):
    w, R = mkt.weights, mkt.returns
    with pytest.raises(DataError, match="benchmark must be a DataFrame"):
        _run(mkt, model_factory, benchmark=w.to_dict())
    with pytest.raises(MissingAssetsError, match="'ZZZ'"):
        _run(
            mkt, model_factory, benchmark=pd.concat([w * 0.5, pd.Series({"ZZZ": 0.5})])
        )
    rows = pd.DataFrame([w, w], index=[R.index[0], R.index[80]])
    with pytest.raises(MissingAssetsError, match="not in the returns: 'ZZZ'"):
        _run(mkt, model_factory, benchmark=rows.assign(ZZZ=0.0))
    bad = rows.copy()
    bad.iloc[1] *= 1.1
    with pytest.raises(DataError, match=r"on 2021-04-2\d.* they sum to 1\.1"):
        _run(mkt, model_factory, benchmark=bad)
    with pytest.raises(DataError, match="no rows"):
        _run(mkt, model_factory, benchmark=rows.iloc[:0])
    inf = rows.copy()
    inf.iloc[0, 0] = np.inf
    with pytest.raises(NaNError, match="infinite"):
        _run(mkt, model_factory, benchmark=inf)
    with pytest.raises(DataError, match="duplicate effective dates"):
        _run(mkt, model_factory, benchmark=pd.concat([rows, rows.iloc[:1]]))


def test_benchmark_losing_all_its_value(model_factory):
    dates = pd.bdate_range("2022-01-03", periods=6)
    R = pd.DataFrame(
        {"A": [0, 0, 0, -1.0, 0, 0], "B": [0, 0, 0, -1.0, 0, 0]},
        index=dates,
        dtype=float,
    )
    rows = pd.DataFrame([{"A": 0.5, "B": 0.5}], index=[dates[0]])
    with pytest.raises(DataError, match="loses all its value on 2022-01-06"):
        rp.backtest.run(model_factory(), R, rows, lookback=2)


def test_index_return_errors(mkt, model_factory):
    idx = mkt.index_returns
    with pytest.raises(MisalignedIndexError, match="no value on 1 dates"):
        _run(mkt, model_factory, benchmark=idx.drop(idx.index[100]))
    bad = idx.copy()
    bad.iloc[100] = np.nan
    with pytest.raises(MisalignedIndexError, match="no value"):
        _run(mkt, model_factory, benchmark=bad.dropna())
    bad = idx.copy()
    bad.iloc[100] = np.inf
    with pytest.raises(NaNError, match="NaN or infinite values on"):
        _run(mkt, model_factory, benchmark=bad)


def test_market_data_errors(mkt, model_factory):
    R = mkt.returns
    adv = pd.Series(1e8, index=R.columns)
    with pytest.raises(ConfigError, match="adv or volumes, not both"):
        _run(
            mkt,
            model_factory,
            adv=adv,
            volumes=pd.DataFrame(1e8, index=R.index, columns=R.columns),
        )
    with pytest.raises(
        DataError, match="adv must be a Series by ticker or a DataFrame"
    ):
        _run(mkt, model_factory, adv=3.0)
    with pytest.raises(MissingAssetsError, match=r"adv has 1 tickers .* 'ZZZ'"):
        _run(mkt, model_factory, adv=pd.concat([adv, pd.Series({"ZZZ": 1.0})]))
    with pytest.raises(DataError, match=r"prices must be non-negative.*'T00'"):
        _run(mkt, model_factory, prices=pd.Series(-1.0, index=R.columns))
    with pytest.raises(DataError, match="volumes must be a DataFrame"):
        _run(mkt, model_factory, volumes=adv)
    with pytest.raises(MissingAssetsError, match="volumes has 1 tickers"):
        _run(
            mkt,
            model_factory,
            volumes=pd.DataFrame(1e8, index=R.index, columns=[*R.columns[:-1], "ZZZ"]),
        )
    with pytest.raises(ConfigError, match="adv_window must be a positive int"):
        _run(
            mkt,
            model_factory,
            volumes=pd.DataFrame(1e8, index=R.index, columns=R.columns),
            adv_window=0,
        )
    with pytest.raises(DataError, match="sectors must be a Series"):
        _run(mkt, model_factory, sectors=["x"])
    with pytest.raises(MisalignedIndexError, match="adv dates cannot be compared"):
        _run(
            mkt,
            model_factory,
            adv=pd.DataFrame(1e8, index=["a", "b"], columns=R.columns),
        )


def test_flow_and_cash_errors(mkt, model_factory):
    R = mkt.returns
    with pytest.raises(
        MisalignedIndexError, match="flows has 1 dates that are not trading"
    ):
        _run(mkt, model_factory, flows=pd.Series({pd.Timestamp("2021-01-02"): 1e6}))
    with pytest.raises(NaNError, match="flows has no finite value on 1 dates"):
        _run(mkt, model_factory, flows=pd.Series({R.index[70]: np.nan}))
    with pytest.raises(DataError, match="flows must be a number or a pandas Series"):
        _run(mkt, model_factory, flows=[1.0])
    with pytest.raises(
        MisalignedIndexError, match="cash_return has no value on 30 backtest"
    ):
        _run(mkt, model_factory, cash_return=pd.Series(1e-4, index=R.index[:110]))
    with pytest.raises(NaNError, match="cash_return has no finite value on 1 dates"):
        _run(
            mkt,
            model_factory,
            cash_return=pd.Series(1e-4, index=R.index).mask(R.index == R.index[90]),
        )
    with pytest.raises(
        DataError, match="cash_return must be a number or a pandas Series"
    ):
        _run(mkt, model_factory, cash_return="3%")
    with pytest.raises(DataError, match="redemptions exceed the fund"):
        _run(mkt, model_factory, nav=1e6, flows=pd.Series({R.index[70]: -2e6}))


def test_parameter_errors(mkt, model_factory):
    with pytest.raises(ConfigError, match=r"model must be a replicator.Replicator"):
        rp.backtest.run(object(), mkt.returns, mkt.weights)
    with pytest.raises(ConfigError, match="'reestimate_every' parameter"):
        _run(mkt, model_factory, reestimate_every=0)
    with pytest.raises(ConfigError, match="'min_history' parameter"):
        _run(mkt, model_factory, min_history=1.5)
    with pytest.raises(ConfigError, match="'on_error' parameter"):
        _run(mkt, model_factory, on_error="skip")
    with pytest.raises(DataError, match="nav must be a positive number"):
        _run(mkt, model_factory, nav=0)
    with pytest.raises(ConfigError, match="'universe' parameter"):
        _run(mkt, model_factory, universe="benchmark")
    with pytest.raises(MissingAssetsError, match=r"universe has 1 tickers .* 'ZZZ'"):
        _run(mkt, model_factory, universe=["T00", "ZZZ"])
    with pytest.raises(MissingAssetsError, match=r"holdings has 1 tickers .* 'ZZZ'"):
        _run(mkt, model_factory, holdings=pd.Series({"T00": 0.5, "ZZZ": 0.5}))
    with pytest.raises(ConfigError, match=r"Unknown baselines \['best'\]"):
        _run(mkt, model_factory, baselines=["best"])
    with pytest.raises(ConfigError, match="'top_k' parameter"):
        _run(mkt, model_factory, baselines=["top_k"], top_k=0)
    with pytest.raises(ConfigError, match="'reconstitution'"):
        _run(mkt, model_factory, schedule="reconstitution")
    with pytest.raises(ConfigError, match="'blas_threads' parameter"):
        _run(mkt, model_factory, blas_threads=0)
