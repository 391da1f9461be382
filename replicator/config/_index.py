"""The ``benchmark.index`` section: an index methodology built by ``rp.indices``."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from replicator.exceptions import DataError

__all__ = ["IndexConfig", "build_config_index", "weights_decided_by"]

Calendar = Literal["D", "W", "M", "Q", "Y"] | int | list[dt.date]


class IndexConfig(BaseModel):
    """An index methodology (see :class:`replicator.indices.Methodology`).

    ``weighting`` is ``market_cap``, ``capped_market_cap`` (``cap``, optional
    ``floor``), ``power_market_cap`` (``exponent``, ``half_life`` in days,
    optional ``cap``/``floor``) or ``equal_weight``. Selection: ``top``,
    ``buffer``, ``exclude`` (tickers or ``stablecoins``), ``exclude_tags``,
    ``min_volume`` over ``volume_window`` days, ``min_age`` (days). Calendars:
    ``reweight`` and ``reconstitute`` (``D``/``W``/``M``/``Q``/``Y``, every k-th
    date, or a list of dates), with a data ``lag`` in rows.
    """

    model_config = ConfigDict(extra="forbid")

    weighting: Literal[
        "market_cap", "capped_market_cap", "power_market_cap", "equal_weight"
    ] = "market_cap"
    cap: float | None = Field(default=None, gt=0, le=1)
    floor: float | None = Field(default=None, ge=0, lt=1)
    exponent: float = Field(default=0.5, gt=0)
    half_life: float | None = Field(default=None, gt=0)
    top: int | None = Field(default=None, gt=0)
    buffer: int = Field(default=0, ge=0)
    exclude: list[str] | Literal["stablecoins"] = Field(default_factory=list)
    exclude_tags: list[str] = Field(default_factory=list)
    min_volume: float | None = Field(default=None, ge=0)
    volume_window: int = Field(default=30, gt=0)
    min_age: int = Field(default=0, ge=0)
    reweight: Calendar = "M"
    reconstitute: Calendar | None = None
    lag: int = Field(default=1, ge=0)
    on_missing: Literal["error", "drop"] = "error"
    base: float = Field(default=1000.0, gt=0)
    start: dt.date | None = None  # first review date (earlier data still used)


def _methodology(cfg: IndexConfig, name: str, stablecoins: tuple[str, ...]) -> Any:
    import replicator.indices as ix

    bounds = {"cap": cfg.cap, "floor": cfg.floor}
    weighting = {
        "market_cap": lambda: ix.MarketCap(**bounds),
        "capped_market_cap": lambda: ix.CappedMarketCap(**bounds),
        "power_market_cap": lambda: ix.PowerMarketCap(
            exponent=cfg.exponent, half_life=cfg.half_life, **bounds
        ),
        "equal_weight": lambda: ix.EqualWeight(**bounds),
    }[cfg.weighting]()
    exclude = stablecoins if cfg.exclude == "stablecoins" else tuple(cfg.exclude)
    selection = ix.Selection(
        top=cfg.top, buffer=cfg.buffer, exclude=exclude,
        exclude_tags=tuple(cfg.exclude_tags), min_volume=cfg.min_volume,
        volume_window=cfg.volume_window, min_age=cfg.min_age,
    )  # fmt: skip
    return ix.Methodology(
        weighting, selection, reweight=_calendar(cfg.reweight),
        reconstitute=_calendar(cfg.reconstitute), lag=cfg.lag,
        on_missing=cfg.on_missing, base=cfg.base, name=name, start=cfg.start,
    )  # fmt: skip


def _calendar(value: Any) -> Any:
    if isinstance(value, list):
        return [pd.Timestamp(v) for v in value]
    return value


def build_config_index(cfg: IndexConfig, dataset: Any, end: Any, name: str) -> Any:
    """Build the index of a config from a dataset's long table, up to ``end``.

    Raises
    ------
    DataError
        The dataset has no long table of market caps and prices.
    """
    table = getattr(dataset, "table", None)
    if not isinstance(table, pd.DataFrame):
        raise DataError(
            "benchmark.index needs a dataset with market caps and prices by date "
            "(data.dataset: crypto_universe or crypto)."
        )
    if end is not None:
        table = table[table["date"] <= pd.Timestamp(end)]
    stables = tuple(getattr(dataset, "stablecoins", ()))
    return _methodology(cfg, name, stables).build(table)


def weights_decided_by(history: Any, date: Any) -> pd.Series:
    """Weights set at the latest review close on or before ``date``.

    Raises
    ------
    DataError
        No review of the index is on or before ``date``.
    """
    decided = history.reviews["review_date"] <= pd.Timestamp(date)
    if not decided.any():
        raise DataError(
            f"benchmark.index: no review of {history.name!r} is on or before "
            f"{pd.Timestamp(date).date()} (the first is on "
            f"{history.reviews['review_date'].iloc[0].date()}); move data.end later."
        )
    row = history.weights[decided.to_numpy()].iloc[-1]
    return row[row > 0].rename("weight")
