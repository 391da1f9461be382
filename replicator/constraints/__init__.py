"""Constraints: each a list of ``lhs <= rhs`` rows with a numpy twin."""

from replicator.constraints._base import Constraint, ConstraintReport
from replicator.constraints._fully_invested import FullyInvested
from replicator.constraints._long_only import LongOnly
from replicator.constraints._soft import Soft
from replicator.constraints._turnover_limit import TurnoverLimit
from replicator.constraints._weight_bounds import WeightBounds

__all__ = [
    "Constraint",
    "ConstraintReport",
    "FullyInvested",
    "LongOnly",
    "Soft",
    "TurnoverLimit",
    "WeightBounds",
]
