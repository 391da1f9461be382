"""Cross-file check that the loaded inputs cover the same tickers and dates."""

from __future__ import annotations

from typing import Any

import pandas as pd

from replicator.data._validate import format_items
from replicator.exceptions import MisalignedIndexError, MissingAssetsError

__all__ = ["check_coverage"]


def _label(name: str, obj: Any) -> str:
    source = getattr(obj, "source", None) or getattr(obj, "attrs", {}).get("source")
    return f"{name} (file '{source}')" if source else name


def _tickers(obj: Any, nonzero: bool = False) -> pd.Index:
    if hasattr(obj, "weights") and not isinstance(obj, pd.Series | pd.DataFrame):
        obj = obj.weights  # a Holdings object
    if isinstance(obj, pd.DataFrame):
        cols = obj.columns if not nonzero else obj.columns[(obj != 0).any()]
        return pd.Index(cols.map(str))
    if isinstance(obj, pd.Series):
        index = obj.index[obj.to_numpy() != 0] if nonzero else obj.index
        return pd.Index(index.map(str))
    return pd.Index([str(x) for x in obj])


def _dates(index: pd.Index) -> list[str]:
    return [str(d.date()) if isinstance(d, pd.Timestamp) else str(d) for d in index]


def check_coverage(
    returns: pd.DataFrame | pd.Index,
    *,
    benchmark: Any = None,
    holdings: Any = None,
    adv: Any = None,
    sectors: Any = None,
    fees: Any = None,
    volatility: Any = None,
    prices: Any = None,
    index_returns: pd.Series | None = None,
) -> None:
    """Check that the loaded inputs refer to the same tickers and dates.

    Benchmark constituents and held assets (non-zero weights) must have
    returns; the per-asset inputs (``adv``, ``sectors``, ``fees``,
    ``volatility``, ``prices``) must cover every ticker of ``returns``; an
    index return series must cover every date of ``returns``. All problems
    are reported in one message, naming each input and its file (from
    ``attrs["source"]`` as set by the loaders).

    Parameters
    ----------
    returns : DataFrame or Index
        Asset returns (dates x tickers), or just the universe of tickers.
    benchmark : Series or DataFrame, optional
        Benchmark weights by ticker (or dates x tickers).
    holdings : Series or Holdings, optional
        Current weights by ticker.
    adv, sectors, fees, volatility, prices : Series, optional
        Per-asset inputs by ticker.
    index_returns : Series, optional
        Benchmark returns by date.

    Raises
    ------
    MissingAssetsError
        When tickers are missing in either direction.
    MisalignedIndexError
        When only dates are missing.
    """
    universe = _tickers(returns)
    name = _label("returns", returns)
    problems: list[str] = []
    for key, obj in (("benchmark", benchmark), ("holdings", holdings)):
        if obj is None:
            continue
        missing = _tickers(obj, nonzero=True).difference(universe)
        if len(missing):
            problems.append(
                f"{_label(key, obj)} has {len(missing)} tickers with no returns in "
                f"{name}: {format_items(missing)}"
            )
    per_asset = {
        "adv": adv,
        "sectors": sectors,
        "fees": fees,
        "volatility": volatility,
        "prices": prices,
    }
    for key, obj in per_asset.items():
        if obj is None:
            continue
        missing = universe.difference(_tickers(obj))
        if len(missing):
            problems.append(
                f"{_label(key, obj)} lacks {len(missing)} tickers of {name}: "
                f"{format_items(missing)}"
            )
    if problems:
        raise MissingAssetsError(
            "Inputs do not cover the same tickers: "
            + "; ".join(problems)
            + ". Add the missing rows, or restrict the returns to the tickers "
            "every input has."
        )
    if index_returns is not None and isinstance(returns, pd.DataFrame):
        missing_dates = returns.index.difference(index_returns.index)
        if len(missing_dates):
            raise MisalignedIndexError(
                f"{_label('index_returns', index_returns)} has no value on "
                f"{len(missing_dates)} dates of {name}: "
                f"{format_items(_dates(missing_dates))}. Add the "
                "missing dates, or align both with an inner join."
            )
