"""Solver adapters: run a cvxpy problem, map the status, time it.

This layer knows nothing about finance. It sees a ``cp.Problem`` and returns a
:class:`SolverStats`.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

import cvxpy as cp

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


class Status(StrEnum):
    """Outcome of a solve, independent of the solver."""

    OPTIMAL = "optimal"
    OPTIMAL_INACCURATE = "optimal_inaccurate"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    FAILED = "failed"

    def __str__(self) -> str:
        return self.value

    @property
    def usable(self) -> bool:
        """True when a solution vector is available."""
        return self in (Status.OPTIMAL, Status.OPTIMAL_INACCURATE)


STATUS_MAP: dict[str, Status] = {
    cp.OPTIMAL: Status.OPTIMAL,
    cp.OPTIMAL_INACCURATE: Status.OPTIMAL_INACCURATE,
    cp.INFEASIBLE: Status.INFEASIBLE,
    cp.INFEASIBLE_INACCURATE: Status.INFEASIBLE,
    cp.UNBOUNDED: Status.UNBOUNDED,
    cp.UNBOUNDED_INACCURATE: Status.UNBOUNDED,
    cp.USER_LIMIT: Status.FAILED,
    cp.SOLVER_ERROR: Status.FAILED,
}


def _osqp_polish_key() -> str:
    """OSQP >= 1.0 renamed ``polish`` to ``polishing``."""
    try:
        from importlib.metadata import version

        major = int(version("osqp").split(".")[0])
    except Exception:  # pragma: no cover - osqp missing or odd version string
        return "polish"
    return "polishing" if major >= 1 else "polish"


_POLISH_KEY = _osqp_polish_key()

#: Default solver settings. The objective is scaled to O(1) by the problem
#: builder (TE^2 in %^2/yr). At loose tolerances OSQP reports "optimal" far
#: from the optimum on large factor problems (measured: TE^2 60-235 % above it
#: at N >= 2,000 with eps=1e-3..1e-5). The relative objective gap to a tight
#: Clarabel solve shrinks about 10x per decade of eps (N=2,000: 5e-3 at 1e-6,
#: 1e-3 at 1e-7, 1.5e-4 at 1e-8, 1-2e-5 at 1e-9, cold and warm-started),
#: while iterations grow slowly thanks to the factor formulation (N=2,000:
#: 800 cold / ~450 warm at 1e-9), so eps is 1e-9. OSQP's polishing failed on these
#: problems (degenerate active sets) and only cost time, so it is off.
#: Clarabel's interior-point defaults are accurate as they are.
#: PIQP: one Ruiz equilibration pass instead of 10. The native assembly scales
#: the problem itself, and full equilibration made PIQP slower on the
#: liquidity-limited QPs (benchmark ``qp`` variant, rebalances 1-9: N=2,000 took
#: 17-112 iterations, N=5,000 46-116 and once the 500-iteration limit; with one
#: pass 14-25 and 17-25, at the same objective within 1e-7). Elsewhere the
#: iteration counts are unchanged.
DEFAULT_OPTIONS: dict[str, dict[str, Any]] = {
    "OSQP": {
        "eps_abs": 1e-9,  # replaced by osqp_tolerance(n_assets) in the engine
        "eps_rel": 1e-9,
        "max_iter": 20_000,
        _POLISH_KEY: False,
    },
    "CLARABEL": {"max_iter": 500},
    "PIQP": {
        "eps_abs": 1e-8,
        "eps_rel": 1e-9,
        "max_iter": 500,
        "preconditioner_iter": 1,
    },
    "SCS": {"eps_abs": 1e-8, "eps_rel": 1e-8, "max_iters": 200_000},
}


@dataclass(frozen=True)
class SolverStats:
    """What the solver did.

    Attributes
    ----------
    status : Status
        Mapped status.
    raw_status : str
        The solver's own status string (through cvxpy).
    solver : str
        Solver that produced the solution.
    reason : str
        Why this solver ran (routing or fallback).
    iterations : int or None
        Solver iterations.
    solve_time : float
        Seconds inside the solver.
    setup_time : float
        Seconds of solver setup (None-safe: 0 when unknown).
    compile_time : float
        Seconds of cvxpy canonicalization (0 on re-solves of a DPP problem).
    wall_time : float
        Wall-clock seconds of the whole call.
    attempts : tuple of str
        Every solver tried, in order, with its status.
    verification : str
        How the numpy twins checked the returned point (empty until the
        engine has verified it; see :mod:`replicator.engine._verify`).
    certified_infeasible : tuple of str
        Solvers of the chain that certified the problem infeasible. Their
        certificate stands unless the returned point passes verification.
    route : str
        Why the problem took its path (native assembly or cvxpy); ``reason``
        says why this solver ran (see :mod:`replicator.solvers._routing`).
    """

    status: Status
    raw_status: str
    solver: str
    reason: str
    iterations: int | None
    solve_time: float
    setup_time: float
    compile_time: float
    wall_time: float
    attempts: tuple[str, ...] = field(default_factory=tuple)
    verification: str = ""
    certified_infeasible: tuple[str, ...] = ()
    route: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly dict."""
        return {
            "status": str(self.status),
            "raw_status": self.raw_status,
            "solver": self.solver,
            "reason": self.reason,
            "iterations": self.iterations,
            "solve_time": self.solve_time,
            "setup_time": self.setup_time,
            "compile_time": self.compile_time,
            "wall_time": self.wall_time,
            "attempts": list(self.attempts),
            "verification": self.verification,
            "route": self.route,
        }


