"""The bundled crypto dataset (CoinGecko daily data, 2019-07 .. 2021-10)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from replicator.data._validate import format_items
from replicator.datasets._capping import capped_weights
from replicator.datasets._catalog import (
    asof_position,
    check_positive_int,
    provenance,
    resource,
    slice_dates,
)
from replicator.exceptions import ConfigError

__all__ = ["CryptoData", "load_crypto"]

STABLECOINS = ("USDT", "USDC")

DESCRIPTION = (
    "CoinGecko daily price, market cap and 24h traded volume (USD) of the "
    "crypto assets with complete data over 2019-07-01..2021-10-17 (no gaps, "
    "nothing filled), collected from public GitHub repositories; see "
    "`provenance`. Crypto trades every day: annualize with 365 periods."
)


@dataclass(frozen=True, eq=False)
class CryptoData:
    """Daily crypto market data: prices, market caps and volumes, in USD.

    Parameters
    ----------
    prices : DataFrame of shape (n_dates, n_assets)
        Price in USD at 00:00 UTC of each date.
    market_caps : DataFrame of shape (n_dates, n_assets)
        Market capitalization in USD.
    volumes : DataFrame of shape (n_dates, n_assets)
        Aggregated 24h traded value in USD.
    description : str
        One-paragraph summary.
    provenance : str
        Full provenance note (CoinGecko, source repositories, selection).
    periods_per_year : float, default 365
        Annualization factor (crypto trades every day).
    stablecoins : tuple of str
        The stablecoins among the assets.
    """

    prices: pd.DataFrame
    market_caps: pd.DataFrame
    volumes: pd.DataFrame
    description: str
    provenance: str
    periods_per_year: float = 365.0
    stablecoins: tuple[str, ...] = STABLECOINS

    @property
    def table(self) -> pd.DataFrame:
        """Long form: date, symbol, price, market_cap, volume (for rp.indices)."""
        panels = {"price": self.prices, "market_cap": self.market_caps,
                  "volume": self.volumes}  # fmt: skip
        long = pd.concat(panels, axis=1).stack(future_stack=True)
        return long.rename_axis(["date", "symbol"]).reset_index()

    @property
    def returns(self) -> pd.DataFrame:
        """Daily simple returns from prices; the first date is dropped."""
        return (self.prices / self.prices.shift(1) - 1.0).iloc[1:]

    def cap_weights(
        self,
        date: object = None,
        cap: float | None = None,
        top: int | None = None,
        exclude: Iterable[str] = (),
    ) -> pd.Series:
        """Market-cap weights on a date, optionally top-N and capped.

        Parameters
        ----------
        date : date-like, optional
            Use the market caps of the last date on or before ``date``
            (default: the last date).
        cap : float, optional
            Maximum weight per asset in (0, 1]; the excess is redistributed
            pro rata to the uncapped assets, iteratively.
        top : int, optional
            Keep the ``top`` largest assets (after ``exclude``).
        exclude : iterable of str
            Assets to leave out, e.g. ``data.stablecoins``.

        Returns
        -------
        Series
            Weights summing to 1, largest first, with ``attrs["date"]``.

        Notes
        -----
        See :func:`replicator.datasets._capping.capped_weights`.
        """
        if top is not None:
            top = check_positive_int(top, "top")
        excluded = list(exclude)
        unknown = [s for s in excluded if s not in self.market_caps.columns]
        if unknown:
            raise ConfigError(
                f"exclude names assets that are not in the dataset: "
                f"{format_items(unknown)}. Available: "
                f"{format_items(self.market_caps.columns, limit=30)}."
            )
        pos = asof_position(self.market_caps.index, date, "crypto")
        caps = self.market_caps.iloc[pos].drop(excluded)
        weights = capped_weights(caps, cap=cap, top=top)
        weights.index.name = "symbol"
        weights.attrs["date"] = self.market_caps.index[pos]
        weights.attrs["as_of"] = self.market_caps.index[pos]
        return weights

    def adv(self, window: int = 30, date: object = None) -> pd.Series:
        """Mean 24h traded value (USD) over the trailing ``window`` dates.

        Parameters
        ----------
        window : int, default 30
            Number of dates averaged (fewer if the data start later).
        date : date-like, optional
            Last date of the window (default: the last date).

        Returns
        -------
        Series
            ADV in USD by asset, named "adv".
        """
        window = check_positive_int(window, "window")
        pos = asof_position(self.volumes.index, date, "crypto")
        tail = self.volumes.iloc[max(0, pos + 1 - window) : pos + 1]
        return tail.mean().rename("adv")


@lru_cache(maxsize=1)
def _read() -> pd.DataFrame:
    return pd.read_parquet(resource("crypto_daily.parquet"))


def load_crypto(
    start: object = None, end: object = None, top: int | None = None
) -> CryptoData:
    """Load the bundled crypto dataset.

    Parameters
    ----------
    start, end : date-like, optional
        Keep the dates with ``start <= date <= end`` (inclusive).
    top : int, optional
        Keep the ``top`` assets by market cap on the *first* selected date
        (no look-ahead).

    Returns
    -------
    CryptoData
        Fresh copies; columns ordered by market cap on the last date of the
        full sample.

    Examples
    --------
    >>> from replicator.datasets import load_crypto
    >>> data = load_crypto(top=10)
    >>> data.cap_weights(cap=0.3).round(2).head(2).tolist()
    [0.3, 0.3]
    """
    tidy = _read()
    fields = {}
    for name in ("price", "market_cap", "total_volume"):
        wide = tidy.pivot(columns="symbol", values=name)
        order = pd.unique(tidy["symbol"])
        fields[name] = wide.reindex(columns=order)
    mask = slice_dates(fields["price"].index, start, end, "crypto")
    fields = {k: v.loc[mask] for k, v in fields.items()}
    if top is not None:
        top = check_positive_int(top, "top")
        first = fields["market_cap"].iloc[0].sort_values(ascending=False)
        keep = [c for c in fields["price"].columns if c in set(first.index[:top])]
        fields = {k: v[keep] for k, v in fields.items()}
    fields = {
        k: v.rename_axis(index="date", columns="symbol").copy()
        for k, v in fields.items()
    }
    symbols = set(fields["price"].columns)
    return CryptoData(
        prices=fields["price"],
        market_caps=fields["market_cap"],
        volumes=fields["total_volume"],
        description=DESCRIPTION,
        provenance=provenance("crypto"),
        stablecoins=tuple(s for s in STABLECOINS if s in symbols),
    )
