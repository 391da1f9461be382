"""Constraints: each a list of ``lhs <= rhs`` rows with a numpy twin."""

from replicator.constraints._active_weight_bounds import ActiveWeightBounds
from replicator.constraints._base import Constraint, ConstraintReport
from replicator.constraints._fully_invested import FullyInvested
from replicator.constraints._group_bounds import GroupBounds
from replicator.constraints._liquidity_limit import LiquidityLimit
from replicator.constraints._long_only import LongOnly
from replicator.constraints._no_trade import NoTrade
from replicator.constraints._restricted import Restricted
from replicator.constraints._soft import Soft
from replicator.constraints._tracking_error_limit import TrackingErrorLimit
from replicator.constraints._turnover_limit import TurnoverLimit
from replicator.constraints._weight_bounds import WeightBounds

__all__ = [
    "ActiveWeightBounds",
    "Constraint",
    "ConstraintReport",
    "FullyInvested",
    "GroupBounds",
    "LiquidityLimit",
    "LongOnly",
    "NoTrade",
    "Restricted",
    "Soft",
    "TrackingErrorLimit",
    "TurnoverLimit",
    "WeightBounds",
]
