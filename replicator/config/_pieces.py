"""Load the pieces of a run one config section at a time.

Each function records its failures in a :class:`Collector` under the field
path at fault and returns None for that piece, so that every problem of a
config is found in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from replicator.config._index import build_config_index, weights_decided_by
from replicator.config._schema import RunConfig
from replicator.config._sources import (
    call_loader,
    check_known,
    items,
    read_tickers,
    window,
)
from replicator.exceptions import DataError, ReplicatorError

__all__ = [
    "Collector",
    "Context",
    "load_benchmark",
    "load_market",
    "load_portfolio",
    "load_universe",
    "piece",
]


class Collector:
    """Run loading steps, recording each failure under its field path."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def run(self, path: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Return ``fn(*args, **kwargs)``, or None after recording its error."""
        try:
            return fn(*args, **kwargs)
        except ReplicatorError as exc:
            text = str(exc)
            self.problems.append(text if text.startswith(path) else f"{path}: {text}")
        except (OSError, ValueError, KeyError) as exc:  # defensive: loader bug
            self.problems.append(
                f"{path}: could not load ({type(exc).__name__}: {exc})"
            )
        return None


@dataclass
class Context:
    """What every section loader needs: the config, dataset, date, collector."""

    config: RunConfig
    dataset: Any
    date: Any
    collect: Collector
    files: dict[str, str] = field(default_factory=dict)
    history: Any = None  # benchmark weights by effective date (backtests)
    index: Any = None  # the rp.indices history of kind: index

    def load(self, path: str, loader: str, file: str, **kwargs: Any) -> Any:
        """Load ``file`` with ``replicator.data.<loader>``, recording problems."""
        self.files[path] = file
        return self.collect.run(path, call_loader, loader, file, **kwargs)


def piece(ds: Any, *names: str) -> Any:
    """Return the first of ``names`` the dataset ``ds`` provides, or None."""
    for n in names:
        value = getattr(ds, n, None) if ds is not None else None
        if value is not None:
            return value
    return None


def load_benchmark(ctx: Context) -> tuple[str, pd.Series | None]:
    """Return the benchmark kind and the benchmark (weights or returns)."""
    d, b, ds, c = ctx.config.data, ctx.config.benchmark, ctx.dataset, ctx.collect
    kind = b.kind or (
        "weights"
        if d.benchmark_weights or piece(ds, "weights") is not None
        else "returns"
    )
    bench = None
    if kind == "weights":
        if d.benchmark_weights:
            bench = ctx.load("data.benchmark_weights", "load_benchmark_weights",
                             d.benchmark_weights, date=ctx.date,
                             normalize=b.normalize,
                             allow_negative=b.allow_negative)  # fmt: skip
            try:
                dated = call_loader("load_benchmark_weights", d.benchmark_weights,
                                    date="all", normalize=b.normalize,
                                    allow_negative=b.allow_negative)  # fmt: skip
            except ReplicatorError:  # an undated file: one set of weights
                dated = None
            if isinstance(dated, pd.DataFrame) and len(dated) > 1:
                ctx.history = dated  # every effective date, not only the last
        elif (bench := piece(ds, "weights")) is None:
            c.problems.append(
                "benchmark.kind: 'weights' needs data.benchmark_weights or a "
                "dataset with weights"
            )
    elif kind == "returns":
        if d.benchmark_returns:
            bench = ctx.load("data.benchmark_returns", "load_benchmark_returns",
                             d.benchmark_returns, sort_dates=d.sort_dates)  # fmt: skip
        elif (bench := piece(ds, "index_returns", "benchmark_returns")) is None:
            c.problems.append(
                "benchmark.kind: 'returns' needs data.benchmark_returns or a "
                "dataset with index returns"
            )
        if bench is not None:
            bench = c.run("data.start", window, bench, d.start, d.end,
                          "benchmark returns")  # fmt: skip
    elif kind == "index":
        ctx.index = c.run("benchmark.index", build_config_index, b.index, ds,
                          ctx.date, b.name or "index")  # fmt: skip
        if ctx.index is not None:
            ctx.history = ctx.index.weights
            bench = c.run("benchmark.index", weights_decided_by, ctx.index, ctx.date)
    elif ds is None or not hasattr(ds, "cap_weights"):
        c.problems.append(
            "benchmark.kind: 'cap_weighted' needs a dataset with market caps "
            "(e.g. data.dataset: crypto)"
        )
    else:
        exclude = b.exclude or ()
        if exclude == "stablecoins":
            exclude = tuple(getattr(ds, "stablecoins", ()))
        bench = c.run("benchmark", ds.cap_weights, date=b.date or ctx.date,
                      cap=b.cap, top=b.top, exclude=exclude)  # fmt: skip
    if isinstance(bench, pd.DataFrame):  # dated weights: the latest row
        bench = bench.iloc[-1]
        bench = bench[bench != 0]
    return kind, bench


