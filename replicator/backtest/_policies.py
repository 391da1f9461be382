"""Target-weight rules run by the backtest: the optimizer and the baselines.

Every policy maps what is known at the close of a rebalance date (a
:class:`Decision`) to target weights. The engine executes the targets, charges
the same cost models for every policy and keeps the books, so the optimizer
and its baselines are compared on equal terms.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.linalg

from replicator.data._snapshot import MarketSnapshot
from replicator.exceptions import InaccurateSolutionWarning, SolveError

if TYPE_CHECKING:
    from replicator.replicator import Replicator

__all__ = [
    "Decision",
    "FullReplication",
    "LeastSquaresTracker",
    "Optimized",
    "Target",
    "TopK",
    "sum_to_one_least_squares",
]


@dataclass(frozen=True)
class Decision:
    """What a policy knows at the close of a rebalance date.

    Attributes
    ----------
    date : object
        The rebalance date.
    snapshot : MarketSnapshot
        Holdings (pre-trade weights), benchmark weights, investable mask and
        market data at the close, as the optimizer sees them.
    window : ndarray of shape (lookback, n_assets)
        Asset returns of the lookback window, ending at ``date`` (missing = 0).
    benchmark_window : ndarray of shape (lookback,)
        Benchmark returns over the same window.
    epoch : int
        Counter of risk-model re-estimations (policies cache per epoch).
    """

    date: Any
    snapshot: MarketSnapshot
    window: np.ndarray
    benchmark_window: np.ndarray
    epoch: int


@dataclass(frozen=True)
class Target:
    """Target weights and how they were obtained."""

    weights: np.ndarray
    tracking_error: float = float("nan")
    status: str = "rule"
    solver: str = ""
    iterations: int | None = None
    solve_time: float = 0.0
    wall_time: float = 0.0


class Optimized:
    """The Replicator: one warm-started solve of the compiled problem."""

    label = "Optimized"

    def __init__(self, model: Replicator, on_error: str = "raise") -> None:
        self.model = model
        self.on_error = on_error

    def target(self, d: Decision) -> Target:
        """Solve the snapshot; on failure raise or hold (``on_error``)."""
        t0 = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", InaccurateSolutionWarning)
                res = self.model.solve_snapshot(d.snapshot)
        except SolveError as exc:
            if self.on_error == "raise":
                raise
            return Target(
                weights=d.snapshot.holdings.copy(),
                status=f"failed ({type(exc).__name__}): held",
                wall_time=time.perf_counter() - t0,
            )
        wall = time.perf_counter() - t0
        return Target(
            weights=res.weights.to_numpy(dtype=float),
            tracking_error=float(res.tracking_error),
            status=str(res.status),
            solver=res.stats.solver,
            iterations=res.stats.iterations,
            solve_time=float(res.stats.solve_time),
            wall_time=wall,
        )


def _renormalized(w: np.ndarray, holdings: np.ndarray) -> np.ndarray:
    total = w.sum()
    return w / total if total > 0 else holdings.copy()


class FullReplication:
    """Hold the benchmark weights of the investable names, renormalized."""

    label = "Full replication"

    def target(self, d: Decision) -> Target:
        """Benchmark weights on investable names, scaled to sum to 1."""
        s = d.snapshot
        w = np.where(s.investable, s.benchmark, 0.0)
        return Target(_renormalized(w, s.holdings))


class TopK:
    """Hold the ``k`` largest investable constituents, renormalized."""

    def __init__(self, k: int) -> None:
        self.k = int(k)
        self.label = f"Top {self.k}"

    def target(self, d: Decision) -> Target:
        """Benchmark weights of the top ``k`` names, scaled to sum to 1."""
        s = d.snapshot
        b = np.where(s.investable, s.benchmark, 0.0)
        keep = np.argsort(-b, kind="stable")[: self.k]
        w = np.zeros_like(b)
        w[keep] = b[keep]
        return Target(_renormalized(w, s.holdings))


def sum_to_one_least_squares(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    r"""Minimum-norm solution of ``min ||X w - y||^2`` subject to ``sum(w) = 1``.

    Parameters
    ----------
    X : ndarray of shape (n_dates, n_assets)
        Asset returns.
    y : ndarray of shape (n_dates,)
        Index returns.

    Returns
    -------
    ndarray of shape (n_assets,)

    Notes
    -----
    With ``w = 1/n + P z`` and ``P = I - 11^T/n`` the projector onto
    ``{sum = 0}``, the problem is the unconstrained least squares
    ``min_z ||X P z - (y - X 1/n)||``. With more assets than dates it has exact
    fits; the minimum-norm one is

    .. math:: z = A^T (A A^T)^{-1} y', \qquad A = X P,

    solved by a Cholesky factorization of the ``n_dates x n_dates`` Gram
    matrix (falling back to the SVD pseudo-inverse when that matrix is
    singular). With fewer assets than dates the SVD pseudo-inverse is used.
    """
    n_dates, n = X.shape
    w0 = np.full(n, 1.0 / n)
    A = X - X.mean(axis=1, keepdims=True)
    target = y - X @ w0
    z = None
    if n - 1 > n_dates:
        try:
            factor = scipy.linalg.cho_factor(A @ A.T, check_finite=False)
            z = A.T @ scipy.linalg.cho_solve(factor, target, check_finite=False)
        except np.linalg.LinAlgError:
            z = None
        if z is not None and not np.allclose(A @ z, target, rtol=1e-8, atol=1e-12):
            z = None
    if z is None:
        z = np.linalg.lstsq(A, target, rcond=None)[0]
    return w0 + z - z.mean()


class LeastSquaresTracker:
    """Regress the index's returns on the investable assets' (sum to one).

    Re-estimated at each risk-model re-estimation over the same lookback
    window; may short.
    """

    label = "LS tracker"

    def __init__(self) -> None:
        self._epoch = -1
        self._weights: np.ndarray | None = None

    def target(self, d: Decision) -> Target:
        """Return the regression weights of the current estimation epoch."""
        s = d.snapshot
        if self._weights is None or d.epoch != self._epoch:
            w = np.zeros(s.n_assets)
            cols = np.flatnonzero(s.investable)
            if len(cols):
                w[cols] = sum_to_one_least_squares(
                    d.window[:, cols], d.benchmark_window
                )
                self._weights, self._epoch = w, d.epoch
            else:
                return Target(s.holdings.copy())
        w = np.where(s.investable, self._weights, 0.0)
        return Target(_renormalized(w, s.holdings) if w.sum() > 0 else w)
