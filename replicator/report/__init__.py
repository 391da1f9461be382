"""Reports of results: text tables, matplotlib plots and a self-contained HTML page.

Pure functions of result objects; nothing here imports cvxpy.
"""

from replicator.report._backtest import backtest_to_html
from replicator.report._console import datasets_text, frontier_table, summary_table
from replicator.report._html import render_html, to_html
from replicator.report._index import plot_index
from replicator.report._plots import (
    figure_to_png,
    plot_active,
    plot_costs,
    plot_frontier,
    plot_liquidity,
    plot_te_decomposition,
    plot_weights,
)
from replicator.report._text import (
    active_table,
    bp,
    constraint_table,
    cost_table,
    headline,
    money,
    pct,
    solver_table,
    te_group_table,
    usage_table,
)

__all__ = [
    "active_table",
    "backtest_to_html",
    "bp",
    "constraint_table",
    "cost_table",
    "datasets_text",
    "figure_to_png",
    "frontier_table",
    "headline",
    "money",
    "pct",
    "plot_active",
    "plot_costs",
    "plot_frontier",
    "plot_index",
    "plot_liquidity",
    "plot_te_decomposition",
    "plot_weights",
    "render_html",
    "solver_table",
    "summary_table",
    "te_group_table",
    "to_html",
    "usage_table",
]
