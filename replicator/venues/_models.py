"""Venue models: centralized exchanges with fee tiers and DEX pools.

Every model is a frozen dataclass validated at construction: a bad value is a
:class:`~replicator.exceptions.ConfigError` that names the venue and the field.

Unit system
-----------
* Inputs are in their natural market units: fees and spreads in basis points
  (``fee`` of a pool as a fraction, as on-chain: 0.003 = 30 bp), volumes,
  depths, reserves and gas in the NAV's currency, prices in that currency per
  unit of the asset, concentrated liquidity ``L`` in Uniswap v3 units
  (``sqrt(asset * currency)``).
* Everything the optimizer sees is normalized by the NAV: a trade ``x`` on a
  venue is a fraction of NAV (notional at the pre-trade mid price over the
  NAV; positive = buy), and a cost is a fraction of NAV (currency paid against
  the mid price, over the NAV).
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from replicator.exceptions import ConfigError

__all__ = ["CEXVenue", "DEXPool", "FeeTier", "LiquidityRange", "Venue"]

PerAsset = float | Mapping[str, float]


def _number(
    owner: str,
    name: str,
    value: Any,
    *,
    low: float = 0.0,
    strict: bool = False,
    high: float = math.inf,
) -> float:
    """Return ``value`` as a float in range, or raise naming owner and field."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    x = float(value) if ok else math.nan
    if ok and math.isfinite(x) and (x > low if strict else x >= low) and x <= high:
        return x
    side = ">" if strict else ">="
    upper = "" if high == math.inf else f" and <= {high:g}"
    raise ConfigError(
        f"{owner}: '{name}' must be a finite number {side} {low:g}{upper}; got "
        f"{value!r}. Fix the venue's '{name}'."
    )


def _per_asset(owner: str, name: str, value: Any, *, strict: bool = False) -> PerAsset:
    """Check a scalar or a ticker -> number mapping, value by value."""
    if isinstance(value, Mapping):
        if not value:
            raise ConfigError(
                f"{owner}: '{name}' is an empty mapping; give a number "
                "or one value per ticker."
            )
        return {
            str(k): _number(owner, f"{name}[{k}]", v, strict=strict)
            for k, v in value.items()
        }
    return _number(owner, name, value, strict=strict)


def value_for(value: PerAsset | None, asset: str, default: float) -> float:
    """Return the value of a per-asset parameter for ``asset``."""
    if value is None:
        return default
    if isinstance(value, Mapping):
        return float(value.get(asset, default))
    return float(value)


@dataclass(frozen=True)
class FeeTier:
    """One row of an exchange's fee schedule.

    Parameters
    ----------
    name : str
        Tier label, e.g. ``"VIP1"`` or ``"$75M+"``.
    min_volume : float
        30-day traded volume (currency) from which the tier applies.
    maker_bps, taker_bps : float
        Fees of passive (maker) and aggressive (taker) fills, in bp of notional.
    """

    name: str
    min_volume: float
    maker_bps: float
    taker_bps: float

    def __post_init__(self) -> None:
        owner = f"FeeTier {self.name!r}"
        if not isinstance(self.name, str) or not self.name:
            raise ConfigError(
                f"FeeTier: 'name' must be a non-empty string; got {self.name!r}."
            )
        for f in ("min_volume", "maker_bps", "taker_bps"):
            object.__setattr__(self, f, _number(owner, f, getattr(self, f)))


