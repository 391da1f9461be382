"""Parse the ``venues`` of a ``VenueCost`` config entry into venue objects.

A venue is a mapping with ``type: cex`` or ``type: dex``::

    costs:
      - type: VenueCost
        venues:
          - type: cex
            name: coinbase
            fee_tiers:                     # min_volume, maker_bps, taker_bps
              - {name: "$0", min_volume: 0, maker_bps: 40, taker_bps: 60}
              - {name: "$75M", min_volume: 7.5e7, maker_bps: 0, taker_bps: 8}
            volume_30d: 1.0e8              # or tier: "$75M"
            half_spread_bps: 2             # or {BTC: 1, ETH: 1.5, ...}
            impact: power                  # or quadratic
            impact_coef: 1.0
            adv_share: 0.1
            participation: 0.05
          - type: dex
            name: uniswap
            fee: 0.003                     # shared by the pools below
            gas: 50                        # currency per swap
            max_impact_bps: 50
            pools:                         # one pool per asset
              ETH: {reserves: 1.5e8, fee: 0.0005}
              LINK: {reserves: 5.0e6}

The other keys of a ``cex`` are the fields of
:class:`~replicator.venues.CEXVenue`; a ``dex`` pool takes the fields of
:class:`~replicator.venues.DEXPool` (``reserves``, ``fee``, ``price``,
``ranges: [{lower, upper, liquidity}]``, ``gas``, ``max_impact_bps``), given
per pool or once for the venue.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from typing import Any

import replicator as rp
from replicator.config._load import suggest
from replicator.exceptions import ConfigError

__all__ = ["CONVERTERS", "parse_venues"]

_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_POOL_KEYS = ("reserves", "fee", "price", "ranges", "gas", "max_impact_bps")


def _fields(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls) if f.init]


def _numbers(value: Any) -> Any:
    """YAML 1.1 reads ``1e9`` as a string: convert numeric strings, recursively."""
    if isinstance(value, str) and _NUMBER.match(value.strip()):
        return float(value)
    if isinstance(value, Mapping):
        return {k: _numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    return value


def _check_keys(spec: Mapping[str, Any], allowed: list[str], path: str) -> None:
    for key in spec:
        if key not in allowed:
            raise ConfigError(
                f"{path}.{key}: unknown key{suggest(str(key), allowed)}; "
                f"allowed: {', '.join(allowed)}"
            )


def _build(cls: type, kwargs: dict[str, Any], path: str) -> Any:
    try:
        return cls(**kwargs)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except TypeError as exc:
        raise ConfigError(f"{path}: cannot build {cls.__name__}: {exc}") from None


def _cex(spec: dict[str, Any], path: str) -> rp.venues.CEXVenue:
    allowed = _fields(rp.venues.CEXVenue)
    _check_keys(spec, allowed, path)
    tiers = spec.get("fee_tiers")
    if not isinstance(tiers, list) or not tiers:
        raise ConfigError(
            f"{path}.fee_tiers: required, a list of {{name, min_volume, maker_bps, "
            "taker_bps}}"
        )
    parsed = []
    for j, tier in enumerate(tiers):
        where = f"{path}.fee_tiers[{j}]"
        if not isinstance(tier, Mapping):
            raise ConfigError(f"{where}: must be a mapping {{name, min_volume, ...}}")
        _check_keys(tier, _fields(rp.venues.FeeTier), where)
        parsed.append(_build(rp.venues.FeeTier, dict(tier), where))
    kwargs = dict(spec, fee_tiers=tuple(parsed))
    if isinstance(kwargs.get("assets"), list):
        kwargs["assets"] = tuple(str(a) for a in kwargs["assets"])
    return _build(rp.venues.CEXVenue, kwargs, path)


def _ranges(value: Any, path: str) -> tuple[rp.venues.LiquidityRange, ...]:
    if not isinstance(value, list):
        raise ConfigError(f"{path}: must be a list of {{lower, upper, liquidity}}")
    out = []
    for j, item in enumerate(value):
        where = f"{path}[{j}]"
        if not isinstance(item, Mapping):
            raise ConfigError(f"{where}: must be a mapping {{lower, upper, liquidity}}")
        _check_keys(item, _fields(rp.venues.LiquidityRange), where)
        out.append(_build(rp.venues.LiquidityRange, dict(item), where))
    return tuple(out)


def _dex(spec: dict[str, Any], path: str) -> list[rp.venues.DEXPool]:
    _check_keys(spec, ["name", "pools", *_POOL_KEYS], path)
    pools = spec.get("pools")
    if not isinstance(pools, Mapping) or not pools:
        raise ConfigError(
            f"{path}.pools: required, a mapping ticker -> {{reserves: ..., ...}}"
        )
    shared = {k: spec[k] for k in _POOL_KEYS if k in spec}
    out = []
    for asset, pool in pools.items():
        where = f"{path}.pools.{asset}"
        if not isinstance(pool, Mapping):
            raise ConfigError(f"{where}: must be a mapping {{reserves: ..., ...}}")
        _check_keys(pool, list(_POOL_KEYS), where)
        kwargs = {**shared, **pool, "name": spec.get("name"), "asset": str(asset)}
        if "ranges" in kwargs:
            kwargs["ranges"] = _ranges(kwargs["ranges"], f"{where}.ranges")
        out.append(_build(rp.venues.DEXPool, kwargs, where))
    return out


def parse_venues(value: Any, path: str) -> list[rp.venues.CEXVenue | rp.venues.DEXPool]:
    """Return the venue objects of a ``venues:`` list.

    Raises
    ------
    ConfigError
        Naming the field path, e.g. ``costs[0].venues[2].pools.ETH: DEXPool
        'uniswap' (ETH): 'reserves' must be a finite number > 0; got 0.0``.
    """
    if not isinstance(value, list) or not value:
        raise ConfigError(f"{path}: must be a non-empty list of venues (type: cex|dex)")
    out: list[rp.venues.CEXVenue | rp.venues.DEXPool] = []
    for j, spec in enumerate(value):
        where = f"{path}[{j}]"
        if not isinstance(spec, Mapping):
            raise ConfigError(f"{where}: must be a mapping with type: cex or type: dex")
        spec = _numbers(dict(spec))
        kind = spec.pop("type", None)
        if kind == "cex":
            out.append(_cex(spec, where))
        elif kind == "dex":
            out.extend(_dex(spec, where))
        else:
            raise ConfigError(f"{where}.type: must be 'cex' or 'dex'; got {kind!r}")
    return out


#: Parameters whose YAML value needs a parser: (term class name, parameter).
CONVERTERS: dict[tuple[str, str], Callable[[Any, str], Any]] = {
    ("VenueCost", "venues"): parse_venues,
}
