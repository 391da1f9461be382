"""Row labels and parameter rendering shared by the constraints."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from replicator.data._snapshot import MarketSnapshot

__all__ = ["AssetLabels", "as_ticker_list", "asset_labels", "format_bound"]


def format_bound(value: Any) -> str:
    """Render a scalar, Series or dict bound for a constraint's name."""
    if value is None:
        return "None"
    if isinstance(value, (pd.Series, dict)):
        return f"<{len(value)} values>"
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        return f"{float(value):g}"
    return repr(value)


class AssetLabels(Sequence[str]):
    """Per-asset row labels, formatted only when read (reports read one row).

    ``labels[i]`` is ``'TICKER'`` or ``'TICKER' (upper)``; ``+`` concatenates.
    """

    def __init__(self, parts: tuple[tuple[pd.Index, str], ...]) -> None:
        self._parts = parts

    def __len__(self) -> int:
        return sum(len(assets) for assets, _ in self._parts)

    def _one(self, i: int) -> str:
        if i < 0:
            i += len(self)
        for assets, tail in self._parts:
            if 0 <= i < len(assets):
                return f"{assets[i]!r}{tail}"
            i -= len(assets)
        raise IndexError("label index out of range")

    def __getitem__(self, i: int | slice) -> Any:  # type: ignore[override]
        if isinstance(i, slice):
            return [self._one(j) for j in range(*i.indices(len(self)))]
        return self._one(int(i))

    def __add__(self, other: Sequence[str]) -> AssetLabels | list[str]:
        if isinstance(other, AssetLabels):
            return AssetLabels(self._parts + other._parts)
        return list(self) + list(other)

    def __radd__(self, other: Sequence[str]) -> list[str]:
        return list(other) + list(self)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (AssetLabels, list, tuple)):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


def asset_labels(snapshot: MarketSnapshot, suffix: str = "") -> AssetLabels:
    """Row labels ``'TICKER'`` (or ``'TICKER' (upper)``) for per-asset rows."""
    tail = f" ({suffix})" if suffix else ""
    return AssetLabels(((snapshot.assets, tail),))


def as_ticker_list(tickers: Iterable[str] | str) -> list[str]:
    """Normalize a ticker or a collection of tickers to a list of str."""
    if isinstance(tickers, str):
        return [tickers]
    return [str(t) for t in tickers]
