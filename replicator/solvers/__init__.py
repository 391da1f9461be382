"""Solver adapters (internal): status mapping, routing, defaults."""

from replicator.solvers._base import (
    DEFAULT_OPTIONS,
    OSQP_MAX_ASSETS,
    OSQP_MAX_FACTORS,
    SolverStats,
    Status,
    available_solvers,
    choose_solver,
    fall_back,
    osqp_tolerance,
    run_solver,
)

__all__ = [
    "DEFAULT_OPTIONS",
    "OSQP_MAX_ASSETS",
    "OSQP_MAX_FACTORS",
    "SolverStats",
    "Status",
    "available_solvers",
    "choose_solver",
    "fall_back",
    "osqp_tolerance",
    "run_solver",
]
