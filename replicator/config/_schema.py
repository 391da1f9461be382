"""The run-configuration schema: pydantic models, one per YAML section.

Every section forbids unknown keys, so a typo is an error that names the key
and suggests the closest valid one (see :func:`replicator.config.load_config`).
The term sections (``risk``, ``costs``, ``constraints``) are kept as plain
mappings here; they are checked against the term classes' own signatures and
``validate_params`` by :mod:`replicator.config._terms`.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from replicator.config._derivatives import DerivativesConfig
from replicator.config._index import IndexConfig

__all__ = [
    "BenchmarkConfig",
    "DataConfig",
    "FrontierConfig",
    "OutputConfig",
    "PortfolioConfig",
    "RunConfig",
    "SolverConfig",
    "UniverseConfig",
]

NanPolicy = Literal["error", "drop_assets", "fill_zero"]
OutputFile = Literal["weights", "trades", "summary", "report"]
ALL_OUTPUTS: tuple[OutputFile, ...] = ("weights", "trades", "summary", "report")

#: The risk model when the config has no ``risk`` section (fewer factors are
#: fitted when there are fewer assets).
DEFAULT_RISK = {"type": "StatisticalFactor", "n_factors": 10}

#: Fields holding file paths, resolved against the config file's folder.
PATH_FIELDS: dict[str, tuple[str, ...]] = {
    "data": (
        "returns",
        "prices",
        "benchmark_weights",
        "benchmark_returns",
        "adv",
        "volumes",
        "sectors",
        "fees",
    ),
    "output": ("dir",),
    "benchmark": ("score_against",),
}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _finite_positive(value: float, name: str) -> float:
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"must be a positive finite number, got {value!r}")
    return value


class DataConfig(_Section):
    """Where the market data comes from.

    Either a bundled ``dataset`` (see ``replicator datasets``) or files; a
    file given next to a dataset replaces that piece of the dataset.
    """

    dataset: str | None = None
    returns: str | None = None
    prices: str | None = None
    benchmark_weights: str | None = None
    benchmark_returns: str | None = None
    adv: str | None = None
    volumes: str | None = None
    sectors: str | None = None
    fees: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    nan_policy: NanPolicy = "error"
    adv_window: int = Field(default=20, gt=0)
    sort_dates: bool = False

    @model_validator(mode="after")
    def _check(self) -> DataConfig:
        if self.dataset is None and self.returns is None and self.prices is None:
            raise ValueError(
                "give a bundled 'dataset' (see `replicator datasets`) or a "
                "'returns' or 'prices' file"
            )
        if self.returns is not None and self.prices is not None:
            raise ValueError("give 'returns' or 'prices', not both")
        if self.adv is not None and self.volumes is not None:
            raise ValueError("give 'adv' or 'volumes', not both")
        if self.start and self.end and self.start > self.end:
            raise ValueError(
                f"'start' ({self.start}) is after 'end' ({self.end}); swap them"
            )
        return self


class UniverseConfig(_Section):
    """Which assets may be held.

    ``tickers`` is a list, a file (one ticker per line or a CSV whose first
    column holds tickers) or ``"benchmark"`` (the benchmark constituents).
    Default: every asset with returns.
    """

    tickers: list[str] | str | None = None
    exclude: list[str] = Field(default_factory=list)

    @field_validator("tickers")
    @classmethod
    def _non_empty(cls, value: list[str] | str | None) -> list[str] | str | None:
        if isinstance(value, list) and not value:
            raise ValueError("is an empty list; omit it to use every asset")
        return value


class BenchmarkConfig(_Section):
    """What to track.

    ``kind``: ``weights`` (``data.benchmark_weights`` or the dataset's
    weights), ``returns`` (``data.benchmark_returns`` or the dataset's index
    returns: returns-only mode) or ``cap_weighted`` (the dataset's market-cap
    weights, optionally of the ``top`` assets after leaving out ``exclude``
    (tickers, or ``stablecoins``), capped at ``cap``, as of ``date``) or
    ``index`` (the point-in-time index of the ``index`` section, built by
    ``rp.indices``: weights by effective date in a backtest, scored against
    its level).
    Default: ``weights`` when available, else ``returns``. A weights file may
    be rescaled to sum to 1 on each date (``normalize: true``) or hold negative
    weights (``allow_negative: true``, a long/short benchmark).
    """

    kind: Literal["weights", "returns", "cap_weighted", "index"] | None = None
    normalize: bool = False
    allow_negative: bool = False
    name: str | None = None
    top: int | None = Field(default=None, gt=0)
    cap: float | None = Field(default=None, gt=0, le=1)
    date: dt.date | None = None
    exclude: list[str] | Literal["stablecoins"] | None = None
    index: IndexConfig | None = None  # kind: index (rp.indices methodology)
    #: A published index (level or returns file) the backtest is also scored on
    score_against: str | None = None
    score_against_kind: Literal["prices", "returns"] = "prices"

    @model_validator(mode="after")
    def _check(self) -> BenchmarkConfig:
        if (self.kind == "index") != (self.index is not None):
            raise ValueError("kind: index and an index section go together")
        extra = [
            k for k in ("top", "cap", "date", "exclude") if getattr(self, k) is not None
        ]
        if extra and self.kind != "cap_weighted":
            raise ValueError(
                f"{', '.join(extra)} only apply to kind: cap_weighted "
                f"(kind is {self.kind!r})"
            )
        return self


class PortfolioConfig(_Section):
    """The starting portfolio.

    ``holdings`` is ``cash``, ``benchmark`` or a file; ``drift_periods: N``
    lets those holdings drift with the last ``N`` returns of the window (a
    portfolio last rebalanced ``N`` periods ago).
    """

    holdings: str = "cash"
    nav: float = 1.0
    drift_periods: int | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _check(self) -> PortfolioConfig:
        if self.drift_periods is not None and self.holdings == "cash":
            raise ValueError(
                "drift_periods needs holdings to drift; set holdings to "
                "'benchmark' or a file"
            )
        return self

    @field_validator("nav")
    @classmethod
    def _nav(cls, value: float) -> float:
        return _finite_positive(value, "nav")


class SolverConfig(_Section):
    """Objective weights and the solver."""

    name: str = "auto"
    options: dict[str, Any] = Field(default_factory=dict)
    risk_aversion: float = 100.0
    horizon: float = 1.0
    periods_per_year: float | None = None  # None: the dataset's, else inferred
    fallback: bool = True
    backend: Literal["auto", "native", "cvxpy"] = "auto"

    @field_validator("risk_aversion", "horizon", "periods_per_year")
    @classmethod
    def _positive(cls, value: float | None) -> float | None:
        return None if value is None else _finite_positive(value, "")


class FrontierConfig(_Section):
    """Risk aversions swept by ``replicator frontier``."""

    risk_aversions: list[float] | None = None

    @field_validator("risk_aversions")
    @classmethod
    def _values(cls, value: list[float] | None) -> list[float] | None:
        if value is not None:
            if len(value) < 2:
                raise ValueError("needs at least 2 values")
            for x in value:
                _finite_positive(x, "")
        return value


class OutputConfig(_Section):
    """Where and what to write (``--out`` overrides ``dir``)."""

    dir: str | None = None
    files: list[OutputFile] = Field(default_factory=lambda: list(ALL_OUTPUTS))
    title: str | None = None


class RunConfig(_Section):
    """A complete run: data, benchmark, portfolio, model terms, solver, output.

    Build it with :func:`replicator.config.load_config`, which also resolves
    relative paths against the config file's folder.
    """

    name: str | None = None
    description: str | None = None
    data: DataConfig
    universe: UniverseConfig = Field(default_factory=UniverseConfig)
    benchmark: BenchmarkConfig = Field(default_factory=BenchmarkConfig)
    portfolio: PortfolioConfig = Field(default_factory=PortfolioConfig)
    risk: dict[str, Any] = Field(default_factory=lambda: dict(DEFAULT_RISK))
    costs: list[dict[str, Any]] = Field(default_factory=list)
    constraints: list[dict[str, Any]] = Field(
        default_factory=lambda: [{"type": "FullyInvested"}, {"type": "LongOnly"}]
    )
    solver: SolverConfig = Field(default_factory=SolverConfig)
    frontier: FrontierConfig = Field(default_factory=FrontierConfig)
    output: OutputConfig = Field(default_factory=OutputConfig)
    backtest: dict[str, Any] = Field(default_factory=dict)
    derivatives: DerivativesConfig | None = None

    def resolve_paths(self, base: Path) -> RunConfig:
        """Return a copy with relative paths made absolute against ``base``."""
        updates: dict[str, Any] = {}
        for section, fields in PATH_FIELDS.items():
            sec = getattr(self, section)
            changed = {
                f: _resolve(getattr(sec, f), base)
                for f in fields
                if getattr(sec, f) is not None
            }
            updates[section] = sec.model_copy(update=changed)
        if isinstance(self.universe.tickers, str) and self.universe.tickers != (
            "benchmark"
        ):
            updates["universe"] = self.universe.model_copy(
                update={"tickers": _resolve(self.universe.tickers, base)}
            )
        updates["risk"] = _resolve_term_files(self.risk, base)
        updates["costs"] = [_resolve_term_files(t, base) for t in self.costs]
        updates["constraints"] = [
            _resolve_term_files(t, base) for t in self.constraints
        ]
        if self.portfolio.holdings not in ("cash", "benchmark"):
            updates["portfolio"] = self.portfolio.model_copy(
                update={"holdings": _resolve(self.portfolio.holdings, base)}
            )
        if self.derivatives is not None:
            updates["derivatives"] = self.derivatives.resolve_paths(base)
        return self.model_copy(update=updates)


def _resolve(value: str, base: Path) -> str:
    path = Path(value).expanduser()
    return str(path if path.is_absolute() else (base / path).resolve())


def is_file_value(value: Any) -> bool:
    """Return True for a term value ``{file: path[, column: name]}``."""
    return (
        isinstance(value, dict)
        and "file" in value
        and set(value) <= {"file", "column"}
        and isinstance(value["file"], str)
    )


def _resolve_term_files(spec: Any, base: Path) -> Any:
    if not isinstance(spec, dict):
        return spec
    out = dict(spec)
    for key, value in spec.items():
        if is_file_value(value):
            out[key] = {**value, "file": _resolve(value["file"], base)}
    return out
