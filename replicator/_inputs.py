"""Validate and align the pandas inputs of a solve into a MarketSnapshot."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from replicator.data._align import memo, positions, take
from replicator.data._snapshot import MarketSnapshot
from replicator.data._units import check_return_values, typical_abs
from replicator.data._validate import (
    check_nonnegative_values,
    format_items,
    require_aligned,
    require_subset,
    str_index,
    weight_values,
)
from replicator.exceptions import DataError, MisalignedIndexError

__all__ = ["build_snapshot", "check_return_scales", "is_return_series"]


def build_snapshot(
    returns: pd.DataFrame | None,
    benchmark: pd.Series,
    holdings: pd.Series | None,
    *,
    known: pd.Index | None,
    periods_per_year: float,
    nav: float = 1.0,
    adv: pd.Series | None = None,
    volatility: pd.Series | None = None,
    prices: pd.Series | None = None,
    groups: pd.Series | None = None,
    universe: Sequence[str] | pd.Index | None = None,
    date: Any = None,
    extra: dict[str, Any] | None = None,
) -> tuple[MarketSnapshot, pd.Series | None]:
    """Align validated returns and raw pandas inputs on one asset order.

    Parameters
    ----------
    returns : DataFrame or None
        Validated returns (dates x tickers).
    benchmark : Series
        Weights by ticker or returns by date (returns-only mode).
    holdings : Series or None
        Current weights by ticker.
    known : Index or None
        Tickers the risk model can price (the returns' columns, or the
        assets of a model given directly).
    periods_per_year : float
        Annualization of the risk model.
    nav, adv, volatility, prices, groups, universe, date, extra
        As for :meth:`replicator.Replicator.solve`.

    Returns
    -------
    snapshot : MarketSnapshot
    benchmark_returns : Series or None
        The benchmark's returns in returns-only mode.
    """
    returns_only = is_return_series(benchmark, returns)

    if universe is not None:
        universe_idx = str_index(
            universe if isinstance(universe, pd.Index) else pd.Index(list(universe))
        )
        if len(universe_idx) == 0:
            raise DataError(
                "universe: the universe is empty, so no asset may be held. Give "
                "at least one ticker, or universe=None to allow every asset with "
                "returns."
            )
        if known is not None:
            require_subset(universe_idx, known, "universe", "the returns")
    elif known is not None:
        universe_idx = known
    else:
        universe_idx = None

    if returns_only:
        if returns is None:
            raise DataError(
                "A benchmark given as a return series needs asset returns "
                "too: pass returns=... with the same dates."
            )
        bench_returns = benchmark.astype(float)
        if bench_returns.isna().any() or not np.isfinite(bench_returns).all():
            bad = bench_returns.index[~np.isfinite(bench_returns.to_numpy())]
            raise DataError(
                f"benchmark returns have NaN or infinite values on "
                f"{format_items(bad)}. Fill or drop those dates."
            )
        check_return_values(bench_returns, "benchmark returns")
        check_return_scales(returns, bench_returns)
        require_aligned(returns.index, bench_returns.index, "returns", "benchmark")
        assets = universe_idx if universe_idx is not None else returns.columns
        bench_w = (np.zeros(len(assets)), assets)
    else:
        bench_returns = None
        bench_w = weight_values(benchmark, "benchmark weights", sum_to_one=True)
        b_values, b_labels = bench_w
        # Zero-weight constituents are not modelled. Masks instead of a filtered
        # copy keep the input's Index object, on which alignment is memoized.
        nonzero = b_values != 0
        if known is not None:
            lacking = (positions(b_labels, known) < 0) & nonzero
            if lacking.any():
                require_subset(
                    b_labels[lacking], known, "benchmark weights", "the returns"
                )
        if universe_idx is not None:
            outside = (positions(b_labels, universe_idx) < 0) & nonzero
            assets = (
                universe_idx
                if not outside.any()
                else universe_idx.append(b_labels[outside].sort_values())
            )
        else:
            assets = b_labels if nonzero.all() else b_labels[nonzero]

    if holdings is not None:
        hold = weight_values(holdings, "holdings")
        unknown = memo("difference", pd.Index.difference, hold[1], assets)
        if len(unknown):
            if known is not None and len(unknown.difference(known)) == 0:
                assets = assets.append(unknown)
            else:
                raise DataError(
                    f"holdings has {len(unknown)} tickers that are in neither "
                    f"the benchmark nor the universe: {format_items(unknown)}. "
                    "Add their returns so the risk model covers them, or drop "
                    "the positions."
                )
    else:
        hold = (np.zeros(0), pd.Index([], dtype=object))
    assets = str_index(assets)

    investable = (
        np.ones(len(assets), dtype=bool)
        if universe_idx is None
        else memo("isin", pd.Index.isin, assets, universe_idx).copy()
    )
    snap_kwargs: dict[str, Any] = {}
    for label, series in (("adv", adv), ("prices", prices)):
        if series is not None:
            s = weight_values(series, label)
            check_nonnegative_values(*s, label)
            snap_kwargs[label] = _aligned(s, assets, np.nan)
    if volatility is not None:
        s = weight_values(volatility, "volatility")
        check_nonnegative_values(*s, "volatility")
        snap_kwargs["volatility"] = _aligned(s, assets, np.nan)
    elif returns is not None and len(returns) > 1:
        cols = assets.intersection(returns.columns)
        vol = returns[cols].std(ddof=1).reindex(assets)
        snap_kwargs["volatility"] = vol.to_numpy(dtype=float)
    if groups is not None:
        if not isinstance(groups, pd.Series):
            raise DataError("groups must be a Series of labels by ticker.")
        g = groups.copy()
        g.index = str_index(g.index)
        missing = assets.difference(g.index)
        if len(missing):
            raise DataError(
                f"groups has no label for {len(missing)} assets: "
                f"{format_items(missing)}. Give every asset a group (use "
                "'Other' for the unclassified)."
            )
        snap_kwargs["groups"] = g.reindex(assets)
    if not (isinstance(nav, (int, float)) and nav > 0 and np.isfinite(nav)):
        raise DataError(
            f"nav must be a positive number; got {nav!r}. Pass the portfolio's "
            "value in currency (nav=1.0 when the weights are all that matter)."
        )

    sources = [holdings, universe] + ([] if returns_only else [benchmark])
    snapshot = MarketSnapshot(
        assets=assets,
        labels=user_labels(assets, sources),
        benchmark=_aligned(bench_w, assets, 0.0),
        holdings=_aligned(hold, assets, 0.0),
        investable=investable,
        nav=float(nav),
        periods_per_year=float(periods_per_year),
        returns_only=returns_only,
        date=date,
        extra=dict(extra or {}),
        **snap_kwargs,
    )
    return snapshot, bench_returns


def user_labels(assets: pd.Index, sources: Sequence[Any]) -> pd.Index | None:
    """Return the user's integer tickers for ``assets`` (None when all are text).

    Labels are validated and aligned as strings; a ticker given as an integer
    (in the benchmark, holdings or universe) comes back as that integer, so
    ``result.weights[1011]`` works.
    """
    found: dict[str, Any] = {}
    for src in sources:
        if src is None:
            continue
        if isinstance(src, pd.Series):
            idx = src.index
        elif isinstance(src, pd.Index):  # no copy: this runs on every solve
            idx = src
        else:
            idx = pd.Index(list(src))
        if idx.dtype.kind in "iu":
            found.update((str(x), x) for x in idx.tolist())
    if not found:
        return None
    labels = [found.get(a, a) for a in assets]
    return pd.Index(labels, name=assets.name)


def _aligned(
    s: tuple[np.ndarray, pd.Index], assets: pd.Index, fill: float
) -> np.ndarray:
    """``(values, labels)`` reindexed on ``assets``, ``fill`` for absent tickers."""
    values, labels = s
    return take(values, positions(assets, labels), fill)


def check_return_scales(returns: pd.DataFrame, bench_returns: pd.Series) -> None:
    """Refuse a benchmark return series on another scale than the asset returns.

    Raises
    ------
    DataError
        The median absolute benchmark return is over 20 times that of the
        typical asset (percents against fractions).
    """
    asset = typical_abs(returns.to_numpy(dtype=float))
    bench = typical_abs(bench_returns.to_numpy(dtype=float))
    if asset > 0 and bench > 20 * asset:
        raise DataError(
            f"benchmark returns: their median absolute value {bench:.4g} is "
            f"{bench / asset:.0f} times that of the asset returns ({asset:.4g}); "
            "the benchmark looks like percents. Give both as fractions "
            "(0.01 = 1 %): divide percent values by 100."
        )


def is_return_series(benchmark: pd.Series, returns: pd.DataFrame | None) -> bool:
    """Decide whether ``benchmark`` is a return series (by date) or weights."""
    idx = benchmark.index
    if isinstance(idx, pd.DatetimeIndex):
        return True
    if returns is not None and len(idx):
        overlap_dates = idx.isin(returns.index).mean()
        overlap_tickers = pd.Index(idx.map(str)).isin(returns.columns).mean()
        if overlap_tickers == 0 and isinstance(returns.index, pd.DatetimeIndex):
            _refuse_text_dates(idx)
        return bool(overlap_dates > overlap_tickers)
    return False


def _refuse_text_dates(idx: pd.Index) -> None:
    """Raise when a benchmark's labels are dates written as text or numbers."""
    if idx.dtype.kind in "fc" or len(idx) == 0:
        return
    parsed = pd.to_datetime(pd.Series(idx.astype(str)), errors="coerce", format="mixed")
    if parsed.notna().all() and idx.dtype.kind not in "iu":
        raise MisalignedIndexError(
            f"benchmark is indexed by {idx[0]!r} ({idx.dtype} labels that look like "
            "dates) while returns has a DatetimeIndex, so it matches neither the "
            "returns' dates nor their tickers. Convert its index to dates: "
            "benchmark.index = pd.to_datetime(benchmark.index)."
        )
