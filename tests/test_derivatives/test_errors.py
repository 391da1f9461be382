"""Bad input: specific errors that name the instrument or the field."""

from __future__ import annotations

import pandas as pd
import pytest

import replicator as rp
from replicator.exceptions import ConfigError, DataError

D = rp.derivatives


def test_perp_without_its_underlying_in_the_returns(crypto):
    doge = D.Perp("DOGE-PERP", "DOGE")
    with pytest.raises(DataError, match="Perp 'DOGE-PERP' has underlying 'DOGE'"):
        D.with_perps(crypto.returns, [doge])


def test_perp_symbol_already_a_column(crypto):
    with pytest.raises(DataError, match="Perp 'ETH' is already a column"):
        D.with_perps(crypto.returns, [D.Perp("ETH", "BTC")])


def test_term_on_a_perp_outside_the_universe(crypto):
    model = rp.Replicator(
        risk_aversion=100.0,
        risk=rp.risk.SampleCovariance(),
        costs=[D.FundingCarry(crypto.perps)],
        periods_per_year=365,
    )
    with pytest.raises(DataError, match=r"BTC-PERP.*with_perps"):
        model.solve(crypto.returns, crypto.benchmark)


@pytest.mark.parametrize("rate", [-0.01, 1.5, float("nan"), "1%"])
def test_margin_rate_outside_0_1_names_the_perp(rate):
    with pytest.raises(
        ConfigError, match="Perp 'BTC-PERP': maintenance_margin must be"
    ):
        D.Perp("BTC-PERP", "BTC", maintenance_margin=rate)


def test_fees_must_be_bp():
    with pytest.raises(ConfigError, match="Perp 'BTC-PERP': taker_bps must be"):
        D.Perp("BTC-PERP", "BTC", taker_bps=-1)


def test_leverage_below_one():
    with pytest.raises(ConfigError, match="'limit' parameter of GrossLeverage must be"):
        D.GrossLeverage(0.9).validate_params()


def test_net_perp_bounds_in_order(crypto):
    with pytest.raises(ConfigError, match=r"NetPerpExposure has lower=0.2 > upper=0.1"):
        D.NetPerpExposure(crypto.perps, lower=0.2, upper=0.1).validate_params()


def test_perp_specs_checked():
    with pytest.raises(ConfigError, match="symbol must differ from the underlying"):
        D.Perp("BTC", "BTC")
    with pytest.raises(ConfigError, match="more than once"):
        D.with_perps(pd.DataFrame({"BTC": [0.0, 0.1]}), [D.Perp("P", "BTC")] * 2)


def solve_with(crypto, carry, date):
    frame = D.with_perps(crypto.returns, crypto.perps)
    model = rp.Replicator(
        risk_aversion=100.0,
        risk=rp.risk.SampleCovariance(),
        costs=[carry],
        periods_per_year=365,
    )
    return model.solve(frame, crypto.benchmark, date=date)


def test_funding_series_without_a_perp_column(crypto):
    carry = D.FundingCarry(crypto.perps, rates=crypto.funding[["BTC-PERP"]])
    with pytest.raises(DataError, match="no column for perp 'ETH-PERP'"):
        solve_with(crypto, carry, crypto.returns.index[-1])


def test_funding_series_needs_the_solve_date(crypto):
    carry = D.FundingCarry(crypto.perps, rates=crypto.funding)
    with pytest.raises(DataError, match=r"pass date=... to solve"):
        solve_with(crypto, carry, None)


def test_funding_series_before_its_start(crypto):
    late = crypto.funding.loc["2021-03-01":]
    carry = D.FundingCarry(crypto.perps, rates=late)
    with pytest.raises(DataError, match="no settlement of perp 'BTC-PERP' in the 30"):
        solve_with(crypto, carry, pd.Timestamp("2021-02-01"))


def test_funding_series_must_be_time_indexed(crypto):
    carry = D.FundingCarry(crypto.perps, rates=crypto.funding.reset_index(drop=True))
    with pytest.raises(DataError, match="DatetimeIndex"):
        solve_with(crypto, carry, crypto.returns.index[-1])


def test_funding_rate_uses_no_settlement_after_the_date(crypto):
    """Changing the future rates does not change the expected carry."""
    date = crypto.returns.index[100]
    future = crypto.funding.copy()
    future.loc[future.index > date] = 0.05
    frame = D.with_perps(crypto.returns, crypto.perps)
    model = rp.Replicator(
        risk_aversion=100.0, risk=rp.risk.SampleCovariance(), periods_per_year=365
    )
    snap = model.prepare(frame, crypto.benchmark, date=date)
    a = D.FundingCarry(crypto.perps, rates=crypto.funding).annual_rates(snap)
    b = D.FundingCarry(crypto.perps, rates=future).annual_rates(snap)
    assert (a == b).all()
    window = crypto.funding.loc[date - pd.Timedelta(days=30) : date].iloc[1:]
    assert a == pytest.approx(window.mean().to_numpy() * 1095, rel=1e-12)


def test_hedge_book_must_be_spot(crypto):
    book = pd.Series({"SOL": 0.5, "BTC-PERP": 0.1})
    with pytest.raises(DataError, match="holds the perps \\['BTC-PERP'\\]"):
        D.hedge(crypto.returns, crypto.benchmark, book, crypto.perps)
