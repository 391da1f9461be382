"""The solve pipeline: compile, route, solve, fall back, verify, report.

:class:`SolvePipeline` receives the terms and the settings (never the model)
and owns everything between a prepared snapshot and a verified
:class:`~replicator.result.ReplicationResult`:

1. **compile caching**: one compiled problem (native or cvxpy, see
   :mod:`replicator.problem`) per universe and set of terms; a term replaced
   or a term parameter changed since the compilation compiles anew, so a
   changed model never solves a stale problem;
2. **routing** (:mod:`replicator.solvers._routing`) and the **fallback** to
   other solvers, then to the cvxpy twin of a native problem;
3. **verification** (:mod:`replicator.engine._verify`): no point leaves as
   optimal before the numpy twins have checked it; a point that fails sends
   the solve to the next solver, and an infeasibility certificate stands
   unless a later point passes the same check;
4. the **failure reports** (:mod:`replicator.engine._failures`,
   :mod:`replicator.problem._diagnose`).

It logs to the ``replicator.engine`` logger. Over 300 lines: the sequence
of a solve (compile, solve, fall back, verify, report) reads top to bottom in
this one module; the fallbacks, checks and error builders live beside it.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from replicator._attribution import build_result
from replicator.constraints._base import Constraint
from replicator.costs._base import Cost
from replicator.data._snapshot import MarketSnapshot
from replicator.engine import _failures as failures
from replicator.engine._failures import INACCURATE_MAX_VIOLATION
from replicator.engine._fallback import alternatives, native_fallback
from replicator.engine._verify import FEASIBILITY_TOL, verify
from replicator.exceptions import (
    ConfigError,
    InaccurateSolutionWarning,
    InfeasibleError,
)
from replicator.problem import OBJECTIVE_SCALE, CompiledProblem, Problem
from replicator.problem._diagnose import diagnose_infeasibility
from replicator.problem._native import NativeProblem
from replicator.result import ReplicationResult
from replicator.risk._base import RiskModel
from replicator.solvers import SolverStats, Status
from replicator.solvers._base import INTERIOR_POINT
from replicator.solvers._routing import (
    choose_backend,
    validate_options,
)
from replicator.terms import Term, is_conic, params_match, params_state, tracking_weight

__all__ = [
    "CVXPY_CONIC_MAX_ASSETS",
    "SolvePipeline",
    "SolveSettings",
]

logger = logging.getLogger("replicator.engine")

#: Largest conic problem (power impact, AMM, TE cap) whose failed native solve
#: falls back to cvxpy: beyond it the cvxpy compilation needs gigabytes (2.1 GB
#: and 146 s at 300 assets, 9.2 GB at 1,000) and only SCS remains to try.
CVXPY_CONIC_MAX_ASSETS = 250


@dataclass(frozen=True)
class SolveSettings:
    """How to solve: the model's settings that are not terms."""

    risk_aversion: float
    horizon: float
    solver: str = "auto"
    solver_options: dict[str, Any] | None = None
    fallback: bool = True
    backend: str = "auto"

    @property
    def cost_weight(self) -> float:
        """``1 / (risk_aversion * horizon)``."""
        return 1.0 / (self.risk_aversion * self.horizon)


class _Priced:
    """The terms and weights :func:`build_result` prices a point with."""

    def __init__(
        self,
        risk: RiskModel,
        costs: Sequence[Cost],
        constraints: Sequence[Constraint],
        settings: SolveSettings,
    ) -> None:
        self.risk, self.costs, self.constraints = risk, list(costs), list(constraints)
        self.risk_aversion, self.horizon = settings.risk_aversion, settings.horizon


