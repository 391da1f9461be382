"""Fixtures for the loader tests: small panels written as CSV / Parquet files."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

EXTENSIONS = ["csv", "csv.gz", "parquet"]
FORMS = ["wide", "long"]


def to_long(frame: pd.DataFrame, value: str = "return") -> pd.DataFrame:
    """Wide (dates x tickers) -> long rows (date, ticker, value)."""
    long = frame.rename_axis(index="date", columns="ticker").stack().rename(value)
    return long.reset_index()


def write(frame: pd.DataFrame, path: Path, *, index: bool = False) -> Path:
    """Write ``frame`` as CSV or Parquet depending on the suffix of ``path``."""
    if path.name.endswith(".parquet"):
        frame.to_parquet(path, index=index)
    else:
        frame.to_csv(path, index=index)
    return path


def write_panel(
    frame: pd.DataFrame, tmp_path: Path, form: str, ext: str, value: str = "return"
) -> Path:
    """Write a dates x tickers panel in wide or long form."""
    path = tmp_path / f"panel_{form}.{ext}"
    if form == "wide":
        table = frame.rename_axis(index="date").reset_index()
        table["date"] = table["date"].dt.strftime("%Y-%m-%d")
    else:
        table = to_long(frame, value)
        table["date"] = table["date"].dt.strftime("%Y-%m-%d")
    return write(table, path)


def write_text(tmp_path: Path, name: str, text: str) -> Path:
    """Write a small CSV by hand (exact control over the cells)."""
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def returns_panel() -> pd.DataFrame:
    """6 business days x 3 tickers of returns."""
    rng = np.random.default_rng(7)
    dates = pd.bdate_range("2020-01-02", periods=6, name="date")
    values = rng.normal(0, 0.01, (6, 3))
    return pd.DataFrame(values, index=dates, columns=["AAPL", "MSFT", "XOM"])


@pytest.fixture(scope="module")
def prices_panel(returns_panel: pd.DataFrame) -> pd.DataFrame:
    """Prices whose simple returns are ``returns_panel`` (after the first row)."""
    start = pd.DataFrame(
        [[100.0, 50.0, 20.0]],
        index=[returns_panel.index[0] - pd.Timedelta(days=1)],
        columns=returns_panel.columns,
    )
    growth = (1 + returns_panel).cumprod() * start.to_numpy()
    return pd.concat([start, growth]).rename_axis("date")


@pytest.fixture(params=EXTENSIONS)
def ext(request) -> str:
    """File extension: csv, csv.gz, parquet."""
    return request.param


@pytest.fixture(params=FORMS)
def form(request) -> str:
    """Panel layout: wide or long."""
    return request.param


@pytest.fixture
def io(tmp_path) -> SimpleNamespace:
    """File helpers bound to this test's tmp_path."""
    return SimpleNamespace(
        to_long=to_long,
        write=lambda frame, name, **kw: write(frame, tmp_path / name, **kw),
        panel=lambda frame, form, ext, value="return": write_panel(
            frame, tmp_path, form, ext, value
        ),
        text=lambda name, text: write_text(tmp_path, name, text),
        tmp=tmp_path,
    )
