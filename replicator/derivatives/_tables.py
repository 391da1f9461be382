"""Report tables of the perp terms: funding carry, margin, spot/perp split.

Each table is returned by a term's ``report_tables`` (the one hook through
which a term reports), so the result, summary.json and both HTML reports show
them without knowing about perps. The ``*_assumptions`` tables label every
funding and margin assumption with its source.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from replicator.data._snapshot import MarketSnapshot
from replicator.derivatives._perp import Perp
from replicator.derivatives._rates import SETTLEMENTS_PER_DAY
from replicator.derivatives._summary import perp_summary, spot_perp_split
from replicator.typing import FloatArray

__all__ = ["funding_tables", "margin_tables"]

NOTES = "/work/shared/research/crypto-markets.md"


def _weights(weights: FloatArray, snapshot: MarketSnapshot) -> pd.Series:
    return pd.Series(np.asarray(weights, dtype=float), index=snapshot.assets)


def funding_tables(
    perps: Sequence[Perp],
    weights: FloatArray,
    annual: FloatArray,
    horizon: float,
    snapshot: MarketSnapshot,
    *,
    rate_8h: float | None,
    lookback_days: int,
) -> dict[str, pd.DataFrame]:
    r"""Return the expected funding carry per perp, and its assumptions.

    Parameters
    ----------
    perps : sequence of Perp
        The perps (each in ``snapshot.assets``).
    weights : ndarray
        Post-trade weights, fractions of NAV.
    annual : ndarray
        Expected annual funding rate of each perp (order of ``perps``).
    horizon : float
        Holding horizon ``H`` in years.
    snapshot : MarketSnapshot
        The solve's inputs.
    rate_8h : float or None
        The assumed rate per 8 h, or None when a rate series was given.
    lookback_days : int
        Window of the mean of a rate series.

    Returns
    -------
    dict
        ``funding_carry`` (index: perp; ``underlying``, ``weight``,
        ``rate_annual``, ``carry_annual`` and ``carry_horizon``, fractions of
        NAV; positive: paid) and ``funding_assumptions`` (``value``,
        ``source``).

    Notes
    -----
    .. math:: carry_i = H\, f_i\, w_i

    summed over the perps, it is ``FundingCarry.evaluate``.
    """
    w = _weights(weights, snapshot)
    symbols = [p.symbol for p in perps]
    held = w[symbols].to_numpy()
    carry = pd.DataFrame(
        {
            "underlying": [p.underlying for p in perps],
            "weight": held,
            "rate_annual": np.asarray(annual, dtype=float),
            "carry_annual": annual * held,
            "carry_horizon": float(horizon) * annual * held,
        },
        index=pd.Index(symbols, name="perp"),
    )
    if rate_8h is not None:
        rate = (
            f"{rate_8h * 100:.4g} % per 8 h settlement = "
            f"{rate_8h * SETTLEMENTS_PER_DAY * 365 * 100:.4g} % a year, every perp"
        )
        source = (
            "assumption (no rate series): the 0.01 %/8 h interest anchor of "
            f"Binance/BitMEX funding, {NOTES} §3"
        )
    else:
        rate = f"mean of the last {lookback_days} days of settlements, annualized"
        source = "the given funding rate series (settlements up to the solve date)"
    rows = {
        "funding rate": (rate, source),
        "sign": ("long pays, short receives when the rate > 0", f"{NOTES} §3"),
        "holding horizon": (
            f"{horizon:g} years (carry_horizon = H x rate x weight)",
            "FundingCarry(horizon=...), the Replicator's horizon",
        ),
        "basis": (
            "perp return = underlying return + the basis of the returns' perp "
            "column (zero unless a basis series was given)",
            "rp.derivatives.with_perps",
        ),
        "collateral yield": ("0 (not modelled)", "assumption"),
    }
    carry.attrs.update(title="Funding carry (expected)", unit="pct")
    notes = _assumptions(rows, "Funding assumptions")
    return {"funding_carry": carry, "funding_assumptions": notes}


def margin_tables(
    perps: Sequence[Perp],
    weights: FloatArray,
    snapshot: MarketSnapshot,
    buffer: float,
) -> dict[str, pd.DataFrame]:
    """Margin used and free, leverage, spot/perp split, and margin assumptions.

    Returns
    -------
    dict
        ``margin`` (a ``value`` column: ``collateral``, ``margin_used``,
        ``margin_free``, ``buffer``, ``gross_leverage``, ``net_perp``,
        ``gross_perp``; fractions of NAV, see
        :func:`~replicator.derivatives.perp_summary`), ``spot_perp_split``
        (see :func:`~replicator.derivatives.spot_perp_split`) and
        ``margin_assumptions``.
    """
    w = _weights(weights, snapshot)
    summary = perp_summary(w, perps)
    summary["buffer"] = float(buffer)
    order = ["collateral", "margin_used", "margin_free", "buffer"]
    order += [k for k in summary if k not in order]
    margin = pd.DataFrame({"value": [summary[k] for k in order]}, index=order)
    rows = {
        f"maintenance margin {p.symbol}": (
            f"{p.maintenance_margin * 100:.4g} % of |notional|",
            f"Perp.maintenance_margin (default: Binance BTCUSDT <= 1M, {NOTES} §3)",
        )
        for p in perps
    }
    rows["collateral"] = (
        "cash = 1 - sum of spot weights; perp notional uses margin, not cash",
        "rp.derivatives.margin_used",
    )
    rows["margin buffer"] = (
        f"{buffer * 100:.4g} % of NAV kept free above maintenance",
        "MarginRequirement(buffer=...)",
    )
    margin.attrs.update(title="Margin and leverage", unit="pct")
    split = spot_perp_split(w, perps)
    split.attrs.update(
        title="Spot and perp exposure per underlying",
        unit="pct",
        stack=["spot", "perp"],
    )
    return {
        "margin": margin,
        "spot_perp_split": split,
        "margin_assumptions": _assumptions(rows, "Margin assumptions"),
    }


def _assumptions(rows: dict[str, tuple[str, str]], title: str) -> pd.DataFrame:
    out = pd.DataFrame.from_dict(rows, orient="index", columns=["value", "source"])
    out.attrs.update(title=title, unit="text")
    return out
