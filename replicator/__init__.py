"""replicator: index replication by convex optimization.

Minimize ex-ante tracking error to a benchmark, net of trading costs, under
liquidity, turnover and other constraints.
"""

from importlib.metadata import PackageNotFoundError, version

from replicator import (
    backtest,
    constraints,
    costs,
    data,
    datasets,
    derivatives,
    exceptions,
    indices,
    measures,
    report,
    risk,
    venues,
)
from replicator.backtest import BacktestResult
from replicator.replicator import Replicator
from replicator.result import ReplicationResult
from replicator.solvers import Status, available_solvers

try:
    __version__ = version("replicator")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "BacktestResult",
    "ReplicationResult",
    "Replicator",
    "Status",
    "__version__",
    "available_solvers",
    "backtest",
    "constraints",
    "costs",
    "data",
    "datasets",
    "derivatives",
    "exceptions",
    "indices",
    "measures",
    "report",
    "risk",
    "venues",
]
