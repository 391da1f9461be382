"""Self-contained HTML report of a backtest (a pure function of the result).

One file, no network: inline CSS and base64-embedded PNGs drawn on the Agg
canvas (pyplot is never touched). Nothing here imports cvxpy.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from replicator.report import _backtest_terms

if TYPE_CHECKING:
    from replicator.backtest import BacktestResult

__all__ = [
    "backtest_to_html",
    "plot_costs_turnover",
    "plot_cumulative",
    "plot_rolling_te",
    "plot_tracking_difference",
]

COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd")
#: Line styles by strategy, so that series that coincide stay visible.
STYLES = ("-", "--", ":", "-.")
BENCHMARK = "#7f7f7f"
CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em auto;
max-width:1000px;color:#222;line-height:1.4;padding:0 1em}
h1{margin-bottom:.1em}
h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
.sub{color:#666;margin-top:0}
table{border-collapse:collapse;margin:.6em 0;font-size:.9em}
th,td{border-bottom:1px solid #eee;padding:.25em .7em;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#f6f6f6}
img{max-width:100%;height:auto;display:block;margin:.5em 0}
.note{color:#8a5a00}footer{color:#888;font-size:.8em;margin-top:3em}
"""


def _strategies(bt: BacktestResult) -> list[BacktestResult]:
    return [bt, *bt.baselines.values()]


