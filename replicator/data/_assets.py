"""Helpers for per-asset tables (one row per ticker)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from replicator.data._io import row_ref
from replicator.data._parse import parse_numbers
from replicator.exceptions import DataError, NaNError

__all__ = ["check_nonnegative_column", "numeric_column", "ticker_column"]


def ticker_column(
    raw: pd.DataFrame, path: Path, column: str, *, unique: bool = True
) -> pd.Series:
    """Return the stripped tickers of ``column``; reject blanks and duplicates."""
    tickers = raw[column].astype("string").str.strip()
    empty = (tickers.isna() | (tickers == "")).to_numpy()
    if empty.any():
        pos = int(np.flatnonzero(empty)[0])
        raise DataError(
            f"File '{path}', column '{column}': {row_ref(path, pos)} has no ticker. "
            "Fill it in or delete the row."
        )
    tickers = tickers.astype(str)
    if unique and tickers.duplicated().any():
        dup = tickers[tickers.duplicated()].iloc[0]
        lines = [row_ref(path, i) for i in np.flatnonzero(tickers == dup)]
        raise DataError(
            f"File '{path}', column '{column}': ticker {dup!r} appears more than once "
            f"({', '.join(lines)}). Each ticker must appear once; merge or delete the "
            "duplicated rows."
        )
    return tickers


def numeric_column(
    raw: pd.DataFrame,
    path: Path,
    column: str,
    tickers: pd.Series,
    *,
    allow_nan: bool = False,
) -> pd.Series:
    """Parse ``column`` as float, indexed by ``tickers``; reject missing cells."""
    values = parse_numbers(
        raw, path, [column], lambda i: f"ticker {tickers.iloc[i]!r}"
    )[column]
    bad = ~np.isfinite(values.to_numpy())
    if not allow_nan and bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise NaNError(
            f"File '{path}', column '{column}': {row_ref(path, pos)} (ticker "
            f"{tickers.iloc[pos]!r}) has no finite value ({int(bad.sum())} such "
            "rows). Fill in the value or delete the row."
        )
    return pd.Series(values.to_numpy(), index=pd.Index(tickers, name="ticker"))


def check_nonnegative_column(
    values: pd.Series, path: Path, column: str, hint: str
) -> None:
    """Raise a DataError naming the first ticker with a negative value."""
    neg = np.flatnonzero((values < 0).to_numpy())
    if len(neg):
        pos = int(neg[0])
        raise DataError(
            f"File '{path}', column '{column}': {row_ref(path, pos)} (ticker "
            f"{values.index[pos]!r}) has {values.iloc[pos]:.6g}, which is negative "
            f"({len(neg)} negative rows). {hint}"
        )
