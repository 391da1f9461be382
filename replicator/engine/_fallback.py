"""Fallbacks of the pipeline: other solvers, then the cvxpy twin.

:func:`native_fallback` runs when the native solvers produced no usable point;
:func:`alternatives` yields the solves tried after a point failed
verification. Both respect the size limit above which a conic problem is not
compiled by cvxpy (O(N^2) memory).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import cvxpy as cp

from replicator.data._snapshot import MarketSnapshot
from replicator.engine import _failures as failures
from replicator.exceptions import SolverFailedError
from replicator.problem import Problem
from replicator.problem._builder import FALLBACK_OPTIONS
from replicator.problem._native import NativeProblem
from replicator.solvers import SolverStats, Status
from replicator.solvers._routing import cvxpy_fallbacks, native_fallbacks

__all__ = ["alternatives", "native_fallback"]


def alternatives(
    problem: Problem,
    snapshot: MarketSnapshot,
    stats: SolverStats,
    twin: Any,
    limit: int,
) -> Iterator[tuple[SolverStats, Problem]]:
    """Solve with each solver not tried yet: native ones, then the cvxpy twin."""
    tried = {a.split(":")[0] for a in stats.attempts}
    reason = f"fallback after the point of {stats.solver} failed verification"
    if isinstance(problem, NativeProblem):
        for name in native_fallbacks(not problem.is_qp, tried):
            alt = problem.solve(name, None, fallback=False)
            yield replace(alt, reason=reason), problem
        if not problem.is_qp and snapshot.n_assets > limit:
            return
        try:
            cvx = twin(problem, snapshot)
        except MemoryError:
            return
        first = "CLARABEL"
        yield replace(cvx.solve(first, None, fallback=False), reason=reason), cvx
        tried = tried | {first}
    else:
        cvx = problem
    installed = cp.installed_solvers()
    for name in cvxpy_fallbacks("", cvx.is_qp, installed):
        if name in tried:
            continue
        alt = cvx.solve(name, FALLBACK_OPTIONS.get(name), fallback=False)
        yield replace(alt, reason=reason), cvx


def native_fallback(
    compiled: NativeProblem,
    snapshot: MarketSnapshot,
    stats: SolverStats,
    twin: Any,
    limit: int,
) -> tuple[SolverStats, Problem]:
    """Handle a native solve that produced no usable solution.

    The last resort is the same problem through cvxpy and its solver chain
    (an inaccurate native solution is kept and warned about instead:
    compiling the twin on every solve would cost more than it is worth).
    A conic problem is first put to the native elastic check
    (:meth:`NativeProblem.elastic_violations`): an infeasible one goes
    straight to the diagnosis, without the cvxpy solver chain (whose SCS
    would run to its iteration limit). Above ``limit``
    assets nothing conic is compiled by cvxpy (O(N^2) memory): the elastic
    check's verdict is the error.
    """
    large = snapshot.n_assets > limit
    if not compiled.is_qp:
        found = compiled.elastic_violations(snapshot)
        if found is not None and found[0]:
            if large:
                raise failures.elastic_infeasible(
                    compiled, found, snapshot, stats, limit
                )
            checked = (*stats.attempts, "native elastic check: infeasible")
            infeasible = replace(stats, status=Status.INFEASIBLE, attempts=checked)
            return infeasible, compiled
        if large:
            raise failures.native_failure(found, snapshot, stats, limit)
    try:
        cvx = twin(compiled, snapshot)
        alt = cvx.solve("auto", None, fallback=True)
    except MemoryError:
        raise SolverFailedError(
            f"Every native solver failed ({'; '.join(stats.attempts)}) and "
            "the cvxpy fallback ran out of memory "
            f"({snapshot.n_assets} assets). The problem may be infeasible "
            "or badly scaled: check the limits (e.g. a tracking-error cap "
            "far below what the other constraints allow).",
            status=str(Status.FAILED),
            solver=stats.solver,
            date=snapshot.date,
        ) from None
    attempts = (*stats.attempts, *alt.attempts)
    solved: Problem = compiled
    if alt.status is Status.OPTIMAL or not stats.status.usable:
        reason = f"fallback to cvxpy after the native solvers failed: {alt.reason}"
        stats, solved = replace(alt, reason=reason), cvx
    return replace(stats, attempts=attempts), solved
