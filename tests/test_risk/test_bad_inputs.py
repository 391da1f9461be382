"""Every user-triggerable error of the risk models, with its message."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import replicator as rp
from replicator.exceptions import (
    ConfigError,
    CovarianceRepairWarning,
    DataError,
    MisalignedIndexError,
    MissingAssetsError,
    ModelError,
    NaNError,
)


@pytest.fixture
def fm(factor_parts):
    return factor_parts


def cov3():
    t = ["A", "B", "C"]
    return pd.DataFrame(
        [[0.04, 0.01, 0.0], [0.01, 0.09, 0.02], [0.0, 0.02, 0.16]], index=t, columns=t
    )


# ----------------------------------------------------------------- Covariance
def test_covariance_nan_names_rows():
    S = cov3()
    S.loc["B", "C"] = np.nan
    with pytest.raises(NaNError, match=r"Covariance.matrix has 1 NaN .* rows 'B'"):
        rp.risk.Covariance(S).fit(None)


def test_covariance_not_square():
    S = cov3().iloc[:, :2]
    with pytest.raises(
        DataError, match=r"must be a non-empty square matrix .* \(3, 2\)"
    ):
        rp.risk.Covariance(S).fit(None)


def test_covariance_mismatched_labels():
    S = cov3()
    S.columns = ["A", "B", "X"]
    with pytest.raises(DataError, match=r"only in rows 'C'; only in columns 'X'"):
        rp.risk.Covariance(S).fit(None)


def test_covariance_duplicate_labels():
    S = cov3()
    S.index = ["A", "A", "C"]
    with pytest.raises(DataError, match=r"duplicate rows: 'A'"):
        rp.risk.Covariance(S).fit(None)


def test_covariance_asymmetric():
    S = cov3()
    S.loc["A", "C"] = 0.005
    with pytest.raises(DataError, match=r"not symmetric: entry \('A', 'C'\) is 0.005"):
        rp.risk.Covariance(S).fit(None)


def test_covariance_tiny_asymmetry_is_symmetrized():
    S = cov3()
    S.loc["A", "B"] += 1e-12
    model = rp.risk.Covariance(S).fit(None)
    f = model.factors_
    np.testing.assert_allclose(f.exposures.T @ f.exposures, cov3(), atol=1e-11)


def test_covariance_not_a_dataframe():
    with pytest.raises(
        ConfigError, match=r"The 'matrix' parameter of Covariance must be"
    ):
        rp.risk.Covariance(np.eye(3)).fit(None)


def test_covariance_non_psd_is_repaired_with_a_warning():
    t = ["A", "B", "C"]
    S = pd.DataFrame(
        [[1.0, 0.9, -0.9], [0.9, 1.0, 0.9], [-0.9, 0.9, 1.0]], index=t, columns=t
    )
    lam, V = np.linalg.eigh(S)
    assert lam.min() < 0
    with pytest.warns(
        CovarianceRepairWarning,
        match=(
            r"Covariance.matrix is not positive semidefinite: 1 negative "
            rf"eigenvalues, the most negative {lam.min():.4g}; .* "
            rf"\({-lam.min() / 3:.2%} of the trace\)"
        ),
    ):
        model = rp.risk.Covariance(S).fit(None)
    f = model.factors_
    repaired = V @ np.diag(np.maximum(lam, 0)) @ V.T
    np.testing.assert_allclose(f.exposures.T @ f.exposures, repaired, atol=1e-12)
    assert f.n_factors == 2


def test_covariance_returns_only_needs_the_benchmark_row(small, joint_cov):
    S = joint_cov
    S = S.drop(index="INDEX", columns="INDEX")
    with pytest.raises(
        ModelError, match=r"Covariance.matrix has no row or column .*'INDEX'"
    ):
        rp.risk.Covariance(S).fit(None, small.index_returns)


def test_covariance_returns_only_needs_a_named_benchmark(small, joint_cov):
    S = joint_cov
    with pytest.raises(ModelError, match=r"benchmark return Series has no name"):
        rp.risk.Covariance(S).fit(None, small.index_returns.rename(None))


# ---------------------------------------------------------------- FactorModel
def test_factor_model_nan_exposure_names_the_ticker(fm):
    B, F, D = fm
    B = B.copy()
    B.loc["A0001", "size"] = np.nan
    with pytest.raises(
        NaNError, match=r"exposures has 1 NaN .* rows 'A0001' \(columns 'size'\)"
    ):
        rp.risk.FactorModel(B, F, D).fit(None)


def test_factor_model_nan_factor_covariance(fm):
    B, F, D = fm
    F = F.copy()
    F.loc["mkt", "mkt"] = np.nan
    with pytest.raises(NaNError, match=r"factor_covariance has 1 NaN .* rows 'mkt'"):
        rp.risk.FactorModel(B, F, D).fit(None)


def test_factor_model_nan_specific_variance(fm):
    B, F, D = fm
    D = D.copy()
    D["A0002"] = np.nan
    with pytest.raises(NaNError, match=r"specific_variance has NaN .* 'A0002'"):
        rp.risk.FactorModel(B, F, D).fit(None)


def test_factor_model_negative_specific_variance(fm):
    B, F, D = fm
    D = D.copy()
    D["A0003"] = -0.01
    with pytest.raises(DataError, match=r"must be non-negative .* 'A0003'"):
        rp.risk.FactorModel(B, F, D).fit(None)


def test_factor_model_missing_specific_variance(fm):
    B, F, D = fm
    with pytest.raises(MissingAssetsError, match=r"no value for 1 tickers .* 'A0004'"):
        rp.risk.FactorModel(B, F, D.drop("A0004")).fit(None)


def test_factor_model_unknown_specific_variance(fm):
    B, F, D = fm
    D = pd.concat([D, pd.Series({"ZZZ": 0.1})])
    with pytest.raises(DataError, match=r"names 1 tickers that are not rows .* 'ZZZ'"):
        rp.risk.FactorModel(B, F, D).fit(None)


def test_factor_model_factor_labels_must_match(fm):
    B, F, D = fm
    F = F.rename(index={"value": "momentum"}, columns={"value": "momentum"})
    with pytest.raises(DataError, match=r"missing 'value'; unknown 'momentum'"):
        rp.risk.FactorModel(B, F, D).fit(None)


def test_factor_model_factor_covariance_not_square(fm):
    B, F, D = fm
    with pytest.raises(DataError, match=r"must be square .* \(3, 2\)"):
        rp.risk.FactorModel(B, F.iloc[:, :2], D).fit(None)


def test_factor_model_duplicate_tickers(fm):
    B, F, D = fm
    B = pd.concat([B, B.iloc[[0]]])
    with pytest.raises(DataError, match=r"exposures has duplicate rows: 'A0000'"):
        rp.risk.FactorModel(B, F, D).fit(None)


def test_factor_model_asymmetric_factor_covariance(fm):
    B, F, D = fm
    F = F.copy()
    F.loc["mkt", "size"] += 0.5
    with pytest.raises(
        DataError, match=r"factor_covariance is not symmetric: entry \('mkt', 'size'\)"
    ):
        rp.risk.FactorModel(B, F, D).fit(None)


def test_factor_model_non_psd_factor_covariance_warns(fm):
    B, _, D = fm
    f = ["mkt", "size", "value"]
    F = pd.DataFrame(
        [[1.0, 0.9, -0.9], [0.9, 1.0, 0.9], [-0.9, 0.9, 1.0]], index=f, columns=f
    )
    with pytest.warns(
        CovarianceRepairWarning,
        match=r"factor_covariance is not positive semidefinite.*most negative -0.8",
    ):
        model = rp.risk.FactorModel(B, F, D).fit(None)
    assert model.factors_.n_factors == 2


def test_factor_model_returns_only_needs_the_benchmark_row(fm, small):
    B, F, D = fm
    with pytest.raises(
        ModelError, match=r"FactorModel.exposures has no row with that name"
    ):
        rp.risk.FactorModel(B.drop("INDEX"), F, D.drop("INDEX")).fit(
            None, small.index_returns
        )


def test_factor_model_with_a_wrong_parameter_type(fm):
    B, F, D = fm
    with pytest.raises(
        ConfigError,
        match=(
            "The 'specific_variance' parameter of FactorModel must be an "
            "instance of Series"
        ),
    ):
        rp.risk.FactorModel(B, F, D.to_numpy()).fit(None)


def test_factor_model_asset_not_covered_by_the_model(fm, small):
    B, F, D = fm
    model = rp.Replicator(risk=rp.risk.FactorModel(B.drop("A0004"), F, D.drop("A0004")))
    with pytest.raises(MissingAssetsError, match=r"'A0004'"):
        model.solve(returns=small.returns, benchmark=small.benchmark)


# --------------------------------------------------------- returns estimators
def test_misaligned_benchmark_returns(small):
    with pytest.raises(MisalignedIndexError, match=r"no value on 3 dates"):
        rp.risk.SampleCovariance().fit(small.returns, small.index_returns.iloc[3:])


def test_nan_benchmark_returns(small):
    bench = small.index_returns.copy()
    bench.iloc[5] = np.nan
    with pytest.raises(NaNError, match=r"benchmark returns have NaN"):
        rp.risk.EWMA().fit(small.returns, bench)


def test_benchmark_returns_must_be_a_series(small):
    with pytest.raises(
        DataError, match=r"must be a pandas Series by date; got ndarray"
    ):
        rp.risk.LedoitWolf().fit(small.returns, small.index_returns.to_numpy())


def test_nan_returns(small):
    R = small.returns.copy()
    R.iloc[3, 2] = np.nan
    with pytest.raises(NaNError, match=r"'A0002'"):
        rp.risk.StatisticalFactor(n_factors=2).fit(R)


def test_too_few_observations_for_the_factors(small):
    with pytest.raises(DataError, match=r"needs at least 6 return observations; got 4"):
        rp.risk.StatisticalFactor(n_factors=5).fit(small.returns.iloc[:4])


def test_too_few_observations_through_the_replicator(small):
    model = rp.Replicator(risk=rp.risk.LedoitWolf())
    with pytest.raises(DataError, match=r"needs at least 2 return observations; got 1"):
        model.solve(returns=small.returns.iloc[:1], benchmark=small.benchmark)
