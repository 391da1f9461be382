"""Helpers shared by the cost models: per-asset inputs and market data checks.

Policy for per-asset inputs: an asset that can trade (investable, or held and
so possibly sold) must have a value; a scalar applies to every asset, and a
Series must cover every tradable ticker. Assets that cannot trade (outside the
universe and not held) never move, so their value is irrelevant and set to 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from replicator.data._snapshot import MarketSnapshot
from replicator.data._validate import format_items
from replicator.exceptions import DataError
from replicator.typing import BoolArray, FloatArray

__all__ = ["align_series", "impact_inputs", "per_asset_values", "tradable"]


def tradable(snapshot: MarketSnapshot) -> BoolArray:
    """Return the mask of assets whose trade may be non-zero."""
    return np.asarray(snapshot.investable, dtype=bool) | (snapshot.holdings != 0)


def align_series(snapshot: MarketSnapshot, values: pd.Series, label: str) -> FloatArray:
    """Reindex a Series by ticker onto the snapshot's assets (NaN where absent).

    Raises
    ------
    DataError
        The Series holds non-numbers, or names tickers outside the universe.
    """
    try:
        s = values.astype(float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{label} must hold numbers; {exc}.") from None
    s.index = s.index.map(str)
    unknown = s.index.difference(snapshot.assets)
    if len(unknown):
        raise DataError(
            f"{label} names {len(unknown)} tickers that are not in the universe: "
            f"{format_items(unknown)}. Remove them or add them to the returns."
        )
    if s.index.has_duplicates:
        dups = s.index[s.index.duplicated()].unique()
        raise DataError(f"{label} has duplicate tickers: {format_items(dups)}.")
    return s.reindex(snapshot.assets).to_numpy(dtype=float, copy=True)


def per_asset_values(
    snapshot: MarketSnapshot, value: float | pd.Series, label: str
) -> FloatArray:
    """Broadcast a scalar, or align a Series that covers every tradable asset.

    Parameters
    ----------
    snapshot : MarketSnapshot
        The universe.
    value : float or Series
        The parameter, already validated.
    label : str
        ``Term.parameter`` name for messages, e.g. ``"Spread.half_spread_bps"``.

    Returns
    -------
    ndarray of shape (n_assets,)
    """
    if not isinstance(value, pd.Series):
        return np.full(snapshot.n_assets, float(value))
    arr = align_series(snapshot, value, label)
    missing = np.isnan(arr) & tradable(snapshot)
    if missing.any():
        names = snapshot.assets[missing]
        raise DataError(
            f"{label} has no value for {len(names)} tradable assets: "
            f"{format_items(names)}. Give every asset that may trade a value "
            "(0 for a free asset), or use a scalar."
        )
    return np.nan_to_num(arr, nan=0.0)


def impact_inputs(
    snapshot: MarketSnapshot, term: str
) -> tuple[FloatArray, FloatArray, BoolArray]:
    """Return ``(adv, volatility, tradable)`` checked for an impact model.

    Assets that cannot trade get ADV 1 and volatility 0 (a zero coefficient).

    Raises
    ------
    DataError
        ADV or volatility missing (None or NaN) for a tradable asset; negative
        values; zero ADV for a tradable asset (its impact is infinite: the
        model cannot price any trade in it).
    """
    mask = tradable(snapshot)
    n = snapshot.n_assets
    adv = np.full(n, np.nan) if snapshot.adv is None else np.array(snapshot.adv, float)
    vol = (
        np.full(n, np.nan)
        if snapshot.volatility is None
        else np.array(snapshot.volatility, float)
    )
    for arr, what, how in (
        (adv, "ADV", "adv=... (average daily traded value, in the NAV's currency)"),
        (vol, "volatility", "volatility=... (daily std of returns), or returns=..."),
    ):
        missing = mask & ~np.isfinite(arr)
        if missing.any():
            names = snapshot.assets[missing]
            raise DataError(
                f"{term} needs the {what} of every tradable asset; it is missing "
                f"for {len(names)}: {format_items(names)}. Pass {how} covering "
                "them to solve()."
            )
        negative = mask & (arr < 0)
        if negative.any():
            names = snapshot.assets[negative]
            raise DataError(
                f"{term}: the {what} must be non-negative; got negative values for "
                f"{format_items(names)} (e.g. {arr[negative][0]:.6g})."
            )
    zero = mask & (adv == 0)
    if zero.any():
        names = snapshot.assets[zero]
        raise DataError(
            f"{term}: the ADV is zero for {len(names)} tradable assets "
            f"({format_items(names)}), so the impact of any trade in them is "
            "infinite. Pass a positive ADV (e.g. a floor), or drop them from the "
            "universe and the holdings."
        )
    adv = np.where(mask, adv, 1.0)
    vol = np.where(mask, vol, 0.0)
    return adv, vol, mask


def typical_trade(snapshot: MarketSnapshot) -> FloatArray:
    """Return a per-asset trade size that scales conic epigraphs (not a limit).

    Interior-point solvers lose accuracy on cones whose components differ by
    orders of magnitude, e.g. ``(tau, 1, t)`` with ``tau ~ |t|^1.5 ~ 1e-5``.
    Cost terms rescale their cones by this size so that every component is of
    the order of the expected trade's cost. It is ``|b - w0|`` (the trade of a
    full rebalance), floored at ``0.01 / N``.
    """
    n = max(snapshot.n_assets, 1)
    gap = np.abs(np.asarray(snapshot.benchmark) - np.asarray(snapshot.holdings))
    return np.maximum(gap, 0.01 / n)
