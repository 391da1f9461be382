"""Statistical (PCA) factor model: k principal components plus specific risk."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.linalg

from replicator.exceptions import ConfigError
from replicator.risk._base import RiskFactors, RiskModel
from replicator.risk._sample import centred_factor
from replicator.risk._utils import (
    blas_single_thread,
    fingerprint,
    joint_returns,
    ridge_gcv,
)
from replicator.terms import Interval

__all__ = [
    "StatisticalFactor",
    "pca_factors",
    "principal_factors",
    "principal_split",
]


def principal_factors(
    G_full: np.ndarray, n_factors: int
) -> tuple[np.ndarray, np.ndarray]:
    r"""Top ``k`` principal directions of a square-root factor.

    Parameters
    ----------
    G_full : ndarray of shape (n_dates, n_cols)
        Square-root factor of the (annualized) sample covariance.
    n_factors : int
        Number of principal components ``k`` (at most ``min(n_dates, n_cols)``).

    Returns
    -------
    U : ndarray of shape (n_dates, k)
        Orthonormal top-``k`` left singular vectors.
    exposures : ndarray of shape (k, n_cols)
        ``U^T G = S_k V_k^T``.

    Notes
    -----
    With the thin SVD :math:`G = U S V^T`, the top-``k`` eigenpairs of the
    smaller Gram matrix (:math:`G G^T`, or :math:`G^T G` when there are more
    dates than columns) give :math:`U_k` or :math:`V_k` directly, and

    .. math:: S_k V_k^T = U_k^T G, \qquad U_k = G V_k S_k^{-1}.

    Measured on the S&P 500 window (252 x 387): 8 ms against 23 ms for the
    full SVD. Since ``U_k`` is orthonormal, ``U_k^T G`` is an exact projection:
    the explained variance never exceeds the total.
    """
    T, N = G_full.shape
    k = int(min(n_factors, T, N))
    if T <= N:
        gram = G_full @ G_full.T
        _, U = scipy.linalg.eigh(
            gram, subset_by_index=[T - k, T - 1], check_finite=False
        )
        U = U[:, ::-1]
        return U, U.T @ G_full
    gram = G_full.T @ G_full
    vals, V = scipy.linalg.eigh(
        gram, subset_by_index=[N - k, N - 1], check_finite=False
    )
    vals, V = vals[::-1], V[:, ::-1]
    S = np.sqrt(np.maximum(vals, 0.0))
    GV = G_full @ V
    U = np.divide(GV, S, out=np.zeros_like(GV), where=S > 0)
    return U, S[:, None] * V.T


def principal_split(
    G_full: np.ndarray, n_factors: int
) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:
    r"""Top ``k`` principal directions and the spectrum of the residual.

    Parameters
    ----------
    G_full : ndarray of shape (n_dates, n_cols)
        Square-root factor of the (annualized) sample covariance.
    n_factors : int
        Number of principal components ``k``.

    Returns
    -------
    U, exposures : ndarray
        As :func:`principal_factors`.
    residual_spectrum : (ndarray, ndarray)
        Eigenvalues and eigenvectors of the residual's smaller Gram matrix
        (:math:`R R^T`, or :math:`R^T R` when there are more dates than
        columns), with :math:`R = G - U_k U_k^T G`; the ``spectrum`` argument
        of :func:`~replicator.risk._utils.ridge_gcv`.

    Notes
    -----
    One full eigendecomposition of the smaller Gram matrix serves both: with
    :math:`G G^T = Q \Lambda Q^T` (eigenvalues descending), :math:`U_k` is the
    first ``k`` columns of ``Q`` and :math:`R R^T = P G G^T P = Q_{>k}
    \Lambda_{>k} Q_{>k}^T` (``P = I - U_k U_k^T``); likewise
    :math:`R^T R = V_{>k} \Lambda_{>k} V_{>k}^T`. This replaces a truncated
    eigensolver plus a second full eigendecomposition of the residual.
    """
    T, N = G_full.shape
    k = int(min(n_factors, T, N))
    small = T <= N
    gram = G_full @ G_full.T if small else G_full.T @ G_full
    lam, Q = scipy.linalg.eigh(gram, driver="evd", check_finite=False)
    lam, Q = lam[::-1], Q[:, ::-1]
    rest = (np.maximum(lam[k:], 0.0), Q[:, k:])
    if small:
        U = Q[:, :k]
        return U, U.T @ G_full, rest
    S = np.sqrt(np.maximum(lam[:k], 0.0))
    GV = G_full @ Q[:, :k]
    U = np.divide(GV, S, out=np.zeros_like(GV), where=S > 0)
    return U, S[:, None] * Q[:, :k].T, rest


def pca_factors(
    G_full: np.ndarray,
    n_factors: int,
    min_specific: float = 1e-10,
    exposures: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Split a square-root factor into ``k`` principal factors and specifics.

    Parameters
    ----------
    G_full : ndarray of shape (n_dates, n_cols)
        Square-root factor of the (annualized) sample covariance.
    n_factors : int
        Number of principal components kept.
    min_specific : float
        Floor of the specific variances.
    exposures : ndarray of shape (k, n_cols), optional
        Precomputed :func:`principal_factors` exposures.

    Returns
    -------
    exposures : ndarray of shape (k, n_cols)
    specific : ndarray of shape (n_cols,)
        Specific volatilities.

    Notes
    -----
    With the thin SVD :math:`G = U S V^T`, the factor part is
    :math:`S_k V_k^T` and the specific variance is
    :math:`\mathrm{diag}(G^T G) - \mathrm{diag}(V_k S_k^2 V_k^T)`.
    """
    if exposures is None:
        exposures = principal_factors(G_full, n_factors)[1]
    total = np.sum(G_full**2, axis=0)
    spec = np.maximum(total - np.sum(exposures**2, axis=0), min_specific)
    return exposures, np.sqrt(spec)


