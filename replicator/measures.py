"""Pure numpy measures: tracking error, turnover, active share.

Unit system of replicator
-------------------------
* Weights and trades are fractions of NAV (0.01 = 1 %).
* Tracking error (ex-ante and ex-post) is annualized and a fraction
  (0.0123 = 1.23 % a year). ``TE^2`` is the annualized active variance.
* Costs are one-off fractions of NAV (0.0005 = 5 bp of NAV).
* Annualization uses ``periods_per_year`` (252 for equities, 365 for crypto).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from replicator.typing import FloatArray

__all__ = [
    "active_share",
    "ex_post_tracking_error",
    "tracking_difference",
    "turnover",
]


def turnover(trades: FloatArray) -> float:
    r"""One-way turnover of a trade vector, including the cash leg.

    Parameters
    ----------
    trades : ndarray of shape (n_assets,)
        Trades as fractions of NAV.

    Returns
    -------
    float

    Notes
    -----
    .. math:: \\tau = \\tfrac12 \\Big(\\sum_i |t_i| + \\big|\\sum_i t_i\\big|\\Big)
    """
    t = np.asarray(trades, dtype=float)
    return 0.5 * float(np.abs(t).sum() + abs(t.sum()))


def active_share(weights: FloatArray, benchmark: FloatArray) -> float:
    r"""Active share ``0.5 * sum|w - b|`` (cash counted as an asset).

    Notes
    -----
    .. math:: AS = \\tfrac12 \\Big(\\sum_i |w_i - b_i|
              + \\big|\\sum_i (w_i - b_i)\\big|\\Big)
    """
    return turnover(np.asarray(weights) - np.asarray(benchmark))


def ex_post_tracking_error(
    active_returns: pd.Series | FloatArray,
    periods_per_year: float = 252.0,
    *,
    centred: bool = True,
) -> float:
    r"""Realized (ex-post) tracking error, annualized.

    Parameters
    ----------
    active_returns : array-like
        Portfolio minus benchmark returns, one per period.
    periods_per_year : float
        Annualization factor.
    centred : bool, default True
        True for the standard deviation of active returns; False for the
        root mean square (which includes the tracking difference).

    Notes
    -----
    .. math::

        TE_{sd} = \\sqrt{p}\\,\\mathrm{sd}(r_p - r_b), \\qquad
        TE_{rms} = \\sqrt{p\\,\\overline{(r_p - r_b)^2}}
    """
    a = np.asarray(active_returns, dtype=float)
    a = a[np.isfinite(a)]
    if a.size < 2:
        return float("nan")
    if centred:
        return float(np.std(a, ddof=1) * np.sqrt(periods_per_year))
    return float(np.sqrt(np.mean(a**2) * periods_per_year))


def tracking_difference(
    portfolio_returns: pd.Series | FloatArray,
    benchmark_returns: pd.Series | FloatArray,
    periods_per_year: float = 252.0,
) -> tuple[float, float]:
    """Cumulative and annualized tracking difference (geometric).

    Returns
    -------
    cumulative : float
        ``prod(1 + r_p) - prod(1 + r_b)``.
    annualized : float
        Difference of the annualized compound returns.
    """
    rp_ = np.asarray(portfolio_returns, dtype=float)
    rb = np.asarray(benchmark_returns, dtype=float)
    gp, gb = float(np.prod(1 + rp_)), float(np.prod(1 + rb))
    years = len(rp_) / periods_per_year
    if years <= 0:
        return 0.0, 0.0
    return gp - gb, gp ** (1 / years) - gb ** (1 / years)
