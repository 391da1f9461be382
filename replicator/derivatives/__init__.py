"""Perpetual futures: instruments, funding carry, margin, leverage and hedges.

A perp is one more column of the returns (``with_perps``): the underlying's
return plus a basis. ``FundingCarry`` is its carry cost, ``MarginRequirement``,
``GrossLeverage`` and ``NetPerpExposure`` its constraints, and ``hedge``
chooses perps around a frozen spot book. Every default (funding 0.01 %/8 h,
maintenance margin 1 %, fees 2/5 bp) is an assumption sourced in
``/work/shared/research/crypto-markets.md``; see each module's notes.
"""

from replicator.derivatives._funding import FundingCarry
from replicator.derivatives._hedge import hedge, hedge_model, spot_long_only
from replicator.derivatives._margin import (
    GrossLeverage,
    MarginRequirement,
    NetPerpExposure,
    margin_used,
)
from replicator.derivatives._perp import (
    Perp,
    perp_fees,
    perp_mask,
    spot_tickers,
    with_perps,
)
from replicator.derivatives._rates import ANCHOR_RATE_8H
from replicator.derivatives._risk import PerpRisk
from replicator.derivatives._spot import SpotLongOnly
from replicator.derivatives._summary import perp_summary, spot_perp_split

__all__ = [
    "ANCHOR_RATE_8H",
    "FundingCarry",
    "GrossLeverage",
    "MarginRequirement",
    "NetPerpExposure",
    "Perp",
    "PerpRisk",
    "SpotLongOnly",
    "hedge",
    "hedge_model",
    "margin_used",
    "perp_fees",
    "perp_mask",
    "perp_summary",
    "spot_long_only",
    "spot_perp_split",
    "spot_tickers",
    "with_perps",
]
