"""StatisticalFactor in returns-only mode: the joint ridge estimate of the
benchmark's exposure to the asset-specific returns (issue 14)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import Ridge

import replicator as rp
from replicator.exceptions import ConfigError
from replicator.risk._utils import RIDGE_GRID, ridge_gcv


def _gcv_brute_force(X: np.ndarray, y: np.ndarray, alpha: float, n: float) -> float:
    """GCV from the explicit hat matrix H = X (X^T X + alpha I)^-1 X^T."""
    H = X @ np.linalg.solve(X.T @ X + alpha * np.eye(X.shape[1]), X.T)
    resid = y - H @ y
    return float(resid @ resid) / (1.0 - np.trace(H) / n) ** 2


@settings(max_examples=25, deadline=None)
@given(
    n_rows=st.integers(8, 40),
    n_cols=st.integers(3, 40),
    noise=st.floats(0.01, 2.0),
    seed=st.integers(0, 2**16),
)
def test_ridge_gcv_against_sklearn_and_the_hat_matrix(n_rows, n_cols, noise, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_rows, n_cols))
    y = X @ rng.standard_normal(n_cols) * 0.3 + noise * rng.standard_normal(n_rows)
    fit = ridge_gcv(X, y)
    # The coefficients are sklearn's ridge at the chosen penalty.
    ref = Ridge(alpha=fit.alpha, fit_intercept=False, solver="svd").fit(X, y)
    np.testing.assert_allclose(fit.coef, ref.coef_, rtol=1e-6, atol=1e-9)
    resid = y - X @ fit.coef
    assert fit.residual_var == pytest.approx(float(resid @ resid), rel=1e-6, abs=1e-9)
    # The chosen penalty minimizes GCV over the grid (explicit hat matrix).
    scale = np.linalg.eigvalsh(X.T @ X if n_rows > n_cols else X @ X.T).clip(0).mean()
    crit = [_gcv_brute_force(X, y, a, n_rows) for a in scale * RIDGE_GRID]
    assert fit.prediction_var == pytest.approx(min(crit), rel=1e-6)
    assert fit.alpha == pytest.approx(scale * RIDGE_GRID[int(np.argmin(crit))])


def _index_of_constituents(n_dates=252, n_assets=60, n_factors=3, noise=0.0, seed=0):
    rng = np.random.default_rng(seed)
    B = rng.normal(1.0, 0.3, (n_assets, n_factors)) * [1.0, 0.3, 0.3][:n_factors]
    f = rng.normal(0, 0.01, (n_dates, n_factors))
    eps = rng.normal(0, 0.015, (n_dates, n_assets))
    tickers = [f"A{i:02d}" for i in range(n_assets)]
    dates = pd.bdate_range("2020-01-01", periods=n_dates)
    R = pd.DataFrame(f @ B.T + eps, index=dates, columns=tickers)
    w = rng.dirichlet(np.full(n_assets, 2.0))
    index = pd.Series(
        R.to_numpy() @ w + noise * rng.standard_normal(n_dates), dates, name="IDX"
    )
    return R, index, pd.Series(w, tickers)


def _single_asset_loadings(risk: rp.risk.StatisticalFactor, R, index) -> np.ndarray:
    """The old estimate: one regression of the index residual per asset."""
    from replicator.risk._sample import centred_factor
    from replicator.risk._statistical_factor import principal_factors

    G = centred_factor(np.column_stack([R.to_numpy(), index.to_numpy()]), 252.0)
    U, E = principal_factors(G, risk.n_factors)
    resid = G - U @ E
    return resid[:, :-1].T @ resid[:, -1] / np.sum(resid[:, :-1] ** 2, axis=0)


@pytest.mark.parametrize("n_dates", [120, 400])
def test_joint_estimate_recovers_the_index_weights(n_dates):
    # The index is an exact portfolio of its constituents: the joint estimate
    # of its specific exposure is close to the true weights (both with more
    # assets than the residual space and with fewer), far closer than the
    # single-asset regressions, and the optimizer then holds about w.
    R, index, w = _index_of_constituents(n_dates=n_dates, n_assets=150)
    risk = rp.risk.StatisticalFactor(n_factors=3)
    risk.fit(R, index)
    b_s = risk.factors_.benchmark_specific
    err_joint = np.abs(b_s - w.to_numpy()).sum()
    err_single = np.abs(_single_asset_loadings(risk, R, index) - w.to_numpy()).sum()
    assert err_joint < 0.5 * err_single
    model = rp.Replicator(
        risk=risk,
        constraints=[rp.constraints.FullyInvested(), rp.constraints.LongOnly()],
    )
    res = model.solve(returns=R, benchmark=index)
    assert np.abs(res.weights.reindex(w.index) - w).sum() < err_single


class _SingleAssetStatisticalFactor(rp.risk.StatisticalFactor):
    """The previous returns-only estimate: the benchmark a column of the PCA,
    one regression of its residual per asset (written here from the math)."""

    def _fit_factors(self, returns, benchmark_returns, periods_per_year):
        from replicator.risk._base import RiskFactors
        from replicator.risk._sample import centred_factor
        from replicator.risk._statistical_factor import principal_factors

        data = np.column_stack([returns.to_numpy(), benchmark_returns.to_numpy()])
        G = centred_factor(data, periods_per_year)
        U, E = principal_factors(G, self.n_factors)
        resid = G - U @ E
        s2 = np.sum(resid**2, axis=0)
        b_s = resid[:, :-1].T @ resid[:, -1] / s2[:-1]
        c0 = max(float(s2[-1] - np.sum(b_s**2 * s2[:-1])), 0.0)
        return RiskFactors(
            returns.columns, E[:, :-1], np.sqrt(s2[:-1]), E[:, -1], c0, b_s
        )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ridge_improves_out_of_sample_tracking(seed):
    # Fit on the first year, hold for the second: above the index's own noise
    # (which no portfolio can track), the joint estimate's active variance out
    # of sample is well below the single-asset estimate's.
    noise = 0.001
    R, index, _ = _index_of_constituents(
        n_dates=504, n_assets=150, noise=noise, seed=seed
    )
    train, test = slice(0, 252), slice(252, 504)
    excess = {}
    for name, risk in {
        "joint": rp.risk.StatisticalFactor(n_factors=3),
        "single": _SingleAssetStatisticalFactor(n_factors=3),
    }.items():
        model = rp.Replicator(
            risk=risk,
            constraints=[rp.constraints.FullyInvested(), rp.constraints.LongOnly()],
        )
        w = model.solve(returns=R.iloc[train], benchmark=index.iloc[train]).weights
        active = R.iloc[test] @ w.reindex(R.columns) - index.iloc[test]
        excess[name] = float(np.var(active)) - noise**2
    assert excess["joint"] < 0.6 * excess["single"]


def test_ex_ante_specific_variance_is_the_gcv_prediction():
    R, index, _ = _index_of_constituents(n_dates=252, n_assets=80, noise=0.003)
    risk = rp.risk.StatisticalFactor(n_factors=3).fit(R, index)
    fit = risk.ridge_
    assert risk.factors_.benchmark_specific_var == pytest.approx(fit.prediction_var)
    # The GCV estimate is above the in-sample residual (it is not overfitted).
    assert fit.prediction_var > fit.residual_var > 0
    # About the injected noise: 0.003 daily, annualized.
    assert fit.prediction_var == pytest.approx(0.003**2 * 252, rel=0.5)


def test_n_factors_above_the_number_of_assets_is_rejected():
    R, index, _ = _index_of_constituents(n_dates=100, n_assets=8)
    for bench in (None, index):
        with pytest.raises(ConfigError, match=r"n_factors=9 .*8 assets"):
            rp.risk.StatisticalFactor(n_factors=9).fit(R, bench)
    rp.risk.StatisticalFactor(n_factors=8).fit(R, index)  # the limit itself is fine


@pytest.mark.parametrize("shape", [(120, 60), (60, 120)])
def test_the_model_equals_a_separate_pca_and_ridge(shape):
    # principal_split reuses one eigendecomposition for the factors and the
    # residual's spectrum; the result equals a fresh ridge_gcv on the residual.
    from replicator.risk._sample import centred_factor
    from replicator.risk._statistical_factor import principal_factors

    R, index, _ = _index_of_constituents(n_dates=shape[0], n_assets=shape[1])
    risk = rp.risk.StatisticalFactor(n_factors=4).fit(R, index)
    G = centred_factor(R.to_numpy(), 252.0)
    gb = centred_factor(index.to_numpy()[:, None], 252.0)[:, 0]
    U, E = principal_factors(G, 4)
    ref = ridge_gcv(
        G - U @ E,
        gb - U @ (U.T @ gb),
        n_free=shape[0] - 5,
        priors=[np.full(shape[1], 1 / shape[1])],
    )
    f = risk.factors_
    np.testing.assert_allclose(np.abs(f.exposures), np.abs(E), atol=1e-10)
    np.testing.assert_allclose(risk.ridge_.coef, ref.coef, rtol=1e-6, atol=1e-10)
    assert f.benchmark_specific_var == pytest.approx(ref.prediction_var, rel=1e-6)
