"""Returns-only mode: the benchmark is a return series, estimated jointly."""

from __future__ import annotations

import numpy as np
import pytest

import replicator as rp

RETURNS_MODELS = {
    "SampleCovariance": lambda: rp.risk.SampleCovariance(),
    "LedoitWolf": lambda: rp.risk.LedoitWolf(),
    "EWMA": lambda: rp.risk.EWMA(halflife=60),
    "StatisticalFactor": lambda: rp.risk.StatisticalFactor(n_factors=3),
}


def test_every_returns_based_model_is_covered():
    names = {
        n
        for n in rp.risk.__all__
        if isinstance(getattr(rp.risk, n), type)
        and issubclass(getattr(rp.risk, n), rp.risk.RiskModel)
        and getattr(rp.risk, n) is not rp.risk.RiskModel
        and getattr(rp.risk, n).needs_returns
    }
    assert names == set(RETURNS_MODELS)


def solve(risk, universe, benchmark):
    model = rp.Replicator(
        risk=risk,
        constraints=[rp.constraints.FullyInvested(), rp.constraints.LongOnly()],
    )
    return model.solve(returns=universe.returns, benchmark=benchmark)


@pytest.mark.parametrize("name", sorted(RETURNS_MODELS))
def test_returns_only_solve(name, medium):
    risk = RETURNS_MODELS[name]()
    res = solve(risk, medium, medium.index_returns)
    assert res.returns_only
    assert res.stats.status is rp.Status.OPTIMAL
    assert res.weights.sum() == pytest.approx(1.0, abs=1e-6)
    assert (res.weights >= -1e-7).all()
    snap = rp.Replicator(risk=risk).prepare(
        returns=medium.returns, benchmark=medium.index_returns, fit=False
    )
    w = res.weights.reindex(snap.assets).to_numpy()
    assert res.tracking_variance == pytest.approx(risk.evaluate(w, snap), rel=1e-9)
    # The optimum beats holding the benchmark's constituents equally.
    equal = np.full(snap.n_assets, 1 / snap.n_assets)
    assert risk.evaluate(w, snap) <= risk.evaluate(equal, snap) + 1e-12
    # The constant c0 (the benchmark's own specific variance) is a floor.
    assert res.tracking_variance >= risk.factors_.benchmark_specific_var - 1e-12


@pytest.mark.parametrize("name", ["SampleCovariance", "EWMA"])
def test_exact_models_recover_the_benchmark_weights(name, medium):
    # The index is R @ b: a full-rank joint covariance is minimized at w = b.
    res = solve(RETURNS_MODELS[name](), medium, medium.index_returns)
    np.testing.assert_allclose(
        res.weights[medium.benchmark.index], medium.benchmark, atol=1e-4
    )
    assert res.tracking_error == pytest.approx(0.0, abs=1e-4)


def test_ledoit_wolf_returns_only_is_close_to_the_benchmark(medium):
    res = solve(rp.risk.LedoitWolf(), medium, medium.index_returns)
    w = res.weights[medium.benchmark.index]
    realized = (medium.returns @ w - medium.index_returns).std() * np.sqrt(252)
    assert realized < 0.02


def test_returns_only_needs_the_benchmark_at_fit_time(small):
    risk = rp.risk.SampleCovariance().fit(small.returns)  # no benchmark returns
    snap = rp.Replicator(risk=risk).prepare(
        returns=small.returns, benchmark=small.index_returns, fit=False
    )
    risk.bind(snap)
    with pytest.raises(rp.exceptions.ModelError, match=r"fitted without the benchmark"):
        risk.update(snap)


@pytest.fixture
def direct_models(factor_parts, joint_cov):
    return {
        "FactorModel": rp.risk.FactorModel(*factor_parts),
        "Covariance": rp.risk.Covariance(joint_cov),
    }


@pytest.mark.parametrize("name", ["FactorModel", "Covariance"])
def test_direct_models_in_returns_only_mode_when_fitted_with_the_benchmark(
    name, small, direct_models
):
    risk = direct_models[name].fit(None, small.index_returns)
    res = solve(risk, small, small.index_returns)
    assert res.stats.status is rp.Status.OPTIMAL
    assert "INDEX" not in res.weights.index
    snap = rp.Replicator(risk=risk).prepare(
        returns=small.returns, benchmark=small.index_returns, fit=False
    )
    w = res.weights.reindex(snap.assets).to_numpy()
    assert res.tracking_variance == pytest.approx(risk.evaluate(w, snap), rel=1e-9)


@pytest.mark.parametrize("name", ["FactorModel", "Covariance"])
def test_direct_models_in_returns_only_mode_through_solve(name, small, direct_models):
    risk = direct_models[name]
    res = solve(risk, small, small.index_returns)
    assert res.stats.status is rp.Status.OPTIMAL
