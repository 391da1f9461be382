"""Load every input a config names into the arguments of ``Replicator.solve``.

Each piece (returns, benchmark, holdings, ADV, sectors, fees, universe) is
loaded independently and its failure recorded under its field path, so that
``replicator validate`` reports every data problem at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from replicator.config._schema import RunConfig
from replicator.config._sources import (
    apply_nan_policy,
    call_loader,
    check_known,
    load_dataset,
    read_tickers,
    window,
)
from replicator.data._validate import format_items
from replicator.exceptions import ConfigError, DataError, ReplicatorError

__all__ = ["InputProblems", "RunInputs", "load_inputs"]


class InputProblems(DataError):
    """Every data problem found while loading a config's inputs."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass
class RunInputs:
    """The loaded, aligned inputs of a run (arguments of ``Replicator.solve``)."""

    returns: pd.DataFrame | None
    benchmark: pd.Series
    holdings: pd.Series | None = None
    nav: float = 1.0
    adv: pd.Series | None = None
    groups: pd.Series | None = None
    universe: list[str] | None = None
    date: Any = None
    benchmark_name: str = "benchmark"
    dataset: str | None = None
    provenance: Any = None
    periods_per_year: float | None = None
    files: dict[str, str] = field(default_factory=dict)
    refs: dict[str, Any] = field(default_factory=dict)

    def solve_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of :meth:`replicator.Replicator.solve`."""
        return {
            "returns": self.returns,
            "benchmark": self.benchmark,
            "holdings": self.holdings,
            "nav": self.nav,
            "adv": self.adv,
            "groups": self.groups,
            "universe": self.universe,
            "date": self.date,
        }


class _Collector:
    """Run loading steps, recording each failure under its field path."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def run(self, path: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
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


def _piece(ds: Any, *names: str) -> Any:
    for n in names:
        value = getattr(ds, n, None) if ds is not None else None
        if value is not None:
            return value
    return None


def _adv_from_volumes(volumes: pd.DataFrame, days: int, end: Any) -> pd.Series:
    """Average daily traded value over the last ``days`` dates up to ``end``."""
    if end is not None:
        volumes = volumes.loc[volumes.index <= pd.Timestamp(end)]
    if len(volumes) == 0:
        raise DataError(
            "data.volumes: no traded volumes on or before the rebalance date "
            f"{end}; extend the volume history."
        )
    return volumes.tail(days).mean(skipna=True)


def _returns(config: RunConfig, ds: Any, c: _Collector, files: dict[str, str]) -> Any:
    d = config.data
    if d.returns or d.prices:
        role = "returns" if d.returns else "prices"
        path = d.returns or d.prices
        files[f"data.{role}"] = str(path)
        return c.run(
            f"data.{role}",
            call_loader,
            "load_returns",
            str(path),
            kind=role,
            nan_policy=d.nan_policy,
        )
    if ds is None:
        return None
    rets = _piece(ds, "returns")
    if rets is None:
        c.problems.append(
            f"data.dataset: {d.dataset!r} has no returns; give data.returns"
        )
    return rets


