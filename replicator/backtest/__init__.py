"""Walk-forward rebalancing backtest with realized tracking error and costs.

``rp.backtest.run(model, returns, benchmark, schedule="M")`` re-solves the same
compiled problem at each rebalance date (parameters updated, warm-started),
executes the trades, charges them with the model's own cost terms and keeps
the books daily, beside baselines run through the same engine.

Timing (no look-ahead)
----------------------
The decision at date ``d`` uses data up to and including ``d``: the lookback
window of returns ending at ``d``, the benchmark weights at the close of ``d``
(after a reconstitution effective the next morning), ADV and prices as of
``d``. Trades execute at the close of ``d`` at the close price, costs are paid
at the close of ``d``, and the new holdings earn the returns of ``d+1``
onward. The *formation date* is the close before ``start``: the first
portfolio is built there (from cash, or from ``holdings``) and appears as the
first row of the daily table, with a benchmark return of 0 and a portfolio
return of minus its costs. The last date never rebalances.

Accounting
----------
Positions and cash are kept in currency. Between rebalances positions drift
with realized returns and cash earns ``cash_return`` (0 by default). Flows
(subscriptions +, redemptions -) arrive in cash at the close of their date,
before any trade, and are invested at the next rebalance. At a rebalance,
trades ``t`` are fractions of the pre-trade NAV ``V-``; every cost model of
the Replicator charges ``cost.evaluate(t, snapshot)`` (a fraction of ``V-``)
at the executed trades, with the ADV and prices of that date, and the costs
are paid from cash (a fully invested fund holds an overdraft of the size of
the last costs until its next rebalance). Hence, exactly,

.. math::

    V_t = V_{t-1} + h_{t-1}^T r_t + c_{t-1} r^c_t + F_t - K_t

and the daily return ``(V_t - F_t - V_{t-1}) / V_{t-1}`` is net of costs and
free of flows. For the same trades in currency, the NAV of a zero-cost run
exceeds that of the costed run by the costs accrued at the cash rate,
``sum_k K_k prod_{k<j<=T} (1 + r^c_j)`` (the sum of the costs when cash earns 0).

Benchmark
---------
Weights by effective date (a DataFrame): a row dated ``e`` is in force for
the returns of ``e`` onward (reconstitution at the close before ``e``; the
first row is in force from the start) and drifts with returns between rows.
Constant weights (a Series by ticker): a constant mix, reset daily. A Series
by date: the index's returns (returns-only mode; full replication and top-K
are then unavailable and the least-squares tracker is the baseline).

Universe changes and missing data
---------------------------------
The model universe is every column of ``returns``, fixed for the run, so the
problem compiles once. A NaN return means "no price that day": the position
earns 0 that day (price carried forward) and cannot be traded. At a rebalance
an asset is *investable* when it has a return that day (and a known positive
ADV and price when those are given; they are as-of panels, the last known
value counts), returns on at least ``min_history`` of the lookback window
(missing ones count as 0 in the risk model), and, when benchmark weights are
known (``universe="constituents"``, the default then), is a constituent that
day. In returns-only mode every asset with data is eligible.
The optimizer holds non-investable names at zero (a benchmark constituent
that is not investable keeps its benchmark weight and is proxied), so a name
that leaves the benchmark is sold at the next rebalance and a new entrant is
bought once it has enough history. A held name that cannot trade (no price)
keeps its position; the other target weights are scaled by one minus its
weight so the budget holds.

Re-estimation and problem reuse
-------------------------------
The risk model is re-estimated (``model.prepare(..., fit=True)`` on the
window) at the formation and at every ``reestimate_every``-th rebalance. In
between, the fitted ``model.risk.factors_`` are reused and the snapshot is
the last prepared one with this date's numbers (holdings, benchmark weights,
investable mask, NAV, ADV, prices, volatility) put in by
``dataclasses.replace``: the same snapshot ``prepare(..., fit=False)`` would
build, without re-validating the window at every date (the panel is validated
once up front). ``model.solve_snapshot`` then updates the parameters of the
problem compiled at the formation and warm-starts it: a fixed universe
compiles once.

Baselines
---------
Run through the same engine, schedule, costs and accounting: ``"full"``
holds the benchmark weights of the investable names, renormalized; ``"top_k"``
the ``top_k`` largest of them, renormalized; ``"ls"`` the sum-to-one
least-squares regression of the benchmark's returns on the investable
assets' over the lookback window (minimum norm when there are more assets
than dates; it may short), re-estimated with the risk model. Full replication
and top-K need benchmark weights; in returns-only mode the result says so in
``notes``.
"""

from replicator.backtest._policies import sum_to_one_least_squares
from replicator.backtest._result import BacktestResult
from replicator.backtest._run import run
from replicator.backtest._schedule import Schedule

__all__ = [
    "BacktestResult",
    "Schedule",
    "run",
    "sum_to_one_least_squares",
]
