"""The market snapshot: everything a term needs to price one rebalance."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from replicator.data._align import positions
from replicator.data._validate import format_items, str_index
from replicator.exceptions import DataError
from replicator.typing import BoolArray, FloatArray

T = TypeVar("T")

__all__ = ["MarketSnapshot"]


@dataclass(frozen=True)
class MarketSnapshot:
    """Aligned numeric inputs of one solve, in the unit system of replicator.

    Units: weights and trades are fractions of NAV; ``nav`` and ``adv`` are in
    the same currency; ``volatility`` is the daily standard deviation of simple
    returns (a fraction); fees are fractions (bps / 1e4) applied by the cost
    terms themselves.

    Parameters
    ----------
    assets : Index
        Tickers of the modelled assets, in solver order. Benchmark constituents
        that cannot be held are included and flagged in ``investable``.
    benchmark : ndarray of shape (n_assets,)
        Benchmark weights (zeros in returns-only mode).
    holdings : ndarray of shape (n_assets,)
        Current weights. Cash is ``1 - holdings.sum()``.
    investable : ndarray of bool, shape (n_assets,)
        False for constituents that may not be held.
    nav : float
        Net asset value, in currency.
    adv : ndarray of shape (n_assets,) or None
        Average daily traded value, in currency.
    volatility : ndarray of shape (n_assets,) or None
        Daily return volatility.
    prices : ndarray of shape (n_assets,) or None
        Prices, in currency.
    groups : Series or None
        Group label (e.g. sector) per asset, indexed by ticker.
    periods_per_year : float
        Annualization factor of the risk model (252 equities, 365 crypto).
    returns_only : bool
        True when the benchmark is given only as a return series.
    date : object
        Rebalance date, for messages.
    extra : dict
        Per-term market data keyed by name (e.g. AMM reserves, funding rates).
    labels : Index or None
        The tickers as the user gave them (e.g. integers), in the order of
        ``assets``; None when they are the strings of ``assets``. The result's
        Series are indexed by them (:attr:`output_labels`).
    """

    assets: pd.Index
    benchmark: FloatArray
    holdings: FloatArray
    investable: BoolArray
    nav: float = 1.0
    adv: FloatArray | None = None
    volatility: FloatArray | None = None
    prices: FloatArray | None = None
    groups: pd.Series | None = None
    periods_per_year: float = 252.0
    returns_only: bool = False
    date: Any = None
    extra: dict[str, Any] = field(default_factory=dict)
    labels: pd.Index | None = None

    @property
    def output_labels(self) -> pd.Index:
        """Tickers for the result: the user's labels, else ``assets``."""
        return self.assets if self.labels is None else self.labels

    @property
    def n_assets(self) -> int:
        """Number of modelled assets."""
        return len(self.assets)

    @contextmanager
    def solving(self) -> Iterator[MarketSnapshot]:
        """Mark one solve: :meth:`solve_memo` reuses values inside it only.

        Between entering and leaving, no user code runs, so a term's
        parameters cannot change and a value derived from them and from this
        snapshot can be computed once (for the assembly, the result and the
        reports). Outside, every call computes afresh.
        """
        object.__setattr__(self, "_solve_cache", {})
        try:
            yield self
        finally:
            object.__setattr__(self, "_solve_cache", None)

    def solve_memo(self, owner: object, key: str, compute: Callable[[], T]) -> T:
        """Return ``compute()``, computed once per solve for ``(owner, key)``.

        Arrays in the value are flagged read-only (it is shared by callers).
        See :meth:`solving`.
        """
        cache = self.__dict__.get("_solve_cache")
        if cache is None:
            return compute()
        k = (id(owner), key)
        hit = cache.get(k)
        if hit is None:
            value = compute()
            for arr in value if isinstance(value, tuple) else (value,):
                if isinstance(arr, np.ndarray):
                    arr.setflags(write=False)
            hit = cache[k] = (owner, value)  # the owner kept alive: ids stay unique
        return hit[1]

    def align(self, values: float | pd.Series, name: str, default: float) -> FloatArray:
        """Broadcast a scalar or reindex a Series onto ``assets``.

        Parameters
        ----------
        values : float or Series
            A scalar applies to every asset; a Series is matched by ticker.
        name : str
            Name used in error messages.
        default : float
            Value for assets absent from the Series.

        Returns
        -------
        ndarray of shape (n_assets,)
        """
        if isinstance(values, pd.Series):
            labels = str_index(values.index)
            where = positions(labels, self.assets)
            absent = where < 0
            if absent.any():
                unknown = labels[absent]
                raise DataError(
                    f"{name} names {len(unknown)} tickers that are not in the "
                    f"universe: {format_items(unknown)}. Remove them or add them "
                    "to the returns."
                )
            out = np.full(self.n_assets, float(default))
            out[where] = values.to_numpy(dtype=float)
            out[np.isnan(out)] = default
            return out
        return np.full(self.n_assets, float(values))
