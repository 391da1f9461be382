"""Sample covariance, in its exact low-rank factor form."""

from __future__ import annotations

import numpy as np
import pandas as pd

from replicator.risk._base import RiskFactors, RiskModel
from replicator.risk._utils import joint_returns

__all__ = ["SampleCovariance", "centred_factor"]


def centred_factor(
    X: np.ndarray, periods_per_year: float, weights: np.ndarray | None = None
) -> np.ndarray:
    r"""Return ``G`` with ``G.T @ G`` equal to the annualized sample covariance.

    Parameters
    ----------
    X : ndarray of shape (n_dates, n_cols)
        Returns.
    periods_per_year : float
        Annualization factor.
    weights : ndarray of shape (n_dates,), optional
        Non-negative observation weights (EWMA); they are normalized to sum to
        1. Unweighted uses ``1/(T-1)``.

    Returns
    -------
    ndarray of shape (n_dates, n_cols)

    Notes
    -----
    Unweighted: :math:`G = \sqrt{p/(T-1)}\,(X - \bar X)`. Weighted:
    :math:`G = \sqrt{p}\,\mathrm{diag}(\sqrt{\lambda})(X - \bar X_\lambda)`
    with the bias correction :math:`1/(1-\sum\lambda_t^2)`, so that
    :math:`G^T G` equals ``np.cov(X.T, aweights=weights) * p``.
    """
    if weights is None:
        Xc = X - X.mean(axis=0)
        return Xc * np.sqrt(periods_per_year / (X.shape[0] - 1))
    weights = np.asarray(weights, dtype=float)
    weights = weights / weights.sum()
    mean = weights @ X
    Xc = X - mean
    correction = 1.0 / (1.0 - float(np.sum(weights**2)))
    return Xc * np.sqrt(weights * correction * periods_per_year)[:, None]


class SampleCovariance(RiskModel):
    r"""Sample covariance of daily returns, used through its square-root factor.

    The centred returns matrix is itself the factor, so the optimizer never
    forms the n x n covariance.

    Notes
    -----
    .. math::

        \Sigma = \frac{p}{T-1} (X - \bar X)^T (X - \bar X), \qquad
        \mathrm{TE}^2 = \lVert G (w - b) \rVert^2,\;
        G = \sqrt{p/(T-1)}\,(X - \bar X)

    with ``p`` the periods per year. In returns-only mode the benchmark's
    centred returns ``x_b`` give ``TE^2 = ||G w - g||^2`` with ``g`` its column.

    Examples
    --------
    >>> import replicator as rp
    >>> risk = rp.risk.SampleCovariance()
    """

    _parameter_constraints = {}
    min_observations = 2

    def __init__(self) -> None:
        """No parameters: the estimator is fully determined by the returns."""

    def _fit_factors(
        self,
        returns: pd.DataFrame | None,
        benchmark_returns: pd.Series | None,
        periods_per_year: float,
    ) -> RiskFactors:
        X, xb, assets = joint_returns(returns, benchmark_returns, self.name)
        if xb is not None:
            joint = centred_factor(np.column_stack([X, xb]), periods_per_year)
            G, g = joint[:, :-1], joint[:, -1]
        else:
            G, g = centred_factor(X, periods_per_year), None
        return RiskFactors(
            assets=assets,
            exposures=G,
            specific=np.zeros(X.shape[1]),
            benchmark_exposure=g,
        )
