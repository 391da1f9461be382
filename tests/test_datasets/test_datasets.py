"""Bundled datasets: shapes, invariants, provenance, equality with the sources."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import replicator.datasets as ds
from replicator.datasets._catalog import CATALOG
from replicator.exceptions import ConfigError, DataError

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"


def shared(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not found at {path}")
    return path


# --- sp500 -------------------------------------------------------------------------


def test_sp500_shapes_and_invariants():
    data = ds.load_sp500()
    assert data.returns.shape == (504, 386)
    assert data.index_returns.shape == (504,)
    assert data.index_returns.name == "SP500"
    assert data.returns.index[0] == pd.Timestamp("2010-01-04")
    assert data.returns.index[-1] == pd.Timestamp("2011-12-30")
    assert data.returns.index.is_monotonic_increasing
    assert not data.returns.isna().any().any()
    assert not data.index_returns.isna().any()
    tickers = list(data.returns.columns)
    assert len(set(tickers)) == 386
    assert "AAPL" in tickers and "BF/B" in tickers
    for s in (data.sectors, data.weights, data.adv, data.bloomberg_ids):
        assert list(s.index) == tickers
    assert data.weights.sum() == pytest.approx(1.0, abs=1e-12)
    assert (data.weights >= 1e-4).all()  # dense: every name held at >= 1 bp
    assert (data.adv > 0).all()
    assert (data.sectors == "Unknown").sum() == 5
    assert data.bloomberg_ids["AAPL"] == "AAPL UW Equity"
    assert data.periods_per_year == 252


def test_sp500_adv_proxy_formula():
    data = ds.load_sp500()
    expected = 0.005 * data.weights * 11.4e12 * 386 / 500
    np.testing.assert_allclose(data.adv.to_numpy(), expected.to_numpy(), rtol=1e-12)


def test_sp500_implied_weights_track_the_index():
    data = ds.load_sp500()
    residual = data.returns.to_numpy() @ data.weights.to_numpy() - data.index_returns
    rmse = float(np.sqrt(np.mean(residual**2)))
    equal = data.returns.mean(axis=1) - data.index_returns
    assert rmse < 0.6 * float(np.sqrt(np.mean(equal**2)))  # far better than 1/N
    stated = re.search(r"tracking RMSE = ([\d.]+) bps", data.provenance)
    assert stated is not None
    assert rmse * 1e4 == pytest.approx(float(stated.group(1)), abs=0.005)


def test_sp500_date_slice():
    data = ds.load_sp500(start="2010-03-01", end=pd.Timestamp("2010-12-31"))
    assert data.returns.index[0] == pd.Timestamp("2010-03-01")
    assert data.returns.index[-1] == pd.Timestamp("2010-12-31")
    assert data.index_returns.index.equals(data.returns.index)
    assert data.weights.sum() == pytest.approx(1.0)  # static over the full sample


def test_sp500_returns_copies():
    first = ds.load_sp500()
    first.returns.iloc[0, 0] = 99.0
    first.weights.iloc[0] = 99.0
    first.sectors.iloc[0] = "changed"
    second = ds.load_sp500()
    assert second.returns.iloc[0, 0] != 99.0
    assert second.weights.iloc[0] != 99.0
    assert second.sectors.iloc[0] != "changed"


def test_sp500_equals_shared_source():
    src = pd.read_parquet(
        shared("sparseIndexTracking_sp500", "data_2010_2011_returns.parquet")
    )
    data = ds.load_sp500()
    np.testing.assert_array_equal(
        data.index_returns.to_numpy(), src["SP500"].to_numpy()
    )
    ids = data.bloomberg_ids[data.returns.columns]
    np.testing.assert_array_equal(data.returns.to_numpy(), src[list(ids)].to_numpy())
    assert data.returns.index.equals(pd.DatetimeIndex(src.index))


def test_sp500_sectors_match_shared_database():
    db = pd.read_csv(shared("sparseIndexTracking_sp500", "stock_sector_database.csv"))
    lookup = db.set_index("symbol")["sector"]
    sectors = ds.load_sp500().sectors
    known = sectors[sectors != "Unknown"]
    assert (lookup.reindex(known.index) == known).all()
    assert not sectors[sectors == "Unknown"].index.isin(lookup.index).any()


def test_sp500_weights_reproduce_the_regression():
    cp = pytest.importorskip("cvxpy")
    data = ds.load_sp500()
    R, r = data.returns.to_numpy(), data.index_returns.to_numpy()
    n = R.shape[1]
    w = cp.Variable(n)
    objective = cp.sum_squares(R @ w - r) + 1.0 * cp.sum_squares(w - 1 / n)
    cp.Problem(cp.Minimize(objective), [w >= 0, cp.sum(w) == 1]).solve(
        solver=cp.CLARABEL
    )
    np.testing.assert_allclose(data.weights.to_numpy(), w.value, atol=1e-6)


# --- crypto ------------------------------------------------------------------------


def test_crypto_shapes_and_invariants():
    data = ds.load_crypto()
    assert data.prices.shape == (840, 26)
    for frame in (data.market_caps, data.volumes):
        assert frame.shape == data.prices.shape
        assert frame.index.equals(data.prices.index)
        assert list(frame.columns) == list(data.prices.columns)
    days = pd.date_range("2019-07-01", "2021-10-17", freq="D")
    assert data.prices.index.equals(days)  # every calendar day, no gaps
    for frame in (data.prices, data.market_caps, data.volumes):
        assert not frame.isna().any().any()
        assert (frame > 0).all().all()
    assert data.returns.shape == (839, 26)
    assert not data.returns.isna().any().any()
    assert data.periods_per_year == 365
    assert data.stablecoins == ("USDT", "USDC")
    assert list(data.prices.columns[:2]) == ["BTC", "ETH"]


def test_crypto_returns_are_simple_returns():
    data = ds.load_crypto()
    btc = data.prices["BTC"]
    assert data.returns["BTC"].iloc[0] == pytest.approx(btc.iloc[1] / btc.iloc[0] - 1)


def test_crypto_slice_and_top():
    data = ds.load_crypto(start="2020-01-01", end="2020-12-31", top=5)
    assert data.prices.shape == (366, 5)
    first = ds.load_crypto(start="2020-01-01").market_caps.iloc[0]
    assert set(data.prices.columns) == set(first.nlargest(5).index)


def test_crypto_cap_weights():
    data = ds.load_crypto()
    w = data.cap_weights(date="2021-01-01")
    caps = data.market_caps.loc["2021-01-01"]
    np.testing.assert_allclose(
        w.to_numpy(), (caps / caps.sum()).sort_values(ascending=False)
    )
    assert w.attrs["date"] == pd.Timestamp("2021-01-01")
    capped = data.cap_weights(cap=0.2, top=10, exclude=data.stablecoins)
    assert len(capped) == 10 and "USDT" not in capped.index
    assert capped.sum() == pytest.approx(1.0)
    assert capped.max() <= 0.2 + 1e-12
    assert capped["BTC"] == pytest.approx(0.2) and capped["ETH"] == pytest.approx(0.2)


def test_crypto_adv():
    data = ds.load_crypto()
    adv = data.adv(window=7, date="2021-06-30")
    expected = data.volumes.loc["2021-06-24":"2021-06-30"].mean()
    np.testing.assert_allclose(adv.to_numpy(), expected.to_numpy())


def test_crypto_equals_shared_source():
    path = shared("crypto_coingecko_daily", "coingecko_daily_long.csv.gz")
    src = pd.read_csv(path, parse_dates=["date"])
    data = ds.load_crypto()
    src = src[
        src["date"].isin(data.prices.index) & src["symbol"].isin(data.prices.columns)
    ]
    prices = src.pivot(index="date", columns="symbol", values="price")[
        data.prices.columns
    ]
    np.testing.assert_array_equal(prices.to_numpy(), data.prices.to_numpy())
    vols = src.pivot(index="date", columns="symbol", values="total_volume")[
        data.prices.columns
    ]
    np.testing.assert_array_equal(vols.to_numpy(), data.volumes.to_numpy())


# --- dow30 -------------------------------------------------------------------------


def test_dow30_shapes_and_adv():
    data = ds.load_dow30()
    assert data.returns.shape == (251, 28)
    assert data.cash_returns.shape == (251,)
    assert data.volumes.shape == (252, 28) and data.sigmas.shape == (252, 28)
    assert not data.returns.isna().any().any()
    assert "cash" not in data.returns.columns
    adv = data.adv(window=20)
    np.testing.assert_allclose(
        adv.to_numpy(), data.volumes.iloc[-20:].mean().to_numpy()
    )
    assert (adv > 1e7).all()  # real Dow-30 names trade > USD 10 m a day


def test_dow30_equals_shared_source():
    src = pd.read_csv(shared("cvxportfolio_dow30_2014", "volumes.csv.gz"), index_col=0)
    np.testing.assert_array_equal(src.to_numpy(), ds.load_dow30().volumes.to_numpy())


# --- catalog -----------------------------------------------------------------------


def test_list_datasets_matches_the_files():
    table = ds.list_datasets()
    assert list(table.columns) == [
        "name",
        "description",
        "period",
        "n_assets",
        "source",
        "license",
    ]
    assert list(table["name"]) == ["sp500", "crypto", "crypto_universe", "dow30"]
    loaded = {
        "sp500": ds.load_sp500().returns,
        "crypto": ds.load_crypto().prices,
        "crypto_universe": ds.load_crypto_universe().prices,
        "dow30": ds.load_dow30().volumes,
    }
    for name, frame in loaded.items():
        info = CATALOG[name]
        assert info["n_assets"] == frame.shape[1]
        start, end = str(info["period"]).split("..")
        assert frame.index[0] == pd.Timestamp(start) and frame.index[
            -1
        ] == pd.Timestamp(end)


@pytest.mark.parametrize(
    ("name", "needles"),
    [
        (
            "sp500",
            [
                "GPL-3",
                "42f7c6c35051acbac956230b6818c0b9a1bcff41",
                "NOT data",
                "alpha =",
            ],
        ),
        (
            "crypto",
            ["CoinGecko", "1bf65329d69380dc408a008e74f822d8fd2fb2b4", "MIT", "365"],
        ),
        ("dow30", ["GPL-3", "cvxportfolio", "USD"]),
    ],
)
def test_provenance(name, needles):
    text = ds.provenance(name)
    for needle in needles:
        assert needle in text
    loader = {"sp500": ds.load_sp500, "crypto": ds.load_crypto, "dow30": ds.load_dow30}[
        name
    ]
    assert loader().provenance == text


def test_unknown_dataset():
    with pytest.raises(
        ConfigError, match=r"Unknown dataset 'sp5000'. Available datasets: 'sp500'"
    ):
        ds.provenance("sp5000")


def test_build_script_not_imported_at_runtime():
    package = Path(ds.__file__).parent
    for module in package.glob("*.py"):
        if module.name == "_build.py":
            continue
        tree = ast.parse(module.read_text())
        imported = [
            node.module or ""
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
        ] + [
            a.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for a in node.names
        ]
        assert not any(name.endswith("_build") for name in imported), module.name


# --- errors ------------------------------------------------------------------------


def test_empty_date_range():
    with pytest.raises(
        DataError,
        match=r"Dataset 'sp500' has no dates between 2015-01-01 and None; it covers "
        r"2010-01-04 .. 2011-12-30",
    ):
        ds.load_sp500(start="2015-01-01")


def test_bad_date_argument():
    with pytest.raises(
        ConfigError,
        match=r"The 'end' argument must be a date such as '2010-06-30'; got 'soon'",
    ):
        ds.load_crypto(end="soon")


def test_bad_top():
    with pytest.raises(
        ConfigError, match=r"The 'top' argument must be a positive integer; got 0"
    ):
        ds.load_crypto(top=0)


def test_cap_weights_before_start():
    with pytest.raises(
        DataError,
        match=r"Dataset 'crypto' has no data on or before 2019-01-01; it starts on "
        r"2019-07-01",
    ):
        ds.load_crypto().cap_weights(date="2019-01-01")


def test_cap_weights_unknown_exclude():
    with pytest.raises(
        ConfigError, match=r"exclude names assets that are not in the dataset: 'DOGGO'"
    ):
        ds.load_crypto().cap_weights(exclude=["DOGGO"])


def test_cap_weights_infeasible_cap():
    with pytest.raises(
        ConfigError, match=r"cap=0.1 is infeasible for 5 assets.*at least 0.2"
    ):
        ds.load_crypto().cap_weights(cap=0.1, top=5)


def test_dow30_bad_window():
    with pytest.raises(
        ConfigError, match=r"The 'window' argument must be a positive integer; got -3"
    ):
        ds.load_dow30().adv(window=-3)