def load_universe(
    ctx: Context, kind: str, bench: pd.Series | None, returns: pd.DataFrame | None
) -> list[str] | None:
    """Return the investable tickers (None: every asset with returns)."""
    u, c = ctx.config.universe, ctx.collect
    universe = None
    if isinstance(u.tickers, list):
        universe = [str(t) for t in u.tickers]
    elif u.tickers == "benchmark":
        if kind == "returns":
            c.problems.append(
                "universe.tickers: 'benchmark' needs benchmark weights, but the "
                "benchmark is a return series; list the tickers instead"
            )
        elif bench is not None:
            universe = [str(t) for t in bench.index]
    elif isinstance(u.tickers, str):
        ctx.files["universe.tickers"] = u.tickers
        universe = c.run("universe.tickers", read_tickers, u.tickers,
                         "universe.tickers")  # fmt: skip
    if returns is not None:
        known = pd.Index(returns.columns.map(str))
        if universe is not None:
            c.run("universe.tickers", check_known, universe, known,
                  "universe.tickers", "the returns")  # fmt: skip
        if u.exclude:
            c.run("universe.exclude", check_known, list(u.exclude), known,
                  "universe.exclude", "the returns")  # fmt: skip
            base = universe if universe is not None else list(known)
            universe = [t for t in base if t not in set(u.exclude)]
            if base and not universe:
                c.problems.append(
                    f"universe.exclude: the universe is empty: it excludes every "
                    f"one of the {len(base)} tickers of universe.tickers (or of the "
                    "returns). Remove tickers from universe.exclude."
                )
    return universe


def load_portfolio(
    ctx: Context, kind: str, bench: pd.Series | None, returns: pd.DataFrame | None
) -> tuple[pd.Series | None, float]:
    """Return the starting holdings (None: all cash) and the NAV."""
    p, c = ctx.config.portfolio, ctx.collect
    nav, holdings = p.nav, None
    if p.holdings == "benchmark":
        if kind == "returns":
            c.problems.append(
                "portfolio.holdings: 'benchmark' needs benchmark weights; the "
                "benchmark is a return series"
            )
        else:
            holdings = bench
    elif p.holdings != "cash":
        # nav only when the config sets it: a quantities file is otherwise
        # worth the value of its positions (and cash row).
        given = p.nav if "nav" in p.model_fields_set else None
        h = ctx.load("portfolio.holdings", "load_holdings", p.holdings, nav=given)
        if h is not None:
            holdings = getattr(h, "weights", h)
            nav = getattr(h, "nav", None) or nav
    if holdings is not None and p.drift_periods and returns is not None:
        holdings = c.run("portfolio.drift_periods", drift, holdings, returns,
                         p.drift_periods)  # fmt: skip
    return holdings, float(nav)


def load_market(ctx: Context) -> tuple[Any, Any, Any]:
    """Return ADV, sectors and fees (each None when not given)."""
    d, ds, c, date = ctx.config.data, ctx.dataset, ctx.collect, ctx.date
    adv = None
    if d.adv:
        adv = ctx.load("data.adv", "load_adv", d.adv, date=date)
    elif d.volumes:
        adv = ctx.load("data.volumes", "load_adv", d.volumes, window=d.adv_window,
                       date=date)  # fmt: skip
    elif ds is not None:
        adv = piece(ds, "adv")
        if callable(adv):  # e.g. CryptoData.adv(window, date)
            adv = c.run("data.adv_window", adv, window=d.adv_window, date=date)
        vols = piece(ds, "volumes")
        if adv is None and isinstance(vols, pd.DataFrame):
            adv = c.run("data.volumes", adv_from_volumes, vols, d.adv_window, date)
    if isinstance(adv, pd.DataFrame):
        adv = c.run("data.adv", adv_from_volumes, adv, d.adv_window, date)
    sectors = (
        ctx.load("data.sectors", "load_sectors", d.sectors)
        if d.sectors
        else piece(ds, "sectors")
    )
    fees = ctx.load("data.fees", "load_fees", d.fees) if d.fees else None
    return adv, sectors, fees


def adv_from_volumes(volumes: pd.DataFrame, days: int, end: Any) -> pd.Series:
    """Average daily traded value over the last ``days`` dates up to ``end``."""
    if end is not None:
        volumes = volumes.loc[volumes.index <= pd.Timestamp(end)]
    if len(volumes) == 0:
        raise DataError(
            "data.volumes: no traded volumes on or before the rebalance date "
            f"{end}; extend the volume history."
        )
    return volumes.tail(days).mean(skipna=True)


def drift(holdings: pd.Series, returns: pd.DataFrame, periods: int) -> pd.Series:
    r"""Let ``holdings`` drift with the last ``periods`` returns (cash earns 0).

    Notes
    -----
    .. math:: w_i = h_i g_i \Big/ \big(\textstyle\sum_j h_j g_j + c\big),
              \quad g_i = \prod_t (1 + r_{t,i}),\quad c = 1 - \sum_j h_j
    """
    if periods > len(returns):
        raise DataError(
            f"portfolio.drift_periods: {periods} periods is beyond the returns "
            f"window, which has {len(returns)} dates "
            f"({pd.Timestamp(returns.index[0]).date()} .. "
            f"{pd.Timestamp(returns.index[-1]).date()}). Lower drift_periods to at "
            f"most {len(returns)}, or move data.start earlier."
        )
    h = holdings.astype(float)
    h.index = h.index.map(str)
    missing = h.index.difference(returns.columns)
    if len(missing):
        raise DataError(
            f"portfolio.drift_periods: holdings {items(missing)} have no "
            "returns to drift with; add their returns or drop drift_periods."
        )
    growth = (1.0 + returns[h.index].tail(periods)).prod()
    cash = 1.0 - float(h.sum())
    grown = h * growth
    return grown / (float(grown.sum()) + cash)
