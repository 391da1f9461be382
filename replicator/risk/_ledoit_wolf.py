"""Ledoit-Wolf shrinkage of the sample covariance towards a scaled identity."""

from __future__ import annotations

import numpy as np
import pandas as pd

from replicator.risk._base import RiskFactors, RiskModel
from replicator.risk._sample import centred_factor
from replicator.risk._utils import joint_returns
from replicator.terms import Interval

__all__ = ["LedoitWolf"]


class LedoitWolf(RiskModel):
    r"""Sample covariance shrunk towards ``mu * I``, in factor form.

    Parameters
    ----------
    shrinkage : float in [0, 1] or None, default None
        Shrinkage intensity ``delta``. None estimates it with the Ledoit-Wolf
        (2004) formula (``sklearn.covariance.ledoit_wolf_shrinkage``).

    Attributes
    ----------
    shrinkage_ : float
        The intensity used by the last :meth:`fit`.

    Notes
    -----
    With ``S`` the maximum-likelihood sample covariance (divisor ``T``, as in
    Ledoit & Wolf and scikit-learn) annualized by ``p`` periods per year and
    :math:`\mu = \mathrm{tr}(S)/n`:

    .. math::

        \Sigma_{LW} = (1-\delta) S + \delta \mu I, \qquad
        G = \sqrt{1-\delta}\,\sqrt{p/T}\,(X - \bar X), \qquad
        s_i = \sqrt{\delta \mu}

    so :math:`\Sigma_{LW} = G^T G + \mathrm{diag}(s^2)` without an n x n
    matrix; it equals ``sklearn.covariance.LedoitWolf().fit(X).covariance_ * p``.
    The divisor ``T`` (not ``T - 1``) makes the covariance ``(T-1)/T`` times
    that of :class:`SampleCovariance` at ``delta = 0``.

    In returns-only mode the estimate is joint on ``[assets, benchmark]``:
    ``delta`` and ``mu`` include the benchmark column, whose centred returns
    give ``g`` and whose own specific variance ``delta * mu`` is the constant
    ``c0`` of the tracking variance.

    Examples
    --------
    >>> import replicator as rp
    >>> risk = rp.risk.LedoitWolf()                 # estimated intensity
    >>> fixed = rp.risk.LedoitWolf(shrinkage=0.2)
    """

    _parameter_constraints = {"shrinkage": Interval(0, 1, allow_none=True)}
    min_observations = 2

    def __init__(self, *, shrinkage: float | None = None) -> None:
        self.shrinkage = shrinkage

    def _fit_factors(
        self,
        returns: pd.DataFrame | None,
        benchmark_returns: pd.Series | None,
        periods_per_year: float,
    ) -> RiskFactors:
        X, xb, assets = joint_returns(returns, benchmark_returns, self.name)
        data = X if xb is None else np.column_stack([X, xb])
        n_dates = data.shape[0]
        if self.shrinkage is None:
            from sklearn.covariance import ledoit_wolf_shrinkage

            centred = data - data.mean(axis=0)
            delta = float(ledoit_wolf_shrinkage(centred, assume_centered=True))
        else:
            delta = float(self.shrinkage)
        self.shrinkage_ = delta
        # MLE covariance: the (T-1) divisor of centred_factor rescaled to T.
        G_full = centred_factor(data, periods_per_year * (n_dates - 1) / n_dates)
        mu = float(np.mean(np.sum(G_full**2, axis=0)))
        G = np.sqrt(1.0 - delta) * G_full
        spec = np.full(data.shape[1], np.sqrt(delta * mu))
        if xb is None:
            return RiskFactors(assets, G, spec)
        return RiskFactors(
            assets=assets,
            exposures=G[:, :-1],
            specific=spec[:-1],
            benchmark_exposure=G[:, -1],
            # The index is a portfolio of the assets: shrinking its own
            # variance towards mu would add a constant delta*mu to every TE^2
            # (5 % a year on the S&P 500 data). Only the asset block is
            # shrunk; the joint matrix stays PSD.
            benchmark_specific_var=0.0,
        )