def _figure(width: float = 8.0, height: float = 3.6) -> Figure:
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def plot_cumulative(bt: BacktestResult) -> Figure:
    """Growth of 1 (net of costs) of each strategy and of the benchmark."""
    fig = _figure()
    ax = fig.add_subplot()
    growth = (1 + bt.benchmark_returns).cumprod()
    name = (bt.config.get("benchmark") or {}).get("name", "Benchmark")
    ax.plot(growth.index, growth, color=BENCHMARK, lw=2.0, label=name)
    for k, s in enumerate(_strategies(bt)):
        ax.plot(
            s.daily.index,
            (1 + s.portfolio_returns).cumprod(),
            color=COLORS[k % len(COLORS)],
            ls=STYLES[k % len(STYLES)],
            lw=1.2 + 0.6 * (k == 0),
            label=s.label,
        )
    ax.set_ylabel("growth of 1")
    ax.set_title("Cumulative return (net of costs)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def plot_tracking_difference(bt: BacktestResult) -> Figure:
    """Cumulative tracking difference ``prod(1+r_p) - prod(1+r_b)``, in %."""
    fig = _figure()
    ax = fig.add_subplot()
    gb = (1 + bt.benchmark_returns).cumprod()
    for k, s in enumerate(_strategies(bt)):
        td = (1 + s.portfolio_returns).cumprod() - gb
        ax.plot(
            td.index, 100 * td, color=COLORS[k % len(COLORS)], lw=1.2 + 0.6 * (k == 0),
            ls=STYLES[k % len(STYLES)], label=s.label,
        )  # fmt: skip
    ax.axhline(0, color="black", lw=0.6)
    ax.set_ylabel("% of initial NAV")
    ax.set_title("Cumulative tracking difference")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def plot_rolling_te(bt: BacktestResult, window: int = 63) -> Figure:
    """Plot the rolling ex-post TE (annualized, %) and the ex-ante TE."""
    fig = _figure()
    ax = fig.add_subplot()
    p = bt.periods_per_year
    for k, s in enumerate(_strategies(bt)):
        color = COLORS[k % len(COLORS)]
        te = s.active_returns.iloc[1:].rolling(window).std(ddof=1) * np.sqrt(p)
        ax.plot(
            te.index, 100 * te, color=color, lw=1.2 + 0.6 * (k == 0),
            ls=STYLES[k % len(STYLES)], label=f"{s.label} ({window}-day)",
        )  # fmt: skip
        ante = s.ex_ante_tracking_error.dropna()
        if len(ante):
            ax.plot(ante.index, 100 * ante, ls="none", marker=".", ms=4, color=color)
    ax.set_ylabel("TE, % a year")
    ax.set_title(f"Rolling {window}-day ex-post TE (dots: ex-ante TE at rebalances)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def plot_costs_turnover(bt: BacktestResult) -> Figure:
    """Turnover at each rebalance and cumulative costs, for every strategy."""
    fig = _figure(8.0, 5.0)
    ax1, ax2 = fig.subplots(2, 1, sharex=True)
    for k, s in enumerate(_strategies(bt)):
        color = COLORS[k % len(COLORS)]
        reb = s.daily[s.daily["rebalanced"]].iloc[1:]
        ax1.plot(
            reb.index,
            100 * reb["turnover"],
            ls="none",
            marker="osd^"[k % 4],
            ms=7 - 1.5 * k,
            mfc="none" if k else color,
            color=color,
            label=s.label,
        )
        ax2.plot(
            s.daily.index,
            1e4 * s.daily["cost"].cumsum(),
            color=color,
            ls=STYLES[k % len(STYLES)],
            lw=1.2 + 0.6 * (k == 0),
            label=s.label,
        )
    ax1.set_ylabel("turnover, % of NAV")
    ax1.set_title("Turnover at rebalances (formation excluded) and cumulative costs")
    ax2.set_ylabel("cumulative cost, bp")
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    return fig


def _esc(x: object) -> str:
    return html.escape(str(x), quote=True)


def _cell(v: object, unit: str) -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "n/a"
    x = float(v)  # type: ignore[arg-type]
    return {
        "pct": f"{100 * x:.3f} %",
        "bp": f"{x:.2f}",
        "ratio": f"{x:.2f}",
        "sec": f"{x:.4f}",
        "int": f"{int(x)}",
    }.get(unit, f"{x:.1f}")


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{_esc(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{_esc(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _summary_table(bt: BacktestResult) -> str:
    from replicator.backtest._metrics import METRIC_LABELS

    table = bt.comparison()
    rows = [
        [label, *(_cell(v, unit) for v in table.loc[key])]
        for key, (label, unit) in METRIC_LABELS.items()
    ]
    return _table(["", *table.columns], rows)


def _cost_table(bt: BacktestResult) -> str:
    names = list(bt.costs.columns)
    if not names:
        return "<p>No cost models.</p>"
    rows = []
    for s in _strategies(bt):
        per = s.metrics()["costs_bp_per_year"]
        rows.append([s.label, *(_cell(per.get(n), "bp") for n in names)])
    return _table(["bp / year (formation excluded)", *names], rows)


def _terms_and_funding(bt: BacktestResult) -> str:
    """Sections of the terms' tables and of the realized funding (perps)."""
    strategies = _strategies(bt)

    def image(fig: Figure, alt: str) -> str:
        return f'<img alt="{_esc(alt)}" src="data:image/png;base64,{_png(fig)}">'

    out = _backtest_terms.term_sections(bt, strategies, _table, image)
    header, rows = _backtest_terms.funding_rows(strategies)
    if rows:
        out += (
            "<h2 id='funding'>Funding: realized vs expected</h2>"
            "<p>Realized: the daily funding paid (negative: received) from the "
            "funding rates of the backtest, over the previous NAV. Expected: "
            "the carry at each rebalance's weights, at the rates the optimizer "
            "assumed (see the funding assumptions).</p>" + _table(header, rows)
        )
    return out


def _benchmark_table(bt: BacktestResult) -> str:
    """Tracked benchmark and, when scored against another series, both TEs."""
    info = bt.config.get("benchmark") or {}
    tracked = info.get("te_tracked") or {}
    scored = info.get("te_scored")
    labels = {"optimized": bt.label, **{k: s.label for k, s in bt.baselines.items()}}
    header = ["", f"TE vs tracked: {info.get('name', 'benchmark')}"]
    if scored is not None:
        header.append(f"TE vs scored: {info.get('scored_against', '')}")
    rows = []
    for key, label in labels.items():
        row = [label, _cell(tracked.get(key), "pct")]
        if scored is not None:
            row.append(_cell(scored.get(key), "pct"))
        rows.append(row)
    mix = info.get("mix", "buy_and_hold").replace("_", "-")
    return (
        f"<p>Tracked: <b>{_esc(info.get('name', 'benchmark'))}</b> "
        f"(weights held {_esc(mix)} between effective dates)"
        + (
            f"; scored against <b>{_esc(info.get('scored_against'))}</b>"
            if scored is not None
            else ""
        )
        + ". Ex-post TE (sd, annualized):</p>"
        + _table(header, rows)
    )


def backtest_to_html(
    bt: BacktestResult,
    path: str | Path | None = None,
    *,
    title: str | None = None,
    window: int = 63,
) -> str:
    r"""Render a backtest as one self-contained HTML page.

    Parameters
    ----------
    bt : BacktestResult
        The result of :func:`replicator.backtest.run` (with its baselines).
    path : str or Path, optional
        Write the page there (UTF-8).
    title : str, optional
        Page title.
    window : int, default 63
        Window of the rolling ex-post tracking error, in days.

    Returns
    -------
    str
        The HTML text.

    Notes
    -----
    The rolling tracking error is :math:`\sqrt{p}\,\mathrm{sd}_{w}(r_p - r_b)`
    over the last ``w`` days, with ``p`` periods per year.
    """
    m = bt.metrics()
    title = title or "Backtest report"
    plots = [
        (plot_cumulative(bt), "cumulative returns"),
        (plot_tracking_difference(bt), "cumulative tracking difference"),
        (plot_rolling_te(bt, window), "rolling tracking error"),
        (plot_costs_turnover(bt), "turnover and costs"),
    ]
    imgs = "".join(
        f'<img alt="{_esc(alt)}" src="data:image/png;base64,{_png(fig)}">'
        for fig, alt in plots
    )
    notes = "".join(f'<p class="note">Note: {_esc(n)}</p>' for n in bt.notes)
    cfg = bt.config
    settings = [
        ["Schedule", str(cfg.get("schedule", ""))],
        ["Lookback (days)", str(cfg.get("lookback", ""))],
        ["Re-estimate every (rebalances)", str(cfg.get("reestimate_every", ""))],
        ["Initial NAV", f"{bt.initial_nav:,.0f}"],
        ["Benchmark", "index returns (returns-only)" if bt.returns_only else "weights"],
        ["Model", str(cfg.get("model", ""))],
        ["Run time (s)", f"{cfg.get('elapsed', float('nan')):.2f}"],
    ]
    page = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{_esc(title)}</title><style>{CSS}</style></head><body>"
        f"<h1>{_esc(title)}</h1>"
        f"<p class='sub'>{_esc(m['start'])} to {_esc(m['end'])}: {m['n_days']} days, "
        f"{m['n_rebalances']} rebalances (formation {_esc(m['formation_date'])})</p>"
        f"{notes}<h2>Benchmark</h2>{_benchmark_table(bt)}"
        f"<h2>Summary</h2>{_summary_table(bt)}"
        f"<h2>Costs by type</h2>{_cost_table(bt)}"
        f"<h2>Performance</h2>{imgs}"
        f"{_terms_and_funding(bt)}"
        f"<h2>Settings</h2>{_table(['', ''], settings)}"
        f"<footer>Generated by replicator on {dt.datetime.now(dt.UTC):%Y-%m-%d}."
        " Returns are net of costs; ex-post statistics exclude the formation day;"
        " tracking difference and total costs include the formation trade.</footer>"
        "</body></html>"
    )
    if path is not None:
        Path(path).write_text(page, encoding="utf-8")
    return page
