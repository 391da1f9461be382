"""Derivatives-hedge mode: a frozen spot book plus perps that track a benchmark."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from replicator.constraints import Constraint, NoTrade, Soft, WeightBounds
from replicator.costs import Cost
from replicator.derivatives._margin import GrossLeverage, MarginRequirement
from replicator.derivatives._perp import Perp, as_perps, spot_tickers, with_perps
from replicator.exceptions import DataError
from replicator.replicator import Replicator
from replicator.result import ReplicationResult
from replicator.risk._base import RiskModel

__all__ = ["hedge", "hedge_model", "spot_long_only"]


def spot_long_only(assets: Iterable[str], perps: Perp | Iterable[Perp]) -> WeightBounds:
    r"""Long-only bounds ``0 <= w <= 1`` on the spot assets; perps stay free.

    Notes
    -----
    A :class:`~replicator.constraints.WeightBounds` with Series bounds that
    list only the spot tickers, so the perps (not listed) may be short.
    """
    spot = spot_tickers(assets, as_perps(perps))
    return WeightBounds(
        lower=pd.Series(0.0, index=spot), upper=pd.Series(1.0, index=spot)
    )


def hedge_model(
    spot: Sequence[str],
    perps: Perp | Iterable[Perp],
    *,
    risk: RiskModel | None = None,
    costs: Sequence[Cost] = (),
    constraints: Sequence[Constraint] = (),
    leverage: float | None = None,
    buffer: float = 0.0,
    margin_penalty: float | None = None,
    **model_kw: Any,
) -> Replicator:
    r"""Build a Replicator that trades only the perps around a frozen spot book.

    Parameters
    ----------
    spot : sequence of str
        The spot tickers of the universe: all frozen (``NoTrade``).
    perps : Perp or iterable of Perp
        The hedge instruments.
    risk, costs, constraints
        As for :class:`~replicator.Replicator`; ``constraints`` are added to
        ``NoTrade(spot)`` and ``MarginRequirement(perps, buffer=buffer)``.
    leverage : float, optional
        Adds ``GrossLeverage(leverage)`` when given.
    margin_penalty : float, optional
        Make the margin requirement soft at this price (a backtest's book
        may drift past its collateral: a margin call the solve cannot undo,
        since the book is frozen).
    **model_kw
        Other Replicator arguments (``periods_per_year`` defaults to 365).

    Notes
    -----
    The book ``w_S`` is fixed; the perps ``w_P`` solve

    .. math::

        \min_{w_P}\; (w - b)^T \Sigma (w - b) + \frac{C(w)}{\lambda H}
        \quad w = (w_S, w_P),\;
        \mathbf 1^T w_S + \textstyle\sum_i m_i |w_{P,i}| \le 1 - \beta

    The collateral is the book's cash ``1 - 1^T w_S``: a fully invested book
    cannot post margin.
    """
    specs = as_perps(perps)
    margin: Constraint = MarginRequirement(specs, buffer=buffer)
    if margin_penalty is not None:
        margin = Soft(margin, penalty=margin_penalty)
    terms: list[Constraint] = [NoTrade(list(spot)), margin]
    if leverage is not None:
        terms.append(GrossLeverage(leverage))
    model_kw.setdefault("periods_per_year", 365.0)
    return Replicator(
        risk=risk,
        costs=list(costs),
        constraints=terms + list(constraints),
        **model_kw,
    )


def hedge(
    returns: pd.DataFrame,
    benchmark: pd.Series,
    book: pd.Series,
    perps: Perp | Iterable[Perp],
    *,
    basis: pd.DataFrame | None = None,
    date: Any = None,
    **kw: Any,
) -> ReplicationResult:
    """Choose perp positions so that ``book + perps`` tracks ``benchmark``.

    Parameters
    ----------
    returns : DataFrame
        Daily spot returns, dates x tickers (the perp columns are added with
        :func:`with_perps`).
    benchmark : Series
        Benchmark weights by spot ticker.
    book : Series
        The frozen spot book, weights by spot ticker (fractions of NAV); the
        rest, ``1 - book.sum()``, is cash that serves as collateral.
    perps : Perp or iterable of Perp
        The hedge instruments.
    basis : DataFrame, optional
        Daily perp-minus-spot returns by perp symbol (see :func:`with_perps`).
    date : object, optional
        The solve date (needed by a FundingCarry on a rate series).
    **kw
        Passed to :func:`hedge_model`.

    Returns
    -------
    ReplicationResult
        ``weights`` holds the book unchanged and the chosen perp weights.

    Raises
    ------
    DataError
        The book names a perp or a ticker outside the returns.
    """
    specs = as_perps(perps)
    frame = with_perps(returns, specs, basis)
    symbols = {p.symbol for p in specs}
    bad = sorted(set(map(str, book.index)) & symbols)
    if bad:
        raise DataError(
            f"The hedge book holds the perps {bad}; the book is spot only (the "
            "perps are chosen by the hedge)."
        )
    unknown = sorted(set(map(str, book.index)) - set(frame.columns))
    if unknown:
        raise DataError(
            f"The hedge book holds {unknown}, which are not columns of the "
            "returns; add their returns."
        )
    model = hedge_model(spot_tickers(frame.columns, specs), specs, **kw)
    return model.solve(frame, benchmark, book, date=date)
