"""Tables of a venue split: trades and costs by asset and venue, cost by type."""

from __future__ import annotations

import numpy as np
import pandas as pd

from replicator.typing import FloatArray
from replicator.venues._book import VenueBook
from replicator.venues._split import pair_costs

__all__ = ["COST_TYPES", "by_type", "pair_frame", "split_tables"]

COST_TYPES = ("fee", "spread", "impact", "pool_fee", "pool_slippage", "gas")


def pair_frame(book: VenueBook, values: FloatArray) -> pd.DataFrame:
    """Per-pair values summed into an asset x venue frame."""
    out = np.zeros((len(book.assets), len(book.venue_names)))
    np.add.at(out, (book.pair_asset, book.pair_venue), values)
    return pd.DataFrame(out, index=list(book.assets), columns=list(book.venue_names))


def by_type(book: VenueBook, x: FloatArray) -> pd.Series:
    """Cost by type of the venue trades ``x``.

    Notes
    -----
    A pool charges its fee ``f`` on the input: on a buy of mid notional ``q``
    the input is ``q + C`` (``C`` the swap's cost against mid), on a sale
    ``q``; the pool fee is ``f`` times that, and the slippage is the rest of
    ``C``. Gas is the pools' gas for each swap made.
    """
    size = np.abs(x)
    convex = pair_costs(book, x)
    out = dict.fromkeys(COST_TYPES, 0.0)
    c = book.cex
    out["fee"] = float(book.cex_fee @ size[c])
    out["spread"] = float((book.cex_lin - book.cex_fee) @ size[c])
    out["impact"] = float(book.cex_k @ size[c] ** book.cex_e)
    gamma = np.ones(book.n_pairs)
    gamma[book.buy.pair] = book.buy.gamma
    gamma[book.sell.pair] = book.sell.gamma
    dex = book.is_dex
    fee = np.where(x > 0, (1 - gamma) * (size + convex), (1 - gamma) * size)
    out["pool_fee"] = float(fee[dex].sum())
    out["pool_slippage"] = float((convex - fee)[dex].sum())
    out["gas"] = float(np.where(x != 0, book.gas, 0.0).sum())
    return pd.Series(out, name="cost")


def split_tables(
    book: VenueBook, x: FloatArray, cost: FloatArray
) -> dict[str, pd.DataFrame]:
    """Return the report tables of a venue split (``VenueCost.report_tables``)."""
    costs = pair_frame(book, cost)
    out = {
        "venue_trades": pair_frame(book, x),
        "venue_costs": costs,
        "cost_by_venue": costs.sum(axis=0).rename("cost").to_frame(),
        "cost_by_type": by_type(book, x).to_frame(),
    }
    # how the reports show them (see Term.report_tables)
    out["venue_trades"].attrs.update(
        title="Trades by venue", unit="pct", stack=list(book.venue_names)
    )
    costs.attrs.update(
        title="Cost by asset and venue", unit="bp", stack=list(book.venue_names)
    )
    out["cost_by_venue"].attrs.update(title="Cost by venue", unit="bp")
    out["cost_by_type"].attrs.update(title="Venue cost by type", unit="bp")
    return out
