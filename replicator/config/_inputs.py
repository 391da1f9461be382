"""Load every input a config names into the arguments of ``Replicator.solve``.

Each piece (returns, benchmark, holdings, ADV, sectors, fees, universe) is
loaded independently and its failure recorded under its field path, so that
``replicator validate`` reports every data problem at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from replicator.config._derivatives import extend_inputs
from replicator.config._pieces import (
    Collector,
    Context,
    load_benchmark,
    load_market,
    load_portfolio,
    load_universe,
    piece,
)
from replicator.config._schema import DEFAULT_RISK, RunConfig
from replicator.config._sources import (
    apply_nan_policy,
    call_loader,
    items,
    load_dataset,
    window,
)
from replicator.exceptions import ConfigError, DataError

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
    history: pd.DataFrame | None = None  # benchmark weights by effective date
    index: Any = None  # rp.indices.IndexHistory of benchmark.kind: index
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


def _returns(config: RunConfig, ds: Any, c: Collector, files: dict[str, str]) -> Any:
    d = config.data
    if d.returns or d.prices:
        role = "returns" if d.returns else "prices"
        path = str(d.returns or d.prices)
        files[f"data.{role}"] = path
        return c.run(f"data.{role}", call_loader, "load_returns", path, kind=role,
                     nan_policy=d.nan_policy, sort_dates=d.sort_dates)  # fmt: skip
    if ds is None:
        return None
    rets = piece(ds, "returns")
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

    Notes
    -----
    The rebalance date is the last date of the returns in the
    ``data.start`` .. ``data.end`` window. A bundled panel is cut to the
    modelled assets (universe, benchmark, holdings) before ``nan_policy``
    applies; ADV and sectors are cut to the assets with returns.
    """
    d = config.data
    c = Collector()
    ds = c.run("data.dataset", load_dataset, d.dataset) if d.dataset else None
    if d.dataset and ds is None:
        raise InputProblems(c.problems)
    files: dict[str, str] = {}
    returns = _returns(config, ds, c, files)
    if returns is not None:
        returns = c.run("data.start", window, returns, d.start, d.end, "returns")
    date = returns.index[-1] if returns is not None and len(returns) else d.end
    ctx = Context(config, ds, date, c, files)
    kind, bench = load_benchmark(ctx)
    universe = load_universe(ctx, kind, bench, returns)
    holdings, nav = load_portfolio(ctx, kind, bench, returns)
    adv, sectors, fees = load_market(ctx)
    raw_columns = list(returns.columns) if returns is not None else []
    if returns is not None and ds is not None and not (d.returns or d.prices):
        needed = _needed(returns, universe, bench, holdings, kind)
        if ctx.history is not None:  # every constituent of the dated weights
            ever = ctx.history.columns[(ctx.history != 0).any().to_numpy()]
            needed = [c for c in returns.columns if c in set(needed) | set(ever)]
        returns = c.run("data.nan_policy", apply_nan_policy, returns[needed],
                        d.nan_policy, f"dataset {d.dataset!r} returns")  # fmt: skip
    if returns is not None and d.nan_policy == "drop_assets":
        c.run("data.nan_policy", check_dropped, returns, raw_columns, bench, kind,
              holdings, universe)  # fmt: skip
    if returns is not None and adv is not None:
        adv = adv.reindex(returns.columns.intersection(adv.index.map(str))).dropna()
    if returns is not None and sectors is not None:
        sectors = sectors[sectors.index.isin(returns.columns)]
    if config.derivatives is not None and returns is not None:
        extended = c.run("derivatives.perps", extend_inputs, config.derivatives,
                         returns, universe, adv)  # fmt: skip
        returns, universe, adv = extended or (returns, universe, adv)
    if returns is not None and config.risk != DEFAULT_RISK:
        c.run("risk.n_factors", check_n_factors, config.risk, returns.shape[1])
    if c.problems or bench is None:
        raise InputProblems(c.problems or ["benchmark: could not be built"])
    refs = {"adv": adv, "sectors": sectors, "fees": fees}
    provenance = piece(ds, "provenance")
    if isinstance(provenance, str):  # a Markdown note: keep its title line
        provenance = provenance.strip().splitlines()[0].lstrip("# ").strip()
    return RunInputs(
        returns=returns,
        benchmark=bench,
        holdings=holdings,
        nav=nav,
        adv=adv,
        groups=sectors,
        universe=universe,
        date=date,
        benchmark_name=config.benchmark.name or _default_name(config, kind),
        dataset=d.dataset,
        provenance=provenance,
        periods_per_year=piece(ds, "periods_per_year"),
        files=files,
        history=ctx.history,
        index=ctx.index,
        refs={k: v for k, v in refs.items() if v is not None},
    )


def check_n_factors(risk: dict[str, Any], n_assets: int) -> None:
    """Refuse a statistical factor model with more factors than assets.

    Raises
    ------
    ConfigError
        ``risk.n_factors`` exceeds the number of assets with returns.
    """
    k = risk.get("n_factors")
    if risk.get("type") != "StatisticalFactor" or not isinstance(k, int):
        return
    if k > n_assets:
        raise ConfigError(
            f"risk.n_factors: {k} factors for {n_assets} assets with returns; a "
            "statistical factor model cannot have more factors than assets. Set "
            f"risk.n_factors to at most {n_assets} (typically 5-20 for hundreds "
            "of assets)."
        )


def check_dropped(
    returns: pd.DataFrame,
    before: list[str],
    benchmark: pd.Series | None,
    kind: str,
    holdings: pd.Series | None,
    universe: list[str] | None,
) -> None:
    """Name the assets ``nan_policy: drop_assets`` dropped that the run needs.

    Raises
    ------
    DataError
        A benchmark constituent, a holding or a listed universe ticker was
        dropped for missing returns (e.g. a stock listed inside the window).
    """
    dropped = set(map(str, returns.attrs.get("dropped_assets", ())))
    dropped |= {str(t) for t in before} - {str(t) for t in returns.columns}
    roles = []
    if kind != "returns" and benchmark is not None:
        roles.append(("benchmark constituents", benchmark[benchmark != 0].index))
    if holdings is not None:
        roles.append(("current holdings", holdings[holdings != 0].index))
    if universe is not None:
        roles.append(("universe tickers", universe))
    for role, tickers in roles:
        hit = sorted(dropped & {str(t) for t in tickers})
        if hit:
            raise DataError(
                f"drop_assets dropped {len(hit)} {role} because they have missing "
                f"returns in the window from {pd.Timestamp(returns.index[0]).date()} "
                f"({items(hit)}; e.g. listed later), so the run cannot model them. "
                "Set data.nan_policy: fill_zero (a missing return counts as 0), or "
                "move data.start after their first return."
            )


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
