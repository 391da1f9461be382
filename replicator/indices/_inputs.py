"""Market data of an index build: wide panels from a long table, checked."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from replicator.data._validate import format_items
from replicator.exceptions import DataError

__all__ = ["IndexData", "index_data"]

_ASSET = ("asset", "symbol", "ticker")
_VOLUME = ("volume", "total_volume")


@dataclass(frozen=True, eq=False)
class IndexData:
    """Aligned panels (dates x assets) of an index build."""

    caps_frame: pd.DataFrame
    prices: pd.DataFrame
    volumes: pd.DataFrame | None
    tags: pd.Series | None
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def dates(self) -> pd.DatetimeIndex:
        return self.caps_frame.index  # type: ignore[return-value]

    @property
    def assets(self) -> pd.Index:
        return self.caps_frame.columns

    @cached_property
    def caps(self) -> np.ndarray:
        return self.caps_frame.to_numpy(dtype=float)

    @cached_property
    def first_day(self) -> np.ndarray:
        """Day number (days since 1970) of each asset's first market cap (NaN: none)."""
        seen = np.isfinite(self.caps)
        first = np.argmax(seen, axis=0)
        days = self.day_numbers[first]
        return np.where(seen.any(axis=0), days, np.nan)

    @cached_property
    def day_numbers(self) -> np.ndarray:
        """Days since 1970-01-01 of each date (calendar days, any calendar)."""
        return (self.dates.to_numpy() - np.datetime64(0, "D")) / np.timedelta64(1, "D")

    @cached_property
    def returns_frame(self) -> pd.DataFrame:
        """Simple returns against the last known price; NaN where no price."""
        last = self.prices.ffill().shift(1)
        return (self.prices / last - 1.0).iloc[1:].reindex(self.dates)

    @cached_property
    def returns0(self) -> np.ndarray:
        return np.nan_to_num(self.returns_frame.to_numpy(dtype=float), nan=0.0)

    def median_volume(self, window: int, t: int) -> np.ndarray:
        """Median volume of rows ``t - window + 1 .. t`` (NaN with a gap inside)."""
        if self.volumes is None:
            raise DataError(
                "The liquidity screen (min_volume) needs volumes: give a volume "
                "column or the volumes panel."
            )
        if "volumes" not in self._cache:
            self._cache["volumes"] = self.volumes.to_numpy(dtype=float)
        block = self._cache["volumes"][max(0, t - window + 1) : t + 1]
        if len(block) < window:
            return np.full(block.shape[1], np.nan)
        full = np.isfinite(block).all(axis=0)
        out = np.full(block.shape[1], np.nan)
        out[full] = np.median(block[:, full], axis=0)
        return out

    def excluded(self, names: tuple[str, ...], tags: tuple[str, ...]) -> np.ndarray:
        """Mask of the assets excluded by name or by tag."""
        key = ("excluded", names, tags)
        if key not in self._cache:
            self._cache[key] = self._excluded(names, tags)
        return self._cache[key]

    def _excluded(self, names: tuple[str, ...], tags: tuple[str, ...]) -> np.ndarray:
        out = self.assets.isin(names)
        if tags:
            if self.tags is None:
                raise DataError(
                    "exclude_tags needs tags: give a 'tag' column or the tags Series."
                )
            out |= self.tags.reindex(self.assets).isin(tags).to_numpy()
        return np.asarray(out)


def _column(
    table: pd.DataFrame, names: tuple[str, ...], role: str, required: bool
) -> str | None:
    for n in names:
        if n in table.columns:
            return n
    if required:
        raise DataError(
            f"The index table has no {role} column (looked for {', '.join(names)}); "
            f"it has {format_items(table.columns)}."
        )
    return None


def _from_long(table: pd.DataFrame) -> tuple:
    asset = _column(table, _ASSET, "asset", True)
    _column(table, ("date",), "date", True)
    _column(table, ("market_cap",), "market cap", True)
    _column(table, ("price",), "price", True)
    vol = _column(table, _VOLUME, "volume", False)
    fields = ["market_cap", "price"] + ([vol] if vol else [])
    try:
        wide = table.pivot(index="date", columns=asset, values=fields)
    except ValueError:  # duplicate (date, asset) rows: name one
        dup = table.duplicated(["date", asset])
        row = table.loc[dup].iloc[0]
        raise DataError(
            f"The index table has {int(dup.sum())} duplicate (date, asset) rows, "
            f"e.g. {row[asset]} on {row['date']}; keep one row per asset and date."
        ) from None
    caps = wide["market_cap"]
    prices = wide["price"]
    volumes = wide[vol] if vol else None
    tags = None
    if "tag" in table.columns:
        tags = table.drop_duplicates(asset).set_index(asset)["tag"]
    return caps, prices, volumes, tags


def index_data(
    table: pd.DataFrame | None,
    market_caps: pd.DataFrame | None,
    prices: pd.DataFrame | None,
    volumes: pd.DataFrame | None,
    tags: pd.Series | None,
) -> IndexData:
    """Check and align the inputs of :meth:`Methodology.build`."""
    if table is not None:
        if market_caps is not None or prices is not None:
            raise DataError("Give either a long table or the wide panels, not both.")
        market_caps, prices, volumes, long_tags = _from_long(table)
        tags = tags if tags is not None else long_tags
    if market_caps is None or prices is None:
        raise DataError(
            "An index build needs market caps and prices (for the index level): "
            "give a long table or market_caps= and prices=."
        )
    caps = market_caps.astype(float)
    try:
        caps.index = pd.DatetimeIndex(caps.index)
    except (TypeError, ValueError) as exc:
        raise DataError(f"The market caps must be indexed by dates ({exc}).") from None
    if not caps.index.is_monotonic_increasing or caps.index.has_duplicates:
        raise DataError("The market-cap dates must be sorted and unique.")
    caps.columns = caps.columns.map(str).rename("asset")
    caps.index.name = "date"
    if caps.columns.has_duplicates:
        raise DataError(
            "Duplicate assets in the market caps: "
            f"{format_items(caps.columns[caps.columns.duplicated()])}."
        )
    if np.isinf(caps.to_numpy()).any():
        raise DataError(
            "The market caps have infinite values; set them to NaN (no data)."
        )
    px = _align(prices, caps, "prices")
    vol = None if volumes is None else _align(volumes, caps, "volumes")
    bad = np.isfinite(px.to_numpy()) & (px.to_numpy() <= 0)
    if bad.any():
        i, j = (int(x[0]) for x in np.nonzero(bad))
        raise DataError(
            f"The price of {px.columns[j]} on {px.index[i].date()} is "
            f"{px.iat[i, j]:.6g}; "
            "prices must be positive (NaN for no data)."
        )
    if tags is not None:
        tags = tags.copy()
        tags.index = tags.index.map(str)
    return IndexData(caps, px, vol, tags)


def _align(panel: pd.DataFrame, caps: pd.DataFrame, role: str) -> pd.DataFrame:
    out = panel.astype(float).copy()
    out.index = pd.DatetimeIndex(out.index)
    out.columns = out.columns.map(str)
    missing = caps.columns.difference(out.columns)
    if len(missing):
        raise DataError(
            f"The {role} have no column for {format_items(missing)} (in the "
            "market caps)."
        )
    return out.reindex(index=caps.index, columns=caps.columns)
