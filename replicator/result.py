"""The frozen result of one replication solve."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from replicator.constraints._base import ConstraintReport
from replicator.solvers import SolverStats, Status
from replicator.typing import FloatArray

__all__ = ["ReplicationResult"]

#: Name of the Series of each per-asset array (None: unnamed).
_SERIES_NAMES: dict[str, str | None] = {
    "weights": "weight",
    "trades": "trade",
    "holdings": "holdings",
    "benchmark": "benchmark",
    "te_by_asset": None,
    "liquidity_usage": None,
}


_PANDAS_3 = int(pd.__version__.split(".")[0]) >= 3


def _copy_on_write() -> bool:
    """Return True when pandas copies shared data before a write (pandas >= 3).

    pandas 2 does so only with ``pd.options.mode.copy_on_write = True``;
    otherwise a shallow copy shares its data with the original, and the
    Series handed out are deep copies instead.
    """
    return _PANDAS_3 or pd.options.mode.copy_on_write is True


class PerAssetData:
    """The per-asset numbers of a result, and their Series built on demand.

    Holds read-only numpy arrays that belong to the result (the caller hands
    over arrays nobody else writes to, or copies) and the ``assets`` Index. The
    Series of :class:`ReplicationResult` are built from them on first access
    and kept; each access returns a new copy of the kept Series, shallow under
    pandas' copy-on-write (see :meth:`series`).

    Parameters
    ----------
    assets : Index
        Tickers, in solver order (an Index is immutable: shared, not copied).
    arrays : dict of str to ndarray
        ``weights``, ``trades``, ``holdings``, ``benchmark`` and
        ``te_by_asset``, each of shape ``(n_assets,)``, plus
        ``liquidity_usage`` when ADV was given. Flagged read-only here.
    groups : Series, optional
        Group label per ticker for :attr:`ReplicationResult.te_by_group`.
        Copied here (shallow under copy-on-write, which is as safe and
        cheaper), so later changes to the caller's Series do not reach the
        result.

    Notes
    -----
    Pickling keeps the arrays and the groups, not the built Series (they are
    rebuilt, equal, on first access after unpickling).
    """

    __slots__ = ("_series", "arrays", "assets", "groups")

    def __init__(
        self,
        assets: pd.Index,
        arrays: dict[str, FloatArray],
        groups: pd.Series | None = None,
    ) -> None:
        if groups is not None:
            groups = groups.copy(deep=not _copy_on_write())
        self._set(assets, arrays, groups)

    def _set(
        self, assets: pd.Index, arrays: dict[str, FloatArray], groups: pd.Series | None
    ) -> None:
        for values in arrays.values():
            values.setflags(write=False)
        self.assets = assets
        self.arrays = arrays
        self.groups = groups
        self._series: dict[str, pd.Series] = {}

    def series(self, key: str) -> pd.Series:
        """Return the Series ``key``, built on first call.

        Every call returns a new copy of the Series built the first time:
        shallow under pandas' copy-on-write (no data is copied; changing the
        returned Series copies it first), deep otherwise (pandas 2 without
        copy-on-write). Changing it (values, index, name, in-place operations)
        never changes the result or a later access.

        Parameters
        ----------
        key : str
            ``weights``, ``trades``, ``holdings``, ``benchmark``,
            ``te_by_asset``, ``te_by_group`` or ``liquidity_usage``.
        """
        built = self._series.get(key)
        if built is None:
            built = self._series[key] = self._build(key)
        return built.copy(deep=not _copy_on_write())

    def _build(self, key: str) -> pd.Series:
        """Build the Series ``key`` from the arrays (pandas copies the data)."""
        if key == "te_by_group":
            if self.groups is None:
                return pd.Series(dtype=float)
            labels = self.groups.reindex(self.assets).to_numpy()
            contrib = pd.Series(self.arrays["te_by_asset"], index=self.assets)
            return contrib.groupby(labels).sum()
        values = self.arrays.get(key)
        if values is None:  # liquidity_usage without ADV
            return pd.Series(dtype=float)
        # A copy, not a view of the read-only array: a Series handed out stays
        # writable after the result is gone.
        return pd.Series(values, index=self.assets, name=_SERIES_NAMES[key], copy=True)

    def __repr__(self) -> str:
        return f"<PerAssetData: {len(self.assets)} assets>"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PerAssetData):
            return NotImplemented
        if self is other:
            return True
        if not self.assets.equals(other.assets) or (
            self.arrays.keys() != other.arrays.keys()
        ):
            return False
        if not all(
            np.array_equal(v, other.arrays[k], equal_nan=True)
            for k, v in self.arrays.items()
        ):
            return False
        if self.groups is None or other.groups is None:
            return self.groups is other.groups
        return self.groups.equals(other.groups)

    __hash__ = None  # type: ignore[assignment]

    def __getstate__(self) -> dict[str, Any]:
        return {"assets": self.assets, "arrays": self.arrays, "groups": self.groups}

    def __setstate__(self, state: dict[str, Any]) -> None:
        # unpickled arrays are writable again: _set flags them read-only
        self._set(state["assets"], state["arrays"], state["groups"])


@dataclass(frozen=True)
class ReplicationResult:
    """Weights, trades and diagnostics of one solve (pandas out).

    Units: weights, trades, costs and turnover are fractions of NAV;
    ``tracking_error`` is the annualized ex-ante TE as a fraction (0.0123 =
    1.23 % a year); ``tracking_variance`` is its square.

    Every number is computed when the result is made and belongs to it, so
    the result does not change when the model or the inputs are modified
    later. The per-asset Series (``weights``, ``trades``, ``holdings``,
    ``benchmark``, ``te_by_asset``, ``te_by_group``, ``liquidity_usage``) are
    built on first access from read-only arrays the result owns, and kept.
    Each access returns a new shallow copy of the kept Series (like a column
    of a DataFrame under pandas' copy-on-write; a deep copy with pandas 2
    without copy-on-write): no data is copied, and changing the returned
    Series never changes the result, so ``res.weights is res.weights`` is
    False while ``res.weights.equals(res.weights)`` holds. Each access costs
    a few microseconds: bind the Series to a name to reuse it in a loop.

    Attributes
    ----------
    weights : Series
        Post-trade weights by ticker (name ``"weight"``).
    trades : Series
        Trades ``weights - holdings`` by ticker (name ``"trade"``).
    holdings : Series
        Pre-trade weights by ticker (name ``"holdings"``).
    benchmark : Series
        Benchmark weights by ticker (name ``"benchmark"``; zeros in
        returns-only mode).
    tracking_error : float
        Annualized ex-ante tracking error.
    tracking_variance : float
        ``tracking_error ** 2``.
    te_factor_variance, te_specific_variance : float
        Systematic and specific parts of ``tracking_variance``.
    te_by_group : Series
        Contributions to ``tracking_variance`` by group (sector), when groups
        are given (an empty float Series otherwise); by asset in
        :attr:`te_by_asset`.
    te_by_asset : Series
        Euler contributions to ``tracking_variance`` by ticker (unnamed).
    costs : dict of str to float
        Estimated one-off cost of each cost term, fraction of NAV.
    turnover : float
        One-way turnover including the cash leg.
    liquidity_usage : Series
        ``|trade| * NAV / ADV`` by ticker (unnamed; an empty float Series when
        no ADV was given).
    constraints : tuple of ConstraintReport
        Value, limit and binding flag of each constraint.
    unreplicated_weight : float
        Benchmark weight of constituents that cannot be held.
    unreplicable : tuple of str
        Those constituents.
    cash : float
        Post-trade cash weight ``1 - sum(weights)``.
    nav : float
        NAV used for liquidity and impact, in currency.
    objective : float
        Unscaled objective value.
    stats : SolverStats
        Solver, status, iterations and timings.
    returns_only : bool
        True when the benchmark was a return series.
    date : object
        Rebalance date, when given.
    penalties : dict of str to float
        Penalty of each soft constraint, in objective units.
    tables : dict of str to DataFrame
        The tables the terms report (``Term.report_tables``), e.g.
        ``venue_trades``, ``cost_by_venue``, ``cost_by_type`` (a
        :class:`~replicator.venues.VenueCost`), ``funding_carry``,
        ``margin`` and ``spot_perp_split`` (the perp terms). Not compared by
        ``==``.

    Notes
    -----
    The per-asset numbers are stored in the private field ``_per_asset`` (a
    :class:`PerAssetData`); ``dataclasses.replace`` shares it between the old
    and the new result (its arrays are read-only).
    """

    _per_asset: PerAssetData
    tracking_error: float
    tracking_variance: float
    te_factor_variance: float
    te_specific_variance: float
    costs: dict[str, float]
    turnover: float
    constraints: tuple[ConstraintReport, ...]
    unreplicated_weight: float
    unreplicable: tuple[str, ...]
    cash: float
    nav: float
    objective: float
    stats: SolverStats
    returns_only: bool = False
    date: Any = None
    penalties: dict[str, float] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict, compare=False)

    @property
    def weights(self) -> pd.Series:
        """Post-trade weights by ticker (a new copy per access)."""
        return self._per_asset.series("weights")

    @property
    def trades(self) -> pd.Series:
        """Trades ``weights - holdings`` by ticker (a new copy per access)."""
        return self._per_asset.series("trades")

    @property
    def holdings(self) -> pd.Series:
        """Pre-trade weights by ticker (a new copy per access)."""
        return self._per_asset.series("holdings")

    @property
    def benchmark(self) -> pd.Series:
        """Benchmark weights by ticker (a new copy per access)."""
        return self._per_asset.series("benchmark")

    @property
    def te_by_asset(self) -> pd.Series:
        """Euler contributions to ``tracking_variance`` by ticker."""
        return self._per_asset.series("te_by_asset")

    @property
    def te_by_group(self) -> pd.Series:
        """Contributions to ``tracking_variance`` by group (empty without groups)."""
        return self._per_asset.series("te_by_group")

    @property
    def liquidity_usage(self) -> pd.Series:
        """``|trade| * NAV / ADV`` by ticker (empty without ADV)."""
        return self._per_asset.series("liquidity_usage")

    def table(self, name: str) -> pd.DataFrame | None:
        """Return a copy of the term table ``name`` (see :attr:`tables`), or None."""
        found = self.tables.get(name)
        return None if found is None else found.copy()

    @property
    def venue_trades(self) -> pd.DataFrame | None:
        """Trades on each venue (asset x venue, fraction of NAV); None: no venues."""
        return self.table("venue_trades")

    @property
    def status(self) -> Status:
        """Solver status (``Status.OPTIMAL`` etc.)."""
        return self.stats.status

    @property
    def solver(self) -> str:
        """Solver that produced the solution."""
        return self.stats.solver

    @property
    def total_cost(self) -> float:
        """Sum of the estimated costs, fraction of NAV."""
        return float(sum(self.costs.values()))

    @property
    def n_holdings(self) -> int:
        """Number of positions with ``|w| > 1e-6``."""
        return int(np.count_nonzero(np.abs(self._per_asset.arrays["weights"]) > 1e-6))

    @property
    def binding_constraints(self) -> list[str]:
        """Names of the constraints at their bound."""
        return [c.name for c in self.constraints if c.binding]

    def active_weights(self) -> pd.Series:
        """``weights - benchmark`` by ticker (weights mode)."""
        return self.weights - self.benchmark

    def to_frame(self) -> pd.DataFrame:
        """Per-asset table: benchmark, holdings, weights, trades, active, usage."""
        df = pd.DataFrame(
            {
                "benchmark": self.benchmark,
                "holdings": self.holdings,
                "weight": self.weights,
                "trade": self.trades,
                "active": self.weights - self.benchmark,
                "te_contribution": self.te_by_asset,
            }
        )
        if len(self.liquidity_usage):
            df["liquidity_usage"] = self.liquidity_usage
        return df

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly summary (no per-asset vectors)."""

        def clean(x: float) -> float | None:
            return None if x is None or not math.isfinite(x) else float(x)

        return {
            "status": str(self.status),
            "tracking_error": clean(self.tracking_error),
            "tracking_variance": clean(self.tracking_variance),
            "te_decomposition": {
                "factor_variance": clean(self.te_factor_variance),
                "specific_variance": clean(self.te_specific_variance),
                "by_group": {str(k): clean(v) for k, v in self.te_by_group.items()},
            },
            "costs": {k: clean(v) for k, v in self.costs.items()},
            "total_cost": clean(self.total_cost),
            "penalties": {k: clean(v) for k, v in self.penalties.items()},
            "turnover": clean(self.turnover),
            "cash": clean(self.cash),
            "n_holdings": self.n_holdings,
            "nav": clean(self.nav),
            "unreplicated_weight": clean(self.unreplicated_weight),
            "unreplicable": list(self.unreplicable),
            "max_liquidity_usage": clean(
                float(self.liquidity_usage.max()) if len(self.liquidity_usage) else 0.0
            ),
            "constraints": [
                {
                    "name": c.name,
                    "value": clean(c.value),
                    "limit": clean(c.limit),
                    "binding": c.binding,
                    "n_binding": c.n_binding,
                    "max_violation": clean(c.max_violation),
                    "where": c.where,
                    "soft": c.soft,
                }
                for c in self.constraints
            ],
            "objective": clean(self.objective),
            "solver": self.stats.to_dict(),
            "returns_only": self.returns_only,
            "date": None if self.date is None else str(self.date),
            "tables": {k: _table_dict(v, clean) for k, v in self.tables.items()},
        }

    def to_json(self, **kwargs: Any) -> str:
        """:meth:`to_dict` as JSON text."""
        return json.dumps(self.to_dict(), **kwargs)

    def summary(self) -> str:
        """Human-readable text summary (arch-style)."""
        lines = []
        bar = "=" * 64
        lines.append(bar)
        lines.append("Replication result".center(64))
        lines.append(bar)
        rows = [
            ("Status", str(self.status)),
            (
                "Solver",
                f"{self.stats.solver} ({self.stats.iterations} it, "
                f"{self.stats.solve_time * 1e3:.1f} ms)",
            ),
            ("Ex-ante TE (ann.)", f"{self.tracking_error * 100:.4f} %"),
            (
                "  factor / specific",
                f"{_pct_share(self.te_factor_variance, self.tracking_variance)}"
                " / "
                f"{_pct_share(self.te_specific_variance, self.tracking_variance)}"
                " of TE^2",
            ),
            ("Total cost", f"{self.total_cost * 1e4:.3f} bp of NAV"),
            ("Turnover (one-way)", f"{self.turnover * 100:.3f} %"),
            ("Holdings", f"{self.n_holdings} names, cash {self.cash * 100:.3f} %"),
            ("Unreplicated weight", f"{self.unreplicated_weight * 100:.3f} %"),
        ]
        if self.returns_only:
            rows.append(("Benchmark", "return series (returns-only mode)"))
        if self.date is not None:
            rows.insert(0, ("Date", str(self.date)))
        for k, v in rows:
            lines.append(f"{k:<24}{v}")
        if self.costs:
            lines.append("-" * 64)
            lines.append("Costs (bp of NAV)")
            for k, v in self.costs.items():
                lines.append(f"  {k:<40}{v * 1e4:>12.4f}")
        if self.constraints:
            lines.append("-" * 64)
            lines.append(f"{'Constraint':<40}{'value':>10}{'limit':>10}  bind")
            for c in self.constraints:
                lines.append(
                    f"  {c.name[:38]:<38}{c.value:>10.4g}{c.limit:>10.4g}  "
                    f"{'*' if c.binding else ''}"
                )
        lines.append(bar)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def _table_dict(frame: pd.DataFrame, clean: Any) -> dict[str, dict[str, Any]]:
    """Return a term table as ``{row: {column: value}}`` (non-finite numbers: None)."""

    def cell(x: Any) -> Any:
        if isinstance(x, (bool, np.bool_)):
            return bool(x)
        if isinstance(x, (int, float, np.integer, np.floating)):
            return clean(float(x))
        return None if x is None else str(x)

    return {
        str(i): {str(c): cell(v) for c, v in row.items()} for i, row in frame.iterrows()
    }


def _pct_share(part: float, total: float) -> str:
    if total <= 0 or not np.isfinite(total):
        return "n/a"
    return f"{100 * part / total:.1f} %"
