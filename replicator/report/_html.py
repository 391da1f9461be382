"""Self-contained HTML report of one replication solve.

One file, no network: the CSS is inline and every plot is an embedded base64
PNG. A pure function of the result (plus optional run metadata).
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from replicator.report import _plots, _terms, _text

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from replicator.result import ReplicationResult

__all__ = ["render_html", "to_html"]

CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em auto;
max-width:960px;color:#222;line-height:1.4;padding:0 1em}
h1{margin-bottom:.1em}
h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
.sub{color:#666;margin-top:0}
.cards{display:flex;flex-wrap:wrap;gap:.6em}
.card{border:1px solid #ddd;border-radius:6px;padding:.5em .8em;min-width:9em}
.card .v{font-size:1.35em;font-weight:600}.card .k{color:#666;font-size:.85em}
table{border-collapse:collapse;margin:.6em 0;font-size:.9em}
th,td{border-bottom:1px solid #eee;padding:.25em .7em;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#f6f6f6}
tr.bind td{background:#fff5e0}
img{max-width:100%;height:auto;display:block;margin:.5em 0}
.ok{color:#2a7a2a}.bad{color:#b22}
footer{color:#888;font-size:.8em;margin-top:3em}
"""


def _esc(x: object) -> str:
    return html.escape(str(x), quote=True)


