"""Known answers: pool costs equal hand-written swap arithmetic, range by range."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from replicator.data._snapshot import MarketSnapshot
from replicator.venues import DEXPool, LiquidityRange, build_book, pair_costs

NAV = 1e6


def v2_buy_cost(x: float, y: float, fee: float, base_out: float) -> float:
    """Uniswap v2 getAmountIn (fee on the input), cost against mid, currency."""
    amount_in = y * base_out * 1000 / ((x - base_out) * (1000 - 1000 * fee))
    return amount_in - base_out * y / x


def v2_sell_cost(x: float, y: float, fee: float, base_in: float) -> float:
    """Uniswap v2 getAmountOut, cost against mid, currency."""
    with_fee = base_in * (1000 - 1000 * fee)
    amount_out = with_fee * y / (x * 1000 + with_fee)
    return base_in * y / x - amount_out


def v3_swap_cost(price, positions, fee, notional, buy):
    """A tick-walking v3 swap: the asset worth ``notional`` at mid, fee on the input.

    ``positions`` are (lower, upper, L) in absolute prices; the walk crosses
    every boundary where the active liquidity changes.
    """
    bounds = sorted({b for lo, hi, _ in positions for b in (lo, hi)} | {price})

    def active(a, b):
        return sum(L for lo, hi, L in positions if lo <= a and b <= hi)

    if buy:
        want = notional / price  # asset out
        paid = 0.0
        for a, b in itertools.pairwise(bounds):
            if a < price or want <= 0:
                continue
            L = active(a, b)
            if L == 0:
                continue
            room = L * (1 / math.sqrt(a) - 1 / math.sqrt(b))
            take = min(want, room)
            new = 1 / (1 / math.sqrt(a) - take / L)
            paid += L * (new - math.sqrt(a)) / (1 - fee)
            want -= take
        assert want <= 1e-12 * notional, "beyond the pool's liquidity"
        return paid - notional
    give = notional / price * (1 - fee)  # asset in, after the fee
    received = 0.0
    for a, b in reversed(list(itertools.pairwise(bounds))):
        if b > price or give <= 0:
            continue
        L = active(a, b)
        if L == 0:
            continue
        room = L * (1 / math.sqrt(a) - 1 / math.sqrt(b))
        take = min(give, room)
        new = 1 / (1 / math.sqrt(b) + take / L)
        received += L * (math.sqrt(b) - new)
        give -= take
    assert give <= 1e-12 * notional, "beyond the pool's liquidity"
    return notional - received


def cost_of(pool, trade_currency, snapshot_factory):
    book = build_book([pool], snapshot_factory(assets=(pool.asset,), nav=NAV))
    return pair_costs(book, np.array([trade_currency / NAV]))[0] * NAV


@pytest.mark.parametrize("notional", [1e3, 2e4, 2e5, 1.5e6])
def test_constant_product_equals_v2_swap_arithmetic(notional, make_snapshot):
    x, y, fee = 1000.0, 2e6, 0.003  # 1,000 ETH against $2M
    pool = DEXPool("uni", "ETH", reserves=y, fee=fee)
    buy = v2_buy_cost(x, y, fee, notional / (y / x))
    sell = v2_sell_cost(x, y, fee, notional / (y / x))
    assert cost_of(pool, notional, make_snapshot) == pytest.approx(buy, rel=1e-12)
    assert cost_of(pool, -notional, make_snapshot) == pytest.approx(sell, rel=1e-12)


def test_research_note_table(make_snapshot):
    """crypto-markets.md section 2.3: R = $2M, f = 0.3 %."""
    pool = DEXPool("uni", "ETH", reserves=2e6, fee=0.003)
    assert cost_of(pool, 2e4, make_snapshot) == pytest.approx(262.81, abs=0.005)
    assert cost_of(pool, -2e4, make_snapshot) == pytest.approx(256.84, abs=0.005)
    assert cost_of(pool, 2e5, make_snapshot) == pytest.approx(22890.89, abs=0.005)
    assert cost_of(pool, -2e5, make_snapshot) == pytest.approx(18677.82, abs=0.005)


POSITIONS = [(1800.0, 2200.0, 3e4), (1950.0, 2040.0, 1.2e5), (2100.0, 2600.0, 5e4)]


@pytest.mark.parametrize("notional", [1e3, 5e4, 1.2e5])  # 1.2e5 crosses 2-3 ranges
@pytest.mark.parametrize("buy", [True, False])
def test_concentrated_liquidity_equals_range_by_range_swap(
    notional, buy, make_snapshot
):
    price, fee = 2000.0, 0.0005
    ranges = tuple(LiquidityRange(lo, hi, L) for lo, hi, L in POSITIONS)
    pool = DEXPool("uni3", "ETH", price=price, ranges=ranges, fee=fee)
    hand = v3_swap_cost(price, POSITIONS, fee, notional, buy)
    ours = cost_of(pool, notional if buy else -notional, make_snapshot)
    # the hand walk computes the cost as (input - notional): cancellation
    assert ours == pytest.approx(hand, rel=1e-9, abs=1e-13 * notional)


def test_full_range_reserves_add_to_ranges(make_snapshot):
    price, R = 2000.0, 4e6
    L_full = R / math.sqrt(price)
    positions = [*POSITIONS, (1e-9, 1e12, L_full)]
    ranges = tuple(LiquidityRange(lo, hi, L) for lo, hi, L in POSITIONS)
    pool = DEXPool("uni3", "ETH", reserves=R, price=price, ranges=ranges, fee=0.003)
    for notional in (1e4, 8e5, 3e6):
        for buy in (True, False):
            hand = v3_swap_cost(price, positions, 0.003, notional, buy)
            ours = cost_of(pool, notional if buy else -notional, make_snapshot)
            assert ours == pytest.approx(hand, rel=1e-9, abs=1e-13 * notional)


def test_buy_beyond_the_liquidity_is_infinite(make_snapshot):
    pool = DEXPool("uni", "ETH", reserves=2e6)
    assert cost_of(pool, 2e6, make_snapshot) == np.inf
    ranges = (LiquidityRange(1900.0, 2100.0, 1e4),)
    narrow = DEXPool("uni3", "ETH", price=2000.0, ranges=ranges)
    room = 1e4 * (1 / math.sqrt(2000) - 1 / math.sqrt(2100)) * 2000
    assert np.isfinite(cost_of(narrow, 0.999 * room, make_snapshot))
    assert cost_of(narrow, 1.001 * room, make_snapshot) == np.inf


def test_impact_cap_is_the_capacity(make_snapshot):
    """50 bp: the pool price after one trade stays within 0.5 % of the mid."""
    R = 2e6
    pool = DEXPool("uni", "ETH", reserves=R, max_impact_bps=50)
    book = build_book([pool], make_snapshot(assets=("ETH",), nav=NAV))
    buy_cap = book.capacity(1)[0] * NAV
    sell_cap = book.capacity(-1)[0] * NAV
    # x y = k: buying q at mid from quote reserve R moves the price by (R/(R-q))^2
    assert (R / (R - buy_cap)) ** 2 == pytest.approx(1.005, rel=1e-12)
    x = 1000.0  # sells: the net asset input moves the price to (x/(x + d))^2
    net = sell_cap / (R / x) * 0.997
    assert (x / (x + net)) ** 2 == pytest.approx(0.995, rel=1e-12)
    assert cost_of(pool, 1.001 * buy_cap, make_snapshot) == np.inf
    assert cost_of(pool, -1.001 * sell_cap, make_snapshot) == np.inf
    assert np.isfinite(cost_of(pool, 0.999 * buy_cap, make_snapshot))


@settings(max_examples=60, deadline=None)
@given(
    st.floats(-0.3, 0.3),  # within the buy capacity (about 0.8 of NAV)
    st.floats(-0.3, 0.3),
    st.floats(0, 1),
)
def test_pool_cost_is_convex(a, b, theta):
    snap = MarketSnapshot(
        assets=pd.Index(["ETH"]),
        benchmark=np.ones(1),
        holdings=np.zeros(1),
        investable=np.ones(1, bool),
        nav=NAV,
    )
    ranges = tuple(LiquidityRange(lo, hi, L) for lo, hi, L in POSITIONS)
    pool = DEXPool("u", "ETH", reserves=5e5, price=2000.0, ranges=ranges, fee=0.003)
    book = build_book([pool], snap)

    def c(x):
        return pair_costs(book, np.array([x]))[0]

    mid = c(theta * a + (1 - theta) * b)
    assert mid <= theta * c(a) + (1 - theta) * c(b) + 1e-15
