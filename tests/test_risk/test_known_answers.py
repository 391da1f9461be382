"""Known answers: each model's covariance against a direct computation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.covariance import LedoitWolf as SkLedoitWolf
from sklearn.covariance import ledoit_wolf_shrinkage

import replicator as rp
from replicator.risk._ewma import ewma_weights


def dense(model):
    f = model.factors_
    return f.exposures.T @ f.exposures + np.diag(f.specific**2)


def test_sample_covariance_reproduces_np_cov(medium):
    X = medium.returns.to_numpy()
    model = rp.risk.SampleCovariance().fit(medium.returns)
    np.testing.assert_allclose(dense(model), np.cov(X.T) * 252, rtol=1e-10, atol=1e-14)
    assert model.factors_.n_factors == X.shape[0]


def test_sample_covariance_uses_periods_per_year(small):
    X = small.returns.to_numpy()
    model = rp.risk.SampleCovariance().fit(small.returns, periods_per_year=365)
    np.testing.assert_allclose(dense(model), np.cov(X.T) * 365, rtol=1e-10)


def test_ledoit_wolf_matches_sklearn(medium):
    X = medium.returns.to_numpy()
    model = rp.risk.LedoitWolf().fit(medium.returns)
    sk = SkLedoitWolf().fit(X)
    assert model.shrinkage_ == pytest.approx(sk.shrinkage_, rel=1e-12)
    assert 0 < model.shrinkage_ < 1
    np.testing.assert_allclose(
        dense(model), sk.covariance_ * 252, rtol=1e-10, atol=1e-14
    )
    # Factor form: T rows, no n x n matrix; one specific volatility for all.
    assert model.factors_.exposures.shape == X.shape
    assert np.ptp(model.factors_.specific) == 0


@pytest.mark.parametrize("delta", [0.0, 0.3, 1.0])
def test_ledoit_wolf_fixed_shrinkage(small, delta):
    X = small.returns.to_numpy()
    model = rp.risk.LedoitWolf(shrinkage=delta).fit(small.returns)
    S = np.cov(X.T, bias=True) * 252
    mu = np.trace(S) / S.shape[0]
    expected = (1 - delta) * S + delta * mu * np.eye(S.shape[0])
    np.testing.assert_allclose(dense(model), expected, rtol=1e-10, atol=1e-14)
    assert model.shrinkage_ == delta


def test_ledoit_wolf_returns_only_is_joint(small):
    X = np.column_stack([small.returns.to_numpy(), small.index_returns.to_numpy()])
    model = rp.risk.LedoitWolf().fit(small.returns, small.index_returns)
    sk = SkLedoitWolf().fit(X)
    joint = sk.covariance_ * 252
    # Only the asset block is shrunk: the index keeps its (1 - d) sample
    # variance, without the d * mu shrinkage term.
    d = model.shrinkage_
    joint[-1, -1] = (1 - d) * np.cov(X, rowvar=False, bias=True)[-1, -1] * 252
    f = model.factors_
    assert model.shrinkage_ == pytest.approx(ledoit_wolf_shrinkage(X), rel=1e-12)
    G = np.column_stack([f.exposures, f.benchmark_exposure])
    s2 = np.append(f.specific**2, f.benchmark_specific_var)
    np.testing.assert_allclose(G.T @ G + np.diag(s2), joint, rtol=1e-10, atol=1e-14)
    # TE^2 of any w equals (w, -1)' Sigma_joint (w, -1).
    snap = rp.Replicator(risk=model).prepare(
        returns=small.returns, benchmark=small.index_returns, fit=False
    )
    w = np.random.default_rng(0).dirichlet(np.ones(snap.n_assets))
    a = np.append(w, -1.0)
    assert model.evaluate(w, snap) == pytest.approx(a @ joint @ a, rel=1e-10)


def test_ewma_matches_weighted_covariance(medium):
    X = medium.returns.to_numpy()
    T = X.shape[0]
    halflife = 40
    model = rp.risk.EWMA(halflife=halflife).fit(medium.returns)
    lam = 0.5 ** (np.arange(T)[::-1] / halflife)
    lam /= lam.sum()
    np.testing.assert_allclose(ewma_weights(T, halflife), lam, rtol=1e-12)
    m = lam @ X
    direct = sum(lam[t] * np.outer(X[t] - m, X[t] - m) for t in range(T))
    direct *= 252 / (1 - np.sum(lam**2))
    np.testing.assert_allclose(dense(model), direct, rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(
        dense(model), np.cov(X.T, aweights=lam) * 252, rtol=1e-9, atol=1e-14
    )


def test_ewma_recent_observations_weigh_more(small):
    # Doubling the volatility of the last 20 days raises the EWMA variance much
    # more than the equal-weight one.
    R = small.returns.copy()
    R.iloc[-20:] *= 3
    ew = np.diag(dense(rp.risk.EWMA(halflife=10).fit(R)))
    eq = np.diag(dense(rp.risk.SampleCovariance().fit(R)))
    assert np.all(ew > 2 * eq)


def test_ewma_infinite_halflife_is_the_sample_covariance(small):
    model = rp.risk.EWMA(halflife=1e12).fit(small.returns)
    np.testing.assert_allclose(
        dense(model), np.cov(small.returns.to_numpy().T) * 252, rtol=1e-8
    )


def test_statistical_factor_full_rank_is_the_sample_covariance(small):
    S = np.cov(small.returns.to_numpy().T) * 252
    model = rp.risk.StatisticalFactor(n_factors=small.returns.shape[1]).fit(
        small.returns
    )
    np.testing.assert_allclose(dense(model), S, rtol=1e-8, atol=1e-9)


def test_statistical_factor_n_minus_one(medium):
    R = medium.returns.iloc[:, :8]
    n = R.shape[1]
    S = np.cov(R.to_numpy().T) * 252
    model = rp.risk.StatisticalFactor(n_factors=n - 1).fit(R)
    f = model.factors_
    assert f.n_factors == n - 1
    lam = np.linalg.eigvalsh(S)[::-1]
    np.testing.assert_allclose(
        np.linalg.eigvalsh(f.exposures.T @ f.exposures)[::-1][: n - 1],
        lam[: n - 1],
        rtol=1e-10,
    )
    # Specifics are the diagonal of the dropped component: the diagonal matches.
    np.testing.assert_allclose(np.diag(dense(model)), np.diag(S), rtol=1e-10)
    _, V = np.linalg.eigh(S)
    np.testing.assert_allclose(
        f.specific**2, lam[-1] * V[:, 0] ** 2, rtol=1e-6, atol=1e-14
    )


def test_statistical_factor_top_factor_is_the_first_principal_component(medium):
    S = np.cov(medium.returns.to_numpy().T) * 252
    f = rp.risk.StatisticalFactor(n_factors=3).fit(medium.returns).factors_
    lam, V = np.linalg.eigh(S)
    top = f.exposures[0] / np.linalg.norm(f.exposures[0])
    assert abs(top @ V[:, -1]) == pytest.approx(1.0, abs=1e-10)
    assert np.linalg.norm(f.exposures[0]) ** 2 == pytest.approx(lam[-1], rel=1e-10)


@pytest.mark.parametrize("ppy", [None, 252])
def test_factor_model_round_trip(ppy, factor_parts):
    B, F, D = factor_parts
    model = rp.risk.FactorModel(B, F, D, periods_per_year=ppy).fit(None)
    scale = 1 if ppy is None else ppy
    expected = (B @ F @ B.T).to_numpy() * scale + np.diag(D.reindex(B.index)) * scale
    assert list(model.factors_.assets) == list(B.index)
    np.testing.assert_allclose(dense(model), expected, rtol=1e-10)
    assert model.factors_.n_factors == F.shape[0]


def test_factor_model_accepts_reordered_factor_labels(factor_parts):
    B, F, D = factor_parts
    F2 = F.iloc[::-1, ::-1]
    ref = dense(rp.risk.FactorModel(B, F, D).fit(None))
    np.testing.assert_allclose(
        dense(rp.risk.FactorModel(B, F2, D[::-1]).fit(None)), ref
    )


def test_factor_model_semidefinite_factor_covariance_is_silent(factor_parts):
    B, F, D = factor_parts
    v = np.array([1.0, 2.0, 0.5])
    F1 = pd.DataFrame(np.outer(v, v), index=F.index, columns=F.columns)  # rank 1
    model = rp.risk.FactorModel(B, F1, D).fit(None)
    expected = (B @ F1 @ B.T).to_numpy() + np.diag(D.reindex(B.index))
    np.testing.assert_allclose(dense(model), expected, rtol=1e-9, atol=1e-12)
    assert model.factors_.n_factors == 1


def test_factor_model_returns_only_prices_the_benchmark_row(
    small, factor_parts, joint_cov
):
    B, F, D = factor_parts
    model = rp.risk.FactorModel(B, F, D).fit(None, small.index_returns)
    f = model.factors_
    assert "INDEX" not in f.assets
    S = joint_cov
    snap = rp.Replicator(risk=model).prepare(
        returns=small.returns, benchmark=small.index_returns, fit=False
    )
    w = np.random.default_rng(1).dirichlet(np.ones(snap.n_assets))
    a = pd.Series(np.append(w, -1.0), index=[*snap.assets, "INDEX"])
    Sa = S.loc[a.index, a.index].to_numpy()
    assert model.evaluate(w, snap) == pytest.approx(a @ Sa @ a, rel=1e-10)
    assert f.benchmark_specific_var == pytest.approx(D["INDEX"])


@pytest.mark.parametrize("ppy", [None, 365])
def test_covariance_round_trip(ppy, joint_cov):
    S = joint_cov
    shuffled = S.iloc[:, ::-1]  # columns in another order
    model = rp.risk.Covariance(shuffled, periods_per_year=ppy).fit(None)
    scale = 1 if ppy is None else ppy
    np.testing.assert_allclose(
        dense(model), S.to_numpy() * scale, rtol=1e-10, atol=1e-14
    )
    assert list(model.factors_.assets) == list(S.index)


def test_covariance_returns_only(small, joint_cov):
    S = joint_cov
    model = rp.risk.Covariance(S).fit(None, small.index_returns)
    snap = rp.Replicator(risk=model).prepare(
        returns=small.returns, benchmark=small.index_returns, fit=False
    )
    w = np.random.default_rng(2).dirichlet(np.ones(snap.n_assets))
    a = pd.Series(np.append(w, -1.0), index=[*snap.assets, "INDEX"])
    Sa = S.loc[a.index, a.index].to_numpy()
    assert model.evaluate(w, snap) == pytest.approx(a @ Sa @ a, rel=1e-10)


def test_factor_and_covariance_models_agree_in_a_solve(small, factor_parts, joint_cov):
    B, F, D = factor_parts
    B, D = B.drop("INDEX"), D.drop("INDEX")
    S = joint_cov.drop(index="INDEX", columns="INDEX")
    w0 = small.holdings
    results = []
    for risk in (rp.risk.FactorModel(B, F, D), rp.risk.Covariance(S)):
        model = rp.Replicator(
            risk=risk,
            costs=[rp.costs.ProportionalFee(bps=20)],
            constraints=[rp.constraints.FullyInvested(), rp.constraints.LongOnly()],
        )
        results.append(model.solve(benchmark=small.benchmark, holdings=w0))
    a, b = results
    assert list(a.weights.index) == list(b.weights.index) == list(small.returns.columns)
    assert a.stats.status is rp.Status.OPTIMAL
    np.testing.assert_allclose(a.weights, b.weights, atol=1e-5)
    assert a.tracking_error == pytest.approx(b.tracking_error, rel=1e-4)


@pytest.mark.parametrize("shape", [(60, 200), (200, 60), (40, 40)])
@pytest.mark.parametrize("k", [1, 5, 40])
def test_principal_factors_equal_the_svd(shape, k):
    """The Gram-matrix eigenpairs give the SVD's factor part (either orientation)."""
    from replicator.risk._statistical_factor import principal_factors

    G = np.random.default_rng(sum(shape) + k).normal(size=shape) @ np.diag(
        np.linspace(2.0, 0.1, shape[1])
    )
    U, exposures = principal_factors(G, k)
    kk = min(k, *shape)
    assert U.shape == (shape[0], kk) and exposures.shape == (kk, shape[1])
    np.testing.assert_allclose(U.T @ U, np.eye(kk), atol=1e-12)
    _, S, Vt = np.linalg.svd(G, full_matrices=False)
    ref = S[:kk, None] * Vt[:kk]
    np.testing.assert_allclose(exposures.T @ exposures, ref.T @ ref, atol=1e-10)
    # the residual of returns-only mode: G minus its projection on U
    np.testing.assert_allclose(U @ exposures, U @ (U.T @ G), atol=1e-10)
