"""Catalog of the bundled datasets, file access and shared helpers."""

from __future__ import annotations

from functools import cache
from importlib.resources import as_file, files
from pathlib import Path

import numpy as np
import pandas as pd

from replicator.exceptions import ConfigError, DataError

__all__ = ["CATALOG", "asof_position", "list_datasets", "provenance", "resource"]

#: Static description of each dataset (checked against the files by the tests).
CATALOG: dict[str, dict[str, object]] = {
    "sp500": {
        "description": (
            "S&P 500 survivors + index, daily returns; implied weights and ADV "
            "proxy are model outputs"
        ),
        "period": "2010-01-04..2011-12-30",
        "n_assets": 386,
        "source": "R package sparseIndexTracking",
        "license": "GPL-3",
    },
    "crypto": {
        "description": "Daily crypto price, market cap and volume, gap-free",
        "period": "2019-07-01..2021-10-17",
        "n_assets": 26,
        "source": "CoinGecko via 4 GitHub repos",
        "license": "CoinGecko terms (see provenance)",
    },
    "crypto_universe": {
        "description": "Point-in-time crypto universe: every coin, own history",
        "period": "2013-04-28..2021-10-17",
        "n_assets": 52,
        "source": "CoinGecko via 4 GitHub repos",
        "license": "CoinGecko terms (see provenance)",
    },
    "dow30": {
        "description": "Dow-30 daily returns, real USD volumes, volatilities",
        "period": "2014-01-02..2014-12-31",
        "n_assets": 28,
        "source": "cvxportfolio 1.5.1 tests",
        "license": "GPL-3",
    },
}


def resource(name: str) -> Path:
    """Return the path of a bundled data file, or raise a DataError."""
    ref = files("replicator.datasets") / name
    with as_file(ref) as path:
        if not Path(path).is_file():
            raise DataError(
                f"Bundled dataset file '{name}' not found in {path.parent}. The "
                "package data is missing; reinstall replicator (pip install "
                "--force-reinstall replicator)."
            )
        return Path(path)


def _check_name(name: str) -> str:
    if name not in CATALOG:
        raise ConfigError(
            f"Unknown dataset {name!r}. Available datasets: "
            f"{', '.join(repr(k) for k in CATALOG)}."
        )
    return name


@cache
def provenance(name: str) -> str:
    """Return the provenance note of a bundled dataset.

    Parameters
    ----------
    name : {"sp500", "crypto", "dow30"}
        The dataset.

    Returns
    -------
    str
        Markdown text: source repository and commit, license, columns, and how
        the shipped files were derived.
    """
    return resource(f"{_check_name(name)}.md").read_text(encoding="utf-8")


def list_datasets() -> pd.DataFrame:
    """List the bundled datasets.

    Returns
    -------
    DataFrame
        One row per dataset with columns name, description, period, n_assets,
        source and license.
    """
    rows = [{"name": name, **info} for name, info in CATALOG.items()]
    return pd.DataFrame(
        rows,
        columns=["name", "description", "period", "n_assets", "source", "license"],
    )


def parse_date(value: object, argument: str) -> pd.Timestamp | None:
    """Parse a date argument; None stays None."""
    if value is None:
        return None
    try:
        return pd.Timestamp(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConfigError(
            f"The '{argument}' argument must be a date such as '2010-06-30'; got "
            f"{value!r}."
        ) from None


def slice_dates(
    index: pd.DatetimeIndex, start: object, end: object, dataset: str
) -> np.ndarray:
    """Boolean mask of ``start <= date <= end``; raise if it selects nothing."""
    lo, hi = parse_date(start, "start"), parse_date(end, "end")
    mask = np.ones(len(index), dtype=bool)
    if lo is not None:
        mask &= index >= lo
    if hi is not None:
        mask &= index <= hi
    if not mask.any():
        raise DataError(
            f"Dataset '{dataset}' has no dates between {start} and {end}; it covers "
            f"{index[0].date()} .. {index[-1].date()}. Pass dates in that range."
        )
    return mask


def asof_position(index: pd.DatetimeIndex, date: object, dataset: str) -> int:
    """Position of the last date on or before ``date`` (None: the last date)."""
    when = parse_date(date, "date")
    if when is None:
        return len(index) - 1
    pos = int(index.searchsorted(when, side="right")) - 1
    if pos < 0:
        raise DataError(
            f"Dataset '{dataset}' has no data on or before {when.date()}; it starts "
            f"on {index[0].date()}. Pass a later date."
        )
    return pos


def check_positive_int(value: object, argument: str) -> int:
    """Return ``value`` as int, or raise a ConfigError naming ``argument``."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | np.integer)
        or int(value) < 1
    ):
        raise ConfigError(
            f"The '{argument}' argument must be a positive integer; got {value!r}."
        )
    return int(value)
