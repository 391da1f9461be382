"""The Replicator: risk + costs + constraints -> weights and trades."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from replicator._inputs import build_snapshot
from replicator._periods import infer_periods_per_year
from replicator.constraints._base import Constraint
from replicator.costs._base import Cost
from replicator.data._snapshot import MarketSnapshot
from replicator.data._validate import validate_returns
from replicator.engine import SolvePipeline, SolveSettings, check_model
from replicator.exceptions import ConfigError, DataError
from replicator.problem import CompiledProblem, Problem
from replicator.result import ReplicationResult
from replicator.risk._base import RiskModel
from replicator.risk._ewma import EWMA
from replicator.terms import params_match, params_state

__all__ = ["Replicator"]


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
    periods_per_year : float or None, default None
        Annualization of the risk model: 252 for equities, 365 for crypto.
        None: inferred from the calendar of the returns at each
        ``prepare``/``solve`` (a 7-day week: 365; business days: 252; weekly
        52, monthly 12; see :func:`replicator._periods.infer_periods_per_year`)
        and stored in ``periods_per_year_``. Without returns (a risk model
        given directly) nothing is annualized from data and 252 is recorded.
    solver : str, default "auto"
        "auto" solves QPs (linear and quadratic terms only) on the directly
        assembled problem with the dual Newton method when it recognizes their
        structure (separable per asset plus a few coupling rows; see
        :mod:`replicator.solvers.dual_newton`) and with PIQP otherwise, and
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
        periods_per_year: float | None = None,
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
        self._pipeline = SolvePipeline()
        self._risk_fit: tuple[RiskModel, Any] | None = None

    @property
    def _compiled(self) -> Problem | None:
        """The compiled problem of the last solve (held by the pipeline)."""
        return self._pipeline.compiled

    @property
    def n_compilations_(self) -> int:
        """Number of problem compilations so far."""
        return self._pipeline.n_compilations

    def _settings(self) -> SolveSettings:
        return SolveSettings(
            risk_aversion=self.risk_aversion,
            horizon=self.horizon,
            solver=self.solver,
            solver_options=self.solver_options,
            fallback=self.fallback,
            backend=self.backend,
        )

    # ------------------------------------------------------------------ pickle
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_pipeline"] = SolvePipeline()
        return state

    def clone(self) -> Replicator:
        """Return an unbound deep copy (for parallel workers)."""
        pipeline, self._pipeline = self._pipeline, SolvePipeline()
        try:
            new = copy.deepcopy(self)
        finally:
            self._pipeline = pipeline
        return new

    # --------------------------------------------------------------- checking
    def _validate(self) -> None:
        settings = {"risk_aversion": self.risk_aversion, "horizon": self.horizon}
        if self.periods_per_year is not None:  # None: inferred at prepare
            settings["periods_per_year"] = self.periods_per_year
        check_model(self.risk, self.costs, self.constraints, settings)

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
        # The calendar is inferred before the inputs are aligned, but a more
        # specific error about them (text dates, too few observations) is
        # raised first: the inference's own error waits until the end.
        undetermined = None
        if self.periods_per_year is not None:
            self.periods_per_year_ = float(self.periods_per_year)
        elif returns is None:  # a risk model given directly: nothing to annualize
            self.periods_per_year_ = 252.0
        else:
            try:
                self.periods_per_year_ = infer_periods_per_year(returns.index)
            except DataError as exc:
                self.periods_per_year_, undetermined = 252.0, exc
        known = self._known_assets(returns)
        snapshot, bench_returns = build_snapshot(
            returns,
            benchmark,
            holdings,
            known=known,
            periods_per_year=self.periods_per_year_,
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
        if undetermined is not None:
            raise undetermined
        return snapshot

    def _fitted(self) -> bool:
        """Return True when a directly given risk model is fitted with its parameters.

        A model given directly (``needs_returns`` False) is fitted once; when
        its parameters change (e.g. new numbers in a FactorModel's
        exposures), it is fitted again.
        """
        if not hasattr(self.risk, "factors_") or self._risk_fit is None:
            return False
        risk, state = self._risk_fit
        return risk is self.risk and params_match(self.risk, state)

    def _known_assets(self, returns: pd.DataFrame | None) -> pd.Index | None:
        if returns is not None:
            return returns.columns
        if not self.risk.needs_returns and self._fitted():
            return self.risk.factors_.assets
        if not self.risk.needs_returns:
            self.risk.fit(None, periods_per_year=self.periods_per_year_)
            self._risk_fit = (self.risk, params_state(self.risk))
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
                periods_per_year=self.periods_per_year_,
            )
        elif bench_returns is not None or not self._fitted():
            self.risk.fit(None, bench_returns, periods_per_year=self.periods_per_year_)
            self._risk_fit = (self.risk, params_state(self.risk))

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
        return self._pipeline.uses_native(
            self.risk, self.costs, self.constraints, self._settings()
        )

    def compiled_for(self, snapshot: MarketSnapshot) -> Problem:
        """Return the compiled problem for this universe, compiling if needed."""
        return self._pipeline.compiled_for(
            self.risk, self.costs, self.constraints, self._settings(), snapshot
        )

    def solve_snapshot(self, snapshot: MarketSnapshot) -> ReplicationResult:
        """Solve a prepared snapshot (the risk model must be fitted).

        The pipeline (:class:`~replicator.engine.SolvePipeline`) compiles,
        routes, solves, falls back, verifies the answer with the numpy twins
        and reports failures as typed errors.
        """
        with snapshot.solving():
            return self._pipeline.solve(
                self.risk,
                self.costs,
                self.constraints,
                self._settings(),
                snapshot,
                twin=self._cvxpy_twin,
            )

    def _cvxpy_twin(
        self, compiled: Problem, snapshot: MarketSnapshot
    ) -> CompiledProblem:
        """Return the cvxpy problem of ``compiled`` (built for diagnosis)."""
        return self._pipeline.cvxpy_twin(compiled, snapshot, self._settings())

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
