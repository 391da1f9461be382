"""Parse date and number cells of a raw table, naming the first bad cell."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from replicator.data._io import row_ref
from replicator.exceptions import DataError

__all__ = ["NA_MARKERS", "parse_dates", "parse_numbers"]

NA_MARKERS = ("", "NA", "N/A", "NAN", "NULL", "NONE", "#N/A")


def parse_dates(values: pd.Series, path: Path, column: str) -> pd.DatetimeIndex:
    """Parse a date column; name the first bad cell if any does not parse.

    Time-zone aware dates are converted to UTC and made naive, so that every
    loader returns a naive DatetimeIndex.
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = pd.Series(pd.DatetimeIndex(values), index=values.index)
        raw = values.astype("string")
    else:
        raw = values.astype("string").str.strip()
        missing = raw.isna() | (raw == "")
        if missing.any():
            pos = int(np.flatnonzero(missing.to_numpy())[0])
            raise DataError(
                f"File '{path}', column '{column}': {row_ref(path, pos)} has no "
                "date. Every row needs a date; fill it in or delete the row."
            )
        _check_offsets(raw, path, column)
        try:
            parsed = pd.to_datetime(raw, errors="coerce")
        except (ValueError, TypeError):  # e.g. mixed UTC offsets
            parsed = pd.to_datetime(raw, errors="coerce", utc=True)
    bad = parsed.isna().to_numpy()
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"File '{path}', column '{column}': {row_ref(path, pos)} has "
            f"{raw.iloc[pos]!r}, which is not a date ({int(bad.sum())} such rows). "
            "Use ISO dates (YYYY-MM-DD) in one format for the whole column."
        )
    index = pd.DatetimeIndex(parsed, name="date")
    if index.tz is not None:
        index = index.tz_convert("UTC").tz_localize(None)
        clock = index - index.normalize()
        odd = np.flatnonzero(clock != clock[0])
        if len(odd):
            pos = int(odd[0])
            raise DataError(
                f"File '{path}', column '{column}': the dates mix time zones; in "
                f"UTC {row_ref(path, 0)} is at {_clock(index[0])} but "
                f"{row_ref(path, pos)} ({raw.iloc[pos]!r}) is at {_clock(index[pos])}, "
                "so the rows would not line up by day. Write every date in one time "
                "zone, or as plain dates (YYYY-MM-DD)."
            )
    return index


_OFFSET = r"(?:Z|[+-]\d\d:?\d\d)$"


def _clock(t: pd.Timestamp) -> str:
    return t.strftime("%H:%M")


def _check_offsets(raw: pd.Series, path: Path, column: str) -> None:
    """Refuse a date column in which some dates carry a UTC offset and some not."""
    aware = raw.str.contains(_OFFSET, regex=True).to_numpy(dtype=bool)
    if aware.any() and not aware.all():
        pos_a, pos_n = int(np.flatnonzero(aware)[0]), int(np.flatnonzero(~aware)[0])
        raise DataError(
            f"File '{path}', column '{column}': {row_ref(path, pos_a)} has a time "
            f"zone ({raw.iloc[pos_a]!r}) but {row_ref(path, pos_n)} has none "
            f"({raw.iloc[pos_n]!r}). Mixed time zones are not converted: write every "
            "date in one time zone, or as plain dates (YYYY-MM-DD)."
        )


def parse_numbers(
    frame: pd.DataFrame,
    path: Path,
    columns: Iterable[str],
    label: Callable[[int], str] | None = None,
    hint: str = "",
) -> pd.DataFrame:
    """Convert ``columns`` of ``frame`` to float; name the first bad cell.

    Empty cells and the usual NA markers (``NA``, ``N/A``, ``NaN``, ``null``,
    ``#N/A``) become NaN; any other text is an error. ``label(position)``
    describes a row in the message (e.g. its date), followed by ``hint``.
    """
    columns = list(columns)
    out: dict[str, np.ndarray] = {}
    for col in columns:
        raw = frame[col]
        if pd.api.types.is_numeric_dtype(raw):
            out[col] = raw.to_numpy(dtype=float)
            continue
        text = raw.astype("string").str.strip()
        missing = text.isna() | text.str.upper().isin(NA_MARKERS)
        num = pd.to_numeric(text.mask(missing), errors="coerce")
        bad = (num.isna() & ~missing).to_numpy()
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            at = f" ({label(pos)})" if label is not None else ""
            raise DataError(
                f"File '{path}', column '{col}': {row_ref(path, pos)}{at} has "
                f"{raw.iloc[pos]!r}, which is not a number. Fix the cell, or leave "
                f"it empty to mark a missing value.{hint}"
            )
        out[col] = num.to_numpy(dtype=float, na_value=np.nan)
    return pd.DataFrame(out, index=frame.index, columns=columns)