def available_solvers() -> list[str]:
    """Names of the installed cvxpy solvers replicator can use."""
    known = ["OSQP", "CLARABEL", "SCS", "HIGHS", "PIQP", "ECOS"]
    installed = set(cp.installed_solvers())
    return [s for s in known if s in installed]


#: Largest QP sent to OSQP by ``solver="auto"``. Measured on factor problems
#: (k=10) at eps=1e-9: an OSQP iteration costs ~0.05 ms at N=500 but ~1-4 ms
#: at N=5,000 and a solve needs ~800-2,250 iterations there, while Clarabel
#: takes ~15 interior-point iterations whatever the conditioning. Below the
#: threshold OSQP's warm start wins on re-solves; above it Clarabel wins.
OSQP_MAX_ASSETS = 2_000

#: Largest number of factor rows sent to OSQP by ``solver="auto"``. A sample
#: covariance uses the T centred returns as its factor (k = T = 252 for a
#: year of data): on the S&P 500 data (N=386, k=252) OSQP needed 2,800-10,000
#: iterations (1-3.3 s) against Clarabel's 12 (0.8 s).
OSQP_MAX_FACTORS = 100


def osqp_tolerance(n_assets: int) -> float:
    r"""OSQP's ``eps_abs = eps_rel`` for a problem with ``n_assets`` assets.

    Weights are O(1/N), and the objective gap at a given eps grew roughly
    with N^2 in our measurements (eps=1e-6: 5e-5 relative at N=500, 5e-3 at
    N=2,000), so the tolerance is ``2.5e-2 / N^2`` clipped to [1e-9, 1e-7]:
    1e-7 up to N=500 (gap ~1e-5, 75-150 iterations) and 6e-9 at N=2,000 (gap
    ~1e-4 or better).

    Notes
    -----
    .. math:: \varepsilon = \min(10^{-7}, \max(10^{-9}, 0.025 / N^2))
    """
    return float(min(1e-7, max(1e-9, 2.5e-2 / max(n_assets, 1) ** 2)))


def choose_solver(
    is_qp: bool, n_assets: int, requested: str = "auto", n_factors: int = 0
) -> tuple[str, str]:
    """Pick a solver for the cvxpy path and say why.

    Used when the problem goes through cvxpy (a conic term, a term without a
    native form, ``backend="cvxpy"`` or a cvxpy-only solver); QPs on the
    native path go to PIQP (:mod:`replicator.problem._native`). Here a
    problem with only linear and quadratic terms is a QP and goes to OSQP
    (warm-started re-solves), unless it has more than
    :data:`OSQP_MAX_ASSETS` assets or :data:`OSQP_MAX_FACTORS` factor rows; a
    problem with power, AMM or second-order cone terms goes to Clarabel.
    """
    if requested.upper() != "AUTO":
        return requested.upper(), f"requested solver={requested!r}"
    if not is_qp:
        return "CLARABEL", "problem has conic terms (power, AMM or TE cap): SOCP"
    if n_assets > OSQP_MAX_ASSETS:
        return (
            "CLARABEL",
            f"QP with {n_assets} > {OSQP_MAX_ASSETS} assets: interior point is "
            "faster than OSQP at the required accuracy",
        )
    if n_factors > OSQP_MAX_FACTORS:
        return (
            "CLARABEL",
            f"QP with {n_factors} > {OSQP_MAX_FACTORS} factor rows (a sample "
            "covariance): interior point converges in far fewer iterations",
        )
    return "OSQP", "problem is a QP (linear and quadratic terms only)"