class StatisticalFactor(RiskModel):
    r"""PCA factor model with ``n_factors`` components and specific variances.

    Parameters
    ----------
    n_factors : int, default 10
        Number of principal components.

    Notes
    -----
    .. math::

        \Sigma = B F B^T + D, \qquad
        \mathrm{TE}^2 = \lVert F^{1/2} B^T (w - b) \rVert^2
                      + \lVert D^{1/2} (w - b) \rVert^2

    estimated from the annualized sample covariance of the assets by its top
    ``k`` eigenpairs; ``D`` is the residual diagonal.

    In returns-only mode the benchmark's factor loadings are the projection
    of its centred returns :math:`g_b` on the assets' principal directions,
    :math:`g = U_k^T g_b`, and its exposure to the asset-specific returns is
    estimated *jointly*: the benchmark's residual
    :math:`e_b = g_b - U_k g` is regressed on all the assets' residuals
    :math:`E = G - U_k U_k^T G` at once, by ridge regression with the penalty
    chosen by generalized cross-validation (``ridge_gcv``, centred on
    zero or on the equal-weight vector, whichever has the lower GCV),

    .. math::

        b_s = \arg\min_\beta \lVert e_b - E \beta \rVert^2
              + \alpha \lVert \beta - \beta_0 \rVert^2,
        \qquad c_0 = \frac{\mathrm{RSS}}{(1 - \mathrm{df}/(T-1-k))^2},

    where ``c0`` (the benchmark's own specific variance) is the GCV estimate
    of the out-of-sample residual variance, so the ex-ante TE is not
    over-confident. One noisy single-asset regression per asset (the
    previous estimate) over-fits when there are as many assets as dates.
    ``ridge_`` holds the chosen penalty, degrees of freedom and residuals.

    Examples
    --------
    >>> import replicator as rp
    >>> risk = rp.risk.StatisticalFactor(n_factors=10)
    """

    _parameter_constraints = {"n_factors": Interval(1, None, integer=True)}

    def __init__(self, *, n_factors: int = 10) -> None:
        self.n_factors = n_factors

    def fit(
        self,
        returns: pd.DataFrame | None,
        benchmark_returns: pd.Series | None = None,
        *,
        periods_per_year: float = 252.0,
    ) -> StatisticalFactor:
        """Estimate the model; skipped when the data are those of the last fit.

        See :meth:`RiskModel.fit`. A digest of the returns, the benchmark
        returns, ``periods_per_year`` and ``n_factors`` is kept; a re-solve
        on an unchanged window reuses ``factors_``. The dense linear algebra
        runs on one BLAS thread when it is small.
        """
        key = None
        if isinstance(returns, pd.DataFrame):
            key = fingerprint(
                returns, benchmark_returns, periods_per_year, self.n_factors
            )
            last = self.__dict__.get("_fit_key")
            if key is not None and last == (key, id(self.__dict__.get("factors_"))):
                return self
        self.__dict__.pop("_fit_key", None)
        shape = getattr(returns, "shape", (0, 0))
        flops = float(min(shape) ** 2 * max(shape))
        with blas_single_thread(flops):
            super().fit(returns, benchmark_returns, periods_per_year=periods_per_year)
        if key is not None:
            self._fit_key = (key, id(self.factors_))
        return self

    @property
    def min_observations(self) -> int:  # type: ignore[override]
        """At least ``n_factors + 1`` observations are needed."""
        return int(self.n_factors) + 1

    def _fit_factors(
        self,
        returns: pd.DataFrame | None,
        benchmark_returns: pd.Series | None,
        periods_per_year: float,
    ) -> RiskFactors:
        X, xb, assets = joint_returns(returns, benchmark_returns, self.name)
        k = int(self.n_factors)
        if k > X.shape[1]:
            raise ConfigError(
                f"{self.name}: n_factors={k} is more than the {X.shape[1]} assets "
                f"in the returns. Use n_factors <= {X.shape[1]} (a few to a few "
                "dozen factors is usual)."
            )
        G = centred_factor(X, periods_per_year)
        if xb is None:
            U, exposures = principal_factors(G, k)
            return RiskFactors(assets, *pca_factors(G, k, exposures=exposures))
        # Returns-only: the benchmark's loadings on the assets' principal
        # factors, then its residual regressed jointly (ridge, GCV) on theirs.
        U, exposures, rest = principal_split(G, k)
        exposures, specific = pca_factors(G, k, exposures=exposures)
        gb = centred_factor(xb[:, None], periods_per_year)[:, 0]
        loadings = U.T @ gb
        n = X.shape[1]
        fit = ridge_gcv(
            G - U @ exposures,
            gb - U @ loadings,
            n_free=G.shape[0] - 1 - k,
            priors=[np.full(n, 1.0 / n)],
            spectrum=rest,
        )
        self.ridge_ = fit
        return RiskFactors(
            assets=assets,
            exposures=exposures,
            specific=specific,
            benchmark_exposure=loadings,
            benchmark_specific_var=fit.prediction_var,
            benchmark_specific=fit.coef,
        )
