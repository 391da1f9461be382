r"""Gas: the fixed cost of a swap, handled by a convex solve, a decision, a re-solve.

A fixed cost per swap is not convex, so the optimizer cannot carry it exactly.
:func:`solve_with_gas` is the honest three-step method:

1. **Convex solve, gas amortized.** The cvxpy form charges gas ``G`` of a pool
   as :math:`G\,|x| / \bar x` per unit traded, :math:`\bar x` the pool's
   capacity on that side capped at the NAV (``min(capacity, 1)``). On
   :math:`|x| \le \bar x` this is the convex envelope of the fixed charge
   :math:`G\,\mathbf 1[x \ne 0]`, so the solve's optimum :math:`F_1` is a
   **lower bound** of the true optimum :math:`F^*` (valid when no venue trade
   exceeds the NAV, e.g. any long-only fully invested portfolio).
2. **On/off decision.** At the stage-1 asset trades every subset of each
   asset's gas-paying pools is priced at its exact optimal split plus its gas;
   the cheapest subset is kept. Each kept pool ``p`` has a **break-even size**
   :math:`T_p`: the asset trade at which routing through it saves exactly its
   gas, :math:`C_{S \setminus p}(T_p) - C_S(T_p) = G_p` (the saving is
   non-decreasing in the trade, so :math:`T_p` is found by bisection).
3. **Re-solve** on the kept venues with gas left out of the objective (a
   constant once the pools are chosen) and each asset's trade held at or
   beyond its largest break-even size, in the stage-1 direction. The stage-1
   trades are feasible for it, and no pool is ever used below its break-even.

Optimality gap: the result's objective :math:`F_h` (priced exactly, gas
included) satisfies :math:`0 \le F_h - F^* \le F_h - F_1`, reported as
``gap_bound``. It is small when gas is small against the trades' cost, or
when the pools' trades are near their capacity; it is loose for pools whose
trades are far below the reference size. For a few gas pools,
:func:`~replicator.venues.solve_exact_gas` enumerates the on/off choices and
is exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from replicator.exceptions import ConfigError
from replicator.typing import BoolArray, FloatArray
from replicator.venues._book import VenueBook
from replicator.venues._models import DEXPool
from replicator.venues._split import exact_costs, optimal_split, pair_costs
from replicator.venues._term import VenueCost

__all__ = ["GasSolution", "break_even", "solve_with_gas"]


@dataclass(frozen=True)
class GasSolution:
    """Outcome of :func:`solve_with_gas`.

    Attributes
    ----------
    result : replicator.ReplicationResult
        The re-solve (stage 3), priced exactly with gas.
    relaxed : replicator.ReplicationResult
        The convex solve with amortized gas (stage 1).
    term : VenueCost
        The re-solve's venue term (kept pools, break-even minimum trades).
    pools : DataFrame
        One row per gas-paying pool: ``asset``, ``venue``, ``on`` and
        ``break_even`` (asset trade, fraction of NAV; NaN when off).
    lower_bound : float
        :math:`F_1`, a lower bound of the optimal objective.
    gap_bound : float
        ``result.objective - lower_bound`` (an upper bound of the gap).
    """

    result: Any  # ReplicationResult (not imported: venues sit below the engine)
    relaxed: Any
    term: VenueCost
    pools: pd.DataFrame
    lower_bound: float
    gap_bound: float


def _split_cost(book: VenueBook, trades: FloatArray, active: BoolArray) -> FloatArray:
    """Convex cost (no gas) of each asset's trade at its optimal split."""
    x, feasible = optimal_split(book, trades, active)
    per = np.bincount(
        book.pair_asset, weights=pair_costs(book, x), minlength=len(trades)
    )
    return np.where(feasible, per, np.inf)


