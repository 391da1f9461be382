"""``rp.select.walk_forward``: settings chosen on a validation backtest.

Every candidate model is backtested by :func:`replicator.backtest.run` (the
same accounting as any backtest: costs paid, holdings drifted) over a
validation period at the end of the training data, and the candidate with the
lowest realized (ex-post) tracking error wins. Only data dated on or before
``until`` are passed on, so nothing after the selection date can change it.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from replicator.backtest import run
from replicator.exceptions import ConfigError, DataError
from replicator.replicator import Replicator

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["Selection", "candidates", "walk_forward"]

#: Model settings a grid may vary (attributes of :class:`Replicator`).
GRID_KEYS = ("risk", "risk_aversion", "horizon")

#: Statistics a selection can minimize (keys of ``BacktestResult.metrics()``).
SCORES = ("te_ex_post", "te_ex_post_rms")


@dataclass(frozen=True)
class Selection:
    """The outcome of :func:`walk_forward`.

    Attributes
    ----------
    settings : dict
        The winning values of the grid keys (``risk``, ``risk_aversion``...).
    model : Replicator
        A copy of the base model with those settings (as validated).
    table : DataFrame
        One row per candidate, best first: the settings, the validation
        ``score`` and the backtest's ex-ante TE, calibration, costs and
        turnover.
    until : Timestamp
        The selection date: the last date of data used.
    validation : (Timestamp, Timestamp)
        First and last day of the validation backtest.
    score : str
        The statistic minimized.
    """

    settings: dict[str, Any]
    model: Replicator
    table: pd.DataFrame
    until: pd.Timestamp
    validation: tuple[pd.Timestamp, pd.Timestamp]
    score: str

    def summary(self) -> str:
        """Return the settings and the validation table as text."""
        shown = ", ".join(f"{k}={_label(v)}" for k, v in self.settings.items())
        start, end = (d.date() for d in self.validation)
        return (
            f"Selected {shown} (validation {start} .. {end}, {self.score}, data "
            f"up to {self.until.date()})\n"
            + self.table.to_string(float_format="{:.4g}".format)
        )

    def plot(self, ax: Any = None) -> Figure:
        """Plot the validation score against the risk aversion, one line per model.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Axes to draw on; default a new figure.

        Returns
        -------
        matplotlib.figure.Figure
        """
        from matplotlib.figure import Figure

        if ax is None:
            fig = Figure(figsize=(6.4, 4.0))
            ax = fig.add_subplot()
        else:
            fig = ax.figure
        t = self.table
        x = (
            "risk_aversion"
            if "risk_aversion" in t and t["risk_aversion"].nunique() > 1
            else None
        )
        group = "risk" if "risk" in t else None
        if x is None:
            ax.bar(range(len(t)), 100 * t[self.score].to_numpy())
            ax.set_xticks(range(len(t)), t["candidate"], rotation=30, ha="right")
        else:
            for name, part in t.groupby(group, sort=False) if group else [("", t)]:
                part = part.sort_values(x)
                ax.plot(part[x], 100 * part[self.score], marker="o", label=name)
            ax.set_xscale("log")
            ax.set_xlabel("risk_aversion x horizon")
            ax.legend(fontsize="small")
        best = t.iloc[0]
        ax.set_ylabel(f"validation {self.score} (%)")
        ax.set_title(
            f"Validation up to {self.until.date()}: best {best['candidate']}",
            fontsize="medium",
        )
        ax.grid(alpha=0.3)
        return fig


def _label(value: Any) -> str:
    return getattr(value, "name", None) or (
        f"{value:g}" if isinstance(value, float) else str(value)
    )


def candidates(
    model_grid: Mapping[str, Sequence[Any]] | Sequence[Replicator],
    model: Replicator | None = None,
) -> list[tuple[dict[str, Any], Replicator]]:
    """Expand a grid into (settings, model) pairs.

    Parameters
    ----------
    model_grid : mapping of str to sequence, or sequence of Replicator
        Values to try for each of ``risk``, ``risk_aversion``, ``horizon``
        (every combination), or the candidate models themselves.
    model : Replicator, optional
        The base model (costs, constraints, solver) the grid values are set
        on; default ``Replicator()``.

    Returns
    -------
    list of (dict, Replicator)
        Each candidate's settings and its own unfitted model.
    """
    if isinstance(model_grid, Mapping):
        unknown = [k for k in model_grid if k not in GRID_KEYS]
        if unknown:
            raise ConfigError(
                f"walk_forward: unknown grid keys {unknown}; a grid may vary "
                f"{list(GRID_KEYS)}."
            )
        empty = [k for k, v in model_grid.items() if isinstance(v, str) or not len(v)]
        if empty or not model_grid:
            raise ConfigError(
                f"walk_forward: every grid key needs a non-empty list of values "
                f"(empty or not a list: {empty or 'the whole grid'})."
            )
        base = model if model is not None else Replicator()
        keys = list(model_grid)
        out = []
        for values in itertools.product(*(model_grid[k] for k in keys)):
            settings = dict(zip(keys, values, strict=True))
            cand = base.clone()
            for k, v in settings.items():
                setattr(cand, k, copy.deepcopy(v) if k == "risk" else float(v))
            cand._validate()
            out.append((settings, cand))
        return out
    models = list(model_grid)
    if not models or not all(isinstance(m, Replicator) for m in models):
        raise ConfigError(
            "walk_forward: model_grid must be a mapping of grid keys to lists, or "
            "a non-empty list of rp.Replicator models."
        )
    return [
        (
            {"risk": m.risk, "risk_aversion": m.risk_aversion, "horizon": m.horizon},
            m.clone(),
        )
        for m in models
    ]


def _until(x: Any, until: pd.Timestamp) -> Any:
    """Cut a date-indexed pandas object at ``until``; other inputs pass."""
    if isinstance(x, (pd.Series, pd.DataFrame)) and isinstance(
        x.index, pd.DatetimeIndex
    ):
        return x.loc[x.index <= until]
    return x


def walk_forward(
    model_grid: Mapping[str, Sequence[Any]] | Sequence[Replicator],
    returns: pd.DataFrame,
    benchmark: pd.Series | pd.DataFrame,
    *,
    model: Replicator | None = None,
    until: Any = None,
    validation: int = 252,
    lookback: int = 252,
    schedule: Any = "M",
    score: str = "te_ex_post",
    **backtest_kwargs: Any,
) -> Selection:
    r"""Choose the risk model and the cost aversion by walk-forward validation.

    Parameters
    ----------
    model_grid : mapping or sequence of Replicator
        ``{"risk": [...], "risk_aversion": [...], "horizon": [...]}`` (every
        combination is tried on ``model``), or a list of candidate models.
    returns : DataFrame
        Daily asset returns (dates x tickers).
    benchmark : Series or DataFrame
        As in :func:`replicator.backtest.run` (the index's returns, weights
        by effective date, or constant weights).
    model : Replicator, optional
        Base model carrying the costs and constraints; default
        ``Replicator()``.
    until : date-like, optional
        Selection date. Only returns, benchmark and market data dated on or
        before it are used. Default: the last date of ``returns``.
    validation : int, default 252
        Trading days of the validation backtest, ending at ``until``.
    lookback : int, default 252
        Lookback of the validation backtest (as in ``backtest.run``): the
        training data must hold ``lookback + validation`` rows.
    schedule : default "M"
        Rebalancing schedule of the validation backtest.
    score : {"te_ex_post", "te_ex_post_rms"}, default "te_ex_post"
        The realized statistic minimized (net of costs: the backtest pays
        them).
    **backtest_kwargs
        Passed to :func:`replicator.backtest.run` (``adv``, ``volumes``,
        ``nav``, ...); date-indexed inputs are cut at ``until`` too.

    Returns
    -------
    Selection

    Raises
    ------
    ConfigError
        An invalid grid or score.
    DataError
        Fewer than ``lookback + validation`` rows up to ``until``.

    Notes
    -----
    With :math:`a_t(\theta)` the daily active return of candidate
    :math:`\theta` in a walk-forward backtest over the validation days
    :math:`V = (u - n_v, u]` (each rebalance using the ``lookback`` days
    before it), the selection is

    .. math::

        \hat\theta(u) = \arg\min_\theta\;
            \sqrt{p}\,\mathrm{sd}_{t\in V}\, a_t(\theta)

    which depends on returns up to :math:`u` only.
    """
    if score not in SCORES:
        raise ConfigError(
            f"walk_forward: score must be one of {SCORES}; got {score!r}."
        )
    for name, v in (("validation", validation), ("lookback", lookback)):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 2:
            raise ConfigError(f"walk_forward: {name} must be an int >= 2; got {v!r}.")
    cands = candidates(model_grid, model)
    if not isinstance(returns, pd.DataFrame) or not isinstance(
        returns.index, pd.DatetimeIndex
    ):
        raise DataError("walk_forward: returns must be a DataFrame indexed by date.")
    cut = returns.index[-1] if until is None else pd.Timestamp(until)
    train = returns.loc[returns.index <= cut]
    need = lookback + validation
    if len(train) < need:
        raise DataError(
            f"walk_forward: {len(train)} rows of returns up to {cut.date()}, but "
            f"lookback + validation = {lookback} + {validation} = {need} are "
            "needed. Use a later selection date or shorter windows."
        )
    start = train.index[-validation]
    kwargs = {k: _until(v, cut) for k, v in backtest_kwargs.items()}
    kwargs.setdefault("baselines", None)
    rows = []
    for settings, cand in cands:
        bt = run(
            cand,
            train,
            _until(benchmark, cut),
            schedule=schedule,
            lookback=lookback,
            start=start,
            **kwargs,
        )
        m = bt.metrics()
        rows.append(
            {
                "candidate": ", ".join(_label(v) for v in settings.values()),
                **{k: (_label(v) if k == "risk" else v) for k, v in settings.items()},
                score: m[score],
                "te_ex_ante_mean": m["te_ex_ante_mean"],
                "te_realized_over_ex_ante": m["te_realized_over_ex_ante"],
                "cost_bp_per_year": m["cost_bp_per_year"],
                "turnover_per_year": m["turnover_per_year"],
            }
        )
    table = pd.DataFrame(rows)
    order = np.argsort(table[score].to_numpy(dtype=float), kind="stable")
    best = int(order[0])
    table = table.iloc[order].reset_index(drop=True)
    settings, chosen = cands[best]
    return Selection(
        settings=dict(settings),
        model=chosen.clone(),
        table=table,
        until=train.index[-1],
        validation=(start, train.index[-1]),
        score=score,
    )
