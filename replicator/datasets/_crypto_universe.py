"""The point-in-time crypto universe (every CoinGecko coin with its own history)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from replicator.datasets._catalog import (
    asof_position,
    check_positive_int,
    provenance,
    resource,
    slice_dates,
)

__all__ = ["CryptoUniverse", "load_crypto_universe"]

DESCRIPTION = (
    "CoinGecko daily price, market cap and 24h traded volume (USD) of every "
    "coin of the source with its own history (coins enter when they list), "
    "2013-04-28..2021-10-17; stablecoins tagged. For point-in-time crypto "
    "indices (rp.indices). Crypto trades every day: 365 periods a year."
)


@dataclass(frozen=True, eq=False)
class CryptoUniverse:
    """Point-in-time crypto market data (long table and wide panels, USD).

    Parameters
    ----------
    table : DataFrame
        Long form: date, symbol, price, market_cap, volume, tag.
    prices, market_caps, volumes : DataFrame (dates x coins)
        Wide panels on every calendar day; NaN where a coin has no row.
    tags : Series
        ``"stablecoin"`` or ``""`` by coin.
    description, provenance : str
    periods_per_year : float, default 365
    """

    table: pd.DataFrame
    prices: pd.DataFrame
    market_caps: pd.DataFrame
    volumes: pd.DataFrame
    tags: pd.Series
    description: str
    provenance: str
    periods_per_year: float = 365.0

    @property
    def stablecoins(self) -> tuple[str, ...]:
        """Coins tagged ``stablecoin``."""
        return tuple(self.tags.index[self.tags == "stablecoin"])

    @property
    def returns(self) -> pd.DataFrame:
        """Daily simple returns against the last known price (NaN: no price)."""
        last = self.prices.ffill().shift(1)
        return (self.prices / last - 1.0).iloc[1:]

    def adv(self, window: int = 30, date: object = None) -> pd.Series:
        """Mean 24h traded value (USD) over the trailing ``window`` days."""
        window = check_positive_int(window, "window")
        pos = asof_position(self.volumes.index, date, "crypto_universe")
        tail = self.volumes.iloc[max(0, pos + 1 - window) : pos + 1]
        return tail.mean().dropna().rename("adv")


@lru_cache(maxsize=1)
def _read() -> pd.DataFrame:
    return pd.read_parquet(resource("crypto_universe.parquet"))


def load_crypto_universe(start: object = None, end: object = None) -> CryptoUniverse:
    """Load the point-in-time crypto universe.

    Parameters
    ----------
    start, end : date-like, optional
        Keep the dates with ``start <= date <= end`` (inclusive).

    Returns
    -------
    CryptoUniverse
        Fresh copies; float64 panels on a 7-day calendar.

    Examples
    --------
    >>> from replicator.datasets import load_crypto_universe
    >>> u = load_crypto_universe(end="2020-12-31")
    >>> listed = u.market_caps.notna().sum(axis=1)
    >>> int(listed["2014-01-01"]), int(listed.iloc[-1])
    (4, 47)
    """
    raw = _read().reset_index()
    raw = raw.rename(columns={"total_volume": "volume"})
    days = pd.date_range(raw["date"].min(), raw["date"].max(), freq="D", name="date")
    mask = slice_dates(days, start, end, "crypto_universe")
    days = days[mask]
    table = raw[raw["date"].isin(days)].reset_index(drop=True)
    order = pd.unique(raw["symbol"])
    fields = {}
    for name in ("price", "market_cap", "volume"):
        wide = table.pivot(index="date", columns="symbol", values=name).astype(float)
        fields[name] = wide.reindex(index=days, columns=order).rename_axis(
            columns="symbol"
        )
    for name in ("market_cap", "volume"):
        table[name] = table[name].astype(float)
    tags = raw.drop_duplicates("symbol").set_index("symbol")["tag"].reindex(order)
    return CryptoUniverse(
        table=table,
        prices=fields["price"],
        market_caps=fields["market_cap"],
        volumes=fields["volume"],
        tags=tags.rename("tag"),
        description=DESCRIPTION,
        provenance=provenance("crypto_universe"),
    )
