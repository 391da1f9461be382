"""Pure helpers shared by the risk models: input checks and PSD square roots."""

from __future__ import annotations

import contextlib
import hashlib
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

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
    "RidgeFit",
    "benchmark_label",
    "blas_single_thread",
    "fingerprint",
    "joint_returns",
    "numeric_frame",
    "psd_factor",
    "ridge_gcv",
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


#: Ridge penalties tried by :func:`ridge_gcv`, relative to the mean eigenvalue.
RIDGE_GRID = np.logspace(-4.0, 3.0, 43)


@dataclass(frozen=True)
class RidgeFit:
    """A ridge regression chosen by generalized cross-validation.

    Attributes
    ----------
    coef : ndarray of shape (n_cols,)
        The regression coefficients.
    alpha : float
        The chosen penalty, in the units of ``X^T X``.
    dof : float
        Effective degrees of freedom ``tr H`` of the fit.
    residual_var : float
        In-sample residual sum of squares ``||y - X coef||^2``.
    prediction_var : float
        The GCV estimate of the out-of-sample residual sum of squares,
        ``rss / (1 - dof / n_free)^2``.
    """

    coef: np.ndarray
    alpha: float
    dof: float
    residual_var: float
    prediction_var: float


def ridge_gcv(
    X: np.ndarray,
    y: np.ndarray,
    n_free: int | None = None,
    priors: Sequence[np.ndarray] = (),
    spectrum: tuple[np.ndarray, np.ndarray] | None = None,
) -> RidgeFit:
    r"""Ridge regression of ``y`` on the columns of ``X``, penalty chosen by GCV.

    Parameters
    ----------
    X : ndarray of shape (n_rows, n_cols)
        Regressors (e.g. the assets' residual returns, scaled).
    y : ndarray of shape (n_rows,)
        Response (e.g. the benchmark's residual return).
    n_free : int, optional
        Dimension of the space ``y`` and the columns of ``X`` live in (rows
        minus the directions already projected out: centring, factors).
        Default ``n_rows``.
    priors : sequence of ndarray of shape (n_cols,)
        Centres of the penalty besides zero (``||coef - prior||^2`` is
        penalized); the centre with the lowest GCV is kept.
    spectrum : (ndarray, ndarray), optional
        Eigenvalues and eigenvectors of ``X X^T`` (when ``n_rows <= n_cols``)
        or ``X^T X``, if already known; eigenpairs left out are taken as zero.

    Returns
    -------
    RidgeFit

    Notes
    -----
    With the eigendecomposition of the smaller Gram matrix (the singular
    values :math:`\sigma_i^2 = \lambda_i` of :math:`X = \sum \sigma_i u_i
    v_i^T`) and :math:`z_i = u_i^T y`,

    .. math::

        \beta_\alpha = \sum_i \frac{\sigma_i z_i}{\lambda_i + \alpha} v_i,
        \qquad \mathrm{df} = \sum_i \frac{\lambda_i}{\lambda_i + \alpha},
        \qquad \mathrm{RSS} = \lVert y \rVert^2 - \sum_i z_i^2
            + \sum_i \Big(\frac{\alpha z_i}{\lambda_i + \alpha}\Big)^2

    and :math:`\alpha` minimizes the generalized cross-validation criterion
    :math:`\mathrm{RSS} / (1 - \mathrm{df}/n)^2` (Golub, Heath and Wahba,
    1979) over a log grid from :math:`10^{-4}` to :math:`10^{3}` times the mean
    :math:`\lambda`. Every candidate costs :math:`O(\min(n_{rows}, n_{cols}))`
    after one eigendecomposition.
    """
    n_rows, n_cols = X.shape
    n = float(n_rows if n_free is None else n_free)
    if spectrum is None:
        spectrum = np.linalg.eigh(X @ X.T if n_rows <= n_cols else X.T @ X)
    lam = np.asarray(spectrum[0], dtype=float)
    if n_rows <= n_cols:
        Uv = spectrum[1]
        project = Uv.T.copy()
    else:
        V = spectrum[1]
        sigma = np.sqrt(np.maximum(lam, 0.0))
        project = (X @ V).T / np.where(sigma > 0, sigma, 1.0)[:, None]
    # Directions of (numerically) zero variance carry no information.
    null = lam <= EIG_RTOL * max(float(lam.max(initial=0.0)), 1e-300)
    lam = np.where(null, 0.0, lam)
    project[null] = 0.0
    trace = float(lam.sum())
    scale = trace / min(n_rows, n_cols) if trace > 0 else 1.0
    alphas = scale * RIDGE_GRID
    dofs = np.sum(lam[None, :] / (lam[None, :] + alphas[:, None]), axis=1)
    shrink2 = (alphas[:, None] / (lam[None, :] + alphas[:, None])) ** 2
    denom = np.maximum(1.0 - dofs / n, 1e-12) ** 2
    best: tuple[float, int, np.ndarray, np.ndarray | None, float] | None = None
    for prior in (None, *priors):
        target = y if prior is None else y - X @ prior
        z = project @ target
        z2 = z**2
        rss = np.maximum(float(target @ target) - z2.sum() + shrink2 @ z2, 0.0)
        gcv = rss / denom
        i = int(np.argmin(gcv))
        if best is None or gcv[i] < best[0]:
            best = (float(gcv[i]), i, z, prior, float(rss[i]))
    assert best is not None
    gcv_min, i, z, prior, rss_min = best
    alpha = float(alphas[i])
    if n_rows <= n_cols:
        coef = X.T @ (Uv @ (z / (lam + alpha)))
    else:
        coef = V @ (sigma * z / (lam + alpha))
    if prior is not None:
        coef = coef + prior
    return RidgeFit(coef, alpha, float(dofs[i]), rss_min, gcv_min)


