"""Base class of constraints: a left-hand side and a right-hand side.

Every constraint is a list of rows ``lhs <= rhs`` with ``lhs`` convex in the
variables and ``rhs`` parameter-affine. That single form gives, for free:

* the hard constraint ``lhs <= rhs``;
* the soft version ``penalty * sum(pos(lhs - rhs))`` (:class:`Soft`);
* the elastic version ``lhs <= rhs + slack`` used to diagnose infeasibility;
* a numpy twin :meth:`Constraint.evaluate` for reports and backtests.

An equality is written as two rows (or one ``|x| <= 0`` row).

Infinite bounds are written as :data:`BIG` into cvxpy Parameters (solvers want
finite data) and as ``inf`` by the numpy twin, so that reports ignore them.

Over 300 lines: the report of a constraint has a numpy path and a few-row
Python path that must agree to the bit, and they are kept side by side.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any, ClassVar

import cvxpy as cp
import numpy as np

from replicator.constraints._labels import (
    AssetLabels,
    as_ticker_list,
    asset_labels,
    format_bound,
)
from replicator.data._snapshot import MarketSnapshot
from replicator.terms import Term, Variables
from replicator.typing import BoolArray, FloatArray

if TYPE_CHECKING:
    from replicator.risk._base import RiskModel

__all__ = [
    "BIG",
    "AssetLabels",
    "Constraint",
    "ConstraintReport",
    "Kind",
    "RowInfo",
    "as_ticker_list",
    "asset_labels",
    "format_bound",
]

BINDING_TOL = 1e-6

#: Finite stand-in for an infinite bound inside cvxpy Parameters.
BIG = 1e6


@dataclass(frozen=True)
class ConstraintReport:
    """How one constraint stands at a solution.

    Attributes
    ----------
    name : str
        Label, e.g. ``TurnoverLimit(0.2)``.
    value : float
        The constrained quantity at the tightest row, in the units of the
        constraint's ``quantity`` (e.g. the turnover, the largest weight, the
        largest participation of ADV). NaN when no row is active.
    limit : float
        The bound of that row (the limit of a scalar constraint).
    binding : bool
        True when some row is at its bound.
    n_binding : int
        Number of rows at their bound.
    max_violation : float
        Largest positive ``value - limit`` over rows (0 when satisfied).
    soft : bool
        True for penalized constraints.
    where : str
        The tightest row: a ticker, a group or ``"upper"`` / ``"lower"``;
        empty for single-row constraints.
    """

    name: str
    value: float
    limit: float
    binding: bool
    n_binding: int
    max_violation: float
    soft: bool = False
    where: str = ""


@dataclass(frozen=True)
class RowInfo:
    """How to read the rows of :meth:`Constraint.evaluate` in a report.

    Attributes
    ----------
    labels : sequence of str
        One label per row (ticker, group, ``"upper"``...).
    sign : ndarray
        ``+1`` for upper-bound rows, ``-1`` for lower-bound rows written as
        ``-x <= -l``; the report shows ``sign * lhs`` against ``sign * rhs``.
    scale : ndarray
        Positive factor from ``lhs`` units to the reported quantity's units
        (1 for weights; ``NAV / (ADV * days)`` for participation). A row with a
        non-finite scale is reported in ``lhs`` units and kept hard in the
        elastic diagnosis.
    active : ndarray of bool
        False for rows that constrain nothing (masked-out assets).

    Notes
    -----
    A RowInfo may be shared between reports (see
    :meth:`Constraint.reuse_row_info`): treat its arrays as read-only.
    """

    labels: Sequence[str]
    sign: FloatArray
    scale: FloatArray
    active: BoolArray

    @cached_property
    def report_scale(self) -> FloatArray | None:
        """``scale`` as reports use it, or None when every row is in lhs units.

        Non-finite or non-positive entries of ``scale`` read as 1. Computed
        once per RowInfo, so a shared RowInfo costs nothing per report.
        """
        scale = np.asarray(self.scale, dtype=float)
        usable = np.isfinite(scale) & (scale > 0)
        clean = np.where(usable, scale, 1.0)
        if np.all(clean == 1.0):
            return None
        return read_only(clean)


def read_only(values: np.ndarray) -> np.ndarray:
    """Flag ``values`` read-only (for arrays shared between reports) and return it."""
    values.setflags(write=False)
    return values


@lru_cache(maxsize=64)
def plain_rows(n_rows: int) -> RowInfo:
    """Shared RowInfo of ``n_rows`` unlabeled, unscaled upper-bound rows."""
    return RowInfo(
        labels=("",) * n_rows,
        sign=read_only(np.ones(n_rows)),
        scale=read_only(np.ones(n_rows)),
        active=read_only(np.ones(n_rows, dtype=bool)),
    )


class Constraint(Term):
    """Base of constraints.

    Subclasses implement :meth:`rows` (cvxpy) and :meth:`evaluate` (numpy),
    and may describe their rows for reports with :meth:`row_info`.

    Attributes
    ----------
    quantity : str
        Name of the constrained quantity in messages (e.g. "turnover").
    elastic_price : float
        Price of one unit of slack in the infeasibility diagnosis. Structural
        constraints (budget, long-only) use 100, position bounds 10 and
        trading limits 1, so that limits are named first.
    is_soft : bool
        True for a penalized constraint.
    caps_tracking_error : bool
        True for a hard cap on the tracking error.
    """

    quantity: ClassVar[str] = "value"
    elastic_price: ClassVar[float] = 1.0
    #: True for a penalized constraint (:class:`Soft`): not a hard limit.
    is_soft: ClassVar[bool] = False
    #: True for a cap on the tracking error (the objective becomes the cost).
    caps_tracking_error: ClassVar[bool] = False

    def rows(self, v: Variables) -> list[tuple[cp.Expression, cp.Expression]]:
        """Return ``(lhs, rhs)`` pairs meaning ``lhs <= rhs`` elementwise."""
        raise NotImplementedError

    def constraints(self, v: Variables) -> list[cp.Constraint]:
        """Hard cvxpy constraints (built once)."""
        return [lhs <= rhs for lhs, rhs in self.rows(v)]

    def evaluate(
        self, weights: FloatArray, trades: FloatArray, snapshot: MarketSnapshot
    ) -> tuple[FloatArray, FloatArray]:
        """Numpy twin: ``(lhs, rhs)`` values of all rows, concatenated."""
        raise NotImplementedError

    def row_info(self, snapshot: MarketSnapshot, n_rows: int) -> RowInfo:
        """Describe the ``n_rows`` rows of :meth:`evaluate` (default: plain)."""
        return plain_rows(n_rows)

    def reuse_row_info(
        self,
        snapshot: MarketSnapshot,
        n_rows: int,
        build: Callable[[], RowInfo],
        depends_on: np.ndarray | None = None,
    ) -> RowInfo:
        """Return the RowInfo of the previous report when it still applies.

        For a :meth:`row_info` that depends only on the universe, the row count
        and (optionally) one array: the RowInfo built last time is returned
        when the snapshot has the same ``assets`` object (an Index is
        immutable), the same ``n_rows`` and an equal ``depends_on``; otherwise
        ``build()`` makes a new one, which is kept for next time.

        Parameters
        ----------
        snapshot : MarketSnapshot
            The snapshot being reported on.
        n_rows : int
            Number of rows of :meth:`evaluate`.
        build : callable
            Returns a fresh RowInfo; its arrays are flagged read-only.
        depends_on : ndarray, optional
            Other data the RowInfo is built from, compared by value.
        """
        memo = self.__dict__.get("_row_info_memo")
        if (
            memo is not None
            and memo[0] is snapshot.assets
            and memo[1] == n_rows
            and (depends_on is None or np.array_equal(memo[2], depends_on))
        ):
            return memo[3]
        info = build()
        for values in (info.sign, info.scale, info.active):
            read_only(values)
        key = None if depends_on is None else read_only(np.array(depends_on))
        self._row_info_memo = (snapshot.assets, n_rows, key, info)
        return info

    def attach_risk(self, risk: RiskModel) -> None:
        """Receive the problem's risk model (used by tracking-error limits)."""

    def needs_rebind(self, snapshot: MarketSnapshot) -> bool:
        """Return True when ``snapshot`` changes this constraint's structure."""
        return False

    def relaxation_message(
        self, slack: float, report: ConstraintReport, n_rows: int
    ) -> str:
        """Describe the smallest relaxation found by the elastic diagnosis.

        Parameters
        ----------
        slack : float
            Smallest uniform slack on every row, in reported units.
        report : ConstraintReport
            The constraint's report at the elastic solution.
        n_rows : int
            Number of rows of :meth:`evaluate`.
        """
        if n_rows == 1:
            return (
                f"the smallest feasible {self.quantity} is {report.value:.6g} "
                f"(limit {report.limit:.6g})"
            )
        return (
            f"its {self.quantity} bounds must be widened by {slack:.6g}; the "
            f"tightest is {report.where or 'a row'} at {report.value:.6g} against "
            f"a bound of {report.limit:.6g}"
        )

    def report(
        self,
        weights: FloatArray,
        trades: FloatArray,
        snapshot: MarketSnapshot,
        tol: float = BINDING_TOL,
    ) -> ConstraintReport:
        """Summarize the constraint at a solution.

        The reported row is the most violated one; otherwise, among the rows at
        their bound, the one with the largest ``|value|``; otherwise the
        closest to its bound. Rows are compared in reported units
        (``scale * (lhs - rhs)``); inactive rows and rows with an infinite bound
        are ignored. A constraint of one or two rows is reported in Python
        floats rather than numpy arrays (the same report, 3x cheaper).
        """
        lhs, rhs = self.evaluate(weights, trades, snapshot)
        lhs = np.asarray(lhs, dtype=float)
        rhs = np.asarray(rhs, dtype=float)
        if lhs.ndim == 0:  # np.atleast_1d, without its cost
            lhs = lhs.reshape(1)
        if rhs.ndim == 0:
            rhs = rhs.reshape(1)
        info = self.row_info(snapshot, lhs.size)
        if lhs.size <= _FEW_ROWS and lhs.shape == rhs.shape:
            return _report_few(self.name, lhs.tolist(), rhs.tolist(), info, tol)
        ok = info.active & np.isfinite(rhs)
        n_ok = np.count_nonzero(ok)
        if n_ok == 0:
            return _no_row_report(self.name)
        every_row = n_ok == ok.size
        scale = info.report_scale  # None: every row is in lhs units
        # gap and bound in reported units; ignored rows get a gap of -inf
        bound = rhs if every_row else np.where(ok, rhs, 0.0)
        gap = lhs - bound
        if scale is not None:
            gap *= scale
            bound = bound * scale
        if not every_row:
            gap[~ok] = -np.inf
        max_gap = float(gap.max())
        # -slack = -tol * (1 + |bound|), built in place (negation is exact)
        neg_slack = np.abs(bound)
        neg_slack += 1.0
        neg_slack *= -tol
        at_bound = gap >= neg_slack
        if not every_row:
            at_bound &= ok
        n_binding = np.count_nonzero(at_bound)
        # every slack is >= tol >= 0: a largest gap <= tol means no violated row
        violated = not (0.0 <= tol and max_gap <= tol) and bool(
            np.count_nonzero(gap > -neg_slack)
        )
        if n_binding and not violated:
            # no violation: the row at its bound with the largest |value| (the
            # first of equals), looked for among the binding rows only
            rows = np.flatnonzero(at_bound)
            sign = info.sign[rows]
            values = (
                sign * lhs[rows] if scale is None else sign * scale[rows] * lhs[rows]
            )
            r = int(rows[np.abs(values).argmax()])
        else:
            r = int(gap.argmax())
        factor = info.sign[r] if scale is None else info.sign[r] * scale[r]
        return _new_report(
            self.name,
            float(factor * lhs[r]) + 0.0,  # + 0.0: no negative zeros
            float(factor * rhs[r]) + 0.0,
            bool(n_binding),
            int(n_binding),
            max(max_gap, 0.0) + 0.0,  # + 0.0: no negative zeros
            info.labels[r],
        )


