"""Former home of the dual Newton method, kept for its import path.

The method lives in :mod:`replicator.solvers.dual_newton`.
"""

from replicator.solvers.dual_newton import (
    FEAS_TOL,
    GAP_FLOOR,
    GAP_TOL,
    LAMBDA_MAX,
    MAX_COUPLING,
    MAX_ITER,
    SOFT_ROUND,
    THETA_MAX,
    THETA_MIN,
    DualNewton,
    NotSeparable,
    analyze,
)

__all__ = [
    "FEAS_TOL",
    "GAP_FLOOR",
    "GAP_TOL",
    "LAMBDA_MAX",
    "MAX_COUPLING",
    "MAX_ITER",
    "SOFT_ROUND",
    "THETA_MAX",
    "THETA_MIN",
    "DualNewton",
    "NotSeparable",
    "analyze",
]