@dataclass(frozen=True)
class CEXVenue:
    r"""A centralized exchange: tiered maker/taker fee, half-spread, impact, cap.

    Parameters
    ----------
    name : str
        Venue label (unique within a :class:`~replicator.venues.VenueCost`).
    fee_tiers : tuple of FeeTier
        The schedule, by increasing ``min_volume`` (the first usually at 0).
    volume_30d : float, optional
        The fund's stated 30-day volume on this venue (currency); the tier is
        the highest whose ``min_volume`` it reaches.
    tier : str, optional
        The tier by name. With ``volume_30d`` as well, the volume must reach it.
    liquidity : {"taker", "maker"}, default "taker"
        Which fee the rebalance pays (a market order crossing the book: taker).
    half_spread_bps : float or mapping, default 0
        Half the quoted bid-ask spread, bp, scalar or by ticker.
    impact : {"power", "quadratic"}, default "power"
        Impact exponent ``e``: 3/2 (square-root law) or 2 (linear book).
    impact_coef : float or mapping, default 1.0
        Prefactor ``Y`` of the impact, scalar or by ticker (> 0).
    adv_share : float or mapping, default 1.0
        Share of the asset's ADV traded on this venue, in (0, 1].
    participation : float, optional
        Cap of one trade as a fraction of the venue's ADV (``adv_share * ADV``).
    depth : float or mapping, optional
        Cap of one trade in currency (e.g. the book depth within 1 %).
    assets : tuple of str, optional
        Tickers listed here; None lists every asset of the universe.

    Notes
    -----
    A trade of ``x`` (fraction of NAV) on the venue costs, as a fraction of NAV,

    .. math::

        c(x) = (\phi + h)\,|x| + Y\sigma_i
               \left(\frac{\mathrm{NAV}}{s\,\mathrm{ADV}_i}\right)^{e-1} |x|^{e},
        \qquad |x| \le \min\!\left(p\,s\,\mathrm{ADV}_i,\ D_i\right)/\mathrm{NAV}

    with :math:`\phi` the tier's fee, :math:`h` the half-spread (fractions),
    :math:`\sigma_i` the daily volatility, :math:`s` the ADV share, :math:`p`
    the participation cap and :math:`D_i` the depth cap.
    """

    name: str
    fee_tiers: tuple[FeeTier, ...]
    volume_30d: float | None = None
    tier: str | None = None
    liquidity: str = "taker"
    half_spread_bps: PerAsset = 0.0
    impact: str = "power"
    impact_coef: PerAsset = 1.0
    adv_share: PerAsset = 1.0
    participation: float | None = None
    depth: PerAsset | None = None
    assets: tuple[str, ...] | None = None
    fee_bps: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ConfigError(
                f"CEXVenue: 'name' must be a non-empty string; got {self.name!r}."
            )
        owner = f"CEXVenue {self.name!r}"
        tiers = tuple(self.fee_tiers) if self.fee_tiers is not None else ()
        if not tiers or not all(isinstance(t, FeeTier) for t in tiers):
            raise ConfigError(
                f"{owner}: 'fee_tiers' must be a non-empty list of FeeTier."
            )
        if any(b.min_volume <= a.min_volume for a, b in itertools.pairwise(tiers)):
            raise ConfigError(
                f"{owner}: 'fee_tiers' must have strictly increasing "
                "min_volume; sort the schedule."
            )
        object.__setattr__(self, "fee_tiers", tiers)
        for f, allowed in (
            ("liquidity", ("taker", "maker")),
            ("impact", ("power", "quadratic")),
        ):
            if getattr(self, f) not in allowed:
                raise ConfigError(
                    f"{owner}: '{f}' must be one of {allowed}; got "
                    f"{getattr(self, f)!r}."
                )
        chosen = self._tier(owner)
        fee = chosen.taker_bps if self.liquidity == "taker" else chosen.maker_bps
        object.__setattr__(self, "fee_bps", fee)
        object.__setattr__(
            self,
            "half_spread_bps",
            _per_asset(owner, "half_spread_bps", self.half_spread_bps),
        )
        object.__setattr__(
            self,
            "impact_coef",
            _per_asset(owner, "impact_coef", self.impact_coef, strict=True),
        )
        share = _per_asset(owner, "adv_share", self.adv_share, strict=True)
        for v in share.values() if isinstance(share, Mapping) else (share,):
            if v > 1:
                raise ConfigError(f"{owner}: 'adv_share' must be in (0, 1]; got {v:g}.")
        object.__setattr__(self, "adv_share", share)
        if self.participation is not None:
            object.__setattr__(
                self,
                "participation",
                _number(
                    owner, "participation", self.participation, strict=True, high=1.0
                ),
            )
        if self.depth is not None:
            object.__setattr__(
                self, "depth", _per_asset(owner, "depth", self.depth, strict=True)
            )
        if self.assets is not None:
            object.__setattr__(self, "assets", tuple(str(a) for a in self.assets))

    def _tier(self, owner: str) -> FeeTier:
        """Return the tier given by name, or derived from the stated volume."""
        tiers = self.fee_tiers
        if self.volume_30d is None and self.tier is None:
            raise ConfigError(
                f"{owner}: give 'volume_30d' (the fund's 30-day volume "
                "on the venue) or 'tier' (a tier name) to choose the fee."
            )
        volume = None
        if self.volume_30d is not None:
            volume = _number(owner, "volume_30d", self.volume_30d)
            object.__setattr__(self, "volume_30d", volume)
        if self.tier is not None:
            named = [t for t in tiers if t.name == self.tier]
            if not named:
                raise ConfigError(
                    f"{owner}: 'tier' {self.tier!r} is not in fee_tiers "
                    f"({', '.join(t.name for t in tiers)})."
                )
            if volume is not None and volume < named[0].min_volume:
                raise ConfigError(
                    f"{owner}: 'tier' {self.tier!r} needs a 30-day volume of at least "
                    f"{named[0].min_volume:,.0f}; the stated 'volume_30d' "
                    f"{volume:,.0f} does not reach it. Lower the tier or fix the "
                    "volume."
                )
            return named[0]
        reached = [t for t in tiers if volume >= t.min_volume]
        if not reached:
            raise ConfigError(
                f"{owner}: no fee tier is reached by 'volume_30d' {volume:,.0f} (the "
                f"lowest, {tiers[0].name!r}, starts at {tiers[0].min_volume:,.0f}). "
                "Add a tier from 0 or state the volume."
            )
        return reached[-1]

    def lists(self, asset: str) -> bool:
        """Return True when ``asset`` trades on this venue."""
        return self.assets is None or asset in self.assets


