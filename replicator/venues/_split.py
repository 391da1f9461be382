r"""The optimal split of each asset's trade across its venues, and its exact cost.

For an asset trade ``t`` the split solves

.. math::

    \min_{x_v} \sum_v c_v(x_v) \quad \text{s.t.} \quad \sum_v x_v = t,\;
    x_v \in \mathrm{dom}\, c_v

a separable convex problem. Its optimality condition equalizes the marginal
costs: every venue trades ``x_v(mu) = argmin c_v(x) - mu x``, which is
non-decreasing and continuous in ``mu`` (in closed form for every curve of
:mod:`replicator.venues._book`), and ``mu`` is the root of
``sum_v x_v(mu) = t``, found by bisection for all assets at once. The last
step interpolates between the two ends of the final bracket, so the venue
trades add up to ``t`` exactly (this also splits the remainder among venues
whose response jumps, e.g. a flat-fee venue without impact).
"""

from __future__ import annotations

import numpy as np

from replicator.exceptions import ConfigError
from replicator.typing import BoolArray, FloatArray
from replicator.venues._book import Segments, VenueBook

__all__ = ["exact_costs", "form_cost", "optimal_split", "pair_costs"]

_ITERATIONS = 200
_MAX_GAS_VENUES = 6


def _segment_response(seg: Segments, mu: FloatArray, buy: bool) -> FloatArray:
    """Mid notional each segment takes at marginal cost ``mu`` (per segment)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if buy:
            q = seg.a * (1.0 - np.sqrt(seg.start / (seg.gamma * (1.0 + mu))))
        else:
            ratio = seg.start * seg.gamma / np.maximum(1.0 - mu, 0.0)
            q = np.where(mu >= 1.0, np.inf, seg.a * (np.sqrt(ratio) - 1.0) / seg.gamma)
    return np.clip(np.nan_to_num(q, nan=0.0), 0.0, seg.cap)


def response(
    book: VenueBook, mu: FloatArray, buy: bool, rate: FloatArray, active: BoolArray
) -> FloatArray:
    """Trade size ``|x_v|`` of each pair at marginal cost ``mu`` (per pair).

    ``rate`` is an extra linear cost per unit traded (amortized gas) and
    ``active`` switches pairs off.
    """
    out = np.zeros(book.n_pairs)
    d = mu[book.cex] - book.cex_lin - rate[book.cex]
    k, e = book.cex_k, book.cex_e
    with np.errstate(divide="ignore", invalid="ignore"):
        u = np.where(k > 0, (np.maximum(d, 0.0) / (e * k)) ** (1.0 / (e - 1.0)), np.inf)
    out[book.cex] = np.where(d > 0, np.minimum(u, book.cex_cap), 0.0)
    seg = book.buy if buy else book.sell
    if len(seg.pair):
        q = _segment_response(seg, mu[seg.pair] - rate[seg.pair], buy)
        np.add.at(out, seg.pair, q)
    return np.where(active, out, 0.0)


def optimal_split(
    book: VenueBook,
    trades: FloatArray,
    active: BoolArray | None = None,
    rate: FloatArray | None = None,
) -> tuple[FloatArray, BoolArray]:
    """Return the venue trades (per pair, signed) and the feasible assets.

    Parameters
    ----------
    book : VenueBook
        The pairs' cost curves.
    trades : ndarray of shape (n_assets,)
        Asset trades, fractions of NAV.
    active : ndarray of bool, shape (n_pairs,), optional
        Pairs that may trade (default: all).
    rate : ndarray of shape (n_pairs,), optional
        Extra linear cost per unit traded on each pair (default: 0).

    Returns
    -------
    x : ndarray of shape (n_pairs,)
        Venue trades; they add up to each feasible asset's trade.
    feasible : ndarray of bool, shape (n_assets,)
        False where the trade exceeds the venues' joint capacity (``x`` is
        then the capacity, and the cost is infinite).
    """
    t = np.asarray(trades, dtype=float)
    n = len(t)
    active = np.ones(book.n_pairs, bool) if active is None else np.asarray(active, bool)
    rate = np.zeros(book.n_pairs) if rate is None else np.asarray(rate, float)
    x = np.zeros(book.n_pairs)
    feasible = np.ones(n, dtype=bool)
    for buy in (True, False):
        target = np.where(t > 0, t, 0.0) if buy else np.where(t < 0, -t, 0.0)
        if not target.any():
            continue
        mine = active & (target[book.pair_asset] > 0)

        def total(mu: FloatArray, mine: BoolArray = mine, buy: bool = buy) -> tuple:
            u = response(book, mu[book.pair_asset], buy, rate, mine)
            return u, np.bincount(book.pair_asset, weights=u, minlength=n)

        lo, hi = np.zeros(n), np.full(n, 1e-3)
        for _ in range(60):  # bracket the root
            _, s = total(hi)
            short = (s < target) & (hi < 1e12)
            if not short.any():
                break
            hi = np.where(short, hi * 4.0, hi)
        u_hi, s_hi = total(hi)
        feasible &= ~(s_hi < target * (1 - 1e-12))
        for _ in range(_ITERATIONS):
            mid = 0.5 * (lo + hi)
            _, s = total(mid)
            below = s < target
            lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
            if np.all(hi - lo <= 1e-16 * (1.0 + hi)):
                break
        u_lo, s_lo = total(lo)
        u_hi, s_hi = total(hi)
        gap = s_hi - s_lo
        with np.errstate(divide="ignore", invalid="ignore"):
            theta = np.where(gap > 0, (target - s_lo) / gap, 0.0)
        theta = np.clip(np.nan_to_num(theta), 0.0, 1.0)[book.pair_asset]
        u = u_lo + theta * (u_hi - u_lo)
        u = np.where(np.isfinite(u), u, 0.0)
        x += (1.0 if buy else -1.0) * np.where(mine, u, 0.0)
    return x, feasible


def _segment_cost(seg: Segments, u: FloatArray, buy: bool) -> FloatArray:
    """Cost of each segment when its pair trades ``u`` (per pair) on its side."""
    q = np.clip(u[seg.pair] - seg.before, 0.0, seg.cap)
    with np.errstate(divide="ignore", invalid="ignore"):
        denom = seg.a - q if buy else seg.a + seg.gamma * q
        quad = np.where(q > 0, seg.quad * q**2 / denom, 0.0)
    quad = np.where(quad < 0, np.inf, quad)
    return seg.lin * q + np.nan_to_num(quad, nan=np.inf, posinf=np.inf)


def pair_costs(book: VenueBook, x: FloatArray) -> FloatArray:
    """Exact convex cost of each pair's trade ``x`` (no gas); inf beyond capacity."""
    x = np.asarray(x, dtype=float)
    out = np.zeros(book.n_pairs)
    u = np.abs(x[book.cex])
    cost = book.cex_lin * u + book.cex_k * u**book.cex_e
    out[book.cex] = np.where(u > book.cex_cap * (1 + 1e-12), np.inf, cost)
    for buy, seg in ((True, book.buy), (False, book.sell)):
        if not len(seg.pair):
            continue
        u = np.where(x > 0, x, 0.0) if buy else np.where(x < 0, -x, 0.0)
        np.add.at(out, seg.pair, _segment_cost(seg, u, buy))
        full = np.bincount(seg.pair, weights=seg.cap, minlength=book.n_pairs)
        over = book.is_dex & (u > full * (1 + 1e-12))
        out[over] = np.inf
    return out


