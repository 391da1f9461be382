"""Execution venues: CEX fee tiers, DEX pools, and the optimal split of trades.

An asset trades on one or more venues: centralized exchanges
(:class:`CEXVenue`: tiered maker/taker fee, half-spread, impact, a depth or
participation cap) and AMM pools (:class:`DEXPool`: constant product and
concentrated liquidity, costed exactly; gas; a price-impact cap).
:class:`VenueCost` lets the optimizer choose the split of every trade across
them; :func:`solve_with_gas` handles the fixed gas cost of a swap
(:func:`solve_exact_gas` exactly, for a few pools);
:func:`venue_trades`, :func:`cost_by_venue` and :func:`cost_by_type` report
a result's split.

Units: trades and costs are fractions of NAV; fees and spreads in bp (a pool's
``fee`` a fraction); depths, reserves, volumes and gas in the NAV's currency.
"""

from replicator.venues._book import VenueBook, build_book
from replicator.venues._gas import GasSolution, break_even, solve_with_gas
from replicator.venues._gas_exact import ExactGasSolution, solve_exact_gas
from replicator.venues._models import CEXVenue, DEXPool, FeeTier, LiquidityRange
from replicator.venues._report import (
    cost_by_type,
    cost_by_venue,
    venue_costs,
    venue_trades,
)
from replicator.venues._split import exact_costs, optimal_split, pair_costs
from replicator.venues._term import VenueCost

__all__ = [
    "CEXVenue",
    "DEXPool",
    "ExactGasSolution",
    "FeeTier",
    "GasSolution",
    "LiquidityRange",
    "VenueBook",
    "VenueCost",
    "break_even",
    "build_book",
    "cost_by_type",
    "cost_by_venue",
    "exact_costs",
    "optimal_split",
    "pair_costs",
    "solve_exact_gas",
    "solve_with_gas",
    "venue_costs",
    "venue_trades",
]