@dataclass(frozen=True)
class LiquidityRange:
    """A concentrated-liquidity position: liquidity ``L`` between two prices.

    Parameters
    ----------
    lower, upper : float
        Price bounds (currency per asset), ``0 < lower < upper``.
    liquidity : float
        Uniswap v3 liquidity ``L`` (``sqrt(asset * currency)``), > 0.
    """

    lower: float
    upper: float
    liquidity: float

    def __post_init__(self) -> None:
        owner = "LiquidityRange"
        lo = _number(owner, "lower", self.lower, strict=True)
        hi = _number(owner, "upper", self.upper, strict=True)
        if hi <= lo:
            raise ConfigError(
                f"{owner}: 'upper' ({hi:g}) must exceed 'lower' ({lo:g})."
            )
        object.__setattr__(self, "lower", lo)
        object.__setattr__(self, "upper", hi)
        object.__setattr__(
            self, "liquidity", _number(owner, "liquidity", self.liquidity, strict=True)
        )


@dataclass(frozen=True)
class DEXPool:
    r"""An AMM pool of one asset against the NAV's currency, costed exactly.

    Parameters
    ----------
    name : str
        Venue label, e.g. ``"uniswap"`` (pools of one venue share the name).
    asset : str
        Ticker of the pool's asset.
    reserves : float, optional
        Quote-side reserve of the full-range (constant-product) liquidity,
        currency (about half the pool's TVL).
    fee : float, default 0.003
        Swap fee as a fraction, charged on the input (0.003 = Uniswap v2).
    price : float, optional
        Current pool price (currency per asset); required with ``ranges``.
    ranges : tuple of LiquidityRange, default ()
        Concentrated-liquidity positions (Uniswap v3), summed where they overlap.
    gas : float, default 0
        Gas of one swap, currency (a fixed cost: see
        :func:`~replicator.venues.solve_with_gas`).
    max_impact_bps : float, optional
        Cap on the price move of one trade, bp (index tokens: 50).

    Notes
    -----
    Inside a price interval of constant liquidity the pool is a constant
    product on virtual reserves; with :math:`s` the interval's start price over
    the mid, :math:`a` its virtual asset reserve valued at mid (fraction of
    NAV) and :math:`\gamma = 1 - f`, a buy of mid notional ``q`` inside it costs
    :math:`(s/\gamma - 1)q + (s/\gamma)q^2/(a - q)` and a sale
    :math:`(1 - s\gamma)q + s\gamma^2 q^2/(a + \gamma q)`. A trade walks the
    intervals in price order, so its cost is the sum over the intervals it
    crosses: convex, since the marginal price only worsens.
    """

    name: str
    asset: str
    reserves: float | None = None
    fee: float = 0.003
    price: float | None = None
    ranges: tuple[LiquidityRange, ...] = ()
    gas: float = 0.0
    max_impact_bps: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ConfigError(
                f"DEXPool: 'name' must be a non-empty string; got {self.name!r}."
            )
        if not isinstance(self.asset, str) or not self.asset:
            raise ConfigError(
                f"DEXPool {self.name!r}: 'asset' must be a ticker; got {self.asset!r}."
            )
        owner = f"DEXPool {self.name!r} ({self.asset})"
        ranges = tuple(self.ranges or ())
        if not all(isinstance(r, LiquidityRange) for r in ranges):
            raise ConfigError(f"{owner}: 'ranges' must be a list of LiquidityRange.")
        object.__setattr__(self, "ranges", ranges)
        if self.reserves is None and not ranges:
            raise ConfigError(
                f"{owner}: give 'reserves' (full-range quote reserve) "
                "and/or concentrated-liquidity 'ranges'."
            )
        if self.reserves is not None:
            object.__setattr__(
                self, "reserves", _number(owner, "reserves", self.reserves, strict=True)
            )
        if ranges and self.price is None:
            raise ConfigError(
                f"{owner}: 'price' (current pool price) is required "
                "with concentrated-liquidity 'ranges'."
            )
        if self.price is not None:
            object.__setattr__(
                self, "price", _number(owner, "price", self.price, strict=True)
            )
        fee = _number(owner, "fee", self.fee)
        if fee >= 1:
            raise ConfigError(
                f"{owner}: 'fee' is a fraction in [0, 1) (0.003 = 30 bp); got {fee:g}."
            )
        object.__setattr__(self, "fee", fee)
        object.__setattr__(self, "gas", _number(owner, "gas", self.gas))
        if self.max_impact_bps is not None:
            cap = _number(owner, "max_impact_bps", self.max_impact_bps, strict=True)
            if cap >= 1e4:
                raise ConfigError(
                    f"{owner}: 'max_impact_bps' must be below 10000; got {cap:g}."
                )
            object.__setattr__(self, "max_impact_bps", cap)

    def lists(self, asset: str) -> bool:
        """Return True when this pool trades ``asset``."""
        return asset == self.asset


Venue = CEXVenue | DEXPool
