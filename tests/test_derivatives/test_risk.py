"""PerpRisk: a perp shares its underlying's factor and specific risk."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import replicator as rp
from replicator.exceptions import ConfigError, DataError

D = rp.derivatives
BENCH = pd.Series({"BTC": 0.6, "ETH": 0.4})


def two_coins(seed=3, n_days=200, basis_vol=0.0):
    """BTC and ETH on one factor, their perps with a random basis."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2021-01-01", periods=n_days, freq="D")
    m = rng.normal(0, 0.03, n_days)
    R = pd.DataFrame(
        {
            "BTC": m + rng.normal(0, 0.01, n_days),
            "ETH": 1.2 * m + rng.normal(0, 0.015, n_days),
        },
        index=dates,
    )
    perps = [D.Perp("BTC-PERP", "BTC"), D.Perp("ETH-PERP", "ETH")]
    basis = pd.DataFrame(
        rng.normal(0, basis_vol, (n_days, 2)),
        index=dates,
        columns=["BTC-PERP", "ETH-PERP"],
    )
    return D.with_perps(R, perps, basis), perps


def covariance(factors):
    return factors.exposures.T @ factors.exposures + np.diag(factors.specific**2)


@pytest.mark.parametrize(
    "inner",
    [
        rp.risk.StatisticalFactor(n_factors=1),
        rp.risk.SampleCovariance(),
        rp.risk.EWMA(),
    ],
    ids=lambda r: type(r).__name__,
)
def test_perp_covariance_is_the_underlyings_plus_basis(inner):
    frame, perps = two_coins(basis_vol=0.002)
    risk = D.PerpRisk(inner, perps).fit(frame, periods_per_year=365)
    S = covariance(risk.factors_)
    ref = type(inner)(**inner.get_params()).fit(
        frame[["BTC", "ETH"]], periods_per_year=365
    )
    Si = covariance(ref.factors_)
    basis = (
        frame[["BTC-PERP", "ETH-PERP"]].to_numpy() - frame[["BTC", "ETH"]].to_numpy()
    )
    var_b = basis.var(axis=0, ddof=1) * 365
    assert list(risk.factors_.assets) == ["BTC", "ETH", "BTC-PERP", "ETH-PERP"]
    np.testing.assert_allclose(S[:2, :2], Si, rtol=1e-10)
    np.testing.assert_allclose(S[2:, :2], Si, rtol=1e-10)  # perp x spot
    np.testing.assert_allclose(S[2:, 2:], Si + np.diag(var_b), rtol=1e-10)


def test_a_factor_model_with_perp_risk_substitutes_the_perp():
    """Zero basis, costly spot: the perp replaces it at no tracking error."""
    frame, perps = two_coins()
    fee = pd.Series({"BTC": 150.0, "ETH": 2.0, "BTC-PERP": 5.0, "ETH-PERP": 5.0})
    weights = {}
    for label, risk in (
        ("plain", rp.risk.StatisticalFactor(n_factors=1)),
        ("tied", D.PerpRisk(rp.risk.StatisticalFactor(n_factors=1), perps)),
    ):
        model = rp.Replicator(
            risk_aversion=100.0,
            risk=risk,
            costs=[rp.costs.ProportionalFee(bps=fee)],
            constraints=[D.SpotLongOnly(perps), D.MarginRequirement(perps)],
            periods_per_year=365,
        )
        res = model.solve(frame, BENCH)
        weights[label] = res.weights
        if label == "tied":
            assert res.tracking_error < 1e-4
    assert weights["tied"]["BTC-PERP"] == pytest.approx(0.6, abs=1e-3)
    # the plain factor model sees an independent specific risk in the perp
    assert weights["plain"]["BTC-PERP"] < 0.05


def test_returns_only_mode_keeps_the_spot_tracking_error():
    frame, perps = two_coins(basis_vol=0.002)
    index = (
        0.6 * frame["BTC"] + 0.4 * frame["ETH"] + 0.001 * np.sin(np.arange(len(frame)))
    )
    w = pd.Series({"BTC": 0.5, "ETH": 0.3, "BTC-PERP": 0.1, "ETH-PERP": 0.1})
    spot_equiv = pd.Series({"BTC": 0.6, "ETH": 0.4})
    tied = rp.Replicator(
        risk_aversion=100.0,
        risk=D.PerpRisk(rp.risk.SampleCovariance(), perps),
        periods_per_year=365,
    )
    plain = rp.Replicator(
        risk_aversion=100.0, risk=rp.risk.SampleCovariance(), periods_per_year=365
    )
    snap_t = tied.prepare(frame, index, w)
    snap_p = plain.prepare(frame[["BTC", "ETH"]], index, spot_equiv)
    te_t = tied.risk.evaluate(w.reindex(snap_t.assets).to_numpy(), snap_t)
    te_p = plain.risk.evaluate(spot_equiv.reindex(snap_p.assets).to_numpy(), snap_p)
    basis = (
        frame[["BTC-PERP", "ETH-PERP"]].to_numpy() - frame[["BTC", "ETH"]].to_numpy()
    )
    extra = (0.1**2 * basis.var(axis=0, ddof=1) * 365).sum()
    assert te_t == pytest.approx(te_p + extra, rel=1e-8)


def test_perp_risk_errors():
    frame, perps = two_coins()
    cov = rp.risk.Covariance(frame.cov())
    with pytest.raises(ConfigError, match="needs a model estimated from returns"):
        D.PerpRisk(cov, perps).validate_params()
    with pytest.raises(DataError, match="no column for \\['BTC-PERP', 'ETH-PERP'\\]"):
        D.PerpRisk(rp.risk.SampleCovariance(), perps).fit(frame[["BTC", "ETH"]])
