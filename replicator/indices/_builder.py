"""Build a point-in-time index history from market caps and a review calendar."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from replicator.exceptions import ConfigError, DataError, DataWarning
from replicator.indices._calendar import CalendarSpec, review_positions
from replicator.indices._history import IndexHistory, buy_and_hold_level
from replicator.indices._inputs import IndexData, index_data
from replicator.indices._selection import Selection, select_top
from replicator.indices._weighting import Weighting

__all__ = ["Methodology"]


@dataclass(frozen=True)
class Methodology:
    r"""An index methodology: weighting, selection, calendars and data lag.

    Parameters
    ----------
    weighting : Weighting
        :class:`MarketCap`, :class:`CappedMarketCap`, :class:`PowerMarketCap`
        or :class:`EqualWeight`.
    selection : Selection, optional
        Eligibility screens and top-N with buffer (default: every asset).
    reweight : calendar, default "M"
        Review dates at which the constituents are reweighted (see
        :func:`review_positions`: ``"M"`` is the last date of each month).
    reconstitute : calendar, optional
        Review dates at which the constituents are reselected (default: the
        reweight calendar). A reconstitution reweights too.
    lag : int, default 1
        Data lag in rows: the weights decided at the close of ``d`` use data up
        to ``d - lag`` only.
    on_missing : {"error", "drop"}, default "error"
        A constituent without a market cap on a data date: raise, or drop it
        from the index at that review (a delisted coin).
    base : float, default 1000
        Index level at the close of the first review.
    name : str, default "index"
    start : date-like, optional
        First review date considered (the data before it still feed the
        smoothing, listing ages and liquidity windows).
    """

    weighting: Weighting
    selection: Selection = field(default_factory=Selection)
    reweight: CalendarSpec = "M"
    reconstitute: CalendarSpec | None = None
    lag: int = 1
    on_missing: Literal["error", "drop"] = "error"
    base: float = 1000.0
    name: str = "index"
    start: object = None

    def __post_init__(self) -> None:
        if not isinstance(self.weighting, Weighting):
            raise ConfigError(
                f"The 'weighting' parameter must be a Weighting (e.g. MarketCap()); "
                f"got {type(self.weighting).__name__}."
            )
        if not isinstance(self.lag, (int, np.integer)) or self.lag < 0:
            raise ConfigError(
                f"The 'lag' parameter must be an int >= 0; got {self.lag!r}."
            )
        if self.on_missing not in ("error", "drop"):
            raise ConfigError(
                f"The 'on_missing' parameter must be 'error' or 'drop'; got "
                f"{self.on_missing!r}."
            )
        if not (np.isfinite(self.base) and self.base > 0):
            raise ConfigError(
                f"The 'base' parameter must be positive; got {self.base!r}."
            )

    @property
    def description(self) -> str:
        """One line: selection, weighting and calendars."""
        s = self.selection
        top = (
            f"top {s.top}" + (f" (buffer {s.buffer})" if s.buffer else "")
            if s.top
            else "all"
        )
        recon = self.reconstitute if self.reconstitute is not None else self.reweight
        return (
            f"{top}, {self.weighting.label}; reweight {self.reweight!s}, "
            f"reconstitute {recon!s}, data lag {self.lag}"
        )

    def build(
        self,
        table: pd.DataFrame | None = None,
        *,
        market_caps: pd.DataFrame | None = None,
        prices: pd.DataFrame | None = None,
        volumes: pd.DataFrame | None = None,
        tags: pd.Series | None = None,
    ) -> IndexHistory:
        """Build the index history from a long table or wide panels.

        Parameters
        ----------
        table : DataFrame, optional
            Long table with columns ``date``, ``asset`` (or ``symbol``),
            ``market_cap``, ``price``, optionally ``volume`` (or
            ``total_volume``) and ``tag``.
        market_caps, prices, volumes : DataFrame (dates x assets), optional
            Wide panels instead of ``table``.
        tags : Series, optional
            Tag by asset (e.g. ``"stablecoin"``) for ``exclude_tags``.

        Returns
        -------
        IndexHistory

        Raises
        ------
        DataError
            Negative or zero caps on a data date, a constituent's missing cap
            (``on_missing="error"``), malformed panels.
        ConfigError
            A calendar without a date in the data, a cap below 1/N.

        Warns
        -----
        DataWarning
            Fewer eligible assets than ``top``: the index holds those there are.
        """
        data = index_data(table, market_caps, prices, volumes, tags)
        return _build(self, data)


def _review_plan(m: Methodology, dates: pd.DatetimeIndex) -> list[tuple[int, bool]]:
    rew = review_positions(m.reweight, dates, "reweight")
    recon = (
        rew
        if m.reconstitute is None
        else review_positions(m.reconstitute, dates, "reconstitute")
    )
    plan = sorted(set(rew.tolist()) | set(recon.tolist()))
    first = 0 if m.start is None else int(dates.searchsorted(pd.Timestamp(m.start)))
    usable = [p for p in plan if p >= first and p - m.lag >= 0 and p + 1 < len(dates)]
    if not usable:
        raise ConfigError(
            f"{m.name}: no review date of the calendars has {m.lag} row(s) of data "
            f"before it and a date after it in the data ({dates[0].date()} .. "
            f"{dates[-1].date()}); extend the data or change reweight/reconstitute."
        )
    recon_set = set(recon.tolist())
    return [(p, p in recon_set) for p in usable]


def _eligible(m: Methodology, d: IndexData, t: int, caps: np.ndarray) -> np.ndarray:
    s = m.selection
    ok = np.isfinite(caps) & ~d.excluded(s.exclude, s.exclude_tags)
    if s.min_age:
        age = d.day_numbers[t] - d.first_day
        ok &= np.nan_to_num(age, nan=-1.0) >= s.min_age
    if s.min_volume is not None:
        med = d.median_volume(s.volume_window, t)
        ok &= np.nan_to_num(med, nan=-np.inf) >= s.min_volume
    return ok


def _check_caps(
    m: Methodology, d: IndexData, t: int, p: int, members: np.ndarray
) -> np.ndarray:
    caps = d.caps[t]
    bad = np.isfinite(caps) & (caps <= 0)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"{m.name}: the market cap of {d.assets[k]} on {d.dates[t].date()} is "
            f"{caps[k]:.6g} (data date of the review on {d.dates[p].date()}); market "
            "caps must be positive. Correct it or set it to NaN (no data)."
        )
    missing = members & ~np.isfinite(caps)
    if missing.any() and m.on_missing == "error":
        k = int(np.flatnonzero(missing)[0])
        raise DataError(
            f"{m.name}: constituent {d.assets[k]} has no market cap on "
            f"{d.dates[t].date()} (data date of the review on {d.dates[p].date()}). "
            "Fill the gap, or set on_missing='drop' to drop constituents without a cap."
        )
    return caps


def _build(m: Methodology, d: IndexData) -> IndexHistory:
    signal = m.weighting.signal(d.caps_frame).to_numpy(dtype=float)
    n_assets = len(d.assets)
    members = np.zeros(n_assets, dtype=bool)
    rows, meta, changes = [], [], []
    s = m.selection
    for p, recon in _review_plan(m, d.dates):
        t = p - m.lag
        caps = _check_caps(m, d, t, p, members)
        eligible = _eligible(m, d, t, caps)
        ranked = np.flatnonzero(eligible)
        ranked = ranked[np.argsort(-caps[ranked], kind="stable")]
        rank = np.full(n_assets, np.nan)
        rank[ranked] = np.arange(1, len(ranked) + 1)
        if not members.any() and not len(ranked):
            continue  # the index starts at the first review with an eligible asset
        recon = recon or not members.any()
        if recon:
            if s.top is not None and len(ranked) < s.top:
                warnings.warn(
                    f"{m.name}: top={s.top} but only {len(ranked)} assets are eligible "
                    f"on {d.dates[t].date()}; the index holds those {len(ranked)}.",
                    DataWarning,
                    stacklevel=4,
                )
            chosen = select_top(ranked, members, s.top, s.buffer)
        else:
            chosen = np.flatnonzero(members & np.isfinite(caps))
        if len(chosen) == 0:
            raise DataError(
                f"{m.name}: no asset is eligible on {d.dates[t].date()} (data date "
                f"of the review on {d.dates[p].date()}); relax the screens."
            )
        new = np.zeros(n_assets, dtype=bool)
        new[chosen] = True
        w = np.zeros(n_assets)
        try:
            w[chosen] = m.weighting.weigh(signal[t, chosen])
        except ConfigError as exc:
            raise ConfigError(
                f"{m.name}, review on {d.dates[p].date()}: {exc}"
            ) from None
        eff = d.dates[p + 1]
        for k in np.flatnonzero(new != members):
            changes.append(
                _change(m, d, eff, p, k, bool(new[k]), rank[k], eligible[k], caps[k])
            )
        members = new
        rows.append(w)
        kind = "reconstitution" if recon else "reweight"
        meta.append((eff, d.dates[p], d.dates[t], kind, int(new.sum()), p))
    if not rows:
        raise DataError(
            f"{m.name}: no asset is eligible on any review date "
            f"({d.dates[0].date()} .. {d.dates[-1].date()}); relax the screens "
            "(exclude, min_volume, min_age) or extend the data."
        )
    return _history(m, d, np.array(rows), meta, changes)


def _change(m, d, eff, p, k, enter, rank, eligible, cap) -> dict:
    s = m.selection
    if enter:
        reason = f"rank {int(rank)}"
    elif not np.isfinite(cap):
        reason = "no market cap"
    elif not eligible:
        reason = "not eligible (exclusion, liquidity or listing age)"
    else:
        reason = f"rank {int(rank)} > {s.top} + {s.buffer}" if s.top else "reselected"
    return {
        "effective_date": eff,
        "review_date": d.dates[p],
        "asset": d.assets[k],
        "change": "enter" if enter else "leave",
        "rank": rank,
        "reason": reason,
    }


def _history(
    m: Methodology, d: IndexData, rows: np.ndarray, meta: list, changes: list
) -> IndexHistory:
    eff = pd.DatetimeIndex([x[0] for x in meta], name="effective_date")
    resets = np.array([x[5] for x in meta])
    level, turnover = buy_and_hold_level(d.returns0, rows, resets, m.base)
    reviews = pd.DataFrame(
        {
            "review_date": [x[1] for x in meta],
            "data_date": [x[2] for x in meta],
            "kind": [x[3] for x in meta],
            "n_constituents": [x[4] for x in meta],
            "turnover": turnover,
        },
        index=eff,
    )
    cols = ["effective_date", "review_date", "asset", "change", "rank", "reason"]
    return IndexHistory(
        name=m.name,
        weights=pd.DataFrame(rows, index=eff, columns=d.assets),
        reviews=reviews,
        changes=pd.DataFrame(changes, columns=cols),
        level=pd.Series(level, index=d.dates[resets[0] :], name=m.name),
        returns=d.returns_frame,
        methodology=m.description,
    )