class SolvePipeline:
    """Compile, solve, verify and report (see the module notes)."""

    def __init__(self) -> None:
        self.compiled: Problem | None = None
        self.n_compilations = 0
        self._terms: tuple[Term, ...] = ()
        self._states: tuple[Any, ...] = ()
        #: Why the last compiled problem took its path (native or cvxpy).
        self.route_reason = ""

    @property
    def conic_cvxpy_max_assets(self) -> int:
        """Largest conic problem compiled by cvxpy (:data:`CVXPY_CONIC_MAX_ASSETS`)."""
        return CVXPY_CONIC_MAX_ASSETS

    # ------------------------------------------------------------- compiling
    @staticmethod
    def uses_native(
        risk: RiskModel,
        costs: Sequence[Cost],
        constraints: Sequence[Constraint],
        settings: SolveSettings,
    ) -> bool:
        """Return True when the problem is assembled natively (no cvxpy)."""
        return SolvePipeline.route(risk, costs, constraints, settings)[0]

    @staticmethod
    def route(
        risk: RiskModel,
        costs: Sequence[Cost],
        constraints: Sequence[Constraint],
        settings: SolveSettings,
    ) -> tuple[bool, str]:
        """Return whether the problem is assembled natively, and why."""
        terms = [risk, *costs, *constraints]
        lacking = [t.name for t in terms if not t.supports_qp]
        return choose_backend(
            settings.backend, settings.solver, is_conic(terms), lacking
        )

    def _changed(self, terms: tuple[Term, ...], native: bool) -> bool:
        """Return True when a term was replaced, or changed where it was baked in.

        A native problem re-reads every parameter at each solve (``update``
        assembles the numbers anew), so only a replaced term compiles anew. A
        cvxpy problem bakes some parameters into its expressions (a Soft
        penalty), so any parameter change compiles it anew.
        """
        if len(terms) != len(self._terms):
            return True
        if any(a is not b for a, b in zip(terms, self._terms, strict=True)):
            return True
        return not native and not all(
            params_match(a, state) for a, state in zip(terms, self._states, strict=True)
        )

    def compiled_for(
        self,
        risk: RiskModel,
        costs: Sequence[Cost],
        constraints: Sequence[Constraint],
        settings: SolveSettings,
        snapshot: MarketSnapshot,
    ) -> Problem:
        """Return the compiled problem for this universe, compiling if needed."""
        k = risk.factors_.n_factors
        cp_ = self.compiled
        native, self.route_reason = self.route(risk, costs, constraints, settings)
        cost_weight = settings.cost_weight
        terms = (risk, *costs, *constraints)
        if (
            cp_ is None
            or cp_.native != native
            or cp_.cost_weight != cost_weight  # risk_aversion/horizon changed
            or not cp_.assets.equals(snapshot.assets)
            or cp_.returns_only != snapshot.returns_only
            or risk.capacity < k
            or any(c.needs_rebind(snapshot) for c in constraints)
            or self._changed(terms, native)
        ):
            logger.debug("compiling problem for %d assets", snapshot.n_assets)
            if native:
                self.compiled = NativeProblem(
                    risk,
                    costs,
                    constraints,
                    snapshot,
                    n_factors=k,
                    cost_weight=cost_weight,
                )
            else:
                self.compiled = CompiledProblem(
                    risk,
                    costs,
                    constraints,
                    snapshot,
                    n_factors=k,
                    cost_weight=cost_weight,
                    solver=settings.solver,
                )
            self.n_compilations += 1
            self._terms = terms
            self._states = tuple(params_state(t) for t in terms)
        assert self.compiled is not None
        return self.compiled

    def cvxpy_twin(
        self,
        compiled: Problem,
        snapshot: MarketSnapshot,
        settings: SolveSettings,
    ) -> CompiledProblem:
        """Return the cvxpy problem of ``compiled`` (built for diagnosis)."""
        if isinstance(compiled, CompiledProblem):
            return compiled
        assert isinstance(compiled, NativeProblem)
        twin = CompiledProblem(
            compiled.risk,
            compiled.costs,
            compiled.constraint_terms,
            snapshot,
            n_factors=compiled.risk.factors_.n_factors,
            cost_weight=settings.cost_weight,
            solver="CLARABEL",
        )
        twin.update(snapshot)
        return twin

    # ---------------------------------------------------------------- solving
    @staticmethod
    def _run(
        problem: Problem, solver: str, options: dict | None, fallback: bool
    ) -> SolverStats:
        """Solve, turning a solver's refusal of the options into a ConfigError."""
        try:
            stats = problem.solve(solver, options, fallback=fallback)
        except (TypeError, ValueError) as exc:
            if not options or isinstance(exc, ConfigError):
                raise
            raise ConfigError(
                f"solver_options {options!r} were refused by the solver: {exc}. "
                "Check each setting's type and range in the solver's documentation."
            ) from None
        if stats.status is Status.UNBOUNDED:
            # TE^2, the costs and the penalties are bounded below: a claim of
            # unboundedness (e.g. PIQP DUAL_INFEASIBLE) is a solver failure
            stats = replace(
                stats,
                status=Status.FAILED,
                reason=f"{stats.reason}; its unboundedness claim is a failure "
                "(every term is bounded below)",
            )
        return stats

    def solve(
        self,
        risk: RiskModel,
        costs: Sequence[Cost],
        constraints: Sequence[Constraint],
        settings: SolveSettings,
        snapshot: MarketSnapshot,
        twin: Any = None,
    ) -> ReplicationResult:
        """Solve a prepared snapshot (the risk model must be fitted).

        ``twin`` replaces :meth:`cvxpy_twin` (the model's hook, for tests).
        """
        options = validate_options(settings.solver_options)
        make_twin = twin or (lambda c, s: self.cvxpy_twin(c, s, settings))
        problem = self.compiled_for(risk, costs, constraints, settings, snapshot)
        problem.update(snapshot)
        stats = self._run(problem, settings.solver, options, settings.fallback)
        solved: Problem = problem
        if problem.native and settings.fallback and stats.status is Status.FAILED:
            stats, solved = native_fallback(
                problem, snapshot, stats, make_twin, self.conic_cvxpy_max_assets
            )
        elif settings.fallback and stats.status is Status.FAILED:
            # a cvxpy chain that ended in an (impossible) unboundedness claim:
            # the solvers its certificate rule skipped get their turn
            for alt, alt_solved in alternatives(
                problem, snapshot, stats, make_twin, self.conic_cvxpy_max_assets
            ):
                attempts = (*stats.attempts, *alt.attempts)
                if alt.status.usable:
                    why = f"fallback after {stats.solver} returned {stats.raw_status}"
                    stats = replace(alt, attempts=attempts, reason=why)
                    solved = alt_solved
                    break
                stats = replace(stats, attempts=attempts)
        if stats.status is Status.INFEASIBLE:
            raise self._infeasible(problem, snapshot, stats, make_twin)
        if not stats.status.usable:
            raise failures.every_solver_failed(snapshot, stats)
        priced = _Priced(risk, costs, constraints, settings)
        result = self._verified(
            priced, problem, solved, snapshot, stats, settings, make_twin
        )
        if result.stats.status is Status.OPTIMAL_INACCURATE:
            when = f" on {snapshot.date}" if snapshot.date is not None else ""
            failures.check_inaccurate(result, constraints, when)
            if any(
                not k.is_soft and r.max_violation > FEASIBILITY_TOL * (1 + abs(r.limit))
                for k, r in zip(constraints, result.constraints, strict=True)
            ):
                self._refuse_if_infeasible(problem, snapshot, result.stats, make_twin)
            stats = result.stats
            why = (
                f"a point that failed verification ({stats.verification})"
                if stats.verification.startswith("rejected")
                else "an inaccurate solution"
            )
            warnings.warn(
                f"{stats.solver} returned {why}{when} "
                f"({stats.raw_status} after {stats.iterations} iterations). The "
                "weights may be off the optimum; tighten solver_options or use "
                "solver='CLARABEL'.",
                InaccurateSolutionWarning,
                stacklevel=5,
            )
        return result

    def _infeasible(
        self, problem: Problem, snapshot: MarketSnapshot, stats: SolverStats, twin: Any
    ) -> Exception:
        """Diagnose a problem certified infeasible (natively above the size limit)."""
        if (
            isinstance(problem, NativeProblem)
            and not problem.is_qp
            and snapshot.n_assets > self.conic_cvxpy_max_assets
        ):
            return failures.native_infeasible(
                problem, snapshot, stats, self.conic_cvxpy_max_assets
            )
        return diagnose_infeasibility(twin(problem, snapshot), snapshot, stats)

    def _price(
        self, priced: _Priced, solved: Problem, snapshot: MarketSnapshot, stats: Any
    ) -> ReplicationResult:
        w, t = solved.solution()
        return build_result(priced, solved, snapshot, w, t, stats)  # type: ignore[arg-type]

    def _refuse_if_infeasible(
        self, problem: Problem, snapshot: MarketSnapshot, stats: SolverStats, twin: Any
    ) -> None:
        """Raise the diagnosis' InfeasibleError when it names a conflict.

        A point that breaks a hard row by less than an inaccurate answer may
        is still no answer to a problem that cannot be solved: the elastic
        diagnosis decides before such a point is returned with a warning.
        """
        error = self._infeasible(
            problem, snapshot, replace(stats, status=Status.INFEASIBLE), twin
        )
        if isinstance(error, InfeasibleError) and error.conflicts:
            raise error

    def _verified(
        self,
        priced: _Priced,
        problem: Problem,
        solved: Problem,
        snapshot: MarketSnapshot,
        stats: SolverStats,
        settings: SolveSettings,
        twin: Any,
    ) -> ReplicationResult:
        """Price the solver's point and verify it; try other solvers if it fails.

        An inaccurate point is not verified here (it is checked and warned
        about by the caller). A point that fails verification sends the solve
        to the solvers not yet tried; when none passes, a problem some solver
        certified infeasible (or whose least violation is beyond what an
        inaccurate answer may break) goes to the infeasibility diagnosis, and
        a point within :data:`~replicator.engine._failures.INACCURATE_MAX_VIOLATION`
        is returned as inaccurate, with a warning.
        """
        result = self._price(priced, solved, snapshot, stats)
        if stats.status is not Status.OPTIMAL:
            done = replace(stats, route=self.route_reason)
            return replace(result, stats=done)
        te_weight = tracking_weight(
            priced.constraints, bool(priced.costs), settings.cost_weight
        )

        def check(res: ReplicationResult, prob: Problem) -> Any:
            # a deliberately relaxed cost (gas amortized) is checked against
            # the solver's value plus its known relaxation gap
            solver_value = prob.objective_value
            if solver_value is not None:
                t = res._per_asset.arrays["trades"]
                gap = sum(c.relaxation_gap(t, snapshot) for c in priced.costs)
                solver_value += OBJECTIVE_SCALE * settings.cost_weight * gap
            return verify(
                res,
                priced.constraints,
                snapshot,
                solver_value,
                te_weight,
                settings.cost_weight,
                OBJECTIVE_SCALE,
            )

        verdict = check(result, solved)
        if verdict.ok:
            done = replace(stats, verification=verdict.note, route=self.route_reason)
            return replace(result, stats=done)
        logger.info("%s: %s", stats.solver, verdict.note)
        notes = [f"{stats.solver}: {verdict.note}"]
        attempts = list(stats.attempts)
        best = (verdict.max_violation, result, verdict)
        certified = bool(stats.certified_infeasible)
        if settings.fallback and not certified:
            for alt, alt_solved in alternatives(
                problem, snapshot, stats, twin, self.conic_cvxpy_max_assets
            ):
                attempts.extend(alt.attempts)
                if alt.status is Status.INFEASIBLE and alt.solver in INTERIOR_POINT:
                    # a certificate: the first-order solvers cannot refute it
                    certified = True
                    break
                if alt.status is not Status.OPTIMAL:
                    continue
                alt_result = self._price(priced, alt_solved, snapshot, alt)
                alt_verdict = check(alt_result, alt_solved)
                if alt_verdict.ok:
                    reason = (
                        f"fallback after the point of {stats.solver} failed "
                        f"verification ({verdict.note})"
                    )
                    done = replace(
                        alt,
                        reason=reason,
                        attempts=tuple(attempts),
                        verification=alt_verdict.note,
                        route=self.route_reason,
                    )
                    return replace(alt_result, stats=done)
                notes.append(f"{alt.solver}: {alt_verdict.note}")
                if alt_verdict.max_violation < best[0]:
                    best = (alt_verdict.max_violation, alt_result, alt_verdict)
        failed = replace(stats, attempts=tuple(attempts))
        if certified or best[0] > INACCURATE_MAX_VIOLATION:
            error = self._infeasible(
                problem, snapshot, replace(failed, status=Status.INFEASIBLE), twin
            )
            if isinstance(error, InfeasibleError) and error.conflicts:
                raise error
            raise failures.unverified(snapshot, failed, notes)
        self._refuse_if_infeasible(problem, snapshot, failed, twin)
        _, result, verdict = best
        inaccurate = replace(
            result.stats,
            status=Status.OPTIMAL_INACCURATE,
            attempts=tuple(attempts),
            verification=verdict.note,
            route=self.route_reason,
        )
        return replace(result, stats=inaccurate)
