"""PowerImpact and QuadraticImpact: formulas, liquidity inputs and their errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import replicator as rp
from replicator.data._snapshot import MarketSnapshot
from replicator.exceptions import ConfigError, DataError


def snap(adv, vol, nav=1e7, holdings=None, investable=None):
    n = 3
    return MarketSnapshot(
        assets=pd.Index(["A", "B", "C"]),
        benchmark=np.full(n, 1 / n),
        holdings=np.zeros(n) if holdings is None else np.asarray(holdings, float),
        investable=np.ones(n, bool) if investable is None else np.asarray(investable),
        nav=nav,
        adv=None if adv is None else np.asarray(adv, float),
        volatility=None if vol is None else np.asarray(vol, float),
    )


ADV = [1e8, 5e6, 2e7]
VOL = [0.01, 0.03, 0.02]
T = np.array([0.02, -0.05, 0.0])


def test_power_impact_known_answer():
    s = snap(ADV, VOL)
    cost = rp.costs.PowerImpact(coef=0.7)
    expected = [
        0.7 * VOL[i] * abs(T[i]) ** 1.5 * np.sqrt(1e7 / ADV[i]) for i in range(3)
    ]
    np.testing.assert_allclose(cost.per_asset(T, s), expected, rtol=1e-12)
    # In currency: Y sigma Q^{3/2} / ADV^{1/2}.
    q = abs(T[1]) * 1e7
    assert cost.per_asset(T, s)[1] * 1e7 == pytest.approx(
        0.7 * 0.03 * q**1.5 / 5e6**0.5
    )


def test_power_impact_per_ticker_coefficient():
    s = snap(ADV, VOL)
    Y = pd.Series({"A": 0.5, "B": 1.0, "C": 2.0})
    per = rp.costs.PowerImpact(coef=Y).per_asset(T, s)
    ref = rp.costs.PowerImpact(coef=1.0).per_asset(T, s)
    np.testing.assert_allclose(per, ref * Y.to_numpy())


def test_power_impact_exponent_two_is_the_quadratic_impact_from_adv():
    s = snap(ADV, VOL)
    power = rp.costs.PowerImpact(coef=0.3, exponent=2.0).per_asset(T, s)
    quad = rp.costs.QuadraticImpact.from_adv(eta=0.3).per_asset(T, s)
    np.testing.assert_allclose(power, quad, rtol=1e-12)


def test_quadratic_impact_from_adv_formula():
    s = snap(ADV, VOL, nav=3e7)
    cost = rp.costs.QuadraticImpact.from_adv(eta=0.2)
    assert cost.eta == 0.2 and cost.coef is None
    c = 0.2 * np.array(VOL) * 3e7 / np.array(ADV)
    np.testing.assert_allclose(cost.coefficients(s), c)
    assert cost.evaluate(T, s) == pytest.approx(c @ T**2)


def test_quadratic_impact_constant_coefficient():
    s = snap(None, None)  # no market data needed
    cost = rp.costs.QuadraticImpact(coef=0.5)
    assert cost.evaluate(T, s) == pytest.approx(0.5 * (0.02**2 + 0.05**2))


@pytest.mark.parametrize("kwargs", [{}, {"coef": 0.1, "eta": 0.1}])
def test_quadratic_impact_needs_exactly_one_of_coef_and_eta(kwargs):
    with pytest.raises(ConfigError, match=r"needs exactly one of 'coef'"):
        rp.costs.QuadraticImpact(**kwargs).validate_params()


def test_quadratic_impact_series_must_cover_tradable_assets():
    s = snap(None, None)
    cost = rp.costs.QuadraticImpact(coef=pd.Series({"A": 0.1, "B": 0.1}))
    with pytest.raises(
        DataError, match=r"QuadraticImpact.coef has no value for 1 tradable assets: 'C'"
    ):
        cost.evaluate(T, s)


LIQUIDITY_COSTS = [
    lambda: rp.costs.PowerImpact(coef=1.0),
    lambda: rp.costs.QuadraticImpact.from_adv(eta=0.1),
]


@pytest.mark.parametrize("make", LIQUIDITY_COSTS)
def test_missing_adv(make):
    with pytest.raises(
        DataError,
        match=(
            r"needs the ADV of every tradable asset; it is missing for 3: "
            r"'A', 'B', 'C'. Pass adv=\.\.\."
        ),
    ):
        make().evaluate(T, snap(None, VOL))


@pytest.mark.parametrize("make", LIQUIDITY_COSTS)
def test_missing_adv_for_one_ticker(make):
    with pytest.raises(DataError, match=r"missing for 1: 'B'. Pass adv="):
        make().evaluate(T, snap([1e8, np.nan, 2e7], VOL))


@pytest.mark.parametrize("make", LIQUIDITY_COSTS)
def test_missing_volatility(make):
    with pytest.raises(
        DataError, match=r"needs the volatility .* 'C'. Pass volatility=\.\.\."
    ):
        make().evaluate(T, snap(ADV, [0.01, 0.02, np.nan]))


@pytest.mark.parametrize("make", LIQUIDITY_COSTS)
def test_negative_adv(make):
    with pytest.raises(
        DataError, match=r"the ADV must be non-negative; got negative values for 'A'"
    ):
        make().evaluate(T, snap([-1.0, 5e6, 2e7], VOL))


@pytest.mark.parametrize("make", LIQUIDITY_COSTS)
def test_zero_adv_of_a_tradable_asset(make):
    cost = make()
    s = snap([1e8, 0.0, 2e7], VOL)
    cost.bind(s)
    with pytest.raises(
        DataError, match=r"the ADV is zero for 1 tradable assets \('B'\)"
    ):
        cost.update(s)


@pytest.mark.parametrize("make", LIQUIDITY_COSTS)
def test_untradable_assets_need_no_liquidity_data(make):
    # 'C' is outside the universe and not held: it never trades.
    s = snap([1e8, 5e6, np.nan], [0.01, 0.03, np.nan], investable=[True, True, False])
    t = np.array([0.02, -0.05, 0.0])
    per = make().per_asset(t, s)
    assert per[2] == 0.0 and np.all(np.isfinite(per))


@pytest.mark.parametrize("make", LIQUIDITY_COSTS)
def test_held_untradable_assets_do_need_liquidity_data(make):
    s = snap(
        [1e8, 5e6, np.nan], VOL, holdings=[0, 0, 0.1], investable=[True, True, False]
    )
    with pytest.raises(DataError, match=r"missing for 1: 'C'"):
        make().evaluate(np.array([0, 0, -0.1]), s)


def test_negative_adv_through_solve(small):
    adv = small.adv.copy()
    adv.iloc[0] = -1.0
    model = rp.Replicator(
        risk=rp.risk.SampleCovariance(), costs=[rp.costs.PowerImpact()]
    )
    with pytest.raises(DataError, match=r"adv must be non-negative"):
        model.solve(returns=small.returns, benchmark=small.benchmark, adv=adv)


def test_missing_adv_through_solve(small):
    model = rp.Replicator(
        risk=rp.risk.SampleCovariance(),
        costs=[rp.costs.PowerImpact()],
        constraints=[rp.constraints.FullyInvested()],
    )
    adv = small.adv.drop(small.adv.index[2])
    with pytest.raises(
        DataError, match=f"missing for 1: '{small.adv.index[2]}'. Pass adv="
    ):
        model.solve(returns=small.returns, benchmark=small.benchmark, adv=adv)
