"""Plot of a built index: level, constituents' weights and review turnover."""

from __future__ import annotations

from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["plot_index"]

#: Constituents drawn one by one in the weights panel; the rest are "others".
N_SHOWN = 8


def _dates(ax: Any) -> None:
    loc = mdates.AutoDateLocator(minticks=4, maxticks=8)
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))


def plot_index(history: Any) -> Figure:
    """Three panels: index level (log scale), weights by effective date, turnover.

    Parameters
    ----------
    history : replicator.indices.IndexHistory

    Returns
    -------
    Figure
        Drawn on the Agg canvas (headless).
    """
    fig = Figure(figsize=(9.0, 8.0), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    ax_level, ax_w, ax_t = fig.subplots(
        3, 1, sharex=True, gridspec_kw={"height_ratios": [3, 3, 1.3]}
    )
    level = history.level
    ax_level.plot(level.index, level.to_numpy(), color="#1f77b4", lw=1.4)
    ax_level.set_yscale("log")
    ax_level.set_ylabel("index level (log)")
    ax_level.set_title(f"{history.name}\n{history.methodology}", fontsize=9)
    ax_level.grid(True, alpha=0.3)
    w = history.weights
    if level.index[-1] > w.index[-1]:  # the last weights hold to the end
        w = pd.concat([w, w.iloc[[-1]].set_axis([level.index[-1]])])
    mean = w.mean().sort_values(ascending=False)
    shown = list(mean.index[:N_SHOWN])
    stack = [w[c].to_numpy() for c in shown]
    stack.append(w.drop(columns=shown).sum(axis=1).to_numpy())
    labels = [*shown, "others"]
    ax_w.stackplot(w.index, np.vstack(stack), labels=labels, step="post", alpha=0.85)
    ax_w.set_ylim(0, 1)
    ax_w.set_ylabel("weight at effective date")
    ax_w.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    turnover = history.turnover.iloc[1:]
    ax_t.bar(turnover.index, turnover.to_numpy() * 100, width=5.0, color="#7f7f7f")
    ax_t.set_ylabel("turnover %")
    ax_t.grid(True, axis="y", alpha=0.3)
    for ax in (ax_level, ax_w, ax_t):
        _dates(ax)
    return fig