def _table(
    header: Sequence[str], rows: Sequence[Sequence[str]], bind_col: int | None = None
) -> str:
    head = "".join(f"<th>{_esc(h)}</th>" for h in header)
    body = []
    for row in rows:
        cls = ' class="bind"' if bind_col is not None and row[bind_col] == "yes" else ""
        body.append(
            f"<tr{cls}>" + "".join(f"<td>{_esc(c)}</td>" for c in row) + "</tr>"
        )
    return (
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def _img(fig: Figure, alt: str) -> str:
    data = base64.b64encode(_plots.figure_to_png(fig)).decode("ascii")
    return f'<img alt="{_esc(alt)}" src="data:image/png;base64,{data}">'


def _cards(result: ReplicationResult) -> str:
    usage = result.liquidity_usage
    cards = [
        ("Tracking error (ann.)", _text.pct(result.tracking_error, 3)),
        ("Total cost", _text.bp(result.total_cost)),
        ("Turnover", _text.pct(result.turnover)),
        ("Holdings", str(result.n_holdings)),
        ("Cash", _text.pct(result.cash, 3)),
        ("Max trade / ADV", _text.pct(float(usage.max())) if len(usage) else "n/a"),
    ]
    return (
        '<div class="cards">'
        + "".join(
            f'<div class="card"><div class="v">{_esc(v)}</div>'
            f'<div class="k">{_esc(k)}</div></div>'
            for k, v in cards
        )
        + "</div>"
    )


def term_sections(tables: Mapping[str, Any]) -> list[str]:
    """One section per term table (``Term.report_tables``): bars and a table."""
    parts = []
    for name, frame in tables.items():
        heading = _terms.title(name, frame)
        parts.append(f'<h2 id="{_esc(name)}">{_esc(heading)}</h2>')
        if frame.attrs.get("stack"):
            parts.append(_img(_terms.plot_stacked(name, frame), heading))
        header, rows = _terms.table_rows(frame)
        parts.append(_table(header, rows) if rows else "<p>All zero.</p>")
    return parts


def render_html(
    result: ReplicationResult,
    *,
    title: str = "Replication report",
    benchmark_name: str | None = None,
    manifest: Mapping[str, Any] | None = None,
) -> str:
    """Return the report as an HTML string (see :func:`to_html`)."""
    ok = result.status.usable
    status = f'<span class="{"ok" if ok else "bad"}">{_esc(result.status)}</span>'
    bench = _esc(benchmark_name or "benchmark")
    when = f" — {_esc(_text.day(result.date))}" if result.date is not None else ""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_esc(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{_esc(title)}</h1>",
        f'<p class="sub">Tracking {bench}{when} · status {status} · '
        f"solver {_esc(result.solver)}</p>",
        '<h2 id="headline">Headline</h2>',
        _cards(result),
        _table(("Measure", "Value"), _text.headline(result)),
    ]
    label = "Largest positions" if result.returns_only else "Largest active positions"
    parts += [
        f'<h2 id="weights">Weights vs {bench}</h2>',
        _img(_plots.plot_weights(result), f"portfolio and {bench} weights"),
    ]
    if not result.returns_only:
        parts.append(_img(_plots.plot_active(result), "largest active weights"))
    parts += [f"<h3>{label}</h3>", _table(*_text.active_table(result))]
    if result.unreplicable:
        parts.append(
            f"<p>{len(result.unreplicable)} constituents cannot be held "
            f"({_text.pct(result.unreplicated_weight)} of the benchmark): "
            f"{_esc(', '.join(result.unreplicable[:30]))}"
            f"{' …' if len(result.unreplicable) > 30 else ''}</p>"
        )
    parts += [
        '<h2 id="risk">Tracking-error decomposition</h2>',
        _img(_plots.plot_te_decomposition(result), "tracking error decomposition"),
        _table(*_text.te_group_table(result)),
        '<h2 id="costs">Costs</h2>',
        _img(_plots.plot_costs(result), "cost by term"),
        _table(*_text.cost_table(result)),
        *term_sections(result.tables),
        '<h2 id="liquidity">Liquidity usage</h2>',
    ]
    if len(result.liquidity_usage):
        parts += [
            _img(_plots.plot_liquidity(result), "liquidity usage"),
            _table(*_text.usage_table(result)),
        ]
    else:
        parts.append("<p>No ADV was given, so participation is not measured.</p>")
    header, rows = _text.constraint_table(result)
    parts += ['<h2 id="constraints">Constraints</h2>']
    parts.append(_table(header, rows, bind_col=3) if rows else "<p>No constraints.</p>")
    parts += ['<h2 id="solver">Solver</h2>', _table(*_text.solver_table(result))]
    if manifest:
        parts += [
            '<h2 id="manifest">Run manifest</h2>',
            f"<pre>{_esc(json.dumps(manifest, indent=2, default=str))}</pre>",
        ]
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts.append(
        f"<footer>Generated by replicator on {stamp}. Units: weights, trades, "
        "turnover and costs are fractions of NAV; tracking error is annualized "
        "ex-ante.</footer></body></html>"
    )
    return "\n".join(parts)


def to_html(
    result: ReplicationResult,
    path: str | Path | None = None,
    *,
    title: str | None = None,
    benchmark_name: str | None = None,
    manifest: Mapping[str, Any] | None = None,
) -> str:
    r"""Write a self-contained HTML report of one solve.

    Parameters
    ----------
    result : ReplicationResult or BacktestResult
        The solve to report. A :class:`~replicator.backtest.BacktestResult`
        is rendered by ``backtest_to_html`` (``title`` is passed on).
    path : str or Path, optional
        Where to write the file; when None, only the HTML text is returned.
    title : str, optional
        Page title and heading (default "Replication report").
    benchmark_name : str, optional
        Name of the tracked index, e.g. "S&P 500".
    manifest : mapping, optional
        Run metadata (config hash, input hashes, versions) shown at the end.

    Returns
    -------
    str
        The HTML text.

    Notes
    -----
    Sections: headline numbers; weights vs benchmark and the top active
    positions; TE decomposition :math:`TE^2 = TE^2_{factor} + TE^2_{specific}`
    and by group; cost breakdown; liquidity usage
    :math:`|t_i| \cdot NAV / ADV_i`; constraints (binding rows highlighted);
    solver statistics; then a section per table of the terms
    (:attr:`~replicator.ReplicationResult.tables`: e.g. the venue split as a
    table and stacked bars, funding carry, margin and the spot/perp split,
    with their labelled assumptions). Plots are PNG images embedded as
    base64, so the file opens offline.

    Examples
    --------
    >>> import replicator.report as report
    >>> report.to_html(res, "report.html", benchmark_name="S&P 500")  # doctest: +SKIP
    """
    if not hasattr(result, "stats") and hasattr(result, "daily"):  # a backtest
        from replicator.report._backtest import backtest_to_html

        return backtest_to_html(result, path, title=title)  # type: ignore[arg-type]
    text = render_html(
        result,
        title=title or "Replication report",
        benchmark_name=benchmark_name,
        manifest=manifest,
    )
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text
