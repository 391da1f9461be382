"""Spread and ProportionalFee: known answers and per-ticker inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import replicator as rp
from replicator.data._snapshot import MarketSnapshot
from replicator.exceptions import ConfigError, DataError


def snap(holdings=None, investable=None):
    return MarketSnapshot(
        assets=pd.Index(["A", "B", "C"]),
        benchmark=np.full(3, 1 / 3),
        holdings=np.zeros(3) if holdings is None else np.asarray(holdings, float),
        investable=np.ones(3, bool) if investable is None else np.asarray(investable),
    )


T = np.array([0.1, -0.2, 0.05])


def test_spread_known_answer():
    assert rp.costs.Spread(2.5).evaluate(T, snap()) == pytest.approx(2.5e-4 * 0.35)
    h = pd.Series({"A": 1.0, "B": 2.0, "C": 10.0})
    per = rp.costs.Spread(half_spread_bps=h).per_asset(T, snap())
    np.testing.assert_allclose(per, [1e-5, 4e-5, 5e-5])


def test_spread_series_must_cover_tradable_assets():
    with pytest.raises(
        DataError,
        match=r"Spread.half_spread_bps has no value for 1 tradable assets: 'C'",
    ):
        rp.costs.Spread(pd.Series({"A": 1.0, "B": 2.0})).evaluate(T, snap())


def test_spread_series_may_skip_untradable_assets():
    s = snap(investable=[True, True, False])
    t = np.array([0.1, -0.2, 0.0])
    cost = rp.costs.Spread(pd.Series({"A": 1.0, "B": 2.0}))
    assert cost.evaluate(t, s) == pytest.approx(1e-5 + 4e-5)


def test_spread_series_with_unknown_tickers():
    with pytest.raises(
        DataError, match=r"names 1 tickers that are not in the universe: 'ZZZ'"
    ):
        rp.costs.Spread(pd.Series({"A": 1, "B": 1, "C": 1, "ZZZ": 1})).evaluate(
            T, snap()
        )


def test_spread_negative_value_in_a_series():
    with pytest.raises(
        ConfigError,
        match=r"The 'half_spread_bps' parameter of Spread must be .*\[-1, 2\]",
    ):
        rp.costs.Spread(pd.Series({"A": -1.0, "B": 2.0, "C": 1.0})).validate_params()


def test_proportional_fee_buy_sell_asymmetry():
    fee = rp.costs.ProportionalFee(buy_bps=10, sell_bps=4)
    assert fee.evaluate(T, snap()) == pytest.approx(10e-4 * 0.15 + 4e-4 * 0.2)
    assert fee.name == "ProportionalFee(0, 10)"


def test_proportional_fee_series_names_the_parameter_given():
    fee = rp.costs.ProportionalFee(bps=pd.Series({"A": 1.0}))
    with pytest.raises(
        DataError,
        match=r"ProportionalFee.bps has no value for 2 tradable assets: 'B', 'C'",
    ):
        fee.evaluate(T, snap())
    fee = rp.costs.ProportionalFee(bps=1.0, sell_bps=pd.Series({"A": 1.0, "B": 1.0}))
    with pytest.raises(
        DataError,
        match=r"ProportionalFee.sell_bps has no value for 1 tradable assets: 'C'",
    ):
        fee.evaluate(T, snap())


def test_proportional_fee_series_is_aligned_by_ticker():
    fee = rp.costs.ProportionalFee(bps=pd.Series({"C": 30.0, "A": 10.0, "B": 20.0}))
    np.testing.assert_allclose(fee.per_asset(T, snap()), [1e-4, 4e-4, 1.5e-4])


def test_spread_equals_a_symmetric_fee(snapshot):
    t = np.random.default_rng(0).normal(0, 0.02, snapshot.n_assets)
    a = rp.costs.Spread(3.0).evaluate(t, snapshot)
    b = rp.costs.ProportionalFee(bps=3.0).evaluate(t, snapshot)
    assert a == pytest.approx(b, rel=1e-12)