def exact_costs(
    book: VenueBook, trades: FloatArray, allowed: BoolArray | None = None
) -> tuple[FloatArray, FloatArray]:
    """Venue trades and costs (gas included) at the exact optimal split.

    Gas is a fixed cost per swap, so the best split may leave a pool unused:
    for each asset every subset of its gas-paying pools is tried (at most
    ``2**6``), each with its optimal convex split, and the cheapest kept.

    Returns
    -------
    x : ndarray of shape (n_pairs,)
        Venue trades.
    cost : ndarray of shape (n_pairs,)
        Cost of each pair, gas included (inf for an infeasible trade).
    """
    t = np.asarray(trades, dtype=float)
    allowed = (
        np.ones(book.n_pairs, bool) if allowed is None else np.asarray(allowed, bool)
    )
    gas_pair = allowed & (book.gas > 0)
    rank = np.zeros(book.n_pairs, dtype=np.int64)
    counts = np.zeros(len(t), dtype=np.int64)
    for p in np.flatnonzero(gas_pair):
        rank[p] = counts[book.pair_asset[p]]
        counts[book.pair_asset[p]] += 1
    most = int(counts.max()) if len(counts) else 0
    if most > _MAX_GAS_VENUES:
        raise ConfigError(
            f"VenueCost: an asset has {most} pools with gas; at most "
            f"{_MAX_GAS_VENUES} are supported."
        )
    best_total = np.full(len(t), np.inf)
    best_x = np.zeros(book.n_pairs)
    best_cost = np.full(book.n_pairs, np.inf)
    for mask in range(2**most):
        on = allowed & (~gas_pair | (((mask >> rank) & 1) == 1))
        x, feasible = optimal_split(book, t, on)
        cost = pair_costs(book, x) + np.where(x != 0, book.gas, 0.0)
        per_asset = np.bincount(book.pair_asset, weights=cost, minlength=len(t))
        per_asset = np.where(feasible, per_asset, np.inf)
        per_asset = np.where(t == 0, 0.0, per_asset)
        better = per_asset < best_total
        pick = better[book.pair_asset]
        best_total = np.where(better, per_asset, best_total)
        best_x = np.where(pick, x, best_x)
        best_cost = np.where(pick, cost, best_cost)
    infeasible = ~np.isfinite(best_total)
    best_cost[infeasible[book.pair_asset]] = np.inf
    return best_x, best_cost


def form_cost(
    book: VenueBook,
    trades: FloatArray,
    rates: tuple[FloatArray, FloatArray] | None = None,
) -> float:
    """Cost of ``trades`` as the convex forms charge it: gas as linear rates.

    ``rates`` are the amortized gas per unit traded of each pair, buy and sell
    side (None: gas left out). Each side is split optimally with its rate.
    """
    t = np.asarray(trades, dtype=float)
    total = 0.0
    for side, sign in ((0, 1.0), (1, -1.0)):
        part = np.where(sign * t > 0, t, 0.0)
        if not part.any():
            continue
        rate = None if rates is None else rates[side]
        x, _ = optimal_split(book, part, rate=rate)
        extra = 0.0 if rate is None else float(rate @ np.abs(x))
        total += float(pair_costs(book, x).sum()) + extra
    return total
