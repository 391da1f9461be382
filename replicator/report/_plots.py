"""Plots of a replication result, as matplotlib Figures (no pyplot, no GUI).

Each function returns a :class:`matplotlib.figure.Figure` drawn on the Agg
canvas, so it works headless and never changes the user's pyplot backend.
:func:`figure_to_png` renders one to PNG bytes (the HTML report embeds them as
base64).
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from replicator.report import _text

if TYPE_CHECKING:
    from replicator.result import ReplicationResult

__all__ = [
    "figure_to_png",
    "plot_active",
    "plot_costs",
    "plot_frontier",
    "plot_liquidity",
    "plot_te_decomposition",
    "plot_weights",
]

PORTFOLIO = "#1f77b4"
BENCHMARK = "#a0a0a0"
OVER, UNDER = "#2ca02c", "#d62728"


def _figure(width: float = 7.5, height: float = 4.0) -> Figure:
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _empty(fig: Figure, text: str) -> Figure:
    ax = fig.add_subplot()
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()
    return fig


def figure_to_png(fig: Figure) -> bytes:
    """Render ``fig`` to PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def plot_weights(result: ReplicationResult, top: int = 25) -> Figure:
    """Portfolio vs benchmark weights of the ``top`` largest names."""
    frame = result.to_frame()
    size = frame[["benchmark", "weight"]].abs().max(axis=1)
    names = size.sort_values(ascending=False).index[:top][::-1]
    fig = _figure(7.5, max(3.0, 0.22 * len(names) + 1.0))
    if not len(names):
        return _empty(fig, "no positions")
    ax = fig.add_subplot()
    y = np.arange(len(names))
    h = 0.4
    if not result.returns_only:
        ax.barh(
            y + h / 2,
            100 * frame.loc[names, "benchmark"],
            h,
            color=BENCHMARK,
            label="benchmark",
        )
    ax.barh(
        y - h / 2,
        100 * frame.loc[names, "weight"],
        h,
        color=PORTFOLIO,
        label="portfolio",
    )
    ax.set_yticks(y, [str(n) for n in names], fontsize=8)
    ax.set_xlabel("weight (% of NAV)")
    ax.set_title(f"Largest {len(names)} positions")
    ax.legend(loc="lower right", fontsize=8)
    return fig


def plot_active(result: ReplicationResult, top: int = 15) -> Figure:
    """Plot the ``top`` largest active weights (over green, under red)."""
    active = result.weights - result.benchmark
    names = active.abs().sort_values(ascending=False).index[:top][::-1]
    fig = _figure(7.5, max(3.0, 0.25 * len(names) + 1.0))
    if not len(names) or float(active.abs().max()) < 1e-12:
        return _empty(fig, "no active positions")
    ax = fig.add_subplot()
    vals = 100 * active[names]
    ax.barh(range(len(names)), vals, color=[OVER if v >= 0 else UNDER for v in vals])
    ax.set_yticks(range(len(names)), [str(n) for n in names], fontsize=8)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel("active weight (% of NAV)")
    ax.set_title("Largest active positions")
    return fig


def plot_te_decomposition(result: ReplicationResult) -> Figure:
    """Factor / specific split of TE² and contributions by group (sector)."""
    fig = _figure(7.5, 3.6)
    has_groups = len(result.te_by_group) > 0
    axes = fig.subplots(1, 2 if has_groups else 1, squeeze=False)[0]
    parts = pd.Series(
        {"factor": result.te_factor_variance, "specific": result.te_specific_variance}
    )
    total = result.tracking_variance
    scale = 100 / total if total > 0 else 0.0
    axes[0].bar(parts.index, parts.to_numpy() * scale, color=[PORTFOLIO, BENCHMARK])
    axes[0].set_ylabel("share of TE² (%)")
    axes[0].set_title(f"TE {100 * result.tracking_error:.3f} %/yr")
    if has_groups:
        groups = result.te_by_group.sort_values()
        leg = _text.benchmark_leg(result)
        if leg is not None:  # returns-only: the benchmark's own leg
            groups = pd.concat([groups, pd.Series({"benchmark leg": leg})])
        ax = axes[1]
        ax.barh(range(len(groups)), groups.to_numpy() * scale, color=PORTFOLIO)
        ax.set_yticks(range(len(groups)), [str(g) for g in groups.index], fontsize=8)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_xlabel("share of TE² (%)")
        ax.set_title("By group")
    return fig


def plot_costs(result: ReplicationResult) -> Figure:
    """Estimated cost of each cost term, in bp of NAV."""
    fig = _figure(7.5, max(2.5, 0.35 * len(result.costs) + 1.2))
    if not result.costs:
        return _empty(fig, "no cost terms")
    ax = fig.add_subplot()
    names = list(result.costs)
    ax.barh(range(len(names)), [1e4 * result.costs[n] for n in names], color=PORTFOLIO)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.set_xlabel("cost (bp of NAV)")
    ax.set_title(f"Total {1e4 * result.total_cost:.2f} bp")
    return fig


def plot_liquidity(result: ReplicationResult, top: int = 20) -> Figure:
    """Participation ``|trade| * NAV / ADV`` of the ``top`` most demanding trades."""
    usage = result.liquidity_usage
    usage = usage[usage > 0].sort_values(ascending=False)[:top][::-1]
    fig = _figure(7.5, max(2.5, 0.22 * len(usage) + 1.2))
    if not len(usage):
        return _empty(fig, "no ADV given or no trades")
    ax = fig.add_subplot()
    ax.barh(range(len(usage)), 100 * usage.to_numpy(), color=PORTFOLIO)
    ax.set_yticks(range(len(usage)), [str(t) for t in usage.index], fontsize=8)
    ax.set_xlabel("trade / ADV (%)")
    ax.set_title("Liquidity usage")
    return fig


def plot_frontier(frontier: pd.DataFrame) -> Figure:
    """Tracking error vs total cost, one point per risk aversion.

    Parameters
    ----------
    frontier : DataFrame
        The output of :meth:`replicator.Replicator.frontier` (index
        ``risk_aversion``; columns ``tracking_error`` and ``total_cost``).
    """
    fig = _figure(7.0, 4.5)
    ax = fig.add_subplot()
    cost = 1e4 * frontier["total_cost"].to_numpy(dtype=float)
    te = 100 * frontier["tracking_error"].to_numpy(dtype=float)
    ax.plot(cost, te, "o-", color=PORTFOLIO)
    for lam, x, y in zip(frontier.index, cost, te, strict=True):
        ax.annotate(
            f"λ={lam:.3g}",
            (x, y),
            textcoords="offset points",
            xytext=(4, 4),
            fontsize=7,
        )
    ax.set_xlabel("total one-off cost (bp of NAV)")
    ax.set_ylabel("ex-ante tracking error (%/yr)")
    ax.set_title("Tracking error vs cost frontier")
    ax.grid(alpha=0.3)
    return fig
