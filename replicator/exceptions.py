"""Exception and warning hierarchy of replicator.

Every error that reaches a user is one of these. Each message says *what* is
wrong, *where* (file, column, asset, date, config field or term), *what we got*
and *what to do*.

Hierarchy::

    ReplicatorError
    ├── DataError (ValueError)
    │   ├── NaNError
    │   ├── MissingAssetsError
    │   └── MisalignedIndexError
    ├── ConfigError (ValueError)
    ├── ModelError
    └── SolveError
        ├── InfeasibleError
        ├── UnboundedError
        └── SolverFailedError

    ReplicatorWarning (UserWarning)
    ├── InaccurateSolutionWarning
    ├── CovarianceRepairWarning
    ├── DataWarning
    └── LookAheadWarning
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ConfigError",
    "CovarianceRepairWarning",
    "DataError",
    "DataWarning",
    "InaccurateSolutionWarning",
    "InfeasibleError",
    "LookAheadWarning",
    "MisalignedIndexError",
    "MissingAssetsError",
    "ModelError",
    "NaNError",
    "ReplicatorError",
    "ReplicatorWarning",
    "SolveError",
    "SolverFailedError",
    "UnboundedError",
]


class ReplicatorError(Exception):
    """Base class of every error raised by replicator."""


class DataError(ReplicatorError, ValueError):
    """Input data is malformed: NaNs, duplicates, misaligned or missing assets."""


class NaNError(DataError):
    """Input data contains NaN or infinite values."""


class MissingAssetsError(DataError):
    """Assets referenced in one input are missing from another."""


class MisalignedIndexError(DataError):
    """Indices (dates or tickers) of two inputs do not line up."""


class ConfigError(ReplicatorError, ValueError):
    """A configuration file or a term parameter is invalid."""


class ModelError(ReplicatorError):
    """The model is not a valid convex program (not DCP, not DPP, bad shapes)."""


class SolveError(ReplicatorError):
    """The solver did not return a usable solution.

    Parameters
    ----------
    message : str
        Human-readable explanation.
    status : str, optional
        Solver status string.
    solver : str, optional
        Name of the solver that ran last.
    date : object, optional
        Rebalance date, when raised inside a backtest.
    """

    def __init__(
        self,
        message: str,
        *,
        status: str | None = None,
        solver: str | None = None,
        date: Any = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.solver = solver
        self.date = date


class InfeasibleError(SolveError):
    """The constraints cannot all hold at once.

    The message names the conflicting constraints and the smallest relaxation
    that would make the problem feasible (elastic-mode diagnosis).
    """

    def __init__(
        self,
        message: str,
        *,
        conflicts: dict[str, float] | None = None,
        status: str | None = None,
        solver: str | None = None,
        date: Any = None,
    ) -> None:
        super().__init__(message, status=status, solver=solver, date=date)
        self.conflicts = dict(conflicts or {})


class UnboundedError(SolveError):
    """The objective is unbounded below (a missing budget or bound)."""


class SolverFailedError(SolveError):
    """Every solver tried failed (numerical trouble, iteration limit)."""


class ReplicatorWarning(UserWarning):
    """Base class of every warning issued by replicator."""


class InaccurateSolutionWarning(ReplicatorWarning):
    """The solver returned a solution it reports as inaccurate."""


class CovarianceRepairWarning(ReplicatorWarning):
    """A user covariance was not positive semidefinite and was repaired."""


class DataWarning(ReplicatorWarning):
    """Input data was accepted but needs the user's attention."""


class LookAheadWarning(ReplicatorWarning):
    """A backtest input was estimated with data from after the date it is used."""
