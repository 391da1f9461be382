"""Pure helpers shared by the risk models: input checks and PSD square roots."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from replicator.data._validate import format_items
from replicator.exceptions import (
    CovarianceRepairWarning,
    DataError,
    MisalignedIndexError,
    ModelError,
    NaNError,
)

__all__ = [
    "benchmark_label",
    "joint_returns",
    "numeric_frame",
    "psd_factor",
    "symmetrized",
]

#: Relative asymmetry ``max|C - C^T| / max|C|`` above which a matrix is rejected.
SYMMETRY_RTOL = 1e-8

#: Eigenvalues above ``-EIG_RTOL * max|lambda|`` are round-off, clipped silently.
EIG_RTOL = 1e-10


def joint_returns(
    returns: pd.DataFrame | None, benchmark_returns: pd.Series | None, model: str
) -> tuple[np.ndarray, np.ndarray | None, pd.Index]:
    """Return asset and benchmark returns as arrays on the same dates.

    Parameters
    ----------
    returns : DataFrame of shape (n_dates, n_assets) or None
        Validated asset returns (None raises a DataError).
    benchmark_returns : Series of shape (n_dates,) or None
        The benchmark's returns (returns-only mode).
    model : str
        Name of the risk model, for messages.

    Returns
    -------
    X : ndarray of shape (n_dates, n_assets)
    xb : ndarray of shape (n_dates,) or None
    assets : Index
        The tickers, in the column order of ``X``.
    """
    if returns is None:
        raise DataError(
            f"{model} is estimated from returns, but no returns were given. Pass "
            "returns=... (dates x tickers)."
        )
    X = returns.to_numpy(dtype=float)
    if benchmark_returns is None:
        return X, None, returns.columns
    if not isinstance(benchmark_returns, pd.Series):
        raise DataError(
            f"{model}: the benchmark returns must be a pandas Series by date; got "
            f"{type(benchmark_returns).__name__}."
        )
    missing = returns.index.difference(benchmark_returns.index)
    if len(missing):
        raise MisalignedIndexError(
            f"{model}: the benchmark returns have no value on {len(missing)} dates "
            f"of the asset returns ({format_items(missing, 3)}). Align them, e.g. "
            "with an inner join."
        )
    xb = benchmark_returns.reindex(returns.index).to_numpy(dtype=float)
    if not np.isfinite(xb).all():
        bad = returns.index[~np.isfinite(xb)]
        raise NaNError(
            f"{model}: the benchmark returns have NaN or infinite values on "
            f"{format_items(bad, 3)}. Fill or drop those dates."
        )
    return X, xb, returns.columns


def benchmark_label(benchmark_returns: pd.Series, model: str, where: str) -> str:
    """Return the name of a benchmark return Series, which labels its row in a model.

    Raises
    ------
    ModelError
        The Series has no name.
    """
    name = benchmark_returns.name
    if name is None:
        raise ModelError(
            f"{model} prices a benchmark given as returns through its row in "
            f"{where}, found by the Series' name, but the benchmark return Series "
            "has no name. Name it (benchmark.rename('INDEX')) and add that row, or "
            "pass benchmark weights by ticker."
        )
    return str(name)


def numeric_frame(frame: pd.DataFrame, what: str) -> pd.DataFrame:
    """Return ``frame`` as float with string labels; reject duplicates and NaNs.

    Parameters
    ----------
    frame : DataFrame
        The user's matrix.
    what : str
        Description for messages, e.g. ``"Covariance.matrix"``.
    """
    try:
        out = frame.astype(float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{what} must hold numbers only; {exc}.") from None
    out.index = out.index.map(str)
    out.columns = out.columns.map(str)
    for axis, labels in (("rows", out.index), ("columns", out.columns)):
        if labels.has_duplicates:
            dups = labels[labels.duplicated()].unique()
            raise DataError(
                f"{what} has duplicate {axis}: {format_items(dups)}. Each label "
                "must appear once."
            )
    bad = ~np.isfinite(out.to_numpy())
    if bad.any():
        rows = out.index[bad.any(axis=1)]
        cols = out.columns[bad.any(axis=0)]
        raise NaNError(
            f"{what} has {int(bad.sum())} NaN or infinite values in rows "
            f"{format_items(rows)} (columns {format_items(cols)}). Fill or drop "
            "them."
        )
    return out


def symmetrized(frame: pd.DataFrame, what: str) -> np.ndarray:
    """Check that a square labelled matrix is symmetric and return ``(C + C^T)/2``.

    ``frame`` must already have the same labels, in the same order, on both axes.
    """
    C = frame.to_numpy(dtype=float)
    scale = float(np.max(np.abs(C))) if C.size else 0.0
    diff = np.abs(C - C.T)
    if C.size and diff.max() > SYMMETRY_RTOL * max(scale, 1e-300):
        i, j = np.unravel_index(int(np.argmax(diff)), C.shape)
        raise DataError(
            f"{what} is not symmetric: entry ({frame.index[i]!r}, "
            f"{frame.columns[j]!r}) is {C[i, j]:.6g} but ({frame.index[j]!r}, "
            f"{frame.columns[i]!r}) is {C[j, i]:.6g}. Pass a symmetric matrix, "
            "e.g. (C + C.T) / 2."
        )
    return (C + C.T) / 2.0


def psd_factor(C: np.ndarray, what: str) -> np.ndarray:
    r"""Return ``L`` (k x n) with ``L^T L = C``, clipping negative eigenvalues.

    Parameters
    ----------
    C : ndarray of shape (n, n)
        Symmetric matrix.
    what : str
        Description for the repair warning.

    Returns
    -------
    ndarray of shape (k, n)
        ``diag(sqrt(lambda)) V^T`` over the ``k`` positive eigenvalues.

    Warns
    -----
    CovarianceRepairWarning
        When ``C`` has eigenvalues below ``-EIG_RTOL * max|lambda|``; the message
        gives the most negative eigenvalue and the share of the trace clipped.

    Notes
    -----
    With :math:`C = V \Lambda V^T`, the repaired matrix is
    :math:`V \max(\Lambda, 0) V^T`, the nearest PSD matrix in Frobenius norm.
    """
    lam, V = np.linalg.eigh(C)
    top = float(np.max(np.abs(lam))) if lam.size else 0.0
    tol = EIG_RTOL * top
    negative = lam < -tol
    if negative.any():
        clipped = float(-lam[negative].sum())
        trace = float(np.trace(C))
        share = clipped / trace if trace > 0 else float("inf")
        warnings.warn(
            f"{what} is not positive semidefinite: {int(negative.sum())} negative "
            f"eigenvalues, the most negative {lam.min():.4g}; they were clipped to "
            f"0, which raises the trace by {clipped:.4g} ({share:.2%} of the "
            "trace). Check the input (pairwise or rounded estimates are "
            "often not PSD); pass a PSD matrix to silence this warning.",
            CovarianceRepairWarning,
            stacklevel=4,
        )
    keep = lam > tol
    return np.sqrt(lam[keep])[:, None] * V[:, keep].T
