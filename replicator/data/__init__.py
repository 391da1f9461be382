"""Data loading and validation at the boundary.

Loaders read CSV (optionally compressed) or Parquet files in wide form (a date
column, then one column per ticker) or long form (one row per date and
ticker), return pandas objects and raise a :class:`~replicator.exceptions.DataError`
(or subclass) whose message names the file, the column, the row, ticker or
date, and what to do.
"""

from replicator.data._attributes import load_adv, load_fees, load_sectors
from replicator.data._coverage import check_coverage
from replicator.data._holdings import Holdings, load_holdings
from replicator.data._returns import load_benchmark_returns, load_returns
from replicator.data._snapshot import MarketSnapshot
from replicator.data._weights import load_benchmark_weights

__all__ = [
    "Holdings",
    "MarketSnapshot",
    "check_coverage",
    "load_adv",
    "load_benchmark_returns",
    "load_benchmark_weights",
    "load_fees",
    "load_holdings",
    "load_returns",
    "load_sectors",
]