#: Constraints with at most this many rows are reported in Python floats.
_FEW_ROWS = 2


def _no_row_report(name: str) -> ConstraintReport:
    """Report a constraint that has no active, finitely bounded row."""
    return _new_report(name, math.nan, math.nan, False, 0, 0.0, "")


def _report_few(
    name: str, lhs: list[float], rhs: list[float], info: RowInfo, tol: float
) -> ConstraintReport:
    """:meth:`Constraint.report` of a few rows, in Python floats.

    The same operations as the numpy path, row by row, so the report is the
    same to the bit: ``(lhs - rhs) * scale`` for the gap, ``tol * (1 + |rhs *
    scale|)`` for the slack, numpy's ``argmax`` (first NaN, else first
    largest) and ``max`` (NaN first, else the later of equal values, which
    decides the sign of a zero) over the gaps.

    Parameters
    ----------
    name : str
        The constraint's name.
    lhs, rhs : list of float
        The rows of :meth:`Constraint.evaluate` (at most :data:`_FEW_ROWS`).
    info : RowInfo
        Their description.
    tol : float
        Binding tolerance.
    """
    sign = info.sign.tolist()
    active = info.active.tolist()
    clean = info.report_scale
    scale = None if clean is None else clean.tolist()
    gaps: list[float] = []
    n_ok = n_binding = 0
    violated = False
    r_bind, best_bind = -1, -_INF
    for i, (x, b) in enumerate(zip(lhs, rhs, strict=True)):
        if not (active[i] and -_INF < b < _INF):
            gaps.append(-_INF)
            continue
        n_ok += 1
        s = 1.0 if scale is None else scale[i]
        gap = (x - b) * s
        gaps.append(gap)
        slack = tol * (1.0 + abs(b * s))
        if gap >= -slack:
            n_binding += 1
            size = abs(sign[i] * s * x)
            if size > best_bind:
                r_bind, best_bind = i, size
        if gap > slack:
            violated = True
    if not n_ok:
        return _no_row_report(name)
    if n_binding and not violated:
        r = r_bind
    else:  # np.argmax: the first NaN, else the first largest gap
        r, best = 0, gaps[0]
        for i, gap in enumerate(gaps):
            if gap != gap:
                r = i
                break
            if gap > best:
                r, best = i, gap
    max_gap = gaps[0]  # np.max: NaN wins, else the later of equal gaps
    for gap in gaps[1:]:
        if max_gap == max_gap and (gap != gap or gap >= max_gap):
            max_gap = gap
    factor = sign[r] if scale is None else sign[r] * scale[r]
    return _new_report(
        name,
        factor * lhs[r] + 0.0,  # + 0.0: no negative zeros
        factor * rhs[r] + 0.0,
        n_binding > 0,
        n_binding,
        max(max_gap, 0.0) + 0.0,
        info.labels[r],
    )


