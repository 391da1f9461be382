"""Rich tables for the terminal: a solve's summary, a frontier, the datasets."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
from rich.table import Table

from replicator.report import _text

if TYPE_CHECKING:
    from replicator.result import ReplicationResult

__all__ = ["datasets_text", "frontier_table", "summary_table"]


def summary_table(result: ReplicationResult, *, title: str = "Replication") -> Table:
    """Build a rich Table of the headline numbers and cost terms of a solve."""
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column("measure", style="bold")
    table.add_column("value", justify="right")
    for label, value in _text.headline(result):
        table.add_row(label.strip(), value)
    for name, cost in result.costs.items():
        table.add_row(f"cost: {name}", _text.bp(cost, 3))
    table.add_row(
        "solve time",
        f"{result.stats.solve_time * 1e3:.1f} ms ({result.stats.iterations} it)",
    )
    return table


def frontier_table(frontier: pd.DataFrame) -> Table:
    """One row per risk aversion: TE, total cost, turnover, holdings, status."""
    table = Table(title="Tracking error vs cost frontier", title_justify="left")
    for col in (
        "risk aversion",
        "TE (%/yr)",
        "cost (bp)",
        "turnover",
        "holdings",
        "status",
    ):
        table.add_column(col, justify="right")
    for lam, row in frontier.iterrows():
        table.add_row(
            f"{float(lam):.4g}",  # type: ignore[arg-type]
            f"{100 * row['tracking_error']:.4f}",
            f"{1e4 * row['total_cost']:.3f}",
            _text.pct(float(row["turnover"])),
            str(int(row["n_holdings"])),
            str(row["status"]),
        )
    return table


def datasets_text(frame: pd.DataFrame) -> str:
    """Render ``replicator.datasets.list_datasets()`` as one block per dataset.

    Each block: name, period, number of assets and license on the first line,
    then the one-line description and the source (the provenance).
    """
    blocks = []
    for _, row in frame.iterrows():
        get = row.get
        head = (
            f"{get('name', '')}  {get('period', '')}  "
            f"{get('n_assets', '')} assets  license: {get('license', '')}"
        )
        blocks.append(
            f"{head}\n    {get('description', '')}\n    source: {get('source', '')}"
        )
    return "\n\n".join(blocks)
