"""A user-supplied fundamental factor model: exposures, factor covariance, specifics."""

from __future__ import annotations

import numpy as np
import pandas as pd

from replicator.data._validate import format_items
from replicator.exceptions import DataError, MissingAssetsError, ModelError, NaNError
from replicator.risk._base import RiskFactors, RiskModel
from replicator.risk._utils import (
    benchmark_label,
    numeric_frame,
    psd_factor,
    symmetrized,
)
from replicator.terms import Interval

__all__ = ["FactorModel"]


class FactorModel(RiskModel):
    r"""Risk model ``Sigma = B F B^T + D`` given directly (e.g. from a vendor).

    Parameters
    ----------
    exposures : DataFrame of shape (n_assets, n_factors)
        Factor exposures ``B``, tickers as rows and factor names as columns.
    factor_covariance : DataFrame of shape (n_factors, n_factors)
        Factor covariance ``F``, factor names on both axes (any order).
    specific_variance : Series of shape (n_assets,)
        Specific (idiosyncratic) variances ``D`` by ticker, as variances, not
        volatilities.
    periods_per_year : float or None, default None
        None means ``F`` and ``D`` are already annualized; otherwise they are
        per-period (e.g. daily) and are multiplied by ``periods_per_year``.
        The Replicator's own ``periods_per_year`` is not applied to a model
        given directly.

    Notes
    -----
    With the factorization :math:`F = L L^T` (Cholesky, or the eigenvalue
    square root when ``F`` is only semidefinite):

    .. math::

        \mathrm{TE}^2 = \lVert L^T B^T (w - b) \rVert^2
                      + \lVert D^{1/2} (w - b) \rVert^2,
        \qquad G = L^T B^T,\; s = \sqrt{\mathrm{diag}(D)}

    A factor covariance with negative eigenvalues is repaired by clipping them
    to zero, with a :class:`~replicator.exceptions.CovarianceRepairWarning`.

    Returns-only mode: the benchmark must be a row of ``exposures`` and of
    ``specific_variance``, labelled with the benchmark return Series' name;
    its loadings give ``g = L^T B_b^T`` and its specific variance ``c0``.

    Examples
    --------
    >>> import pandas as pd
    >>> import replicator as rp
    >>> B = pd.DataFrame({"mkt": [1.0, 0.8]}, index=["AAA", "BBB"])
    >>> F = pd.DataFrame([[0.04]], index=["mkt"], columns=["mkt"])
    >>> D = pd.Series([0.01, 0.02], index=["AAA", "BBB"])
    >>> risk = rp.risk.FactorModel(B, F, D)
    """

    _parameter_constraints = {
        "exposures": pd.DataFrame,
        "factor_covariance": pd.DataFrame,
        "specific_variance": pd.Series,
        "periods_per_year": Interval(0, None, closed="neither", allow_none=True),
    }
    needs_returns = False

    def __init__(
        self,
        exposures: pd.DataFrame,
        factor_covariance: pd.DataFrame,
        specific_variance: pd.Series,
        *,
        periods_per_year: float | None = None,
    ) -> None:
        self.exposures = exposures
        self.factor_covariance = factor_covariance
        self.specific_variance = specific_variance
        self.periods_per_year = periods_per_year

    @property
    def name(self) -> str:
        """Short label, e.g. ``FactorModel(3 factors)``."""
        n = getattr(self.exposures, "shape", (0, 0))[1]
        return f"FactorModel({n} factors)"

    def _factor_covariance(self, factors: pd.Index) -> np.ndarray:
        what = "FactorModel.factor_covariance"
        F = numeric_frame(self.factor_covariance, what)
        if F.shape[0] != F.shape[1]:
            raise DataError(
                f"{what} must be square (factors x factors); got shape {F.shape}."
            )
        for axis, labels in (("rows", F.index), ("columns", F.columns)):
            extra = labels.difference(factors)
            missing = factors.difference(labels)
            if len(extra) or len(missing):
                raise DataError(
                    f"{what} {axis} do not match the factors (columns) of "
                    f"FactorModel.exposures: missing {format_items(missing)}; "
                    f"unknown {format_items(extra)}. Use the same factor names."
                )
        return symmetrized(F.loc[factors, factors], what)

    def _specific(self, tickers: pd.Index) -> np.ndarray:
        what = "FactorModel.specific_variance"
        try:
            D = self.specific_variance.astype(float)
        except (TypeError, ValueError) as exc:
            raise DataError(f"{what} must hold numbers; {exc}.") from None
        D.index = D.index.map(str)
        if D.index.has_duplicates:
            dups = D.index[D.index.duplicated()].unique()
            raise DataError(f"{what} has duplicate tickers: {format_items(dups)}.")
        bad = D.index[~np.isfinite(D.to_numpy())]
        if len(bad):
            raise NaNError(
                f"{what} has NaN or infinite values for {format_items(bad)}. "
                "Give every asset a specific variance (0 if none)."
            )
        negative = D.index[D.to_numpy() < 0]
        if len(negative):
            raise DataError(
                f"{what} must be non-negative (variances, not returns); got "
                f"negative values for {format_items(negative)}."
            )
        missing = tickers.difference(D.index)
        if len(missing):
            raise MissingAssetsError(
                f"{what} has no value for {len(missing)} tickers of "
                f"FactorModel.exposures: {format_items(missing)}. Add them."
            )
        unknown = D.index.difference(tickers)
        if len(unknown):
            raise DataError(
                f"{what} names {len(unknown)} tickers that are not rows of "
                f"FactorModel.exposures: {format_items(unknown)}. Add their "
                "exposures or drop them."
            )
        return D.reindex(tickers).to_numpy(dtype=float)

    def _fit_factors(
        self,
        returns: pd.DataFrame | None,
        benchmark_returns: pd.Series | None,
        periods_per_year: float,
    ) -> RiskFactors:
        B = numeric_frame(self.exposures, "FactorModel.exposures")
        if B.shape[1] == 0:
            raise DataError("FactorModel.exposures has no factor columns.")
        F = self._factor_covariance(B.columns)
        D = self._specific(B.index)
        scale = 1.0 if self.periods_per_year is None else float(self.periods_per_year)
        try:
            Lt = np.linalg.cholesky(F * scale).T
        except np.linalg.LinAlgError:
            Lt = psd_factor(F * scale, "FactorModel.factor_covariance")
        G = Lt @ B.to_numpy().T
        spec = np.sqrt(D * scale)
        if benchmark_returns is None:
            return RiskFactors(B.index, G, spec)
        label = benchmark_label(benchmark_returns, self.name, "exposures")
        if label not in B.index:
            raise ModelError(
                f"The benchmark is given as a return series named {label!r}, but "
                "FactorModel.exposures has no row with that name, so the model "
                f"cannot price it. Add the benchmark's exposures as row {label!r} "
                "(and its specific variance to specific_variance), or pass "
                "benchmark weights by ticker."
            )
        j = B.index.get_loc(label)
        keep = np.arange(B.shape[0]) != j
        return RiskFactors(
            assets=B.index[keep],
            exposures=G[:, keep],
            specific=spec[keep],
            benchmark_exposure=G[:, j],
            benchmark_specific_var=float(spec[j] ** 2),
        )
