"""Index builder: point-in-time benchmark weights from market caps.

One methodology per module: :class:`MarketCap`, :class:`CappedMarketCap`
(iterative redistribution, optional floor), :class:`PowerMarketCap` (CCi30's
square root of EWMA-smoothed caps) and :class:`EqualWeight`. A
:class:`Methodology` adds the selection (:class:`Selection`: top-N with a
buffer, exclusion lists or tags, liquidity screen, minimum listing age), the
reweight and reconstitution calendars and the data lag; its
:meth:`~Methodology.build` returns an :class:`IndexHistory`: weights by
effective date, a constituent-change log and the buy-and-hold index level.

Timing
------
A review on date ``d`` (a close) decides the weights from data up to
``d - lag`` rows; they are set at the close of ``d`` and are *effective* on
the next date of the data: they earn the returns of that date onward, the
convention of weights by effective date in :func:`replicator.backtest.run`.

Example
-------
>>> import replicator as rp
>>> cci30 = rp.indices.Methodology(
...     rp.indices.PowerMarketCap(exponent=0.5, half_life=30),
...     rp.indices.Selection(top=30, exclude=("USDT", "USDC")),
...     reweight="M", reconstitute="Q", lag=1, name="CCi30-like")
>>> history = cci30.build(table)            # doctest: +SKIP
>>> history.weights, history.changes, history.level  # doctest: +SKIP
"""

from replicator.indices._builder import Methodology
from replicator.indices._calendar import review_positions
from replicator.indices._capped_market_cap import CappedMarketCap
from replicator.indices._capping import cap_weights
from replicator.indices._equal_weight import EqualWeight
from replicator.indices._history import IndexHistory
from replicator.indices._market_cap import MarketCap
from replicator.indices._power_market_cap import PowerMarketCap
from replicator.indices._selection import Selection
from replicator.indices._weighting import Weighting

__all__ = [
    "CappedMarketCap",
    "EqualWeight",
    "IndexHistory",
    "MarketCap",
    "Methodology",
    "PowerMarketCap",
    "Selection",
    "Weighting",
    "cap_weights",
    "review_positions",
]
