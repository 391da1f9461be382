"""Backtest report sections of the terms' tables and of the realized funding.

Generic over ``BacktestResult.tables`` (``Term.report_tables`` at each
rebalance, indexed by ``(date, row)``): a table with ``stack`` columns is
drawn as stacked bars per rebalance (the sum of absolute values, e.g. the
traded notional on each venue), a one-column table is shown by date with, for
costs (``bp``), its total for each strategy, and the others (e.g. the
assumptions) at the last rebalance.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import pandas as pd

from replicator.report import _terms, _text

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from replicator.backtest import BacktestResult

__all__ = ["funding_rows", "term_sections"]

Table = Callable[[Sequence[str], Sequence[Sequence[str]]], str]
Image = Callable[["Figure", str], str]


def _fmt(x: float, unit: str) -> str:
    return _text.bp(x, 3) if unit == "bp" else _text.pct(x, 3)


def _by_date(frame: pd.DataFrame, unit: str, table: Table) -> str:
    wide = frame.iloc[:, 0].unstack()
    header = ["rebalance", *(str(c) for c in wide.columns)]
    rows = [
        [_text.day(d), *(_fmt(float(v), unit) for v in row)]
        for d, row in zip(wide.index, wide.to_numpy(dtype=float), strict=True)
    ]
    return table(header, rows)


def _totals(name: str, strategies: Sequence[BacktestResult], table: Table) -> str:
    rows, columns = [], None
    for s in strategies:
        frame = s.tables.get(name)
        if frame is None:
            continue
        total = frame.iloc[:, 0].groupby(level=1, sort=False).sum()
        columns = columns or list(total.index)
        rows.append(
            [s.label, *(_text.bp(float(total.get(c, 0.0)), 3) for c in columns)]
        )
    if not rows:
        return ""
    return "<h3>Total over the backtest</h3>" + table(["strategy", *columns], rows)


def term_sections(
    bt: BacktestResult,
    strategies: Sequence[BacktestResult],
    table: Table,
    image: Image,
) -> str:
    """HTML sections of the optimized strategy's term tables."""
    parts = []
    for name, frame in bt.tables.items():
        heading = _terms.title(name, frame)
        unit = str(frame.attrs.get("unit", "pct"))
        parts.append(f"<h2 id='{name}'>{heading}</h2>")
        last = frame.index.get_level_values(0)[-1]
        if frame.attrs.get("stack"):
            parts.append(image(_terms.plot_stacked_by_date(name, frame), heading))
            wide = _terms.by_date(frame)
            wide.index = pd.Index([_text.day(d) for d in wide.index], name=None)
            parts.append(table(*_terms.table_rows(wide)))
        elif unit != "text" and frame.shape[1] == 1:
            parts.append(_by_date(frame, unit, table))
            if unit == "bp":
                parts.append(_totals(name, strategies, table))
        else:
            at = frame.xs(last, level=0)
            at.attrs = frame.attrs
            parts.append(f"<p>At the last rebalance, {_text.day(last)}.</p>")
            parts.append(table(*_terms.table_rows(at)))
    return "".join(parts)


def funding_rows(
    strategies: Sequence[BacktestResult],
) -> tuple[list[str], list[list[str]]]:
    r"""Return the realized funding and the expected carry, per strategy.

    Notes
    -----
    Realized: the daily ``funding`` column (funding paid over the previous
    NAV), its sum and its mean times the periods per year. Expected: the mean
    over the rebalances of :math:`\sum_i f_i w_i`, the ``carry_annual`` of
    the ``funding_carry`` table at each trade.
    """
    header = ["strategy", "paid (total)", "paid per year", "expected per year"]
    rows = []
    for s in strategies:
        realized = s.funding()
        if realized is None:
            continue
        carry = s.tables.get("funding_carry")
        expected = (
            float(carry["carry_annual"].groupby(level=0).sum().mean())
            if carry is not None
            else float("nan")
        )
        rows.append(
            [
                s.label,
                _text.pct(realized["paid"], 3),
                _text.pct(realized["per_year"], 3),
                _text.pct(expected, 3),
            ]
        )
    return header, rows
