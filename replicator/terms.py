"""Shared machinery of every term: variables, parameter checks, the Term base.

A term is a small object that contributes to the optimization problem. The
three families are risk models (:mod:`replicator.risk`), costs
(:mod:`replicator.costs`) and constraints (:mod:`replicator.constraints`).

Lifecycle (compile once, re-solve many times):

1. ``__init__`` stores the keyword parameters verbatim; nothing is validated.
2. ``bind(snapshot)`` validates the parameters against ``_parameter_constraints``
   and creates the ``cp.Parameter`` objects sized for the universe. It runs once
   per universe.
3. ``update(snapshot)`` writes numbers into those parameters. It runs before
   every solve; only parameter values change, so the problem stays DPP and is
   compiled only once.
4. ``expression(v)`` / ``constraints(v)`` build the cvxpy objects, once.
5. ``evaluate(...)`` is the numpy twin used by reports and the backtest.
"""

from __future__ import annotations

import copy
import math
import numbers
from dataclasses import dataclass
from typing import Any, ClassVar

import cvxpy as cp
import numpy as np
import pandas as pd

from replicator.data._snapshot import MarketSnapshot
from replicator.exceptions import ConfigError

__all__ = [
    "Interval",
    "Options",
    "Term",
    "Variables",
    "is_conic",
    "params_match",
    "params_state",
    "tracking_weight",
]


@dataclass(frozen=True)
class Variables:
    """The decision variables and the parameters every term may read.

    Attributes
    ----------
    weights : cp.Variable
        Post-trade weights ``w`` (fractions of NAV), one per modelled asset.
    trades : cp.Variable
        Trades ``t = w - w0`` (fractions of NAV). Linked to ``weights`` by an
        equality constraint so that every term stays DPP.
    benchmark : cp.Parameter
        Benchmark weights ``b`` (zeros in returns-only mode).
    holdings : cp.Parameter
        Pre-trade weights ``w0``.
    tracking_variance : cp.Expression or None
        The risk model's annualized ``TE^2`` expression (for TE constraints).
    """

    weights: cp.Variable
    trades: cp.Variable
    benchmark: cp.Parameter
    holdings: cp.Parameter
    tracking_variance: cp.Expression | None = None

    @property
    def active(self) -> cp.Expression:
        """Active weights ``w - b`` (parameter-affine, for constraints only)."""
        return self.weights - self.benchmark


class Interval:
    """A numeric range for a parameter, scalar or per asset (Series).

    Parameters
    ----------
    low, high : float or None
        Bounds; None means unbounded.
    closed : {"both", "left", "right", "neither"}
        Which bounds are included.
    series : bool, default False
        Also accept a pandas Series whose every value is in range.
    allow_none : bool, default False
        Accept None.
    """

    def __init__(
        self,
        low: float | None,
        high: float | None,
        closed: str = "both",
        *,
        series: bool = False,
        allow_none: bool = False,
        integer: bool = False,
    ) -> None:
        self.low, self.high, self.closed = low, high, closed
        self.series, self.allow_none, self.integer = series, allow_none, integer

    def _in_range(self, x: float) -> bool:
        lo_ok = self.low is None or (
            x >= self.low if self.closed in ("both", "left") else x > self.low
        )
        hi_ok = self.high is None or (
            x <= self.high if self.closed in ("both", "right") else x < self.high
        )
        return bool(lo_ok and hi_ok and math.isfinite(x))

    def describe(self) -> str:
        """Return the English description used in error messages."""
        left = "[" if self.closed in ("both", "left") else "("
        right = "]" if self.closed in ("both", "right") else ")"
        lo = "-inf" if self.low is None else f"{self.low:g}"
        hi = "inf" if self.high is None else f"{self.high:g}"
        kind = "an int" if self.integer else "a float"
        text = f"{kind} in the range {left}{lo}, {hi}{right}"
        if self.series:
            text += " (or a Series of such values by ticker)"
        if self.allow_none:
            text += " or None"
        return text

    def accepts(self, value: Any) -> bool:
        """Return True when ``value`` satisfies the constraint."""
        if value is None:
            return self.allow_none
        if isinstance(value, bool):
            return False
        if isinstance(value, numbers.Real):
            if self.integer and not float(value).is_integer():
                return False
            return self._in_range(float(value))
        if self.series and isinstance(value, pd.Series):
            try:
                arr = value.to_numpy(dtype=float)
            except (TypeError, ValueError):
                return False
            if not len(arr) or not np.isfinite(arr).all():
                return False
            if self.integer and not (arr == np.round(arr)).all():
                return False
            return self._in_range(float(arr.min())) and self._in_range(float(arr.max()))
        return False


