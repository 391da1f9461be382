"""The chosen split of a result across venues, and its cost by venue and by type."""

from __future__ import annotations

from typing import Any

import pandas as pd

from replicator.data._snapshot import MarketSnapshot
from replicator.exceptions import DataError
from replicator.typing import FloatArray
from replicator.venues._book import VenueBook
from replicator.venues._tables import by_type, pair_frame
from replicator.venues._term import VenueCost

__all__ = ["cost_by_type", "cost_by_venue", "venue_costs", "venue_trades"]


def _inputs(
    result: Any, term: VenueCost, snapshot: MarketSnapshot | None
) -> tuple[VenueBook, FloatArray, FloatArray, FloatArray]:
    """Book, trades, venue trades and pair costs (gas included) of a result."""
    snapshot = term.last_snapshot if snapshot is None else snapshot
    trades = result.trades
    if snapshot is None or not snapshot.assets.equals(trades.index):
        raise DataError(
            "venue_trades: the term has not priced this result's universe; pass "
            "the snapshot (model.prepare(...)) of the solve as snapshot=."
        )
    book = term.book(snapshot)
    t = trades.to_numpy(dtype=float)
    x, cost = term.split(t, snapshot)
    return book, t, x, cost


def venue_trades(
    result: Any, term: VenueCost, snapshot: MarketSnapshot | None = None
) -> pd.DataFrame:
    """Trades of ``result`` on each venue at the optimal split (asset x venue).

    Parameters
    ----------
    result : ReplicationResult
        A solve whose costs include ``term``.
    term : VenueCost
        The venue term.
    snapshot : MarketSnapshot, optional
        The solve's snapshot; default: the last one the term priced.

    Returns
    -------
    DataFrame
        Fractions of NAV (positive = buy); each row sums to the asset's trade.
    """
    book, _, x, _ = _inputs(result, term, snapshot)
    return pair_frame(book, x)


def venue_costs(
    result: Any, term: VenueCost, snapshot: MarketSnapshot | None = None
) -> pd.DataFrame:
    """Cost of each asset's trade on each venue, gas included (asset x venue)."""
    book, _, _, cost = _inputs(result, term, snapshot)
    return pair_frame(book, cost)


def cost_by_venue(
    result: Any, term: VenueCost, snapshot: MarketSnapshot | None = None
) -> pd.Series:
    """Total cost paid on each venue, fraction of NAV."""
    return venue_costs(result, term, snapshot).sum(axis=0).rename("cost")


def cost_by_type(
    result: Any, term: VenueCost, snapshot: MarketSnapshot | None = None
) -> pd.Series:
    """Cost by type: exchange fee, spread, impact, pool fee, pool slippage, gas.

    Notes
    -----
    A pool charges its fee ``f`` on the input: on a buy of mid notional ``q``
    the input is ``q + C`` (``C`` the swap's cost against mid), on a sale
    ``q``; the pool fee is ``f`` times that, and the slippage is the rest of
    ``C``. Gas is the pools' gas for each swap made.
    """
    book, _, x, _ = _inputs(result, term, snapshot)
    return by_type(book, x)
