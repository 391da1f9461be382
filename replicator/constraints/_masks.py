"""Shared machinery of per-ticker masks (Restricted, NoTrade)."""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import ClassVar

import cvxpy as cp
import numpy as np
import pandas as pd

from replicator.constraints._base import (
    Constraint,
    Kind,
    RowInfo,
    as_ticker_list,
    asset_labels,
)
from replicator.data._snapshot import MarketSnapshot
from replicator.data._validate import format_items
from replicator.exceptions import ConfigError, DataError
from replicator.qp import QPBuilder
from replicator.terms import Options, Variables
from replicator.typing import FloatArray

__all__ = ["TickerMask"]


class TickerMask(Constraint):
    """Force a variable to zero on a list of tickers (a 0/1 mask Parameter).

    Subclasses pick the variable with :meth:`_expr` / :meth:`_values`. The mask
    is a Parameter, so the list may change between solves without
    recompiling.
    """

    _parameter_constraints = {
        "tickers": Kind(
            str,
            list,
            tuple,
            set,
            frozenset,
            pd.Index,
            pd.Series,
            what="a ticker or a list of tickers",
        ),
        "unknown": Options("error", "ignore"),
    }
    elastic_price = 10.0
    _verb: ClassVar[str] = "constrains"

    def __init__(
        self, tickers: Iterable[str] | str = (), *, unknown: str = "error"
    ) -> None:
        self.tickers = tickers
        self.unknown = unknown

    @property
    def name(self) -> str:
        """Label, e.g. ``Restricted('AAA', 'BBB')``."""
        try:
            names = as_ticker_list(self.tickers)
        except TypeError:
            names = []
        shown = ", ".join(repr(t) for t in names[:3])
        if len(names) > 3:
            shown += f", +{len(names) - 3} more"
        return f"{type(self).__name__}({shown})"

    def validate_params(self) -> None:
        """Check the parameter types and that tickers are strings (or ints)."""
        super().validate_params()
        values = (
            self.tickers.index if isinstance(self.tickers, pd.Series) else self.tickers
        )
        if isinstance(values, str):
            return
        bad = [
            t
            for t in values
            if not isinstance(t, (str, numbers.Integral)) or isinstance(t, bool)
        ]
        if bad:
            shown = ", ".join(repr(t) for t in bad[:5])
            raise ConfigError(
                f"The 'tickers' parameter of {type(self).__name__} must hold ticker "
                f"strings (ints are read as strings); got {shown} "
                f"({type(bad[0]).__name__})."
            )

    def _ticker_list(self) -> list[str]:
        if isinstance(self.tickers, pd.Series):
            return [str(t) for t in self.tickers.index[self.tickers.astype(bool)]]
        return as_ticker_list(self.tickers)

    def _mask(self, snapshot: MarketSnapshot) -> FloatArray:
        """1.0 on the listed tickers, 0.0 elsewhere."""
        names = pd.Index(self._ticker_list())
        unknown = names.difference(snapshot.assets)
        if len(unknown) and self.unknown == "error":
            raise DataError(
                f"{self.name} names {len(unknown)} tickers that are not in the "
                f"universe: {format_items(unknown)}. Check the spelling, or pass "
                f"{type(self).__name__}(..., unknown='ignore') to skip tickers "
                "outside the universe."
            )
        return snapshot.assets.isin(names).astype(float)

    def bind(self, snapshot: MarketSnapshot) -> None:
        """Create the mask Parameter."""
        super().bind(snapshot)
        self._m = cp.Parameter(snapshot.n_assets, nonneg=True, name="mask")

    def update(self, snapshot: MarketSnapshot) -> None:
        """Write the mask."""
        self._m.value = self._mask(snapshot)

    def _expr(self, v: Variables) -> cp.Expression:
        raise NotImplementedError

    def _values(self, weights: FloatArray, trades: FloatArray) -> FloatArray:
        raise NotImplementedError

    def rows(self, v: Variables) -> list[tuple[cp.Expression, cp.Expression]]:
        """``|m * x| <= 0``."""
        n = v.weights.shape[0]
        return [(cp.abs(cp.multiply(self._m, self._expr(v))), cp.Constant(np.zeros(n)))]

    def constraints(self, v: Variables) -> list[cp.Constraint]:
        """``m * x == 0`` (one equality per asset)."""
        return [cp.multiply(self._m, self._expr(v)) == 0]

    supports_qp = True
    _block: ClassVar[tuple[str, ...]] = ()

    def qp(self, qp: QPBuilder, snapshot: MarketSnapshot) -> None:
        """Native form: the listed tickers' blocks are fixed at zero."""
        mask = self._mask(snapshot) > 0
        if not mask.any():
            return
        for name in self._block:
            qp.fix(name, mask, 0.0)

    def evaluate(
        self, weights: FloatArray, trades: FloatArray, snapshot: MarketSnapshot
    ) -> tuple[FloatArray, FloatArray]:
        """Numpy twin of :meth:`rows`."""
        x = self._mask(snapshot) * self._values(weights, trades)
        return np.abs(x), np.zeros_like(x)

    def row_info(self, snapshot: MarketSnapshot, n_rows: int) -> RowInfo:
        """One row per asset; only the listed tickers are active."""
        return RowInfo(
            labels=asset_labels(snapshot),
            sign=np.ones(n_rows),
            scale=np.ones(n_rows),
            active=self._mask(snapshot) > 0,
        )