class Options:
    """A parameter that must be one of a fixed set of values."""

    def __init__(self, *values: Any) -> None:
        self.values = values

    def describe(self) -> str:
        """Return the English description used in error messages."""
        return "one of " + ", ".join(repr(v) for v in self.values)

    def accepts(self, value: Any) -> bool:
        """Return True when ``value`` is one of the options."""
        return value in self.values


class Term:
    """Base of every risk model, cost and constraint.

    Subclasses declare ``_parameter_constraints`` (parameter name ->
    :class:`Interval` / :class:`Options` / a type) and ``problem_class``
    (``"qp"`` or ``"socp"``), which drives solver routing.
    """

    _parameter_constraints: ClassVar[dict[str, Any]] = {}
    problem_class: ClassVar[str] = "qp"
    #: True when :meth:`qp` describes the term to a QP builder (no cvxpy).
    supports_qp: ClassVar[bool] = False

    def get_params(self) -> dict[str, Any]:
        """Return the constructor parameters, as stored (sklearn convention)."""
        return {k: getattr(self, k) for k in self._parameter_constraints}

    def validate_params(self) -> None:
        """Check every parameter against ``_parameter_constraints``.

        Raises
        ------
        ConfigError
            "The 'limit' parameter of TurnoverLimit must be a float in the range
            (0, 1]. Got 1.5 instead."
        """
        for pname, rule in self._parameter_constraints.items():
            value = getattr(self, pname)
            if isinstance(rule, type):
                ok = isinstance(value, rule)
            elif isinstance(rule, tuple):
                ok = any(r.accepts(value) for r in rule)
            else:
                ok = rule.accepts(value)
            if not ok and isinstance(value, pd.Series) and not len(value):
                raise ConfigError(
                    f"The '{pname}' parameter of {type(self).__name__} is an empty "
                    "Series: it would bound no ticker. Pass a Series with a value "
                    "for each ticker to bound, a single float, or leave it out."
                )
            if not ok:
                # the description is built only for the message (per-solve path)
                if isinstance(rule, type):
                    text = f"an instance of {rule.__name__}"
                elif isinstance(rule, tuple):
                    text = " or ".join(r.describe() for r in rule)
                else:
                    text = rule.describe()
                shown = (
                    f"a Series with values in [{value.min():g}, {value.max():g}]"
                    if isinstance(value, pd.Series) and len(value)
                    else repr(value)
                )
                raise ConfigError(
                    f"The '{pname}' parameter of {type(self).__name__} must be "
                    f"{text}. Got {shown} instead."
                )

    @property
    def name(self) -> str:
        """Short label, e.g. ``TurnoverLimit(0.2)``, used in reports and errors."""
        params = self.get_params()
        shown = []
        for value in params.values():
            if isinstance(value, numbers.Real) and not isinstance(value, bool):
                shown.append(f"{value:g}")
            elif isinstance(value, str):
                shown.append(repr(value))
        return f"{type(self).__name__}({', '.join(shown[:2])})"

    def __repr__(self) -> str:
        def show(v: Any) -> str:
            if isinstance(v, (pd.Series, pd.DataFrame, np.ndarray)):
                return f"<{type(v).__name__} {'x'.join(map(str, v.shape))}>"
            return repr(v)

        items = ", ".join(f"{k}={show(v)}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({items})"

    def bind(self, snapshot: MarketSnapshot) -> None:
        """Validate parameters and create cvxpy Parameters for this universe."""
        self.validate_params()

    def update(self, snapshot: MarketSnapshot) -> None:
        """Write the snapshot's numbers into this term's Parameters."""

    def qp(self, qp: Any, snapshot: MarketSnapshot) -> None:
        """Add this term to a :class:`~replicator.qp.QPBuilder`.

        The native twin of the cvxpy form, for terms with ``supports_qp``:
        the same function of ``w`` (and the trades ``buy - sell``), written as
        bounds, linear rows and a diagonal quadratic.
        """
        raise NotImplementedError(f"{type(self).__name__} has no native QP form")

    def report_tables(
        self, weights: np.ndarray, trades: np.ndarray, snapshot: MarketSnapshot
    ) -> dict[str, pd.DataFrame]:
        """Named tables this term adds to a result, summary.json and the reports.

        The one hook through which a term (venues, perps, a future term)
        reports what only it knows, from its own module: the result keeps the
        tables in :attr:`~replicator.ReplicationResult.tables`, ``to_dict``
        writes them, the run report renders each as a section and the
        backtest keeps them for every rebalance. A table's ``attrs`` say how
        the reports show it: ``title``, ``unit`` (``"pct"`` or ``"bp"`` of
        NAV, or ``"text"``, e.g. the ``value`` and ``source`` columns of a
        ``*_assumptions`` table) and ``stack`` (columns drawn as stacked
        bars, e.g. the venues of ``venue_trades``). Default: none.

        Parameters
        ----------
        weights, trades : ndarray of shape (n_assets,)
            The post-trade weights and the trades, fractions of NAV.
        snapshot : MarketSnapshot
            The inputs of the solve (or of the backtest's rebalance).
        """
        return {}

    def margin_positions(self, snapshot: MarketSnapshot) -> np.ndarray | None:
        """Mask of the assets held on margin (perps), whose notional uses no cash.

        The result's ``cash`` is ``1 - sum`` of the weights outside this mask
        (the union over the terms). Default: None (every asset uses cash).
        """
        return None


def is_conic(terms: Any) -> bool:
    """Return True when any term is conic (power, AMM or TE-cap cones)."""
    return any(t.problem_class != "qp" for t in terms)


def tracking_weight(constraints: Any, has_costs: bool, cost_weight: float) -> float:
    """Weight of ``TE^2`` in the objective (both problem paths use it).

    With a hard tracking-error cap and some cost the objective is the cost,
    and ``TE^2`` stays only as a tie-breaker of weight ``1e-4 / (lambda H)``;
    otherwise the weight is 1.
    """
    capped = any(k.caps_tracking_error and not k.is_soft for k in constraints)
    return 1e-4 * cost_weight if capped and has_costs else 1.0


def _frozen(value: Any) -> Any:
    """Copy one parameter value so that later changes to it cannot reach the copy."""
    if isinstance(value, Term):
        return (type(value), params_state(value))
    if isinstance(value, (np.ndarray, pd.Series, pd.DataFrame, pd.Index)):
        return value.copy()
    if isinstance(value, (list, tuple, dict, set)):
        return copy.deepcopy(value)
    return value


def params_state(term: Term) -> tuple[tuple[str, Any], ...]:
    """Return a copy of ``term``'s parameters, for :func:`params_match`.

    Taken when a problem is compiled; compared before each solve so that a
    term whose parameters were changed in place (a limit, a penalty, the
    numbers of a given factor model) never solves the stale problem.
    """
    return tuple((k, _frozen(v)) for k, v in term.get_params().items())


def _same(a: Any, b: Any) -> bool:
    """Compare two parameter values (arrays and pandas objects by value)."""
    if isinstance(b, tuple) and len(b) == 2 and isinstance(b[0], type):
        return isinstance(a, b[0]) and params_match(a, b[1])
    if type(a) is not type(b):
        return False
    if isinstance(b, (pd.Series, pd.DataFrame, pd.Index)):
        return bool(a.equals(b))
    if isinstance(b, np.ndarray):
        return a.shape == b.shape and bool(np.array_equal(a, b))
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def params_match(term: Term, state: tuple[tuple[str, Any], ...]) -> bool:
    """Return True when ``term``'s parameters still equal ``state``."""
    params = term.get_params()
    return len(params) == len(state) and all(
        k in params and _same(params[k], v) for k, v in state
    )
