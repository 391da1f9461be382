"""Summary statistics of a backtest (pure functions of its series)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from replicator.measures import ex_post_tracking_error

__all__ = ["METRIC_LABELS", "backtest_metrics", "bias_statistic"]

#: Below this ex-ante TE (1e-8, i.e. 1e-6 %), the realized/ex-ante ratio is undefined.
MIN_TE = 1e-8

#: Display label and unit of each metric, in display order.
METRIC_LABELS: dict[str, tuple[str, str]] = {
    "te_ex_post": ("Ex-post TE (sd, ann.)", "pct"),
    "te_ex_post_rms": ("Ex-post TE (RMS, ann.)", "pct"),
    "te_ex_ante_mean": ("Mean ex-ante TE", "pct"),
    "te_realized_over_ex_ante": ("Realized / ex-ante TE", "ratio"),
    "te_bias_statistic": ("Bias statistic (1 = calibrated)", "ratio"),
    "tracking_difference_annualized": ("Tracking difference (ann.)", "pct"),
    "tracking_difference_cumulative": ("Tracking difference (cum.)", "pct"),
    "portfolio_return_annualized": ("Portfolio return (ann.)", "pct"),
    "benchmark_return_annualized": ("Benchmark return (ann.)", "pct"),
    "cost_bp_per_year": ("Costs (bp/yr, ex formation)", "bp"),
    "formation_cost_bp": ("Formation cost (bp)", "bp"),
    "total_cost_bp": ("Total costs (bp of NAV)", "bp"),
    "turnover_per_year": ("Turnover / yr (ex formation)", "pct"),
    "avg_n_holdings": ("Average names held", "num"),
    "n_rebalances": ("Rebalances (incl. formation)", "int"),
    "solve_time_median": ("Solve time median (s)", "sec"),
    "solve_time_p95": ("Solve time p95 (s)", "sec"),
    "solve_time_max": ("Solve time max (s)", "sec"),
    "n_compilations": ("Compilations", "int"),
}


def _finite(x: float) -> float | None:
    return float(x) if x is not None and math.isfinite(x) else None


def _label(date: Any) -> str:
    """Show a midnight timestamp as a plain date."""
    if isinstance(date, pd.Timestamp) and date == date.normalize():
        return date.date().isoformat()
    return str(date)


def bias_statistic(
    daily: pd.DataFrame, rebalances: pd.DataFrame, periods_per_year: float
) -> float:
    r"""Return the sd of the active returns in units of their ex-ante TE.

    Parameters
    ----------
    daily : DataFrame
        The daily table (first row: formation), with ``active_return``.
    rebalances : DataFrame
        The rebalance log, with ``ex_ante_te`` by rebalance date.
    periods_per_year : float
        Annualization factor.

    Returns
    -------
    float
        NaN when fewer than two performance days have an ex-ante TE.

    Notes
    -----
    Each performance day ``t`` is standardized by the ex-ante TE
    :math:`\sigma_{r(t)}` of the last rebalance ``r(t) < t``:

    .. math::

        z_t = \frac{a_t}{\sigma_{r(t)} / \sqrt p}, \qquad
        b = \mathrm{sd}(z)

    ``b`` is 1 for a calibrated risk model, above 1 when the ex-ante TE is
    over-confident (realized is larger) and below 1 when it is conservative.
    With ``T`` independent days its sampling error is about
    :math:`1/\sqrt{2T}`, so ``b`` outside :math:`1 \pm 2/\sqrt{2T}`
    (about 0.91-1.09 over a year) is evidence of mis-calibration. Unlike the
    ratio of the whole period's TE to the mean ex-ante TE, it weighs each
    holding period by its own forecast.
    """
    ante = rebalances["ex_ante_te"].astype(float)
    ante = ante[np.isfinite(ante) & (ante > MIN_TE)]
    if ante.empty:
        return float("nan")
    # The forecast made at the close of a rebalance date covers the next days.
    sigma = ante.reindex(daily.index).ffill().shift(1).iloc[1:]
    active = daily["active_return"].iloc[1:]
    ok = sigma.notna().to_numpy()
    if ok.sum() < 2:
        return float("nan")
    z = active.to_numpy()[ok] / (sigma.to_numpy()[ok] / math.sqrt(periods_per_year))
    return float(np.std(z, ddof=1))


def backtest_metrics(
    daily: pd.DataFrame,
    costs: pd.DataFrame,
    rebalances: pd.DataFrame,
    *,
    periods_per_year: float,
    n_compilations: int,
) -> dict[str, Any]:
    r"""Compute the summary statistics of one strategy.

    Parameters
    ----------
    daily : DataFrame
        The daily table of a :class:`BacktestResult` (first row: formation).
    costs : DataFrame
        Costs by type, fractions of the pre-trade NAV, by date.
    rebalances : DataFrame
        The rebalance log (first row: formation).
    periods_per_year : float
        Annualization factor.
    n_compilations : int
        Problem compilations during the run.

    Returns
    -------
    dict
        Floats (None where undefined) keyed as in :data:`METRIC_LABELS`, plus
        ``costs_bp_per_year`` by type, dates, counts and ``final_nav``.

    Notes
    -----
    Ex-post statistics use the performance days (the formation row, where
    nothing is held over a market move, is left out); tracking difference and
    total costs include the formation trade. With ``a_t = r^p_t - r^b_t`` over
    ``T`` days and ``p`` periods per year:

    .. math::

        TE_{sd} = \sqrt p\, \mathrm{sd}(a), \quad
        TE_{rms} = \sqrt{p\, \overline{a^2}}, \quad
        TD_{cum} = \prod (1 + r^p_t) - \prod (1 + r^b_t), \quad
        TD_{ann} = G_p^{p/T} - G_b^{p/T}

    Costs per year are the sum over rebalances (formation excluded) of each
    cost as a fraction of the pre-trade NAV, divided by ``T/p`` years; the
    same for one-way turnover.
    """
    perf = daily.iloc[1:]
    n_days = len(perf)
    years = n_days / periods_per_year
    active = perf["active_return"].to_numpy()
    gp = float(np.prod(1.0 + daily["portfolio_return"].to_numpy()))
    gb = float(np.prod(1.0 + daily["benchmark_return"].to_numpy()))
    ann_p = gp ** (1.0 / years) - 1.0 if years > 0 and gp > 0 else float("nan")
    ann_b = gb ** (1.0 / years) - 1.0 if years > 0 and gb > 0 else float("nan")
    te = ex_post_tracking_error(active, periods_per_year)
    te_rms = ex_post_tracking_error(active, periods_per_year, centred=False)
    ex_ante = rebalances["ex_ante_te"].to_numpy(dtype=float)
    ex_ante = ex_ante[np.isfinite(ex_ante)]
    te_ante = float(np.mean(ex_ante)) if ex_ante.size else float("nan")
    ongoing = costs.iloc[1:]
    turnover = daily["turnover"].to_numpy()
    wall = rebalances["wall_time"].to_numpy(dtype=float)
    solved = rebalances["solver"].astype(str).to_numpy() != ""
    wall = wall[solved]
    per_type = {
        str(k): _finite(v * 1e4 / years) if years > 0 else None
        for k, v in ongoing.sum().items()
    }
    return {
        "start": _label(perf.index[0]) if n_days else None,
        "end": _label(daily.index[-1]),
        "formation_date": _label(daily.index[0]),
        "n_days": n_days,
        "years": years,
        "te_ex_post": _finite(te),
        "te_ex_post_rms": _finite(te_rms),
        "te_ex_ante_mean": _finite(te_ante),
        "te_realized_over_ex_ante": _finite(te / te_ante) if te_ante > MIN_TE else None,
        "te_bias_statistic": _finite(
            bias_statistic(daily, rebalances, periods_per_year)
        ),
        "tracking_difference_annualized": _finite(ann_p - ann_b),
        "tracking_difference_cumulative": _finite(gp - gb),
        "portfolio_return_annualized": _finite(ann_p),
        "benchmark_return_annualized": _finite(ann_b),
        "cost_bp_per_year": _finite(ongoing.to_numpy().sum() * 1e4 / years)
        if years > 0
        else None,
        "costs_bp_per_year": per_type,
        "formation_cost_bp": _finite(float(costs.iloc[0].sum()) * 1e4),
        "total_cost_bp": _finite(float(costs.to_numpy().sum()) * 1e4),
        "total_cost_amount": _finite(float(daily["cost_amount"].sum())),
        "turnover_per_year": _finite(turnover[1:].sum() / years) if years > 0 else None,
        "formation_turnover": _finite(float(turnover[0])),
        "avg_n_holdings": _finite(float(daily["n_holdings"].mean())),
        "n_rebalances": len(rebalances),
        "solve_time_median": _finite(float(np.median(wall))) if wall.size else None,
        "solve_time_p95": _finite(float(np.percentile(wall, 95)))
        if wall.size
        else None,
        "solve_time_max": _finite(float(np.max(wall))) if wall.size else None,
        "n_compilations": int(n_compilations),
        "final_nav": _finite(float(daily["nav"].iloc[-1])),
    }
