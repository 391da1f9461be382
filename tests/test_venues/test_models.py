"""Venue models: fee tiers, validation, and errors that name the venue and field."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import replicator as rp
from replicator.exceptions import ConfigError, DataError
from replicator.venues import CEXVenue, DEXPool, LiquidityRange, build_book


@pytest.mark.parametrize(
    ("volume", "tier", "taker"),
    [(0, None, 10), (5e7, None, 8), (1e8, None, 4), (3e9, None, 4), (2e8, "vip1", 8)],
)
def test_tier_from_volume_or_name(volume, tier, taker, tiers):
    venue = CEXVenue("x", tiers, volume_30d=volume, tier=tier)
    assert venue.fee_bps == taker


def test_maker_fee_and_tier_by_name(tiers):
    assert CEXVenue("x", tiers, tier="vip2", liquidity="maker").fee_bps == 0
    assert CEXVenue("x", tiers, tier="vip1").fee_bps == 8


def test_tier_not_reached_by_the_stated_volume(tiers):
    with pytest.raises(
        ConfigError, match=r"CEXVenue 'kraken': 'tier' 'vip2'.*volume_30d"
    ):
        CEXVenue("kraken", tiers, volume_30d=5e6, tier="vip2")
    high = (rp.venues.FeeTier("t1", 1e6, 1, 2),)
    with pytest.raises(ConfigError, match=r"CEXVenue 'kraken': no fee tier is reached"):
        CEXVenue("kraken", high, volume_30d=10.0)
    with pytest.raises(ConfigError, match=r"'tier' 'gold' is not in fee_tiers"):
        CEXVenue("kraken", tiers, tier="gold")
    with pytest.raises(ConfigError, match="give 'volume_30d'"):
        CEXVenue("kraken", tiers)


def test_frozen(cex):
    venue = cex()
    with pytest.raises(dataclasses.FrozenInstanceError):
        venue.fee_bps = 0.0  # type: ignore[misc]


@pytest.mark.parametrize("reserves", [0.0, -5e6, float("nan"), float("inf")])
def test_bad_reserves_name_the_pool_and_field(reserves):
    with pytest.raises(ConfigError, match=r"DEXPool 'uniswap' \(UNI\): 'reserves'"):
        DEXPool("uniswap", "UNI", reserves=reserves)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"fee": 1.0}, "fee"),
        ({"fee": -0.1}, "fee"),
        ({"gas": -1.0}, "gas"),
        ({"max_impact_bps": 0.0}, "max_impact_bps"),
        ({"price": 0.0}, "price"),
    ],
)
def test_bad_pool_fields(kwargs, field):
    with pytest.raises(ConfigError, match=f"DEXPool 'uniswap' \\(UNI\\): '{field}'"):
        DEXPool("uniswap", "UNI", reserves=1e6, **kwargs)


def test_ranges_need_a_price_and_valid_bounds():
    band = (LiquidityRange(9.0, 11.0, 1e5),)
    with pytest.raises(ConfigError, match="'price'"):
        DEXPool("uniswap", "UNI", ranges=band)
    with pytest.raises(ConfigError, match="'upper'"):
        LiquidityRange(11.0, 9.0, 1e5)
    with pytest.raises(ConfigError, match="'liquidity'"):
        LiquidityRange(9.0, 11.0, 0.0)
    with pytest.raises(ConfigError, match="give 'reserves'"):
        DEXPool("uniswap", "UNI")


def test_bad_cex_fields(cex):
    with pytest.raises(
        ConfigError, match=r"CEXVenue 'binance': 'half_spread_bps\[BTC\]'"
    ):
        cex(half_spread_bps={"BTC": -1.0})
    with pytest.raises(ConfigError, match=r"'adv_share' must be in \(0, 1\]"):
        cex(adv_share=1.5)
    with pytest.raises(ConfigError, match="'impact' must be one of"):
        cex(impact="linear")
    with pytest.raises(ConfigError, match="'participation'"):
        cex(participation=0.0)


def test_venue_for_an_asset_outside_the_universe(cex, make_snapshot):
    snap = make_snapshot()
    pool = DEXPool("uniswap", "DOGE", reserves=1e6)
    with pytest.raises(
        DataError, match=r"venue 'uniswap' names assets outside.*'DOGE'"
    ):
        build_book([cex(), pool], snap)
    listed = cex("okx", assets=("BTC", "SOL"))
    with pytest.raises(DataError, match=r"venue 'okx' names assets outside.*'SOL'"):
        build_book([cex(), listed], snap)
    spread = cex("okx", half_spread_bps={"XRP": 2.0})
    with pytest.raises(DataError, match=r"venue 'okx'.*'XRP'"):
        build_book([spread], snap)


def test_an_asset_without_venue_is_named(cex, make_snapshot):
    snap = make_snapshot()
    with pytest.raises(DataError, match=r"trade on no venue: 'UNI'"):
        build_book([cex(assets=("BTC", "ETH"))], snap)


def test_duplicate_venue_names(cex, make_snapshot):
    with pytest.raises(ConfigError, match="'binance' is given twice"):
        build_book([cex(), cex()], make_snapshot())
    pool = DEXPool("binance", "UNI", reserves=1e6)
    with pytest.raises(ConfigError, match="'binance' is given twice"):
        build_book([cex(), pool], make_snapshot())


def test_cex_impact_needs_adv_and_volatility(cex, make_snapshot):
    snap = dataclasses.replace(make_snapshot(), adv=None)
    with pytest.raises(DataError, match="CEX venue 'binance' prices impact"):
        build_book([cex()], snap)


def test_book_normalizes_by_nav(cex, make_snapshot):
    snap = make_snapshot()
    venue = cex(half_spread_bps={"BTC": 1.0}, participation=0.1, adv_share=0.5)
    book = build_book([venue], snap)
    assert book.cex_lin.tolist() == pytest.approx([11e-4, 10e-4, 10e-4])
    assert book.cex_cap == pytest.approx(0.1 * 0.5 * snap.adv / snap.nav)
    k = 1.0 * snap.volatility * np.sqrt(snap.nav / (0.5 * snap.adv))
    assert book.cex_k == pytest.approx(k)