def run_solver(
    problem: cp.Problem,
    solver: str,
    reason: str,
    options: dict[str, Any] | None = None,
    *,
    warm_start: bool = True,
    n_assets: int | None = None,
) -> SolverStats:
    """Solve ``problem`` with ``solver`` and collect statistics.

    Solver exceptions are caught and reported as ``Status.FAILED``; cvxpy's own
    "inaccurate" warning is suppressed because the caller turns the status into
    a replicator warning.
    """
    opts = dict(DEFAULT_OPTIONS.get(solver, {}))
    if solver == "OSQP" and n_assets is not None:
        tol = osqp_tolerance(n_assets)
        opts.update(eps_abs=tol, eps_rel=tol)
    opts.update(options or {})
    t0 = time.perf_counter()
    raw = "error"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            problem.solve(solver=solver, warm_start=warm_start, **opts)
        raw = str(problem.status)
    except cp.error.SolverError as exc:
        raw = f"solver_error: {str(exc).splitlines()[0] if str(exc) else exc!r}"
    wall = time.perf_counter() - t0
    failed = raw == "error" or raw.startswith("solver_error")
    stats = None if failed else problem.solver_stats
    status = Status.FAILED if failed else STATUS_MAP.get(raw, Status.FAILED)
    return SolverStats(
        status=status,
        raw_status=raw,
        solver=solver,
        reason=reason,
        iterations=getattr(stats, "num_iters", None),
        solve_time=float(getattr(stats, "solve_time", None) or 0.0),
        setup_time=float(getattr(stats, "setup_time", None) or 0.0),
        compile_time=float(getattr(problem, "compilation_time", None) or 0.0),
        wall_time=wall,
        attempts=(f"{solver}: {raw}",),
    )


#: Solvers whose infeasibility certificates only an interior-point solver may
#: re-check: a first-order solver (OSQP, SCS) cannot refute them, only take
#: long to try (SCS: 200,000 iterations, ~45 s on a 100-asset SOCP).
INTERIOR_POINT = frozenset({"CLARABEL", "PIQP", "ECOS"})


def fall_back(
    first: SolverStats,
    alternatives: Iterable[tuple[str, Callable[[str], SolverStats]]],
) -> SolverStats:
    """Try ``alternatives`` after a non-optimal ``first`` solve; keep the best.

    ``alternatives`` are ``(solver name, solve)`` pairs; each solve is called
    with the reason it runs. A later solve replaces the kept one when it is
    optimal, or when the kept one failed outright; an inaccurate solution never
    replaces a certificate of infeasibility or unboundedness (only an accurate
    optimum refutes one). A certificate from an interior-point solver
    (:data:`INTERIOR_POINT`) is re-checked by interior-point solvers only. The
    chain stops at an optimal solve, or when a second solver confirms
    infeasibility or unboundedness. ``attempts`` lists every solver tried.
    """
    stats, attempts = first, list(first.attempts)
    infeasible_by = [first.solver] if first.status is Status.INFEASIBLE else []
    reason = f"fallback after {first.solver} returned {first.raw_status}"
    for name, solve in alternatives:
        certified = stats.status in (Status.INFEASIBLE, Status.UNBOUNDED)
        if certified and stats.solver in INTERIOR_POINT and name not in INTERIOR_POINT:
            continue
        alt = solve(reason)
        attempts.extend(alt.attempts)
        if alt.status is Status.INFEASIBLE:
            infeasible_by.append(alt.solver)
        if alt.status is Status.OPTIMAL or stats.status is Status.FAILED:
            stats = alt
        if stats.status is Status.OPTIMAL:
            break
        if stats.status in (Status.INFEASIBLE, Status.UNBOUNDED) and (
            alt.status == stats.status
        ):
            break
    return replace(
        stats,
        attempts=tuple(attempts),
        certified_infeasible=(*stats.certified_infeasible, *infeasible_by),
    )