def break_even(book: VenueBook, trades: FloatArray, on: BoolArray) -> FloatArray:
    """Break-even asset trade of each kept gas pool (per pair; NaN elsewhere).

    Parameters
    ----------
    book : VenueBook
        The venues.
    trades : ndarray of shape (n_assets,)
        The trades at which the pools were chosen (they bracket the root).
    on : ndarray of bool, shape (n_pairs,)
        Pairs in use: every gas-free pair and the kept gas pools.

    Returns
    -------
    ndarray of shape (n_pairs,)
        ``|T_p|`` for kept gas pools: the smallest asset trade in the
        direction of ``trades`` at which the pool saves its gas.
    """
    t = np.asarray(trades, dtype=float)
    out = np.full(book.n_pairs, np.nan)
    pending = on & (book.gas > 0)
    while pending.any():
        # one kept pool per asset at a time, all assets together
        first = np.zeros(book.n_pairs, dtype=bool)
        seen: set[int] = set()
        for p in np.flatnonzero(pending):
            if book.pair_asset[p] not in seen:
                seen.add(int(book.pair_asset[p]))
                first[p] = True
        pending &= ~first
        assets = book.pair_asset[first]
        lo, hi = np.zeros(len(t)), np.abs(t)
        gas = np.zeros(len(t))
        gas[assets] = book.gas[first]
        for _ in range(40):  # |T_p| to 1e-12 of the trade
            mid = 0.5 * (lo + hi)
            size = np.sign(t) * mid
            saving = _split_cost(book, size, on & ~first) - _split_cost(book, size, on)
            enough = saving >= gas
            hi, lo = np.where(enough, mid, hi), np.where(enough, lo, mid)
        out[first] = hi[assets]
    return out


def _replace(model: Any, term: VenueCost, new: VenueCost) -> Any:
    clone = model.clone()
    index = [i for i, c in enumerate(model.costs) if c is term]
    clone.costs[index[0]] = new
    return clone


def solve_with_gas(model: Any, term: VenueCost, **inputs: Any) -> GasSolution:
    """Solve with gas: amortized convex solve, pool on/off decision, re-solve.

    Parameters
    ----------
    model : replicator.Replicator
        A model whose costs include ``term`` (with ``gas_mode="amortize"``).
    term : VenueCost
        The venue term.
    **inputs
        The keyword arguments of :meth:`Replicator.solve`.

    Returns
    -------
    GasSolution
        See the module docstring for the method and its optimality gap.
    """
    if not any(c is term for c in model.costs) or term.gas_mode != "amortize":
        raise ConfigError(
            "solve_with_gas: the model's costs must include the VenueCost term, "
            "with gas_mode='amortize'."
        )
    relaxed = model.solve(**inputs)
    snapshot = term.last_snapshot
    book = term.book(snapshot)
    t1 = relaxed.trades.to_numpy()
    x, _ = exact_costs(book, t1)
    gas_pair = book.gas > 0
    on = ~gas_pair | (x != 0)
    sizes = break_even(book, t1, on)
    minimum = np.zeros(len(t1))
    for p in np.flatnonzero(on & gas_pair):
        i = book.pair_asset[p]
        minimum[i] = np.sign(t1[i]) * max(abs(minimum[i]), sizes[p])
    keep = []
    for venue in term.venues:
        if isinstance(venue, DEXPool) and venue.gas > 0:
            p = np.flatnonzero(
                (book.pair_asset == book.assets.index(venue.asset))
                & (book.pair_venue == book.venue_names.index(venue.name))
            )[0]
            if not on[p]:
                continue
        keep.append(venue)
    forced = pd.Series(minimum, index=list(book.assets))
    forced = forced[forced != 0]
    new = VenueCost(keep, gas_mode="fixed", min_trade=forced if len(forced) else None)
    result = _replace(model, term, new).solve(**inputs)
    # F_1: the relaxed objective at the stage-1 point (surrogate gas, not exact)
    rate_buy, rate_sell = term.gas_rates(book)
    rate = np.where(t1[book.pair_asset] > 0, rate_buy, rate_sell)
    xs, _ = optimal_split(book, t1, rate=rate)
    per_rate = rate * np.abs(xs)
    surrogate = float(pair_costs(book, xs).sum() + per_rate.sum())
    weight = 1.0 / (model.risk_aversion * model.horizon)
    lower = relaxed.objective + weight * (surrogate - term.evaluate(t1, snapshot))
    rows = [
        {
            "asset": book.assets[book.pair_asset[p]],
            "venue": book.venue_names[book.pair_venue[p]],
            "on": bool(on[p]),
            "break_even": sizes[p],
        }
        for p in np.flatnonzero(gas_pair)
    ]
    return GasSolution(
        result=result,
        relaxed=relaxed,
        term=new,
        pools=pd.DataFrame(rows, columns=["asset", "venue", "on", "break_even"]),
        lower_bound=float(lower),
        gap_bound=float(result.objective - lower),
    )
