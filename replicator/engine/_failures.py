"""The failure reports of a solve: each outcome that is not a verified optimum.

Every builder returns (never raises) a typed error from
:mod:`replicator.exceptions` whose message says what happened, which solvers
were tried and what to do. The pipeline (:mod:`replicator.engine._pipeline`)
decides which one applies.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from replicator.constraints._base import Constraint
from replicator.data._snapshot import MarketSnapshot
from replicator.exceptions import InfeasibleError, SolverFailedError
from replicator.problem._diagnose import ADVICE
from replicator.problem._native import ELASTIC_TOL, NativeProblem
from replicator.result import ReplicationResult
from replicator.solvers import SolverStats, Status

__all__ = [
    "INACCURATE_MAX_VIOLATION",
    "check_inaccurate",
    "elastic_infeasible",
    "every_solver_failed",
    "native_failure",
    "native_infeasible",
    "unverified",
]

#: Largest violation of a hard constraint, in its reported units (weight,
#: turnover, tracking error, participation), for which an inaccurate solution is
#: still returned (with a warning) rather than refused.
INACCURATE_MAX_VIOLATION = 1e-4


def _when(snapshot: MarketSnapshot) -> str:
    return f" on {snapshot.date}" if snapshot.date is not None else ""


def skipped(limit: int) -> str:
    """Why the cvxpy diagnosis did not run on a large conic problem."""
    return (
        f"the cvxpy diagnosis is skipped for a conic problem above "
        f"{limit} assets (its compilation needs O(N^2) memory: "
        "> 8 GB at 1,000 assets)"
    )


def every_solver_failed(
    snapshot: MarketSnapshot, stats: SolverStats
) -> SolverFailedError:
    """Build the error of a solve where no solver produced a point."""
    return SolverFailedError(
        f"Every solver failed{_when(snapshot)} ({'; '.join(stats.attempts)}). Check "
        "the inputs for extreme values, or pass solver_options (e.g. a larger "
        "max_iter).",
        status=str(stats.status),
        solver=stats.solver,
        date=snapshot.date,
    )


def unverified(
    snapshot: MarketSnapshot, stats: SolverStats, notes: Sequence[str]
) -> SolverFailedError:
    """Build the error of a solve whose every point failed verification."""
    return SolverFailedError(
        f"No solver returned a point that passes verification{_when(snapshot)} "
        f"({'; '.join(stats.attempts)}): {' | '.join(notes)}. The problem may be "
        "badly scaled or nearly infeasible: check the limits and rescale extreme "
        "inputs.",
        status=str(Status.FAILED),
        solver=stats.solver,
        date=snapshot.date,
    )


def native_failure(
    found: tuple[dict[str, float], np.ndarray] | None,
    snapshot: MarketSnapshot,
    stats: SolverStats,
    limit: int,
) -> SolverFailedError:
    """Build the error of a large SOCP that failed but may be feasible."""
    why = (
        "the native elastic check failed too"
        if found is None
        else "the native elastic check finds that every constraint can hold, "
        "so this is numerical trouble"
    )
    return SolverFailedError(
        f"Every native solver failed{_when(snapshot)} ({'; '.join(stats.attempts)}) "
        f"and {why}; {skipped(limit)}. Check the inputs for extreme values.",
        status=str(Status.FAILED),
        solver=stats.solver,
        date=snapshot.date,
    )


def elastic_infeasible(
    compiled: NativeProblem,
    found: tuple[dict[str, float], np.ndarray],
    snapshot: MarketSnapshot,
    stats: SolverStats,
    limit: int,
) -> InfeasibleError:
    """Build the error of a problem the native elastic check finds infeasible.

    Names each limit that must give, with its value at the least violating
    point (for a TE cap: the smallest TE the other constraints allow). When
    a single limit must give, the constraints it conflicts with are named
    too (:func:`conflict_partners`).
    """
    violations, w = found
    t = w - snapshot.holdings
    parts = []
    for k in compiled.constraint_terms:
        if k.name in violations:
            rep = k.report(w, t, snapshot)
            parts.append(
                f"{k.name} ({k.quantity} {rep.value:.6g} against a limit of "
                f"{rep.limit:.6g})"
            )
    head = ""
    if len(violations) == 1:
        (name,) = violations
        partners = conflict_partners(compiled, snapshot, name)
        if partners:
            head = f" {name} conflicts with {' + '.join(partners)}:"
    return InfeasibleError(
        f"The problem is infeasible{_when(snapshot)}:{head} the point that violates "
        f"the constraints least breaks {', '.join(parts)}. Found by the native "
        f"elastic check after {'; '.join(stats.attempts)}; {skipped(limit)}." + ADVICE,
        conflicts=dict(violations),
        status=str(Status.INFEASIBLE),
        solver=stats.solver,
        date=snapshot.date,
    )


def native_infeasible(
    compiled: NativeProblem, snapshot: MarketSnapshot, stats: SolverStats, limit: int
) -> InfeasibleError | SolverFailedError:
    """Diagnose a large conic problem a solver certified infeasible.

    Above ``limit`` assets the cvxpy diagnosis would compile the cones in
    O(N^2) memory (1.1 GB and 15 s at 1,000 assets for a TE cap, gigabytes
    more with power or AMM cones), so the native elastic check names the
    limits instead (:func:`elastic_infeasible`).
    """
    found = compiled.elastic_violations(snapshot)
    if found is not None and found[0]:
        return elastic_infeasible(compiled, found, snapshot, stats, limit)
    why = (
        "the native elastic check failed"
        if found is None
        else "the native elastic check finds that every constraint can hold "
        "(numerical trouble: rescale extreme inputs)"
    )
    names = ", ".join(k.name for k in compiled.constraint_terms)
    return InfeasibleError(
        f"{stats.solver} reported the problem infeasible{_when(snapshot)} "
        f"({stats.raw_status}), and {why}; {skipped(limit)}. Check the "
        f"constraints: {names}.",
        status=str(stats.status),
        solver=stats.solver,
        date=snapshot.date,
    )


def conflict_partners(
    compiled: NativeProblem, snapshot: MarketSnapshot, name: str
) -> list[str]:
    """Names of the hard constraints whose removal lets ``name`` give less.

    The culprit's least relaxation with every other hard constraint kept
    (:meth:`NativeProblem.smallest_relaxation`) is compared with the same
    problem without each of the others in turn; as in the cvxpy diagnosis,
    the constraints whose removal lowers it are the ones it conflicts with.
    An empty list when the relaxation cannot be computed.
    """
    terms = compiled.constraint_terms
    culprit = next(i for i, k in enumerate(terms) if k.name == name)
    base = compiled.smallest_relaxation(snapshot, culprit)
    if base is None or base <= ELASTIC_TOL:
        return []
    partners = []
    for j, k in enumerate(terms):
        if j == culprit or k.is_soft:
            continue
        without = compiled.smallest_relaxation(snapshot, culprit, skip=j)
        if without is not None and without < base - 1e-6 * (1.0 + base):
            partners.append(k.name)
    return partners


def check_inaccurate(
    result: ReplicationResult, constraints: Sequence[Constraint], when: str
) -> None:
    """Refuse an inaccurate solution that breaks a hard constraint.

    A solver that stops early (e.g. SCS at its iteration limit on an infeasible
    problem) can report "optimal_inaccurate" at a point far outside the
    constraints; returning it with a warning would hand the user weights that
    break their limits.
    """
    broken = [
        r
        for k, r in zip(constraints, result.constraints, strict=True)
        if not k.is_soft and r.max_violation > INACCURATE_MAX_VIOLATION
    ]
    if not broken:
        return
    broken.sort(key=lambda r: -r.max_violation)
    listed = ", ".join(
        f"{r.name} by {r.max_violation:.3g} (value {r.value:.6g}, limit {r.limit:.6g})"
        for r in broken
    )
    stats = result.stats
    raise SolverFailedError(
        f"{stats.solver} returned an inaccurate solution{when} ({stats.raw_status}) "
        f"that violates {listed}; it is not returned. The problem may be "
        "infeasible or badly scaled: check those limits "
        f"(attempts: {'; '.join(stats.attempts)}).",
        status=str(stats.status),
        solver=stats.solver,
        date=result.date,
    )
