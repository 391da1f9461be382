"""Perp positions at a glance: the spot/perp split, margin and leverage."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from replicator.derivatives._perp import Perp, as_perps
from replicator.exceptions import DataError

__all__ = ["perp_summary", "spot_perp_split"]


def _weights(weights: pd.Series, specs: tuple[Perp, ...]) -> pd.Series:
    w = weights.astype(float).copy()
    w.index = w.index.map(str)
    missing = [p.symbol for p in specs if p.symbol not in w.index]
    if missing:
        raise DataError(
            f"The weights have no entry for the perps {missing}; pass the weights "
            "of a solve whose universe holds them."
        )
    return w


def spot_perp_split(weights: pd.Series, perps: Perp | Iterable[Perp]) -> pd.DataFrame:
    """Spot, perp and total exposure per underlying.

    Parameters
    ----------
    weights : Series
        Weights by ticker (e.g. ``result.weights``), spot and perps.
    perps : Perp or iterable of Perp
        The perps.

    Returns
    -------
    DataFrame
        Indexed by underlying, columns ``spot``, ``perp`` (the sum of its
        perps) and ``exposure`` (their sum), for every underlying with a
        perp or a spot weight.
    """
    specs = as_perps(perps)
    w = _weights(weights, specs)
    symbols = {p.symbol for p in specs}
    perp = pd.Series(0.0, index=pd.Index([], dtype=object))
    for p in specs:
        perp[p.underlying] = perp.get(p.underlying, 0.0) + w[p.symbol]
    spot = w[[t for t in w.index if t not in symbols]]
    out = pd.DataFrame({"spot": spot, "perp": perp}).fillna(0.0)
    out["exposure"] = out["spot"] + out["perp"]
    return out


def perp_summary(weights: pd.Series, perps: Perp | Iterable[Perp]) -> dict[str, Any]:
    r"""Margin, collateral and leverage of a set of weights.

    Returns
    -------
    dict
        ``collateral`` (``1 - sum spot``), ``margin_used``
        (``sum m_i |w_i|``), ``margin_free`` (their difference),
        ``gross_leverage`` (``sum |w|``), ``net_perp`` and ``gross_perp``
        exposure, all fractions of NAV.
    """
    specs = as_perps(perps)
    w = _weights(weights, specs)
    symbols = [p.symbol for p in specs]
    rates = pd.Series({p.symbol: p.maintenance_margin for p in specs})
    used = float((w[symbols].abs() * rates[symbols]).sum())
    collateral = float(1.0 - w.drop(symbols).sum())
    return {
        "collateral": collateral,
        "margin_used": used,
        "margin_free": collateral - used,
        "gross_leverage": float(w.abs().sum()),
        "net_perp": float(w[symbols].sum()),
        "gross_perp": float(w[symbols].abs().sum()),
    }
