"""Reading CSV and Parquet files, with errors that name the file and column.

Every function here raises :class:`~replicator.exceptions.DataError` (never a
pandas, pyarrow or OS error) with a message that names the file, the column,
the line or row, what was found and what to do.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from replicator.data._validate import format_items
from replicator.exceptions import DataError

__all__ = [
    "PathLike",
    "find_column",
    "read_table",
    "require_column",
    "row_ref",
]

PathLike = str | os.PathLike[str]


CSV_SUFFIXES = (".csv", ".txt", ".csv.gz", ".csv.bz2", ".csv.zip", ".csv.xz")
PARQUET_SUFFIXES = (".parquet", ".pq")

NOT_FOUND = (
    "File '{path}' not found (resolved to {resolved}). Check the path; relative "
    "paths are resolved from the current directory {cwd}."
)
NOT_FOUND_ABSOLUTE = (
    "File '{path}' not found (resolved to {resolved}). Check the path and the "
    "file name."
)
IS_A_DIRECTORY = (
    "'{path}' is a directory, not a file. Give the path of the {what} file inside "
    "it (CSV or Parquet)."
)
OTHER_SEPARATOR = (
    "File '{path}' is not comma-separated: its header line is {header!r}, which "
    "uses {sep} between columns. Save the file as CSV with commas (','), with "
    "a '.' as the decimal mark."
)
UNSUPPORTED = (
    "File '{path}' has an unsupported extension '{suffix}'. Save the {what} as "
    "CSV ({csv}) or Parquet ({parquet})."
)
UNREADABLE = (
    "File '{path}' could not be read as {fmt}: {error}. Check that the file is a "
    "valid {fmt} file (comma-separated, one header line) and not open in another "
    "program."
)
EMPTY = (
    "File '{path}' is empty: it has no data rows (columns found: {columns}). "
    "The {what} need at least one row."
)
MISSING_COLUMN = (
    "File '{path}' has no column '{column}' ({role}). Columns found: {found}. "
    "Rename the column in the file or pass {argument}='<name>'."
)


def _suffix(path: Path) -> str:
    name = path.name.lower()
    for suffix in CSV_SUFFIXES + PARQUET_SUFFIXES:
        if name.endswith(suffix):
            return suffix
    return "".join(path.suffixes[-2:]) or "(none)"


def is_csv(path: Path) -> bool:
    """Return True if ``path`` is read as CSV (possibly compressed)."""
    return _suffix(path) in CSV_SUFFIXES


def row_ref(path: Path, position: int) -> str:
    """Human reference of data row ``position`` (0-based) of a file.

    CSV rows are given as the line number in the file (the header is line 1),
    Parquet rows as 1-based row numbers.
    """
    if is_csv(path):
        return f"line {position + 2}"
    return f"row {position + 1}"


def read_table(
    path: PathLike, what: str, text_columns: Iterable[str] = ()
) -> tuple[pd.DataFrame, Path]:
    """Read a CSV or Parquet file into a DataFrame with a plain RangeIndex.

    Parameters
    ----------
    path : str or PathLike
        The file. ``.csv`` (optionally ``.gz``/``.bz2``/``.zip``/``.xz``) or
        ``.parquet``/``.pq``.
    what : str
        What the file holds ("returns", "benchmark weights"), for messages.
    text_columns : iterable of str
        Columns (matched case-insensitively) kept verbatim as text, e.g.
        tickers and dates. Other CSV columns get pandas' type inference.

    Returns
    -------
    frame : DataFrame
        The raw table. A Parquet index (e.g. a DatetimeIndex written by
        pandas) becomes an ordinary column.
    path : Path
        The path as a :class:`~pathlib.Path`.
    """
    p = Path(path)
    if p.is_dir():
        raise DataError(IS_A_DIRECTORY.format(path=path, what=what))
    if not p.is_file():
        if p.is_absolute():
            raise DataError(NOT_FOUND_ABSOLUTE.format(path=path, resolved=p.resolve()))
        raise DataError(
            NOT_FOUND.format(path=path, resolved=p.resolve(), cwd=Path.cwd())
        )
    suffix = _suffix(p)
    if suffix in CSV_SUFFIXES:
        frame = _read_csv(p, text_columns)
    elif suffix in PARQUET_SUFFIXES:
        frame = _read_parquet(p)
    else:
        raise DataError(
            UNSUPPORTED.format(
                path=path,
                suffix=suffix,
                what=what,
                csv=", ".join(CSV_SUFFIXES),
                parquet=", ".join(PARQUET_SUFFIXES),
            )
        )
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.shape[0] == 0:
        raise DataError(
            EMPTY.format(path=path, columns=format_items(frame.columns), what=what)
        )
    return frame, p


def _read_csv(path: Path, text_columns: Iterable[str]) -> pd.DataFrame:
    wanted = {c.strip().lower() for c in text_columns}
    try:
        header = pd.read_csv(path, header=None, nrows=1, dtype=str)
        names = [str(x).strip() for x in header.iloc[0].tolist()]
        _check_header(path, names)
        text = [i for i, n in enumerate(names) if n.lower() in wanted]
        frame = pd.read_csv(path, dtype={i: str for i in text}, skipinitialspace=True)
        text = [i for i in text if frame.iloc[:, i].isna().any()]
        if text:
            # Re-read text columns with gaps verbatim, so that a ticker such as
            # "NA" is kept as written rather than read as a missing value.
            verbatim = pd.read_csv(
                path,
                usecols=text,
                dtype=str,
                keep_default_na=False,
                na_values=[""],
                skipinitialspace=True,
            )
            for i in text:
                frame[frame.columns[i]] = verbatim[verbatim.columns[text.index(i)]]
    except DataError:
        raise
    except pd.errors.EmptyDataError:
        raise DataError(EMPTY.format(path=path, columns="none", what="data")) from None
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, ValueError) as exc:
        raise DataError(
            UNREADABLE.format(path=path, fmt="CSV", error=_short(exc))
        ) from None
    return frame


def _check_header(path: Path, names: list[str]) -> None:
    if len(names) == 1:
        for sep, said in ((";", "semicolons"), ("\t", "tabs"), ("|", "'|'")):
            if sep in names[0]:
                raise DataError(
                    OTHER_SEPARATOR.format(path=path, header=names[0], sep=said)
                )
    seen: set[str] = set()
    dups = [n for n in names if n in seen or seen.add(n)]  # type: ignore[func-returns-value]
    if dups:
        raise DataError(
            f"File '{path}' has duplicate column names in its header (line 1): "
            f"{format_items(dict.fromkeys(dups))}. Each ticker or field must appear "
            "once; merge or rename the duplicated columns."
        )


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises many unrelated types
        raise DataError(
            UNREADABLE.format(path=path, fmt="Parquet", error=_short(exc))
        ) from None
    if not isinstance(frame.index, pd.RangeIndex):
        names = [n if n is not None else "index" for n in frame.index.names]
        frame.index = frame.index.set_names(names)
        frame = frame.reset_index()
    return frame


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"


def find_column(frame: pd.DataFrame, name: str) -> str | None:
    """Return the column matching ``name`` (exact, else case-insensitive)."""
    if name in frame.columns:
        return name
    matches = [c for c in frame.columns if c.lower() == name.lower()]
    return matches[0] if len(matches) == 1 else None


def require_column(
    frame: pd.DataFrame, name: str, path: Path, role: str, argument: str
) -> str:
    """Return the column matching ``name`` or raise a DataError listing columns.

    Parameters
    ----------
    frame : DataFrame
        The raw table.
    name : str
        Expected column name.
    path : Path
        The file, for the message.
    role : str
        What the column holds ("the date of each row").
    argument : str
        The loader argument that renames the column ("date_col").
    """
    found = find_column(frame, name)
    if found is None:
        raise DataError(
            MISSING_COLUMN.format(
                path=path,
                column=name,
                role=role,
                found=format_items(frame.columns, limit=12),
                argument=argument,
            )
        )
    return found
