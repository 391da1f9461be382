"""The Replicator: risk + costs + constraints -> weights and trades."""

from __future__ import annotations

import copy
import logging
import warnings
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from replicator._inputs import build_snapshot
from replicator.constraints._base import Constraint
from replicator.costs._base import Cost
from replicator.data._snapshot import MarketSnapshot
from replicator.data._validate import (
    validate_returns,
)
from replicator.exceptions import (
    ConfigError,
    DataError,
    InaccurateSolutionWarning,
    InfeasibleError,
    SolverFailedError,
    UnboundedError,
)
from replicator.problem import CompiledProblem
from replicator.problem._diagnose import ADVICE, diagnose_infeasibility
from replicator.problem._native import ELASTIC_TOL, NativeProblem, supports_native
from replicator.result import ReplicationResult
from replicator.risk._base import RiskModel
from replicator.risk._ewma import EWMA
from replicator.solvers import SolverStats, Status
from replicator.solvers._native import NATIVE_SOLVERS
from replicator.terms import is_conic

__all__ = ["Replicator"]

logger = logging.getLogger("replicator")


class Replicator:
    r"""Minimize ex-ante tracking error net of trading costs, under constraints.

    Parameters
    ----------
    risk : RiskModel, default EWMA(halflife=63)
        Risk model; estimated from ``returns`` at each solve unless given
        directly (``rp.risk.Covariance``, ``rp.risk.FactorModel``). The
        default and ``risk_aversion`` come from ``benchmarks/quality``.
    costs : sequence of Cost
        Trading-cost models (fractions of NAV).
    constraints : sequence of Constraint
        Hard constraints; wrap one in ``rp.constraints.Soft`` to penalize it.
    risk_aversion : float, default 1
        Active risk aversion ``lambda``: the objective is
        ``TE^2 + cost / (lambda * horizon)``. With the default, paying 1 bp a
        year of cost drag is worth removing a tracking error of 1 %.
    horizon : float, default 1
        Holding horizon ``H`` in years over which one-off costs are amortized.
    periods_per_year : float, default 252
        Annualization of the risk model: 252 for equities, 365 for crypto.
    solver : str, default "auto"
        "auto" solves QPs (linear and quadratic terms only) on the directly
        assembled problem with the dual Newton method when it recognizes their
        structure (separable per asset plus a few coupling rows; see
        :mod:`replicator.solvers._dual_newton`) and with PIQP otherwise, and
        conic problems (power, AMM, TE cap) with Clarabel; or a solver name
        ("DUAL_NEWTON", "PIQP", "OSQP", "CLARABEL" run natively on QPs; any
        cvxpy solver runs through cvxpy).
    solver_options : dict, optional
        Options passed to the solver, over replicator's tight defaults. With
        ``solver="auto"`` they are PIQP's for QPs (and the dual Newton method
        is skipped) and Clarabel's for conic problems.
    fallback : bool, default True
        Try another solver when the first fails or is inaccurate.
    backend : {"auto", "native", "cvxpy"}, default "auto"
        How the problem reaches the solver. "native" assembles the standard-form
        QP from the terms directly (no cvxpy; compiled once, re-solved by
        updating numbers), "cvxpy" builds one parametrized (DPP) cvxpy problem.
        "auto" is native when every term has a native form and the solver is
        PIQP, OSQP or Clarabel, and cvxpy otherwise.

    Notes
    -----
    Unit system: weights and trades are fractions of NAV; ``TE^2`` is the
    annualized active variance; costs are one-off fractions of NAV. The
    objective is

    .. math::

        \\min_w\\; (w-b)^T \\Sigma (w-b)
            + \\frac{1}{\\lambda H} \\sum_k C_k(w - w_0)

    A one-off cost ``C`` amortized over ``H`` years is an annual drag ``C/H``;
    ``lambda`` converts that drag into active variance (mean-variance utility
    ``-C/H - lambda TE^2``).

    Examples
    --------
    >>> import replicator as rp
    >>> model = rp.Replicator(
    ...     risk=rp.risk.StatisticalFactor(n_factors=10),
    ...     costs=[rp.costs.ProportionalFee(bps=5)],
    ...     constraints=[rp.constraints.FullyInvested(), rp.constraints.LongOnly()],
    ... )
    """

    def __init__(
        self,
        risk: RiskModel | None = None,
        costs: Sequence[Cost] = (),
        constraints: Sequence[Constraint] = (),
        *,
        risk_aversion: float = 1.0,
        horizon: float = 1.0,
        periods_per_year: float = 252.0,
        solver: str = "auto",
        solver_options: dict[str, Any] | None = None,
        fallback: bool = True,
        backend: str = "auto",
    ) -> None:
        self.risk = risk if risk is not None else EWMA(halflife=63)
        self.costs = list(costs)
        self.constraints = list(constraints)
        self.risk_aversion = risk_aversion
        self.horizon = horizon
        self.periods_per_year = periods_per_year
        self.solver = solver
        self.solver_options = solver_options
        self.fallback = fallback
        self.backend = backend
        self._compiled: CompiledProblem | NativeProblem | None = None
        self.n_compilations_ = 0

    # ------------------------------------------------------------------ pickle
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_compiled"] = None
        return state

    def clone(self) -> Replicator:
        """Return an unbound deep copy (for parallel workers)."""
        compiled, self._compiled = self._compiled, None
        try:
            new = copy.deepcopy(self)
        finally:
            self._compiled = compiled
        return new

    # --------------------------------------------------------------- checking
    def _validate(self) -> None:
        if not isinstance(self.risk, RiskModel):
            raise ConfigError(
                f"risk must be a replicator risk model (rp.risk.*); got "
                f"{type(self.risk).__name__}."
            )
        for c in self.costs:
            if not isinstance(c, Cost):
                raise ConfigError(
                    f"costs must hold rp.costs.* objects; got {type(c).__name__}."
                )
        for k in self.constraints:
            if not isinstance(k, Constraint):
                raise ConfigError(
                    "constraints must hold rp.constraints.* objects; got "
                    f"{type(k).__name__}."
                )
        for pname in ("risk_aversion", "horizon", "periods_per_year"):
            value = getattr(self, pname)
            if not isinstance(value, (int, float)) or not value > 0:
                raise ConfigError(
                    f"The '{pname}' parameter of Replicator must be a positive "
                    f"float. Got {value!r} instead."
                )
        for term in (self.risk, *self.costs, *self.constraints):
            term.validate_params()

    # ----------------------------------------------------------- preparation
    def prepare(
        self,
        returns: pd.DataFrame | None = None,
        benchmark: pd.Series | None = None,
        holdings: pd.Series | None = None,
        *,
        nav: float = 1.0,
        adv: pd.Series | None = None,
        volatility: pd.Series | None = None,
        prices: pd.Series | None = None,
        groups: pd.Series | None = None,
        universe: Sequence[str] | pd.Index | None = None,
        date: Any = None,
        extra: dict[str, Any] | None = None,
        fit: bool = True,
    ) -> MarketSnapshot:
        """Validate and align the inputs of a solve into a MarketSnapshot.

        Also fits the risk model on ``returns`` (unless ``fit=False``). See
        :meth:`solve` for the parameters.
        """
        self._validate()
        if returns is not None:
            returns = validate_returns(returns, "returns")
        if benchmark is None:
            raise DataError(
                "benchmark is required: a Series of weights by ticker, or a "
                "Series of benchmark returns by date (returns-only mode)."
            )
        if not isinstance(benchmark, pd.Series):
            raise DataError(
                f"benchmark must be a pandas Series; got {type(benchmark).__name__}."
            )
        known = self._known_assets(returns)
        snapshot, bench_returns = build_snapshot(
            returns,
            benchmark,
            holdings,
            known=known,
            periods_per_year=self.periods_per_year,
            nav=nav,
            adv=adv,
            volatility=volatility,
            prices=prices,
            groups=groups,
            universe=universe,
            date=date,
            extra=extra,
        )
        if fit:
            self._fit_risk(returns, bench_returns, snapshot.assets)
        return snapshot

    def _known_assets(self, returns: pd.DataFrame | None) -> pd.Index | None:
        if returns is not None:
            return returns.columns
        if not self.risk.needs_returns and hasattr(self.risk, "factors_"):
            return self.risk.factors_.assets
        if not self.risk.needs_returns:
            self.risk.fit(None, periods_per_year=self.periods_per_year)
            return self.risk.factors_.assets
        return None

    def _fit_risk(
        self,
        returns: pd.DataFrame | None,
        bench_returns: pd.Series | None,
        assets: pd.Index,
    ) -> None:
        if self.risk.needs_returns:
            if returns is None:
                raise DataError(
                    f"{self.risk.name} is estimated from returns: pass returns=... "
                    "(dates x tickers), or give the model directly with "
                    "rp.risk.Covariance or rp.risk.FactorModel."
                )
            self.risk.fit(
                returns[assets],
                bench_returns,
                periods_per_year=self.periods_per_year,
            )
        elif bench_returns is not None or not hasattr(self.risk, "factors_"):
            self.risk.fit(None, bench_returns, periods_per_year=self.periods_per_year)

    # ------------------------------------------------------------------ solve
    def solve(
        self,
        returns: pd.DataFrame | None = None,
        benchmark: pd.Series | None = None,
        holdings: pd.Series | None = None,
        *,
        nav: float = 1.0,
        adv: pd.Series | None = None,
        volatility: pd.Series | None = None,
        prices: pd.Series | None = None,
        groups: pd.Series | None = None,
        universe: Sequence[str] | pd.Index | None = None,
        date: Any = None,
        extra: dict[str, Any] | None = None,
    ) -> ReplicationResult:
        """Solve for the weights and trades that minimize TE net of costs.

        Parameters
        ----------
        returns : DataFrame of shape (n_dates, n_assets), optional
            Daily simple returns, dates as rows and tickers as columns. Needed
            unless the risk model is given directly.
        benchmark : Series
            Benchmark weights by ticker (summing to 1), or benchmark returns
            by date (returns-only mode; same dates as ``returns``).
        holdings : Series, optional
            Current weights by ticker; omitted means all cash.
        nav : float, default 1
            Net asset value in currency (for liquidity and impact).
        adv : Series, optional
            Average daily traded value by ticker, same currency as ``nav``.
        volatility : Series, optional
            Daily return volatility by ticker (default: from ``returns``).
        prices : Series, optional
            Prices by ticker.
        groups : Series, optional
            Group (sector) label by ticker, for group constraints and the TE
            decomposition.
        universe : sequence of str, optional
            Tickers that may be held. Benchmark constituents outside it keep
            their benchmark weight and are proxied by the optimizer.
        date : object, optional
            Rebalance date, carried into the result and error messages.
        extra : dict, optional
            Term-specific market data (e.g. AMM reserves), keyed by name.

        Returns
        -------
        ReplicationResult

        Raises
        ------
        DataError
            Malformed inputs (NaNs, duplicates, misaligned or missing assets).
        InfeasibleError
            The constraints conflict; the message names them.
        SolverFailedError
            Every solver failed.
        """
        snapshot = self.prepare(
            returns,
            benchmark,
            holdings,
            nav=nav,
            adv=adv,
            volatility=volatility,
            prices=prices,
            groups=groups,
            universe=universe,
            date=date,
            extra=extra,
        )
        return self.solve_snapshot(snapshot)

    def uses_native(self) -> bool:
        """Return True when solves skip cvxpy (see ``backend``)."""
        backend = str(self.backend).lower()
        if backend not in ("auto", "native", "cvxpy"):
            raise ConfigError(
                "The 'backend' parameter of Replicator must be one of 'auto', "
                f"'native', 'cvxpy'. Got {self.backend!r} instead."
            )
        terms = [self.risk, *self.costs, *self.constraints]
        conic = is_conic(terms)
        solvers = ("AUTO", "CLARABEL") if conic else ("AUTO", *NATIVE_SOLVERS)
        able = supports_native(terms) and self.solver.upper() in solvers
        if backend == "native" and not able:
            lacking = [t.name for t in terms if not getattr(t, "supports_qp", False)]
            allowed = (
                "'auto' or 'CLARABEL' (the problem has cones)"
                if conic
                else "'auto', 'PIQP', 'OSQP' or 'CLARABEL'"
            )
            raise ConfigError(
                "backend='native' needs terms with a native form and solver "
                f"{allowed}; "
                + (
                    f"{', '.join(lacking)} need cvxpy"
                    if lacking
                    else f"solver={self.solver!r} runs through cvxpy"
                )
                + ". Use backend='auto'."
            )
        return able and backend != "cvxpy"

    def compiled_for(self, snapshot: MarketSnapshot) -> CompiledProblem | NativeProblem:
        """Return the compiled problem for this universe, compiling if needed."""
        k = self.risk.factors_.n_factors
        cp_ = self._compiled
        native = self.uses_native()
        cost_weight = 1.0 / (self.risk_aversion * self.horizon)
        if (
            cp_ is None
            or getattr(cp_, "native", False) != native
            or cp_.cost_weight != cost_weight  # risk_aversion/horizon changed
            or not cp_.assets.equals(snapshot.assets)
            or cp_.returns_only != snapshot.returns_only
            or self.risk.capacity < k
            or any(c.needs_rebind(snapshot) for c in self.constraints)
        ):
            logger.debug("compiling problem for %d assets", snapshot.n_assets)
            if native:
                self._compiled = NativeProblem(
                    self.risk,
                    self.costs,
                    self.constraints,
                    snapshot,
                    n_factors=k,
                    cost_weight=cost_weight,
                )
                self.n_compilations_ += 1
                return self._compiled
            self._compiled = CompiledProblem(
                self.risk,
                self.costs,
                self.constraints,
                snapshot,
                n_factors=k,
                cost_weight=1.0 / (self.risk_aversion * self.horizon),
                solver=self.solver,
            )
            self.n_compilations_ += 1
        return self._compiled

    def solve_snapshot(self, snapshot: MarketSnapshot) -> ReplicationResult:
        """Solve a prepared snapshot (the risk model must be fitted)."""
        with snapshot.solving():
            return self._solve_snapshot(snapshot)

    def _solve_snapshot(self, snapshot: MarketSnapshot) -> ReplicationResult:
        compiled = self.compiled_for(snapshot)
        compiled.update(snapshot)
        stats = compiled.solve(self.solver, self.solver_options, fallback=self.fallback)
        solved: CompiledProblem | NativeProblem = compiled
        if (
            getattr(compiled, "native", False)
            and self.fallback
            and stats.status is Status.FAILED
        ):
            stats, solved = self._native_fallback(compiled, snapshot, stats)
        when = f" on {snapshot.date}" if snapshot.date is not None else ""
        if stats.status is Status.INFEASIBLE:
            if (
                isinstance(compiled, NativeProblem)
                and not compiled.is_qp
                and snapshot.n_assets > CVXPY_CONIC_MAX_ASSETS
            ):
                raise self._native_infeasible(compiled, snapshot, stats)
            raise diagnose_infeasibility(
                self._cvxpy_twin(compiled, snapshot), snapshot, stats
            )
        if stats.status is Status.UNBOUNDED:
            raise UnboundedError(
                f"The problem is unbounded{when}: nothing limits the weights. Add "
                "FullyInvested() or WeightBounds().",
                status=str(stats.status),
                solver=stats.solver,
                date=snapshot.date,
            )
        if not stats.status.usable:
            raise SolverFailedError(
                f"Every solver failed{when} ({'; '.join(stats.attempts)}). Check the "
                "inputs for extreme values, or pass solver_options (e.g. a larger "
                "max_iter).",
                status=str(stats.status),
                solver=stats.solver,
                date=snapshot.date,
            )
        w, t = solved.solution()
        from replicator._attribution import build_result

        result = build_result(self, solved, snapshot, w, t, stats)
        if stats.status is Status.OPTIMAL_INACCURATE:
            _check_inaccurate(result, self.constraints, when)
            warnings.warn(
                f"{stats.solver} returned an inaccurate solution{when} "
                f"({stats.raw_status} after {stats.iterations} iterations). The "
                "weights may be off the optimum; tighten solver_options or use "
                "solver='CLARABEL'.",
                InaccurateSolutionWarning,
                stacklevel=4,
            )
        return result

    def _native_fallback(
        self, compiled: NativeProblem, snapshot: MarketSnapshot, stats: SolverStats
    ) -> tuple[SolverStats, CompiledProblem | NativeProblem]:
        """Handle a native solve that produced no usable solution.

        The last resort is the same problem through cvxpy and its solver chain
        (an inaccurate native solution is kept and warned about instead:
        compiling the twin on every solve would cost more than it is worth).
        A conic problem is first put to the native elastic check
        (:meth:`NativeProblem.elastic_violations`): an infeasible one goes
        straight to the diagnosis, without the cvxpy solver chain (whose SCS
        would run to its iteration limit). Above :data:`CVXPY_CONIC_MAX_ASSETS`
        assets nothing conic is compiled by cvxpy (O(N^2) memory): the elastic
        check's verdict is the error.
        """
        large = snapshot.n_assets > CVXPY_CONIC_MAX_ASSETS
        if not compiled.is_qp:
            found = compiled.elastic_violations(snapshot)
            if found is not None and found[0]:
                if large:
                    raise self._elastic_infeasible(compiled, found, snapshot, stats)
                checked = (*stats.attempts, "native elastic check: infeasible")
                infeasible = replace(stats, status=Status.INFEASIBLE, attempts=checked)
                return infeasible, compiled
            if large:
                raise self._native_failure(found, snapshot, stats)
        try:
            twin = self._cvxpy_twin(compiled, snapshot)
            alt = twin.solve("auto", None, fallback=True)
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
        solved: CompiledProblem | NativeProblem = compiled
        if alt.status is Status.OPTIMAL or not stats.status.usable:
            reason = f"fallback to cvxpy after the native solvers failed: {alt.reason}"
            stats, solved = replace(alt, reason=reason), twin
        return replace(stats, attempts=attempts), solved

    @staticmethod
    def _skipped() -> str:
        return (
            f"the cvxpy diagnosis is skipped for a conic problem above "
            f"{CVXPY_CONIC_MAX_ASSETS} assets (its compilation needs O(N^2) memory: "
            "> 8 GB at 1,000 assets)"
        )

    def _native_failure(
        self,
        found: tuple[dict[str, float], np.ndarray] | None,
        snapshot: MarketSnapshot,
        stats: SolverStats,
    ) -> SolverFailedError:
        """Build the error of a large SOCP that failed but may be feasible."""
        when = f" on {snapshot.date}" if snapshot.date is not None else ""
        why = (
            "the native elastic check failed too"
            if found is None
            else "the native elastic check finds that every constraint can hold, "
            "so this is numerical trouble"
        )
        return SolverFailedError(
            f"Every native solver failed{when} ({'; '.join(stats.attempts)}) and "
            f"{why}; {self._skipped()}. Check the inputs for extreme values.",
            status=str(Status.FAILED),
            solver=stats.solver,
            date=snapshot.date,
        )

    def _elastic_infeasible(
        self,
        compiled: NativeProblem,
        found: tuple[dict[str, float], np.ndarray],
        snapshot: MarketSnapshot,
        stats: SolverStats,
    ) -> InfeasibleError:
        """Build the error of a large SOCP the elastic check finds infeasible.

        Names each limit that must give, with its value at the least violating
        point (for a TE cap: the smallest TE the other constraints allow). When
        a single limit must give, the constraints it conflicts with are named
        too (:meth:`_conflict_partners`).
        """
        when = f" on {snapshot.date}" if snapshot.date is not None else ""
        violations, w = found
        t = w - snapshot.holdings
        parts = []
        for k in self.constraints:
            if k.name in violations:
                rep = k.report(w, t, snapshot)
                parts.append(
                    f"{k.name} ({k.quantity} {rep.value:.6g} against a limit of "
                    f"{rep.limit:.6g})"
                )
        head = ""
        if len(violations) == 1:
            (name,) = violations
            partners = self._conflict_partners(compiled, snapshot, name)
            if partners:
                head = f" {name} conflicts with {' + '.join(partners)}:"
        return InfeasibleError(
            f"The problem is infeasible{when}:{head} the point that violates the "
            f"constraints least breaks {', '.join(parts)}. Found by the native "
            f"elastic check after {'; '.join(stats.attempts)}; {self._skipped()}."
            + ADVICE,
            conflicts=dict(violations),
            status=str(Status.INFEASIBLE),
            solver=stats.solver,
            date=snapshot.date,
        )

    def _native_infeasible(
        self, compiled: NativeProblem, snapshot: MarketSnapshot, stats: SolverStats
    ) -> InfeasibleError:
        """Diagnose a large conic problem a solver certified infeasible.

        Above :data:`CVXPY_CONIC_MAX_ASSETS` assets the cvxpy diagnosis would
        compile the cones in O(N^2) memory (1.1 GB and 15 s at 1,000 assets
        for a TE cap, gigabytes more with power or AMM cones), so the native
        elastic check names the limits instead (:meth:`_elastic_infeasible`).
        """
        found = compiled.elastic_violations(snapshot)
        if found is not None and found[0]:
            return self._elastic_infeasible(compiled, found, snapshot, stats)
        when = f" on {snapshot.date}" if snapshot.date is not None else ""
        why = (
            "the native elastic check failed"
            if found is None
            else "the native elastic check finds that every constraint can hold "
            "(numerical trouble: rescale extreme inputs)"
        )
        names = ", ".join(k.name for k in self.constraints)
        return InfeasibleError(
            f"{stats.solver} reported the problem infeasible{when} "
            f"({stats.raw_status}), and {why}; {self._skipped()}. Check the "
            f"constraints: {names}.",
            status=str(stats.status),
            solver=stats.solver,
            date=snapshot.date,
        )

    @staticmethod
    def _conflict_partners(
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
            if j == culprit or getattr(k, "is_soft", False):
                continue
            without = compiled.smallest_relaxation(snapshot, culprit, skip=j)
            if without is not None and without < base - 1e-6 * (1.0 + base):
                partners.append(k.name)
        return partners

    def _cvxpy_twin(
        self, compiled: CompiledProblem | NativeProblem, snapshot: MarketSnapshot
    ) -> CompiledProblem:
        """Return the cvxpy problem of ``compiled`` (built for diagnosis)."""
        if isinstance(compiled, CompiledProblem):
            return compiled
        twin = CompiledProblem(
            self.risk,
            self.costs,
            self.constraints,
            snapshot,
            n_factors=self.risk.factors_.n_factors,
            cost_weight=1.0 / (self.risk_aversion * self.horizon),
            solver="CLARABEL",
        )
        twin.update(snapshot)
        return twin

    # --------------------------------------------------------------- frontier
    def frontier(
        self,
        returns: pd.DataFrame | None = None,
        benchmark: pd.Series | None = None,
        holdings: pd.Series | None = None,
        *,
        risk_aversions: Sequence[float] | None = None,
        **market: Any,
    ) -> pd.DataFrame:
        """Sweep the TE-versus-cost trade-off.

        Parameters
        ----------
        returns, benchmark, holdings, **market
            As for :meth:`solve`.
        risk_aversions : sequence of float, optional
            Values of ``lambda`` to sweep; default 12 values log-spaced from
            0.1 to 1e5.

        Returns
        -------
        DataFrame
            One row per ``risk_aversion``: ``tracking_error``, ``total_cost``
            (fraction of NAV), ``turnover``, ``n_holdings``, ``status`` and one
            column per cost term.
        """
        if risk_aversions is None:
            risk_aversions = list(np.logspace(-1, 5, 12))
        if not len(risk_aversions) or any(
            not isinstance(x, (int, float)) or x <= 0 for x in risk_aversions
        ):
            raise ConfigError(
                "risk_aversions must be a non-empty list of positive floats."
            )
        snapshot = self.prepare(returns, benchmark, holdings, **market)
        rows = []
        for lam in risk_aversions:
            model = self.clone()
            model.risk_aversion = float(lam)
            model.risk.factors_ = self.risk.factors_
            res = model.solve_snapshot(snapshot)
            row = {
                "risk_aversion": float(lam),
                "tracking_error": res.tracking_error,
                "total_cost": res.total_cost,
                "turnover": res.turnover,
                "n_holdings": res.n_holdings,
                "status": str(res.status),
            }
            row.update({f"cost:{k}": v for k, v in res.costs.items()})
            rows.append(row)
        return pd.DataFrame(rows).set_index("risk_aversion")

    def __repr__(self) -> str:
        return (
            f"Replicator(risk={self.risk!r}, costs={self.costs!r}, "
            f"constraints={self.constraints!r}, risk_aversion={self.risk_aversion!r})"
        )


#: Largest conic problem (power impact, AMM, TE cap) whose failed native solve
#: falls back to cvxpy: beyond it the cvxpy compilation needs gigabytes (2.1 GB
#: and 146 s at 300 assets, 9.2 GB at 1,000) and only SCS remains to try.
CVXPY_CONIC_MAX_ASSETS = 250

#: Largest violation of a hard constraint, in its reported units (weight,
#: turnover, tracking error, participation), for which an inaccurate solution is
#: still returned (with a warning) rather than refused.
INACCURATE_MAX_VIOLATION = 1e-4


def _check_inaccurate(
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
        if not getattr(k, "is_soft", False)
        and r.max_violation > INACCURATE_MAX_VIOLATION
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