def load_inputs(config: RunConfig) -> RunInputs:
    """Load the data, benchmark, universe and portfolio of a config.

    Parameters
    ----------
    config : RunConfig
        A validated config (paths already resolved).

    Returns
    -------
    RunInputs

    Raises
    ------
    InputProblems
        One entry per input that failed, each naming its config field, the
        file and what is wrong.
    """
    d, b = config.data, config.benchmark
    c = _Collector()
    files: dict[str, str] = {}
    ds = c.run("data.dataset", load_dataset, d.dataset) if d.dataset else None
    if d.dataset and ds is None:
        raise InputProblems(c.problems)
    returns = _returns(config, ds, c, files)
    if returns is not None:
        returns = c.run("data.start", window, returns, d.start, d.end, "returns")
    date = returns.index[-1] if returns is not None and len(returns) else d.end

    # ---------------------------------------------------------- benchmark
    kind = b.kind
    has_w = d.benchmark_weights is not None or _piece(ds, "weights") is not None
    if kind is None:
        kind = "weights" if has_w else "returns"
    benchmark = None
    if kind == "weights":
        if d.benchmark_weights:
            files["data.benchmark_weights"] = d.benchmark_weights
            benchmark = c.run(
                "data.benchmark_weights", call_loader, "load_benchmark_weights",
                d.benchmark_weights, date=date,
            )  # fmt: skip
        elif _piece(ds, "weights") is not None:
            benchmark = _piece(ds, "weights")
        else:
            c.problems.append(
                "benchmark.kind: 'weights' needs data.benchmark_weights or a "
                "dataset with weights"
            )
    elif kind == "returns":
        if d.benchmark_returns:
            files["data.benchmark_returns"] = d.benchmark_returns
            benchmark = c.run(
                "data.benchmark_returns", call_loader, "load_benchmark_returns",
                d.benchmark_returns,
            )  # fmt: skip
        else:
            benchmark = _piece(ds, "index_returns", "benchmark_returns")
            if benchmark is None:
                c.problems.append(
                    "benchmark.kind: 'returns' needs data.benchmark_returns or a "
                    "dataset with index returns"
                )
        if benchmark is not None:
            benchmark = c.run(
                "data.start", window, benchmark, d.start, d.end, "benchmark returns"
            )
    else:  # cap_weighted
        if ds is None or not hasattr(ds, "cap_weights"):
            c.problems.append(
                "benchmark.kind: 'cap_weighted' needs a dataset with market caps "
                "(e.g. data.dataset: crypto)"
            )
        else:
            exclude = b.exclude or ()
            if exclude == "stablecoins":
                exclude = tuple(getattr(ds, "stablecoins", ()))
            benchmark = c.run(
                "benchmark", ds.cap_weights, date=b.date or date, cap=b.cap,
                top=b.top, exclude=exclude,
            )  # fmt: skip
    if isinstance(benchmark, pd.DataFrame):
        benchmark = benchmark.iloc[-1]
        benchmark = benchmark[benchmark != 0]

    # ----------------------------------------------------------- universe
    universe = None
    u = config.universe
    if isinstance(u.tickers, list):
        universe = [str(t) for t in u.tickers]
    elif u.tickers == "benchmark":
        if kind == "returns":
            c.problems.append(
                "universe.tickers: 'benchmark' needs benchmark weights, but the "
                "benchmark is a return series; list the tickers instead"
            )
        elif benchmark is not None:
            universe = [str(t) for t in benchmark.index]
    elif isinstance(u.tickers, str):
        files["universe.tickers"] = u.tickers
        universe = c.run(
            "universe.tickers", read_tickers, u.tickers, "universe.tickers"
        )
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

    # ---------------------------------------------------------- portfolio
    p = config.portfolio
    nav, holdings = p.nav, None
    if p.holdings == "benchmark":
        if kind == "returns":
            c.problems.append(
                "portfolio.holdings: 'benchmark' needs benchmark weights; the "
                "benchmark is a return series"
            )
        else:
            holdings = benchmark
    elif p.holdings != "cash":
        files["portfolio.holdings"] = p.holdings
        h = c.run("portfolio.holdings", call_loader, "load_holdings", p.holdings,
                  nav=p.nav)  # fmt: skip
        if h is not None:
            holdings = getattr(h, "weights", h)
            nav = getattr(h, "nav", None) or nav

    if holdings is not None and p.drift_periods and returns is not None:
        holdings = c.run("portfolio.drift_periods", _drift, holdings, returns,
                         p.drift_periods)  # fmt: skip

    # ---------------------------------------------- ADV, sectors and fees
    adv = None
    if d.adv:
        files["data.adv"] = d.adv
        adv = c.run("data.adv", call_loader, "load_adv", d.adv, date=date)
    elif d.volumes:
        files["data.volumes"] = d.volumes
        adv = c.run("data.volumes", call_loader, "load_adv", d.volumes,
                    window=d.adv_window, date=date)  # fmt: skip
    elif ds is not None:
        adv = _piece(ds, "adv")
        if callable(adv):  # e.g. CryptoData.adv(window, date)
            adv = c.run("data.adv_window", adv, window=d.adv_window, date=date)
        vols = _piece(ds, "volumes")
        if adv is None and isinstance(vols, pd.DataFrame):
            adv = c.run("data.volumes", _adv_from_volumes, vols, d.adv_window, date)
    if isinstance(adv, pd.DataFrame):
        adv = c.run("data.adv", _adv_from_volumes, adv, d.adv_window, date)
    sectors = None
    if d.sectors:
        files["data.sectors"] = d.sectors
        sectors = c.run("data.sectors", call_loader, "load_sectors", d.sectors)
    else:
        sectors = _piece(ds, "sectors")
    fees = None
    if d.fees:
        files["data.fees"] = d.fees
        fees = c.run("data.fees", call_loader, "load_fees", d.fees)

    # ----------------------------------------- restrict a bundled panel
    if returns is not None and ds is not None and not (d.returns or d.prices):
        needed = _needed(returns, universe, benchmark, holdings, kind)
        returns = c.run(
            "data.nan_policy", apply_nan_policy, returns[needed], d.nan_policy,
            f"dataset {d.dataset!r} returns",
        )  # fmt: skip
    if returns is not None and adv is not None:
        adv = adv.reindex(returns.columns.intersection(adv.index.map(str)))
        adv = adv.dropna()
    if sectors is not None and returns is not None:
        sectors = sectors[sectors.index.isin(returns.columns)]

    if c.problems:
        raise InputProblems(c.problems)
    if benchmark is None:  # pragma: no cover - recorded above
        raise ConfigError("benchmark: could not be built")
    refs = {
        k: v
        for k, v in {"adv": adv, "sectors": sectors, "fees": fees}.items()
        if v is not None
    }
    provenance = _piece(ds, "provenance")
    if isinstance(provenance, str):  # a Markdown note: keep its title line
        provenance = provenance.strip().splitlines()[0].lstrip("# ").strip()
    return RunInputs(
        returns=returns,
        benchmark=benchmark,
        holdings=holdings,
        nav=float(nav),
        adv=adv,
        groups=sectors,
        universe=universe,
        date=date,
        benchmark_name=b.name or _default_name(config, kind),
        dataset=d.dataset,
        provenance=provenance,
        periods_per_year=_piece(ds, "periods_per_year"),
        files=files,
        refs=refs,
    )


