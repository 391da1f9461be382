"""A user-supplied dense covariance matrix."""

from __future__ import annotations

import numpy as np
import pandas as pd

from replicator.data._validate import format_items
from replicator.exceptions import DataError, ModelError
from replicator.risk._base import RiskFactors, RiskModel
from replicator.risk._utils import (
    benchmark_label,
    numeric_frame,
    psd_factor,
    symmetrized,
)
from replicator.terms import Interval

__all__ = ["Covariance"]


class Covariance(RiskModel):
    r"""Risk model given as a dense covariance matrix.

    Parameters
    ----------
    matrix : DataFrame of shape (n_assets, n_assets)
        Covariance of returns, tickers on both axes (the column order may
        differ from the row order).
    periods_per_year : float or None, default None
        None means ``matrix`` is already annualized; otherwise it is
        per-period (e.g. daily) and is multiplied by ``periods_per_year``. The
        Replicator's own ``periods_per_year`` is not applied to a model given
        directly.

    Notes
    -----
    With the eigendecomposition :math:`\Sigma = V \Lambda V^T`:

    .. math::

        \mathrm{TE}^2 = \lVert G (w - b) \rVert^2, \qquad
        G = \Lambda_+^{1/2} V_+^T

    over the positive eigenvalues (at most ``n_assets`` rows; the user gave
    an n x n matrix, so its square root is n x n too). Negative eigenvalues
    are clipped to zero with a
    :class:`~replicator.exceptions.CovarianceRepairWarning` giving the most
    negative eigenvalue and the share of the trace clipped.

    Returns-only mode: the benchmark must be a row and column of ``matrix``,
    labelled with the benchmark return Series' name; its column of ``G`` is
    ``g``.

    Examples
    --------
    >>> import pandas as pd
    >>> import replicator as rp
    >>> S = pd.DataFrame([[0.04, 0.01], [0.01, 0.09]], index=["A", "B"],
    ...                  columns=["A", "B"])
    >>> risk = rp.risk.Covariance(S)
    """

    _parameter_constraints = {
        "matrix": pd.DataFrame,
        "periods_per_year": Interval(0, None, closed="neither", allow_none=True),
    }
    needs_returns = False

    def __init__(
        self, matrix: pd.DataFrame, *, periods_per_year: float | None = None
    ) -> None:
        self.matrix = matrix
        self.periods_per_year = periods_per_year

    @property
    def name(self) -> str:
        """Short label, e.g. ``Covariance(50 assets)``."""
        return f"Covariance({getattr(self.matrix, 'shape', (0,))[0]} assets)"

    def _fit_factors(
        self,
        returns: pd.DataFrame | None,
        benchmark_returns: pd.Series | None,
        periods_per_year: float,
    ) -> RiskFactors:
        what = "Covariance.matrix"
        C = numeric_frame(self.matrix, what)
        if C.shape[0] != C.shape[1] or C.shape[0] == 0:
            raise DataError(
                f"{what} must be a non-empty square matrix (tickers x tickers); "
                f"got shape {C.shape}."
            )
        only_rows = C.index.difference(C.columns)
        only_cols = C.columns.difference(C.index)
        if len(only_rows) or len(only_cols):
            raise DataError(
                f"{what} has different tickers on its rows and columns: only in "
                f"rows {format_items(only_rows)}; only in columns "
                f"{format_items(only_cols)}. Label both axes with the same tickers."
            )
        tickers = C.index
        sym = symmetrized(C.loc[tickers, tickers], what)
        scale = 1.0 if self.periods_per_year is None else float(self.periods_per_year)
        G = psd_factor(sym * scale, what)
        n = len(tickers)
        if benchmark_returns is None:
            return RiskFactors(tickers, G, np.zeros(n))
        label = benchmark_label(benchmark_returns, self.name, "the matrix")
        if label not in tickers:
            raise ModelError(
                f"The benchmark is given as a return series named {label!r}, but "
                f"{what} has no row or column with that name, so the model cannot "
                f"price it. Add the benchmark as row and column {label!r}, or pass "
                "benchmark weights by ticker."
            )
        j = tickers.get_loc(label)
        keep = np.arange(n) != j
        return RiskFactors(
            assets=tickers[keep],
            exposures=G[:, keep],
            specific=np.zeros(n - 1),
            benchmark_exposure=G[:, j],
        )
