"""Validation of pandas inputs at the API boundary.

Every check raises a :class:`~replicator.exceptions.DataError` subclass whose
message names the input (``name``), the offending tickers or dates, what was
received and what to do.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from replicator.data._units import check_return_values
from replicator.exceptions import (
    DataError,
    MisalignedIndexError,
    MissingAssetsError,
    NaNError,
)
from replicator.typing import FloatArray

__all__ = [
    "check_no_duplicates",
    "check_nonnegative",
    "check_nonnegative_values",
    "ensure_frame",
    "ensure_series",
    "format_items",
    "str_index",
    "validate_returns",
    "validate_weights",
    "weight_values",
]

WEIGHT_SUM_TOL = 1e-4


def str_index(index: pd.Index) -> pd.Index:
    """Return ``index`` as an object-dtype Index of ``str`` labels.

    pandas 3 infers an Arrow-backed string dtype, whose ``isin`` and
    ``get_indexer`` iterate in Python; object dtype hashes and is ~100x faster
    on the per-solve hot path. Memoized on the identity of ``index`` (the same
    input Index gives the same output object).
    """
    from replicator.data._align import memo

    return memo("str_index", _str_index, index)


def _str_index(index: pd.Index) -> pd.Index:
    if index.dtype == object and pd.api.types.infer_dtype(index) == "string":
        return index
    if pd.api.types.is_string_dtype(index.dtype) and not index.hasnans:
        values = index.to_numpy(dtype=object)  # vectorized for Arrow strings
    else:
        values = index.astype(str).to_numpy(dtype=object)
    return pd.Index(values, dtype=object, name=index.name)


def format_items(items: Iterable[object], limit: int = 5) -> str:
    """Format a list of tickers or dates for an error message.

    Parameters
    ----------
    items : iterable
        The items to show.
    limit : int, default 5
        Show at most this many, then "... (N more)".

    Returns
    -------
    str
        A comma-separated list.
    """
    items = [str(x) for x in items]
    shown = ", ".join(repr(x) for x in items[:limit])
    if len(items) > limit:
        shown += f", ... ({len(items) - limit} more)"
    return shown


def ensure_series(x: object, name: str) -> pd.Series:
    """Return ``x`` as a float Series, or raise a DataError naming ``name``."""
    if isinstance(x, pd.DataFrame):
        if x.shape[1] != 1:
            raise DataError(
                f"{name} must be a pandas Series (one value per ticker or date); "
                f"got a DataFrame with {x.shape[1]} columns. Select one column."
            )
        x = x.iloc[:, 0]
    if not isinstance(x, pd.Series):
        raise DataError(
            f"{name} must be a pandas Series; got {type(x).__name__}. Wrap it as "
            "pd.Series(values, index=tickers)."
        )
    try:
        out = x.astype(float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} must hold numbers; {exc}.") from None
    out.index = x.index  # keep the Index object: alignment is memoized on it
    return out


def ensure_frame(x: object, name: str) -> pd.DataFrame:
    """Return ``x`` as a float DataFrame, or raise a DataError naming ``name``."""
    if not isinstance(x, pd.DataFrame):
        raise DataError(
            f"{name} must be a pandas DataFrame with dates as rows and tickers as "
            f"columns; got {type(x).__name__}."
        )
    try:
        return x.astype(float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} must hold numbers only; {exc}.") from None


def check_no_duplicates(index: pd.Index, name: str, what: str = "tickers") -> None:
    """Raise a DataError if ``index`` has duplicate labels."""
    if index.has_duplicates:
        dups = index[index.duplicated()].unique()
        raise DataError(
            f"{name} has duplicate {what}: {format_items(dups)}. Each label must "
            "appear once; aggregate or drop the duplicates."
        )


def check_finite(values: pd.DataFrame | pd.Series, name: str) -> None:
    """Raise a NaNError naming the first offending tickers and dates."""
    arr = values.to_numpy(dtype=float)
    if np.isfinite(arr).all():
        return
    bad = ~np.isfinite(arr)
    if isinstance(values, pd.DataFrame):
        cols = values.columns[bad.any(axis=0)]
        rows = values.index[bad.any(axis=1)]
        raise NaNError(
            f"{name} has {int(bad.sum())} NaN or infinite values in "
            f"{len(cols)} columns ({format_items(cols)}) on {len(rows)} dates "
            f"(first {rows[0]}). Fill or drop them before solving, or load the "
            "data with a loader option (nan_policy='drop_assets' or 'fill_zero')."
        )
    labels = values.index[bad]
    raise NaNError(
        f"{name} has NaN or infinite values at {format_items(labels)}. Fill or "
        "drop them."
    )


def check_nonnegative(values: pd.Series, name: str) -> None:
    """Raise a DataError if any value is negative."""
    if not (values.to_numpy(dtype=float) < 0).any():
        return
    neg = values[values < 0]
    if len(neg):
        raise DataError(
            f"{name} must be non-negative; got negative values for "
            f"{format_items(neg.index)} (e.g. {neg.iloc[0]:.6g}). Check the sign "
            "convention of the input."
        )


def validate_returns(returns: object, name: str = "returns") -> pd.DataFrame:
    """Validate a returns panel: dates as rows, unique tickers, finite values.

    Parameters
    ----------
    returns : DataFrame of shape (n_dates, n_assets)
        Simple daily returns.
    name : str
        Name used in error messages.

    Returns
    -------
    DataFrame
        The same data as float, with string column labels.
    """
    frame = ensure_frame(returns, name)
    if frame.shape[0] == 0 or frame.shape[1] == 0:
        raise DataError(f"{name} is empty (shape {frame.shape}).")
    frame.columns = str_index(frame.columns)
    check_no_duplicates(frame.columns, name, "tickers")
    check_no_duplicates(frame.index, name, "dates")
    if not frame.index.is_monotonic_increasing:
        raise DataError(
            f"{name} dates are not sorted in increasing order. Sort them with "
            ".sort_index()."
        )
    check_finite(frame, name)
    check_return_values(frame, name)
    return frame


def weight_values(
    weights: object,
    name: str,
    *,
    sum_to_one: bool = False,
    tol: float = WEIGHT_SUM_TOL,
) -> tuple[FloatArray, pd.Index]:
    """Validate a vector indexed by ticker; return its values and string labels.

    The checks of :func:`validate_weights` without building a Series (the
    per-solve path: a float64 Series is neither converted nor copied, and the
    values returned may be a read-only view of it).
    """
    if isinstance(weights, pd.Series) and weights.dtype == np.float64:
        values, labels = weights.to_numpy(), str_index(weights.index)
    else:
        s = ensure_series(weights, name)
        values, labels = s.to_numpy(), str_index(s.index)
    check_no_duplicates(labels, name, "tickers")
    if not np.isfinite(values).all():
        check_finite(pd.Series(values, index=labels), name)
    if sum_to_one:
        total = float(values.sum())
        if abs(total - 1.0) > tol:
            raise DataError(
                f"{name} must sum to 1 (within {tol:g}); they sum to {total:.6g}. "
                "Normalize them (w / w.sum()) or check for missing constituents."
            )
    return values, labels


def validate_weights(
    weights: object,
    name: str,
    *,
    sum_to_one: bool = False,
    tol: float = WEIGHT_SUM_TOL,
) -> pd.Series:
    """Validate a weight vector indexed by ticker.

    Parameters
    ----------
    weights : Series
        Weights as fractions of NAV, indexed by ticker.
    name : str
        Name used in error messages.
    sum_to_one : bool, default False
        Require the weights to sum to 1 within ``tol``.
    tol : float
        Tolerance of the sum check.

    Returns
    -------
    Series
        The weights as float, with string labels.
    """
    values, labels = weight_values(weights, name, sum_to_one=sum_to_one, tol=tol)
    label = weights.name if isinstance(weights, pd.Series) else None
    return pd.Series(values, index=labels, name=label, copy=True)


def check_nonnegative_values(values: FloatArray, labels: pd.Index, name: str) -> None:
    """Raise a DataError if any of ``values`` (labelled ``labels``) is negative."""
    if (values < 0).any():
        check_nonnegative(pd.Series(values, index=labels), name)


def require_subset(
    labels: pd.Index, universe: pd.Index, name: str, universe_name: str
) -> None:
    """Raise MissingAssetsError if ``labels`` are not all in ``universe``."""
    from replicator.data._align import memo

    missing = memo("difference", pd.Index.difference, labels, universe)
    if len(missing):
        raise MissingAssetsError(
            f"{name} has {len(missing)} tickers that are not in {universe_name}: "
            f"{format_items(missing)}. Add their data or remove them."
        )


def require_aligned(a: pd.Index, b: pd.Index, name_a: str, name_b: str) -> None:
    """Raise MisalignedIndexError if two date indices do not overlap exactly."""
    kinds = [isinstance(x, pd.DatetimeIndex) for x in (a, b)]
    if kinds[0] != kinds[1]:
        text, dated = (name_a, name_b) if kinds[1] else (name_b, name_a)
        sample = (a if kinds[1] else b)[:1].tolist()
        raise MisalignedIndexError(
            f"{text} is indexed by {sample[0]!r} ({(a if kinds[1] else b).dtype} "
            f"labels, not dates) while {dated} has a DatetimeIndex, so no date can "
            f"match. Convert the index of {text} to dates, e.g. "
            "frame.index = pd.to_datetime(frame.index)."
        )
    if not a.equals(b):
        only_a = a.difference(b)
        only_b = b.difference(a)
        raise MisalignedIndexError(
            f"{name_a} and {name_b} have different dates: {len(only_a)} only in "
            f"{name_a} ({format_items(only_a, 3)}), {len(only_b)} only in {name_b} "
            f"({format_items(only_b, 3)}). Align them, e.g. with .reindex() or an "
            "inner join."
        )
