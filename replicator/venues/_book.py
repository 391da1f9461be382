"""The venue book: every (asset, venue) pair of a universe as NAV-normalized arrays.

A :class:`VenueBook` is built from the venue models and a market snapshot. It
holds, for each pair, the convex cost curve of a trade on that venue:

* a CEX pair: ``lin |x| + k |x|^e`` with ``|x| <= cap``;
* a DEX pair: a list of *segments* per side, one per interval of constant
  liquidity that the trade crosses, in price order. A buy of mid notional
  ``q`` inside a segment costs ``lin q + quad q^2 / (a - q)``, a sale
  ``lin q + quad q^2 / (a + gamma q)``; the segment is full at ``cap``.

Everything is a fraction of NAV (see :mod:`replicator.venues._models`).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from replicator.costs._market import tradable
from replicator.data._snapshot import MarketSnapshot
from replicator.data._validate import format_items
from replicator.exceptions import ConfigError, DataError
from replicator.typing import BoolArray, FloatArray
from replicator.venues._models import CEXVenue, DEXPool, Venue, value_for

__all__ = ["Segments", "VenueBook", "build_book", "pool_segments"]


@dataclass(frozen=True)
class Segments:
    """The constant-liquidity segments of one side of the DEX pairs."""

    pair: npt.NDArray[np.int64]  # index into the book's pairs
    start: FloatArray  # s: price at the segment's start over the mid
    a: FloatArray  # virtual asset reserve at the start, valued at mid, / NAV
    cap: FloatArray  # mid notional that fills the segment, / NAV (inf: none)
    before: FloatArray  # notional of the pair's earlier segments
    gamma: FloatArray  # 1 - fee
    rank: npt.NDArray[np.int64]  # position of the segment within its pair
    lin: FloatArray
    quad: FloatArray


@dataclass(frozen=True)
class VenueBook:
    """NAV-normalized cost curves of every (asset, venue) pair of a universe."""

    assets: tuple[str, ...]
    venue_names: tuple[str, ...]
    venue_is_dex: tuple[bool, ...]
    pair_asset: npt.NDArray[np.int64]
    pair_venue: npt.NDArray[np.int64]
    is_dex: BoolArray
    gas: FloatArray  # per swap, / NAV
    cex: npt.NDArray[np.int64]  # pair indices of the CEX pairs
    cex_lin: FloatArray  # fee + half-spread
    cex_fee: FloatArray
    cex_k: FloatArray
    cex_e: FloatArray
    cex_cap: FloatArray
    buy: Segments
    sell: Segments

    @property
    def n_pairs(self) -> int:
        """Number of (asset, venue) pairs."""
        return len(self.pair_asset)

    def capacity(self, side: int) -> FloatArray:
        """Largest trade of each pair on ``side`` (+1 buy, -1 sell), / NAV."""
        out = np.zeros(self.n_pairs)
        out[self.cex] = self.cex_cap
        seg = self.buy if side > 0 else self.sell
        np.add.at(out, seg.pair, seg.cap)
        return out


def pool_segments(
    pool: DEXPool, nav: float
) -> tuple[list[tuple[float, float, float]], list[tuple[float, float, float]]]:
    """Return the buy and sell segments ``(start, a, cap)`` of a pool.

    Prices are relative to the pool's mid ``P0`` (``price``, or 1 for a pure
    constant-product pool). Liquidity ``l = L sqrt(P0) / NAV`` (``R / NAV`` for
    full-range reserves ``R``): between relative prices ``lo < hi`` it holds an
    asset value at mid ``l (1/sqrt(lo) - 1/sqrt(hi))``.
    """
    p0 = pool.price if pool.price is not None else 1.0
    full = 0.0 if pool.reserves is None else pool.reserves / nav
    ranges = [
        (r.lower / p0, r.upper / p0, r.liquidity * np.sqrt(p0) / nav)
        for r in pool.ranges
    ]
    points = sorted({1.0, *(x for lo, hi, _ in ranges for x in (lo, hi))})
    if full > 0:
        points = [0.0, *points, np.inf]
    cut = pool.max_impact_bps / 1e4 if pool.max_impact_bps is not None else None
    gamma = 1.0 - pool.fee
    buys, sells = [], []
    for lo, hi in itertools.pairwise(points):
        liq = full + sum(ell for a, b, ell in ranges if a <= lo and hi <= b)
        if liq <= 0:
            continue
        if lo >= 1.0:
            top = hi if cut is None else min(hi, 1.0 + cut)
            if top > lo:
                cap = liq * (
                    1 / np.sqrt(lo) - (0.0 if top == np.inf else 1 / np.sqrt(top))
                )
                buys.append((lo, liq / np.sqrt(lo), cap))
        else:
            bottom = lo if cut is None else max(lo, 1.0 - cut)
            if hi > bottom:
                inv = np.inf if bottom == 0 else 1 / np.sqrt(bottom)
                sells.append(
                    (hi, liq / np.sqrt(hi), liq * (inv - 1 / np.sqrt(hi)) / gamma)
                )
    sells.reverse()
    return buys, sells


def _segments(
    rows: list[tuple[int, float, float, float, float]], buy: bool
) -> Segments:
    """Stack ``(pair, start, a, cap, gamma)`` rows, in price order per pair."""
    arr = np.array(rows, dtype=float).reshape(-1, 5)
    pair = arr[:, 0].astype(np.int64)
    s, a, cap, g = arr[:, 1], arr[:, 2], arr[:, 3], arr[:, 4]
    before = np.zeros(len(pair))
    rank = np.zeros(len(pair), dtype=np.int64)
    for i in range(1, len(pair)):
        if pair[i] == pair[i - 1]:
            before[i] = before[i - 1] + cap[i - 1]
            rank[i] = rank[i - 1] + 1
    if buy:
        lin, quad = s / g - 1.0, s / g
    else:
        lin, quad = 1.0 - s * g, s * g**2
    return Segments(pair, s, a, cap, before, g, rank, lin, quad)


def _check_names(venues: Sequence[Venue]) -> None:
    kinds: dict[str, type] = {}
    seen: set[tuple[str, str]] = set()
    for v in venues:
        if not isinstance(v, (CEXVenue, DEXPool)):
            raise ConfigError(
                f"VenueCost: venues must be CEXVenue or DEXPool; got {v!r}."
            )
        key = (v.name, v.asset if isinstance(v, DEXPool) else "*")
        if (
            key in seen
            or kinds.get(v.name, type(v)) is not type(v)
            or (isinstance(v, CEXVenue) and v.name in kinds)
        ):
            raise ConfigError(
                f"VenueCost: venue {v.name!r} is given twice; venue "
                "names must be unique (one DEXPool per asset and name)."
            )
        seen.add(key)
        kinds[v.name] = type(v)


def _cex_inputs(
    venue: CEXVenue, snapshot: MarketSnapshot, i: int
) -> tuple[float, float, float]:
    """Return ``(lin, k, cap)`` of asset ``i`` on a CEX venue."""
    asset = snapshot.assets[i]
    lin = venue.fee_bps / 1e4 + value_for(venue.half_spread_bps, asset, 0.0) / 1e4
    share = value_for(venue.adv_share, asset, 1.0)
    adv = np.nan if snapshot.adv is None else float(snapshot.adv[i])
    vol = np.nan if snapshot.volatility is None else float(snapshot.volatility[i])
    if not (np.isfinite(adv) and adv > 0 and np.isfinite(vol) and vol >= 0):
        raise DataError(
            f"VenueCost: CEX venue {venue.name!r} prices impact from the ADV and the "
            f"volatility of {asset}, which are missing or not positive (ADV {adv:.6g}, "
            f"volatility {vol:.6g}). Pass adv= and volatility= (or returns) to solve()."
        )
    e = 1.5 if venue.impact == "power" else 2.0
    k = (
        value_for(venue.impact_coef, asset, 1.0)
        * vol
        * (snapshot.nav / (share * adv)) ** (e - 1)
    )
    cap = np.inf
    if venue.participation is not None:
        cap = venue.participation * share * adv / snapshot.nav
    if venue.depth is not None:
        cap = min(cap, value_for(venue.depth, asset, np.inf) / snapshot.nav)
    return lin, k, cap


def _check_tickers(venue: Venue, names: set[str]) -> None:
    listed: list[str] = []
    if isinstance(venue, DEXPool):
        listed = [venue.asset]
    else:
        listed = list(venue.assets or ())
        for f in ("half_spread_bps", "impact_coef", "adv_share", "depth"):
            value = getattr(venue, f)
            if isinstance(value, dict):
                listed += list(value)
    unknown = sorted(set(listed) - names)
    if unknown:
        raise DataError(
            f"VenueCost: venue {venue.name!r} names assets outside the universe: "
            f"{format_items(unknown)}. Remove them from the venue or add them to "
            "the returns."
        )


def build_book(venues: Sequence[Venue], snapshot: MarketSnapshot) -> VenueBook:
    """Normalize ``venues`` for the snapshot's universe and NAV.

    Raises
    ------
    ConfigError
        Duplicate venue names.
    DataError
        A venue names an asset outside the universe; a tradable asset has no
        venue; a CEX venue lacks the ADV or volatility of an asset.
    """
    _check_names(venues)
    names = [str(a) for a in snapshot.assets]
    index = {a: i for i, a in enumerate(names)}
    pair_asset, pair_venue, is_dex, gas = [], [], [], []
    cex, cex_rows, buy_rows, sell_rows = [], [], [], []
    venue_names = list(dict.fromkeys(v.name for v in venues))
    for venue in venues:
        _check_tickers(venue, set(names))
        listed = (
            [venue.asset]
            if isinstance(venue, DEXPool)
            else [a for a in names if venue.lists(a)]
        )
        for asset in listed:
            p = len(pair_asset)
            i = index[asset]
            pair_asset.append(i)
            pair_venue.append(venue_names.index(venue.name))
            is_dex.append(isinstance(venue, DEXPool))
            if isinstance(venue, CEXVenue):
                gas.append(0.0)
                cex.append(p)
                cex_rows.append(
                    (
                        *_cex_inputs(venue, snapshot, i),
                        1.5 if venue.impact == "power" else 2.0,
                        venue.fee_bps / 1e4,
                    )
                )
                continue
            gas.append(venue.gas / snapshot.nav)
            buys, sells = pool_segments(venue, snapshot.nav)
            g = 1.0 - venue.fee
            buy_rows += [(p, s, a, c, g) for s, a, c in buys]
            sell_rows += [(p, s, a, c, g) for s, a, c in sells]
    covered = np.zeros(len(names), dtype=bool)
    covered[pair_asset] = True
    orphan = tradable(snapshot) & ~covered
    if orphan.any():
        raise DataError(
            f"VenueCost: {int(orphan.sum())} tradable assets trade on no venue: "
            f"{format_items(snapshot.assets[orphan])}. List them on a venue, or "
            "leave them out of the universe and the holdings."
        )
    c = np.array(cex_rows, dtype=float).reshape(-1, 5)
    return VenueBook(
        assets=tuple(names),
        venue_names=tuple(venue_names),
        venue_is_dex=tuple(
            any(isinstance(v, DEXPool) and v.name == name for v in venues)
            for name in venue_names
        ),
        pair_asset=np.array(pair_asset, dtype=np.int64),
        pair_venue=np.array(pair_venue, dtype=np.int64),
        is_dex=np.array(is_dex, dtype=bool),
        gas=np.array(gas, dtype=float),
        cex=np.array(cex, dtype=np.int64),
        cex_lin=c[:, 0],
        cex_fee=c[:, 4],
        cex_k=c[:, 1],
        cex_cap=c[:, 2],
        cex_e=c[:, 3],
        buy=_segments(buy_rows, True),
        sell=_segments(sell_rows, False),
    )