#: Below this many multiply-adds (the Gram matrix of a 250 x 4000 window), the
#: dense linear algebra of a fit runs on one BLAS thread.
SMALL_FLOPS = 2.5e8

_CONTROLLER: list = []


@contextlib.contextmanager
def blas_single_thread(flops: float) -> Iterator[None]:
    """Run small dense linear algebra on one BLAS thread.

    Multi-threaded OpenBLAS spins its threads: on a busy 2-core machine a
    250 x 250 eigendecomposition on two threads was 2-5x slower than on one
    (issue 14). Above ``SMALL_FLOPS`` the threads are left alone.
    """
    if flops > SMALL_FLOPS:
        yield
        return
    if not _CONTROLLER:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # pragma: no cover - a scikit-learn dependency
            _CONTROLLER.append(None)
        else:
            _CONTROLLER.append(ThreadpoolController())
    controller = _CONTROLLER[0]
    if controller is None:  # pragma: no cover
        yield
        return
    with controller.limit(limits=1, user_api="blas"):
        yield


def _array_digest(h: hashlib._Hash, a: np.ndarray) -> bool:
    if not isinstance(a, np.ndarray) or a.dtype.hasobject:
        return False
    h.update(repr((a.shape, str(a.dtype))).encode())
    if a.dtype.kind in "mM":
        a = a.view(np.int64)
    if a.flags.c_contiguous:
        h.update(b"C")
        h.update(memoryview(a).cast("B"))
    elif a.T.flags.c_contiguous:
        h.update(b"F")
        h.update(memoryview(a.T).cast("B"))
    else:
        h.update(b"C")
        h.update(np.ascontiguousarray(a).data)
    return True


def _labels_digest(h: hashlib._Hash, labels: pd.Index) -> None:
    h.update(repr(labels.dtype).encode())
    if not _array_digest(h, np.asarray(labels.to_numpy())):
        h.update("\x1f".join(map(repr, labels)).encode())


def fingerprint(*parts: object) -> bytes | None:
    """Return a digest of the data a model is fitted on (frames, series, scalars).

    Two calls give the same digest when the values, the labels and the scalars
    are equal; any change to one value changes it (SHA-1 of the bytes). None
    when a frame holds Python objects (no digest: always refit).
    """
    h = hashlib.sha1(usedforsecurity=False)
    for part in parts:
        if isinstance(part, (pd.DataFrame, pd.Series)):
            if not _array_digest(h, part.to_numpy()):
                return None
            _labels_digest(h, part.index)
            if isinstance(part, pd.DataFrame):
                _labels_digest(h, part.columns)
            else:
                h.update(repr(part.name).encode())
        else:
            h.update(repr(part).encode())
        h.update(b"\x1e")
    return h.digest()
