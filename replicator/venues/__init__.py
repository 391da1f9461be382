"""Execution venues: CEX fee tiers, DEX pools, and the optimal split of trades.

An asset trades on one or more venues: centralized exchanges
(:class:`CEXVenue`: tiered maker/taker fee, half-spread, impact, a depth or
participation cap) and AMM pools (:class:`DEXPool`: constant product and
concentrated liquidity, costed exactly; gas; a price-impact cap).
:class:`VenueCost` lets the optimizer choose the split of every trade across
them; :func:`solve_with_gas` handles the fixed gas cost of a swap.

Units: trades and costs are fractions of NAV; fees and spreads in bp (a pool's
``fee`` a fraction); depths, reserves, volumes and gas in the NAV's currency.
"""

from replicator.venues._models import CEXVenue, DEXPool, FeeTier, LiquidityRange
from replicator.venues._term import VenueCost

__all__ = ["CEXVenue", "DEXPool", "FeeTier", "LiquidityRange", "VenueCost"]
