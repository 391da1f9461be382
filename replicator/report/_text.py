"""Numbers to text: formatters and the tables shared by the CLI and the report.

Everything here is a pure function of a :class:`~replicator.ReplicationResult`
(no cvxpy), returning strings or small lists of rows, so the same figures
appear in the terminal summary, ``summary.json`` and ``report.html``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from replicator.result import ReplicationResult

__all__ = [
    "active_table",
    "benchmark_leg",
    "bp",
    "constraint_table",
    "cost_table",
    "headline",
    "money",
    "pct",
    "solver_table",
    "te_group_table",
    "usage_table",
]

Row = tuple[str, ...]


def pct(x: float | None, digits: int = 2) -> str:
    """``0.01234 -> '1.23 %'``; ``'n/a'`` for None or non-finite."""
    if x is None or not math.isfinite(x):
        return "n/a"
    value = round(100 * x, digits) + 0.0  # no "-0.00 %"
    return f"{value:.{digits}f} %"


def bp(x: float | None, digits: int = 2) -> str:
    """``0.0001234 -> '1.23 bp'`` (basis points of NAV)."""
    if x is None or not math.isfinite(x):
        return "n/a"
    value = round(1e4 * x, digits) + 0.0
    return f"{value:.{digits}f} bp"


def money(x: float | None) -> str:
    """``1.5e9 -> '1.50 bn'``; compact currency amounts."""
    if x is None or not math.isfinite(x):
        return "n/a"
    for scale, unit in ((1e12, "tn"), (1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if abs(x) >= scale:
            return f"{x / scale:.2f} {unit}"
    return f"{x:.2f}"


def day(x: object) -> str:
    """Format a date as ``YYYY-MM-DD`` when it has no time of day."""
    try:
        ts = pd.Timestamp(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(x)
    return str(ts.date()) if ts == ts.normalize() else str(ts)


def _share(part: float, total: float) -> str:
    if not (math.isfinite(total) and total > 0):
        return "n/a"
    return f"{100 * part / total:.1f} % of TE²"


def headline(result: ReplicationResult) -> list[Row]:
    r"""Return the headline numbers as ``(label, value)`` rows.

    Notes
    -----
    ``TE`` is the annualized ex-ante tracking error
    :math:`\sqrt{(w-b)^T \Sigma (w-b)}`; costs are one-off fractions of NAV
    shown in basis points; turnover is one-way including the cash leg.
    """
    usage = result.liquidity_usage
    rows: list[Row] = [
        ("Status", f"{result.status} ({result.solver})"),
        ("Tracking error (ex-ante, annualized)", pct(result.tracking_error, 3)),
        (
            "  factor / specific",
            f"{_share(result.te_factor_variance, result.tracking_variance)} / "
            f"{_share(result.te_specific_variance, result.tracking_variance)}",
        ),
        (
            "Total cost",
            f"{bp(result.total_cost)} ({money(result.total_cost * result.nav)})",
        ),
        ("Turnover (one-way)", pct(result.turnover)),
        ("Holdings", f"{result.n_holdings} of {len(result.weights)} assets"),
        ("Cash", pct(result.cash, 3)),
        ("NAV", money(result.nav)),
        ("Unreplicated benchmark weight", pct(result.unreplicated_weight)),
        (
            "Max liquidity usage (trade / ADV)",
            pct(float(usage.max())) if len(usage) else "no ADV given",
        ),
        ("Binding constraints", ", ".join(result.binding_constraints) or "none"),
    ]
    if result.returns_only:
        rows.insert(1, ("Benchmark", "return series (returns-only mode)"))
    if result.date is not None:
        rows.insert(0, ("Date", day(result.date)))
    return rows


def active_table(result: ReplicationResult, n: int = 15) -> tuple[Row, list[Row]]:
    """Return the ``n`` largest active positions (or positions, returns-only)."""
    frame = result.to_frame()
    key = frame["weight"] if result.returns_only else frame["active"]
    order = key.abs().sort_values(ascending=False).index[:n]
    usage = result.liquidity_usage
    header: Row = ("Ticker", "Benchmark", "Weight", "Active", "Trade", "Trade / ADV")
    # Returns-only: the benchmark is a return series, its weights are unknown.
    known = not result.returns_only
    rows = [
        (
            str(t),
            pct(frame.at[t, "benchmark"], 3) if known else "n/a",
            pct(frame.at[t, "weight"], 3),
            pct(frame.at[t, "active"], 3) if known else "n/a",
            pct(frame.at[t, "trade"], 3),
            pct(float(usage[t])) if t in usage.index else "n/a",
        )
        for t in order
    ]
    return header, rows


def benchmark_leg(result: ReplicationResult) -> float | None:
    r"""Returns-only mode: the part of ``TE^2`` that belongs to no asset.

    Notes
    -----
    With the benchmark a return series, of variance :math:`\sigma_b^2` and
    covariance :math:`c` with the assets,

    .. math::

        \mathrm{TE}^2 = \sum_i w_i (\Sigma w - c)_i
            + (\sigma_b^2 - c^T w)

    The first sum is ``te_by_asset`` (its group sums are ``te_by_group``);
    the second is the benchmark's own leg, returned here. None in weights
    mode, where the per-asset contributions sum to ``TE^2``.
    """
    if not result.returns_only:
        return None
    return float(result.tracking_variance - result.te_by_asset.sum())


def te_group_table(result: ReplicationResult) -> tuple[Row, list[Row]]:
    """TE² contributions: factor, specific, then by group (sector).

    In returns-only mode the groups are followed by the benchmark's own leg
    (:func:`benchmark_leg`), so that the group rows and it sum to ``TE^2``.
    """
    total = result.tracking_variance
    header: Row = ("Part", "Contribution to TE²", "Share")
    rows: list[Row] = [
        (
            "Factor (systematic)",
            f"{result.te_factor_variance:.3e}",
            _share(result.te_factor_variance, total),
        ),
        (
            "Specific (idiosyncratic)",
            f"{result.te_specific_variance:.3e}",
            _share(result.te_specific_variance, total),
        ),
    ]
    by_group = result.te_by_group.sort_values(ascending=False)
    rows += [(f"Group: {g}", f"{v:.3e}", _share(v, total)) for g, v in by_group.items()]
    leg = benchmark_leg(result)
    if leg is not None and len(by_group):
        rows.append(("Benchmark (return series)", f"{leg:.3e}", _share(leg, total)))
    return header, rows


def cost_table(result: ReplicationResult) -> tuple[Row, list[Row]]:
    """One row per cost term and soft-constraint penalty."""
    header: Row = ("Term", "bp of NAV", "Amount")
    rows: list[Row] = [
        (name, bp(v, 3), money(v * result.nav)) for name, v in result.costs.items()
    ]
    rows.append(
        ("Total", bp(result.total_cost, 3), money(result.total_cost * result.nav))
    )
    rows += [
        (f"Penalty: {name}", f"{v:.3e} (objective units)", "")
        for name, v in result.penalties.items()
    ]
    return header, rows


def constraint_table(result: ReplicationResult) -> tuple[Row, list[Row]]:
    """Each constraint's value, limit and whether it binds."""
    header: Row = (
        "Constraint",
        "Value",
        "Limit",
        "Binding",
        "Rows binding",
        "Violation",
    )
    rows = [
        (
            c.name + (" (soft)" if c.soft else ""),
            f"{c.value:.6g}",
            f"{c.limit:.6g}",
            "yes" if c.binding else "no",
            str(c.n_binding),
            f"{c.max_violation:.2e}",
        )
        for c in result.constraints
    ]
    return header, rows


def solver_table(result: ReplicationResult) -> tuple[Row, list[Row]]:
    """Solver statistics as ``(field, value)`` rows."""
    stats: dict[str, Any] = result.stats.to_dict()
    rows: list[Row] = []
    for key, value in stats.items():
        if key.endswith("_time") and isinstance(value, float):
            text = f"{value * 1e3:.1f} ms"
        elif isinstance(value, list):
            text = "; ".join(map(str, value))
        else:
            text = str(value)
        rows.append((key.replace("_", " "), text))
    rows.append(("objective", f"{result.objective:.6g}"))
    return ("Field", "Value"), rows


def usage_table(result: ReplicationResult, n: int = 10) -> tuple[Row, list[Row]]:
    """Return the ``n`` trades using the most liquidity (share of ADV)."""
    usage: pd.Series = result.liquidity_usage.sort_values(ascending=False)[:n]
    header: Row = ("Ticker", "Trade", "Trade value", "Trade / ADV")
    rows = [
        (
            str(t),
            pct(float(result.trades[t]), 3),
            money(abs(float(result.trades[t])) * result.nav),
            pct(float(u)),
        )
        for t, u in usage.items()
        if u > 0
    ]
    return header, rows
