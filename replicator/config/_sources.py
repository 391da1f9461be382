"""Access to the data sources a config names: bundled datasets and files.

Files go through the public loaders of :mod:`replicator.data`, bundled data
through :mod:`replicator.datasets`; this module only adds what a config needs
on top (date windows, the NaN policy on bundled panels, ticker lists).
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from replicator.config._load import suggest
from replicator.exceptions import ConfigError, DataError, NaNError

__all__ = [
    "apply_nan_policy",
    "call_loader",
    "dataset_names",
    "items",
    "load_dataset",
    "read_tickers",
    "window",
]


def items(values: Any, limit: int = 5) -> str:
    """Format tickers or dates for a message: ``'A', 'B', ... (3 more)``."""
    values = [str(x) for x in values]
    shown = ", ".join(repr(x) for x in values[:limit])
    if len(values) > limit:
        shown += f", ... ({len(values) - limit} more)"
    return shown


def _datasets() -> Any:
    import replicator.datasets as datasets

    return datasets


def _data() -> Any:
    import replicator.data as data

    return data


def dataset_names() -> list[str]:
    """Names of the bundled datasets (``replicator datasets``)."""
    datasets = _datasets()
    if hasattr(datasets, "list_datasets"):
        return [str(n) for n in datasets.list_datasets()["name"]]
    return sorted(n[5:] for n in dir(datasets) if n.startswith("load_"))


def load_dataset(name: str) -> Any:
    """Load a bundled dataset by name, e.g. ``"sp500"``.

    Raises
    ------
    ConfigError
        Unknown name (with the closest match and the list of datasets).
    """
    names = dataset_names()
    loader = getattr(_datasets(), f"load_{name}", None)
    if name not in names or loader is None:
        raise ConfigError(
            f"data.dataset: unknown dataset {name!r}{suggest(name, names)}; "
            f"available: {', '.join(names) or 'none'} (see `replicator datasets`)"
        )
    return loader()


def call_loader(name: str, path: str, **kwargs: Any) -> Any:
    """Call ``replicator.data.<name>(path, ...)`` with the kwargs it accepts."""
    loader: Callable[..., Any] | None = getattr(_data(), name, None)
    if loader is None:
        raise ConfigError(
            f"replicator.data.{name} is not available in this version of "
            "replicator; upgrade it or drop that input from the config."
        )
    if not Path(path).exists():
        raise DataError(
            f"File '{path}' not found. Relative paths in a config file are taken "
            "from the config file's folder, not the current directory: fix the "
            "path in the config."
        )
    params = inspect.signature(loader).parameters
    accepted = {k: v for k, v in kwargs.items() if k in params and v is not None}
    return loader(path, **accepted)


def window(
    frame: pd.DataFrame | pd.Series,
    start: dt.date | None,
    end: dt.date | None,
    name: str,
) -> pd.DataFrame | pd.Series:
    """Restrict a date-indexed frame to ``[start, end]``; refuse an empty result."""
    if start is None and end is None:
        return frame
    index = pd.DatetimeIndex(frame.index)
    mask = np.ones(len(index), dtype=bool)
    if start is not None:
        mask &= index >= pd.Timestamp(start)
    if end is not None:
        mask &= index <= pd.Timestamp(end)
    out = frame.loc[mask]
    if len(out) == 0:
        have = f"{index.min().date()} .. {index.max().date()}" if len(index) else "none"
        raise DataError(
            f"{name} has no dates in the window data.start={start} .. data.end={end} "
            f"(it covers {have}). Move the window inside the data."
        )
    return out


def apply_nan_policy(returns: pd.DataFrame, policy: str, name: str) -> pd.DataFrame:
    """Apply ``data.nan_policy`` to a bundled returns panel.

    ``error`` rejects missing values, ``drop_assets`` drops assets with any
    gap, ``fill_zero`` fills gaps with 0 (no return).
    """
    bad = returns.isna()
    if not bad.to_numpy().any():
        return returns
    cols = returns.columns[bad.any(axis=0).to_numpy()]
    if policy == "error":
        first = returns.index[bad.any(axis=1).to_numpy()][0]
        raise NaNError(
            f"{name} has missing returns for {len(cols)} assets "
            f"({items(cols)}; first on {pd.Timestamp(first).date()}) in the "
            "chosen window. Set data.nan_policy to drop_assets or fill_zero, "
            "narrow the universe, or move data.start later."
        )
    if policy == "drop_assets":
        return returns.drop(columns=cols)
    return returns.fillna(0.0)


def read_tickers(path: str, field: str) -> list[str]:
    """Read a ticker list: one per line, or a CSV with a ``ticker`` column."""
    p = Path(path)
    if not p.is_file():
        raise DataError(
            f"{field}: ticker file '{path}' not found (relative paths are taken "
            "from the config file's folder). Give a list of tickers or an "
            "existing file (one ticker per line)."
        )
    try:
        frame = pd.read_csv(p, header=None, dtype=str, comment="#")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(
            f"{field}: cannot read ticker file '{path}': {exc}. Write one ticker "
            "per line."
        ) from None
    first = frame.iloc[:, 0].astype(str).str.strip()
    if len(first) and first.iloc[0].lower() in ("ticker", "symbol", "asset"):
        first = first.iloc[1:]
    tickers = [t for t in first if t and t.lower() != "nan"]
    if not tickers:
        raise DataError(f"{field}: ticker file '{path}' lists no tickers.")
    return tickers


def check_known(tickers: list[str], known: pd.Index, field: str, what: str) -> None:
    """Raise a DataError naming tickers absent from ``known`` (with suggestions)."""
    unknown = [t for t in tickers if t not in known]
    if unknown:
        hint = suggest(unknown[0], [str(k) for k in known])
        raise DataError(
            f"{field}: {len(unknown)} tickers are not in {what}: "
            f"{items(unknown)}{hint}. Check the spelling or remove them."
        )
