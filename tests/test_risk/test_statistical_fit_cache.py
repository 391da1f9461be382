"""StatisticalFactor skips the refit on unchanged data and limits BLAS threads."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_info

import replicator as rp
from replicator.risk._utils import SMALL_FLOPS, blas_single_thread, fingerprint


@pytest.fixture
def window():
    rng = np.random.default_rng(3)
    dates = pd.bdate_range("2021-01-01", periods=80)
    R = pd.DataFrame(rng.normal(0, 0.01, (80, 30)), dates, [f"T{i}" for i in range(30)])
    return R, (R.mean(axis=1) + rng.normal(0, 1e-3, 80)).rename("IDX")


class Counting(rp.risk.StatisticalFactor):
    calls = 0

    def _fit_factors(self, *args):
        type(self).calls += 1
        return super()._fit_factors(*args)


def _changed(R, idx):
    """Copies of the data, each differing from the original in one way."""
    bumped = R.copy()
    bumped.iloc[5, 7] += 1e-12
    shifted = R.index + pd.Timedelta(days=1)
    zero = idx.copy()
    zero.iloc[0] = 0.0
    return [
        (bumped, idx),  # one value
        (R, zero),  # one benchmark value
        (R.set_axis(shifted), idx.set_axis(shifted)),  # the dates
        (R.rename(columns={"T0": "X0"}), idx),  # a ticker
        (R, None),  # weights mode
    ]


def test_refit_is_skipped_only_when_the_data_are_unchanged(window):
    R, idx = window
    Counting.calls = 0
    risk = Counting(n_factors=3)
    risk.fit(R, idx)
    first = risk.factors_
    risk.fit(R.copy(), idx.copy())  # equal data, new objects: skipped
    assert Counting.calls == 1 and risk.factors_ is first
    expected = 1
    for R2, idx2 in _changed(R, idx):
        risk.fit(R2, idx2)
        risk.fit(R, idx)  # back to the original data: fitted again
        expected += 2
        assert Counting.calls == expected
    risk.fit(R, idx, periods_per_year=365.0)
    assert Counting.calls == expected + 1
    risk.n_factors = 4
    risk.fit(R, idx, periods_per_year=365.0)
    assert Counting.calls == expected + 2 and risk.factors_.n_factors == 4


def test_a_refit_after_an_error_is_not_skipped(window):
    R, idx = window
    risk = rp.risk.StatisticalFactor(n_factors=3).fit(R, idx)
    bad = R.copy()
    bad.iloc[3, 2] = np.nan
    with pytest.raises(rp.exceptions.DataError):
        risk.fit(bad, idx)
    with pytest.raises(rp.exceptions.DataError):
        risk.fit(bad, idx)


def test_the_cached_fit_gives_the_same_solve(window):
    R, idx = window
    model = rp.Replicator(
        risk=rp.risk.StatisticalFactor(n_factors=3),
        constraints=[rp.constraints.FullyInvested(), rp.constraints.LongOnly()],
    )
    a = model.solve(returns=R, benchmark=idx)
    b = model.solve(returns=R, benchmark=idx)
    fresh = rp.Replicator(
        risk=rp.risk.StatisticalFactor(n_factors=3),
        constraints=[rp.constraints.FullyInvested(), rp.constraints.LongOnly()],
    ).solve(returns=R, benchmark=idx)
    np.testing.assert_allclose(b.weights, a.weights, atol=1e-9)
    np.testing.assert_allclose(b.weights, fresh.weights, atol=1e-9)


def test_fingerprint_distinguishes_values_labels_and_scalars(window):
    R, idx = window
    assert fingerprint(R, idx, 252.0) == fingerprint(R.copy(), idx.copy(), 252.0)
    assert fingerprint(R, idx, 252.0) != fingerprint(R, idx, 365.0)
    assert fingerprint(R, idx) != fingerprint(R, idx.rename("OTHER"))
    assert fingerprint(R.astype(object), idx) is None


def _blas_threads() -> int:
    return max(i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas")


def test_small_fits_run_on_one_blas_thread():
    with blas_single_thread(1e6):
        assert _blas_threads() == 1
    with blas_single_thread(10 * SMALL_FLOPS):
        assert _blas_threads() == max(1, _blas_threads())


def test_factors_set_by_hand_are_refitted(window):
    R, idx = window
    risk = rp.risk.StatisticalFactor(n_factors=3).fit(R, idx)
    fitted = risk.factors_
    risk.factors_ = rp.risk.StatisticalFactor(n_factors=2).fit(R, idx).factors_
    risk.fit(R, idx)
    assert risk.factors_.n_factors == 3
    np.testing.assert_array_equal(risk.factors_.exposures, fitted.exposures)
