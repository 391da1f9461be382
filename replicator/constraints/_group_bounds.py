"""Bounds on the total weight of each group (sector, country, ...)."""

from __future__ import annotations

import numbers
from typing import Any

import cvxpy as cp
import numpy as np
import pandas as pd
import scipy.sparse as sp

from replicator.constraints._base import (
    Constraint,
    Kind,
    RowInfo,
    finite_param,
    format_bound,
)
from replicator.data._snapshot import MarketSnapshot
from replicator.data._validate import format_items
from replicator.exceptions import ConfigError, DataError, ModelError
from replicator.qp import QPBuilder
from replicator.terms import Interval, Variables
from replicator.typing import FloatArray

__all__ = ["GroupBounds"]

_BOUND = (
    Interval(-10, 10, allow_none=True),
    Kind(dict, pd.Series, what="a dict or Series of such floats by group label"),
)


class GroupBounds(Constraint):
    r"""Bound the total weight of each group, or its active weight.

    Parameters
    ----------
    lower : float, dict, Series or None, default None
        Smallest group weight: a scalar for every group, or values by group
        label (groups not listed have no lower bound). None: no lower bound.
    upper : float, dict, Series or None, default None
        Largest group weight, likewise.
    active : bool, default False
        Bound the group weight minus the group's benchmark weight instead.
        Needs benchmark weights (not returns-only mode).
    groups : Series, optional
        Group label by ticker. Default: the ``groups`` passed to ``solve()``.
        Extra tickers are ignored; every asset of the universe needs a label.

    Notes
    -----
    With the 0/1 membership matrix :math:`M` (groups x assets),

    .. math::

        L_g \le (M w)_g \le U_g \qquad\text{or, with active=True,}\qquad
        L_g \le (M (w - b))_g \le U_g

    ``M`` is a constant built when the problem is compiled, so the membership
    is fixed for a compiled problem; the bounds are Parameters. When the
    membership changes between solves, :meth:`needs_rebind` is True and
    :meth:`update` refuses to run on the stale matrix.

    Examples
    --------
    >>> import replicator as rp
    >>> caps = rp.constraints.GroupBounds(upper=0.30)        # every sector <= 30 %
    >>> tilt = rp.constraints.GroupBounds(
    ...     lower=-0.02, upper={"Energy": 0.0, "Tech": 0.03}, active=True
    ... )
    """

    _parameter_constraints = {
        "lower": _BOUND,
        "upper": _BOUND,
        "active": bool,
        "groups": (
            Kind(pd.Series, what="a Series of group labels by ticker"),
            Kind(type(None), what="None"),
        ),
    }
    #: Group labels the problem was compiled with (None before ``bind``).
    _bound_labels: pd.Series | None = None
    quantity = "group weight"
    elastic_price = 10.0

    def __init__(
        self,
        lower: float | dict[Any, float] | pd.Series | None = None,
        upper: float | dict[Any, float] | pd.Series | None = None,
        *,
        active: bool = False,
        groups: pd.Series | None = None,
    ) -> None:
        self.lower = lower
        self.upper = upper
        self.active = active
        self.groups = groups

    @property
    def name(self) -> str:
        """Label, e.g. ``GroupBounds(upper=0.3)``."""
        parts = ["active"] if self.active else []
        for key in ("lower", "upper"):
            value = getattr(self, key)
            if value is not None:
                parts.append(f"{key}={format_bound(value)}")
        return f"GroupBounds({', '.join(parts)})"

    # ------------------------------------------------------------ checking
    def validate_params(self) -> None:
        """Check the types, then every value of a dict or Series bound."""
        super().validate_params()
        for key in ("lower", "upper"):
            value = getattr(self, key)
            if isinstance(value, (dict, pd.Series)):
                items = dict(value)
                bad = [
                    k
                    for k, x in items.items()
                    if not isinstance(x, numbers.Real)
                    or isinstance(x, bool)
                    or not np.isfinite(x)
                    or abs(x) > 10
                ]
                if bad or not items:
                    raise ConfigError(
                        f"The '{key}' parameter of GroupBounds must map group labels "
                        "to finite floats in [-10, 10]. "
                        + (
                            f"Got bad values for {format_items(bad)}."
                            if bad
                            else "Got an empty mapping."
                        )
                    )

    def _labels(self, snapshot: MarketSnapshot) -> pd.Series:
        """Group label of every asset, in solver order."""
        source = self.groups if self.groups is not None else snapshot.groups
        if source is None:
            raise DataError(
                f"{self.name} needs a group label for every asset, but no groups "
                "were given. Pass groups=Series(label by ticker) to solve(), or "
                "GroupBounds(..., groups=...)."
            )
        labels = source.copy()
        labels.index = labels.index.map(str)
        if labels.index.has_duplicates:
            dups = labels.index[labels.index.duplicated()].unique()
            raise DataError(
                f"{self.name}: groups has duplicate tickers {format_items(dups)}."
            )
        labels = labels.reindex(snapshot.assets)
        missing = snapshot.assets[labels.isna().to_numpy()]
        if len(missing):
            raise DataError(
                f"{self.name}: {len(missing)} assets have no group label: "
                f"{format_items(missing)}. Give every asset a group (use 'Other' "
                "for the unclassified)."
            )
        return labels

    def _bound_vector(self, value: Any, key: str, names: list[Any]) -> FloatArray:
        fill = -np.inf if key == "lower" else np.inf
        if value is None:
            return np.full(len(names), fill)
        if not isinstance(value, (dict, pd.Series)):
            return np.full(len(names), float(value))
        items = dict(value)
        unknown = [k for k in items if k not in names]
        if unknown:
            raise ConfigError(
                f"The '{key}' parameter of {self.name} names {len(unknown)} unknown "
                f"groups: {format_items(unknown)}. The groups are "
                f"{format_items(names, limit=12)}."
            )
        return np.array([float(items.get(g, fill)) for g in names])

    # ----------------------------------------------------------- lifecycle
    def bind(self, snapshot: MarketSnapshot) -> None:
        """Build the constant membership matrix and the bound Parameters."""
        super().bind(snapshot)
        if self.active and snapshot.returns_only:
            raise ModelError(
                f"{self.name} bounds active group weights, but the benchmark was "
                "given as a return series (returns-only mode), so its weights are "
                "unknown. Pass benchmark weights, or use active=False."
            )
        labels = self._labels(snapshot)
        self._names = sorted(labels.unique(), key=str)
        self._bound_labels = labels
        code = {g: i for i, g in enumerate(self._names)}
        rows = np.array([code[g] for g in labels])
        n = snapshot.n_assets
        self._M = sp.csr_matrix(
            (np.ones(n), (rows, np.arange(n))), shape=(len(self._names), n)
        )
        self._lo = cp.Parameter(len(self._names), name="group_lower")
        self._hi = cp.Parameter(len(self._names), name="group_upper")

    def needs_rebind(self, snapshot: MarketSnapshot) -> bool:
        """Return True when the group labels differ from the compiled ones."""
        bound = self._bound_labels
        if bound is None:
            return True
        labels = self._labels(snapshot)
        return not (
            labels.index.equals(bound.index)
            and (labels.to_numpy() == bound.to_numpy()).all()
        )

    def _bounds(self, snapshot: MarketSnapshot) -> tuple[FloatArray, FloatArray]:
        lo = self._bound_vector(self.lower, "lower", self._names)
        hi = self._bound_vector(self.upper, "upper", self._names)
        bad = lo > hi
        if bad.any():
            raise ConfigError(
                f"{self.name} has lower > upper for groups "
                f"{format_items(np.asarray(self._names, dtype=object)[bad])}."
            )
        return lo, hi

    def update(self, snapshot: MarketSnapshot) -> None:
        """Check the membership is unchanged, then write the bounds."""
        if self.needs_rebind(snapshot):
            bound = self._bound_labels.reindex(snapshot.assets)
            now = self._labels(snapshot)
            moved = snapshot.assets[(bound.to_numpy() != now.to_numpy())]
            raise ModelError(
                f"{self.name} was compiled for other group labels: "
                f"{len(moved)} assets changed group ({format_items(moved)}). The "
                "membership matrix is fixed per compiled problem; solve with a "
                "fresh Replicator (or model.clone()) when the groups change."
            )
        lo, hi = self._bounds(snapshot)
        self._lo.value = finite_param(lo)
        self._hi.value = finite_param(hi)

    # ---------------------------------------------------------------- rows
    def _expr(self, v: Variables) -> cp.Expression:
        x = v.active if self.active else v.weights
        return self._M @ x

    def rows(self, v: Variables) -> list[tuple[cp.Expression, cp.Expression]]:
        """``M x <= upper`` and ``-M x <= -lower`` (``x = w`` or ``w - b``)."""
        gx = self._expr(v)
        return [(gx, self._hi), (-gx, -self._lo)]

    supports_qp = True

    def qp(self, qp: QPBuilder, snapshot: MarketSnapshot) -> None:
        """Native form: ``lo + M b <= M w <= hi + M b`` (``M b`` if active)."""
        lo, hi = self._bounds(snapshot)
        if self.active:
            mb = self._M @ snapshot.benchmark
            lo, hi = lo + mb, hi + mb
        qp.between({"w": self._M}, lo, hi)

    def evaluate(
        self, weights: FloatArray, trades: FloatArray, snapshot: MarketSnapshot
    ) -> tuple[FloatArray, FloatArray]:
        """Numpy twin of :meth:`rows` (uses the compiled membership)."""
        x = np.asarray(weights, dtype=float)
        if self.active:
            x = x - snapshot.benchmark
        gx = self._M @ x
        lo, hi = self._bounds(snapshot)
        return np.concatenate([gx, -gx]), np.concatenate([hi, -lo])

    def row_info(self, snapshot: MarketSnapshot, n_rows: int) -> RowInfo:
        """Upper rows then lower rows, one per group."""
        k = len(self._names)
        return RowInfo(
            labels=[f"group {g!r} (upper)" for g in self._names]
            + [f"group {g!r} (lower)" for g in self._names],
            sign=np.concatenate([np.ones(k), -np.ones(k)]),
            scale=np.ones(2 * k),
            active=np.ones(2 * k, dtype=bool),
        )
