"""The tables the terms report (``Term.report_tables``), as rows and stacked bars.

Generic: a table's ``attrs`` give its ``title``, ``unit`` (``"pct"``,
``"bp"`` or ``"text"``) and the columns to ``stack``; nothing here knows
about venues or perps. Used by the run report and the backtest report.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from replicator.report import _plots, _text

__all__ = [
    "by_date",
    "plot_stacked",
    "plot_stacked_by_date",
    "table_rows",
    "title",
]

Row = list[str]
#: Colors of the stacked series (matplotlib's tab10, colorblind-friendlier).
COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")


def title(name: str, frame: pd.DataFrame) -> str:
    """Section heading of a table: its ``title`` attr, else its name."""
    return str(frame.attrs.get("title") or name.replace("_", " ").capitalize())


def _unit(frame: pd.DataFrame) -> str:
    return str(frame.attrs.get("unit", "pct"))


def _cell(x: object, unit: str) -> str:
    if isinstance(x, (bool, np.bool_)) or not isinstance(
        x, (int, float, np.integer, np.floating)
    ):
        return str(x)
    if unit == "bp":
        return _text.bp(float(x), 3)
    if unit == "pct":
        return _text.pct(float(x), 3)
    return f"{float(x):.6g}"


def table_rows(frame: pd.DataFrame, max_rows: int = 40) -> tuple[Row, list[Row]]:
    """Header and formatted rows of a term table (the first ``max_rows``).

    Rows of a stacked table that are zero in every column are left out.
    """
    unit = _unit(frame)
    shown = frame
    stack = frame.attrs.get("stack")
    if stack:
        values = frame[list(stack)].to_numpy(dtype=float)
        shown = frame[np.abs(values).sum(axis=1) > 1e-12]
    header = ["", *(str(c) for c in frame.columns)]
    rows = [
        [str(i), *(_cell(v, unit) for v in row)]
        for i, row in zip(
            shown.index[:max_rows], shown.to_numpy()[:max_rows], strict=True
        )
    ]
    return header, rows


def _scale(unit: str) -> tuple[float, str]:
    return (1e4, "bp of NAV") if unit == "bp" else (100.0, "% of NAV")


def _stacked(
    fig: Figure, frame: pd.DataFrame, columns: list[str], label: str
) -> Figure:
    """Horizontal stacked bars of ``frame[columns]`` by row (+ and - apart)."""
    scale, unit = _scale(_unit(frame))
    values = frame[columns].to_numpy(dtype=float) * scale
    ax = fig.add_subplot()
    y = np.arange(len(frame))
    pos, neg = np.zeros(len(frame)), np.zeros(len(frame))
    for j, col in enumerate(columns):
        v = values[:, j]
        left = np.where(v >= 0, pos, neg)
        ax.barh(y, v, left=left, color=COLORS[j % len(COLORS)], label=str(col))
        pos += np.where(v >= 0, v, 0.0)
        neg += np.where(v < 0, v, 0.0)
    ax.set_yticks(y, [str(i) for i in frame.index], fontsize=8)
    ax.invert_yaxis()
    ax.axvline(0.0, color="#444", linewidth=0.8)
    ax.set_xlabel(f"{label} ({unit})")
    ax.legend(fontsize=8, loc="best", frameon=False)
    return fig


def plot_stacked(name: str, frame: pd.DataFrame, top: int = 25) -> Figure:
    """Stacked bars of a table's ``stack`` columns, one bar per row.

    The ``top`` rows of largest absolute total are drawn, largest first; a
    sale is drawn left of zero.
    """
    columns = list(frame.attrs.get("stack") or frame.columns)
    values = frame[columns].abs().sum(axis=1)
    keep = values[values > 1e-12].sort_values(ascending=False).index[:top]
    fig = _plots._figure(7.5, max(2.5, 0.28 * len(keep) + 1.4))
    if not len(keep):
        return _plots._empty(fig, f"{title(name, frame)}: all zero")
    return _stacked(fig, frame.loc[keep], columns, title(name, frame))


def by_date(frame: pd.DataFrame) -> pd.DataFrame:
    """Sum of the absolute ``stack`` columns on each date of a backtest table.

    ``frame`` has a ``(date, row)`` index (see ``BacktestResult.tables``).
    """
    columns = list(frame.attrs.get("stack") or frame.columns)
    out = frame[columns].abs().groupby(level=0, sort=True).sum()
    out.attrs.update(frame.attrs)
    return out


def plot_stacked_by_date(name: str, frame: pd.DataFrame) -> Figure:
    """Stacked bars over the rebalance dates of :func:`by_date`."""
    totals = by_date(frame)
    totals.index = [_text.day(d) for d in totals.index]
    fig = _plots._figure(7.5, max(2.5, 0.22 * len(totals) + 1.4))
    if not len(totals):
        return _plots._empty(fig, f"{title(name, frame)}: no rebalance")
    label = f"{title(name, frame)}, sum of |x| per rebalance"
    return _stacked(fig, totals, list(totals.columns), label)