def _drift(holdings: pd.Series, returns: pd.DataFrame, periods: int) -> pd.Series:
    r"""Let ``holdings`` drift with the last ``periods`` returns (cash earns 0).

    Notes
    -----
    .. math:: w_i = h_i g_i \Big/ \big(\textstyle\sum_j h_j g_j + c\big),
              \quad g_i = \prod_t (1 + r_{t,i}),\quad c = 1 - \sum_j h_j
    """
    h = holdings.astype(float)
    h.index = h.index.map(str)
    missing = h.index.difference(returns.columns)
    if len(missing):
        raise DataError(
            f"portfolio.drift_periods: holdings {format_items(missing)} have no "
            "returns to drift with; add their returns or drop drift_periods."
        )
    growth = (1.0 + returns[h.index].tail(periods)).prod()
    cash = 1.0 - float(h.sum())
    grown = h * growth
    return grown / (float(grown.sum()) + cash)


def _needed(
    returns: pd.DataFrame,
    universe: list[str] | None,
    benchmark: pd.Series | None,
    holdings: pd.Series | None,
    kind: str,
) -> list[str]:
    """Columns of a bundled panel the run models (universe, benchmark, holdings)."""
    if universe is None:
        return list(returns.columns)
    keep = set(universe)
    if kind != "returns" and benchmark is not None:
        keep |= {str(t) for t in benchmark.index}
    if holdings is not None:
        keep |= {str(t) for t in holdings.index}
    return [c for c in returns.columns if c in keep]


def _default_name(config: RunConfig, kind: str) -> str:
    if config.data.dataset:
        return f"{config.data.dataset} ({kind})"
    return "benchmark"
