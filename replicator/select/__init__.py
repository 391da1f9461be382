"""Choose a model's settings by walk-forward validation, without look-ahead.

>>> import replicator as rp
>>> sel = rp.select.walk_forward(                               # doctest: +SKIP
...     {"risk": [rp.risk.StatisticalFactor(), rp.risk.EWMA()],
...      "risk_aversion": [0.3, 1, 3, 10]},
...     returns, index_returns, model=base, until="2011-12-31")
>>> sel.settings, sel.table, sel.plot()                         # doctest: +SKIP
"""

from replicator.select._reselect import ReselectedBacktest, reselecting_backtest
from replicator.select._walk_forward import Selection, candidates, walk_forward

__all__ = [
    "ReselectedBacktest",
    "Selection",
    "candidates",
    "reselecting_backtest",
    "walk_forward",
]