def _new_report(
    name: str,
    value: float,
    limit: float,
    binding: bool,
    n_binding: int,
    max_violation: float,
    where: str,
) -> ConstraintReport:
    """Make a hard constraint's ConstraintReport without the frozen ``__init__``.

    The fields are written into the instance ``__dict__`` in field order, as
    unpickling does (4x cheaper than the ``__init__`` of a frozen
    dataclass); the object is equal to and indistinguishable from
    ``ConstraintReport(name, value, ...)``. ConstraintReport has no
    ``__post_init__`` to skip.
    """
    report = _object_new(ConstraintReport)
    fields = report.__dict__
    fields["name"] = name
    fields["value"] = value
    fields["limit"] = limit
    fields["binding"] = binding
    fields["n_binding"] = n_binding
    fields["max_violation"] = max_violation
    fields["soft"] = False
    fields["where"] = where
    return report


_INF = math.inf
_object_new = object.__new__


class Kind:
    """A parameter rule: an instance of one of ``types`` (for rule tuples)."""

    def __init__(self, *types: type, what: str) -> None:
        self.types, self.what = types, what

    def describe(self) -> str:
        """Return the English description used in error messages."""
        return self.what

    def accepts(self, value: Any) -> bool:
        """Return True when ``value`` is an instance of one of the types."""
        return isinstance(value, self.types)


def finite_param(values: FloatArray) -> FloatArray:
    """Clip infinite bounds to ``+-BIG`` for a cvxpy Parameter."""
    return np.clip(np.asarray(values, dtype=float), -BIG, BIG)
