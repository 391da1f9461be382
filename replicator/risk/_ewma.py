"""Exponentially weighted (EWMA) covariance, in its exact low-rank factor form."""

from __future__ import annotations

import numpy as np
import pandas as pd

from replicator.risk._base import RiskFactors, RiskModel
from replicator.risk._sample import centred_factor
from replicator.risk._utils import joint_returns
from replicator.terms import Interval

__all__ = ["EWMA", "ewma_weights"]


def ewma_weights(n_dates: int, halflife: float) -> np.ndarray:
    r"""Return normalized exponential weights, the newest observation last.

    Parameters
    ----------
    n_dates : int
        Number of observations ``T``.
    halflife : float
        Half-life in observations.

    Returns
    -------
    ndarray of shape (n_dates,)
        :math:`\lambda_t \propto 2^{-(T-1-t)/h}`, summing to 1.
    """
    age = np.arange(n_dates - 1, -1, -1, dtype=float)
    w = np.exp2(-age / float(halflife))
    return w / w.sum()


class EWMA(RiskModel):
    r"""Exponentially weighted covariance of daily returns.

    Parameters
    ----------
    halflife : float, default 63
        Half-life of the observation weights, in observations (63 trading days
        is about one quarter).

    Notes
    -----
    With weights :math:`\lambda_t \propto 2^{-(T-1-t)/h}` summing to 1 and the
    weighted mean :math:`\bar x_\lambda = \sum_t \lambda_t x_t`:

    .. math::

        \Sigma = \frac{p}{1 - \sum_t \lambda_t^2}
            \sum_t \lambda_t (x_t - \bar x_\lambda)(x_t - \bar x_\lambda)^T,
        \qquad G_t = \sqrt{p\,\lambda_t / (1 - \textstyle\sum\lambda^2)}
            \,(x_t - \bar x_\lambda)

    (the bias-corrected, "reliability weights" estimator, equal to
    ``np.cov(X.T, aweights=lambda) * p``). ``G`` has one row per date, so no
    n x n matrix is formed. In returns-only mode the benchmark is one more
    column and its row of ``G`` gives ``g``.

    Examples
    --------
    >>> import replicator as rp
    >>> risk = rp.risk.EWMA(halflife=63)
    """

    _parameter_constraints = {"halflife": Interval(0, None, closed="neither")}
    min_observations = 2

    def __init__(self, *, halflife: float = 63) -> None:
        self.halflife = halflife

    def _fit_factors(
        self,
        returns: pd.DataFrame | None,
        benchmark_returns: pd.Series | None,
        periods_per_year: float,
    ) -> RiskFactors:
        X, xb, assets = joint_returns(returns, benchmark_returns, self.name)
        data = X if xb is None else np.column_stack([X, xb])
        weights = ewma_weights(data.shape[0], float(self.halflife))
        G = centred_factor(data, periods_per_year, weights=weights)
        if xb is None:
            return RiskFactors(assets, G, np.zeros(X.shape[1]))
        return RiskFactors(
            assets=assets,
            exposures=G[:, :-1],
            specific=np.zeros(X.shape[1]),
            benchmark_exposure=G[:, -1],
        )
